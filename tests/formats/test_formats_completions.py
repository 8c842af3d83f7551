"""Elle histories of completions alone: each completion stands for its own invocation.

The rule is for the whole history: with no client invocation anywhere, every completion gets an
invocation just before it; with one, a bare completion is still an error.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from histcheck.api import check
from histcheck.cli import main
from histcheck.errors import HistoryError
from histcheck.formats import read_history
from histcheck.history import FAIL, OK

HISTORIES = Path(__file__).resolve().parents[2] / "histories"
G1C = HISTORIES / "elle/completion-only/g1c-completions.edn"


def _edn(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "h.edn"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_completion_only_g1c_is_not_read_committed() -> None:
    history = read_history(G1C)
    assert [op.type for op in history] == [OK, OK, FAIL, OK]
    assert all(op.ret == op.call + 1 for op in history)
    result = check(history, model="list-append", consistency="read-committed")
    assert result.valid is False
    assert "G1c" in {a.name for a in result.anomalies}
    assert check(history, model="list-append", consistency="read-uncommitted").valid is True


def test_each_completion_is_invoked_just_before_it_with_reads_unknown() -> None:
    history = read_history(G1C)
    first = history.operations[0]
    assert first.invoke_value == (("r", "x", None), ("append", "y", 2))
    assert first.value == (("r", "x", (1,)), ("append", "y", 2))
    assert history.line_of(first.call) == history.line_of(first.ret) == 1  # type: ignore[arg-type]


REGISTER_COMPLETIONS = {
    "h.edn": "{:type :ok, :process 0, :f :write, :value 1}\n"
             "{:type :ok, :process 1, :f :read, :value 2}\n"
             "{:type :ok, :process 0, :f :write, :value 2}\n",
    "h.json": '[{"type": "ok", "process": 0, "f": "write", "value": 1},\n'
              ' {"type": "ok", "process": 1, "f": "read", "value": 2},\n'
              ' {"type": "ok", "process": 0, "f": "write", "value": 2}]\n',
}


@pytest.mark.parametrize("name", sorted(REGISTER_COMPLETIONS))
def test_completion_only_register_history_is_checked_in_file_order(tmp_path: Path,
                                                                   name: str) -> None:
    """Jepsen EDN and elle-cli JSON alike: each completion invoked just before it."""
    path = tmp_path / name
    path.write_text(REGISTER_COMPLETIONS[name])
    history = read_history(path)
    assert [op.ret for op in history] == [1, 3, 5]
    assert check(history, model="register", consistency="linearizable").valid is False
    assert check(history, model="register", consistency="sequential").valid is True


def test_nemesis_events_do_not_make_a_history_mixed(tmp_path: Path) -> None:
    path = _edn(tmp_path,
                "{:type :info, :process :nemesis, :f :start, :value nil}",
                "{:type :ok, :process 0, :f :write, :value 1}",
                "{:type :info, :process :nemesis, :f :stop, :value nil}")
    history = read_history(path)
    assert len(history) == 1
    assert len(history.others) == 2


@pytest.mark.parametrize("lines", [
    ("{:type :ok, :process 1, :f :read, :value 1}",
     "{:type :invoke, :process 0, :f :write, :value 1}",
     "{:type :ok, :process 0, :f :write, :value 1}"),
    ("{:type :invoke, :process 0, :f :write, :value 1}",
     "{:type :ok, :process 0, :f :write, :value 1}",
     "{:type :ok, :process 1, :f :read, :value 1}"),
])
def test_invocations_and_bare_completions_mixed_are_an_error(tmp_path: Path,
                                                             lines: tuple[str, ...]) -> None:
    path = _edn(tmp_path, *lines)
    with pytest.raises(HistoryError, match="without an invoke"):
        read_history(path)
    result = CliRunner().invoke(main, ["check", "-m", "register", str(path)])
    assert result.exit_code == 2
    assert len(result.stderr.strip().splitlines()) == 1

