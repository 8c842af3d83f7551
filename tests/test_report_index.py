"""``--report DIR`` on many histories: one folder each, mirroring where it was found, cleared
on re-run, and an index page listing the run."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from histcheck.cli import main

WRITE = ('{"process": 0, "type": "invoke", "f": "write", "value": 1}\n'
         '{"process": 0, "type": "ok", "f": "write", "value": 1}\n')
BAD_READ = ('{"process": 1, "type": "invoke", "f": "read", "value": null}\n'
            '{"process": 1, "type": "ok", "f": "read", "value": 2}\n')


def _check(*args: str) -> int:
    return CliRunner().invoke(main, ["check", "--model", "register", *args]).exit_code


def _store(tmp_path: Path) -> Path:
    """Jepsen's store layout: every run's history has the same name."""
    store = tmp_path / "store"
    for run, text in (("run-1", WRITE + BAD_READ), ("run-2", WRITE)):
        (store / "register" / run).mkdir(parents=True)
        (store / "register" / run / "history.jsonl").write_text(text)
    return store


def test_histories_of_one_name_get_folders_of_their_own(tmp_path: Path) -> None:
    store, out = _store(tmp_path), tmp_path / "out"
    assert _check(str(store), "--report", str(out)) == 1
    for run in ("run-1", "run-2"):
        assert (out / "register" / run / "history_jsonl" / "index.html").is_file()
    index = (out / "index.html").read_text()
    assert "2 histories: 1 invalid, 1 valid." in index
    first, second = index.index("run-1"), index.index("run-2")
    assert first < second  # the invalid one first
    assert 'href="register/run-1/history_jsonl/index.html"' in index
    assert "<td>INVALID</td><td>nonlinearizable</td>" in index
    assert "http" not in index.replace('lang="en"', "")  # self-contained: nothing fetched


def test_a_rerun_clears_the_pages_of_the_earlier_verdict(tmp_path: Path) -> None:
    store, out = _store(tmp_path), tmp_path / "out"
    _check(str(store), "--report", str(out))
    stale = out / "register" / "run-1" / "history_jsonl" / "stale-anomaly.txt"
    stale.write_text("from an earlier run")
    (store / "register" / "run-1" / "history.jsonl").write_text(WRITE)
    assert _check(str(store), "--report", str(out)) == 0
    assert not stale.exists()
    assert "2 histories: 2 valid." in (out / "index.html").read_text()


def test_a_folder_it_did_not_write_is_never_cleared(tmp_path: Path) -> None:
    history = tmp_path / "h.jsonl"
    history.write_text(WRITE)
    mine = tmp_path / "out" / "h_jsonl" / "notes.txt"
    mine.parent.mkdir(parents=True)
    mine.write_text("keep me")
    for _ in range(2):
        assert _check(str(history), "--report", str(tmp_path / "out")) == 0
        assert mine.read_text() == "keep me"


def test_two_files_of_one_name_given_side_by_side_do_not_collide(tmp_path: Path) -> None:
    store, out = _store(tmp_path), tmp_path / "out"
    one = store / "register" / "run-1" / "history.jsonl"
    two = store / "register" / "run-2" / "history.jsonl"
    assert _check(str(one), str(two), "--report", str(out)) == 1
    assert (out / "history_jsonl" / "index.html").is_file()
    assert (out / "history_jsonl-2" / "index.html").is_file()
