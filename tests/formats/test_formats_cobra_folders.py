"""Real Cobra runs leave text side files (T*.debug, T*.error) beside the binary T*.log files.

histcheck reads the logs and ignores the side files, as Cobra's verifier does; any other file in
the folder is left out with a warning that names it.
"""

from __future__ import annotations

import shutil
import struct
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from histcheck.api import check
from histcheck.cli import main
from histcheck.errors import FormatError, HistcheckWarning
from histcheck.formats import FORMATS, detect, read_history

TWITTER = Path(__file__).resolve().parents[2] / "histories/txn-formats/cobra-log/twitter-10000"


def _log(txnid: int, write_id: int) -> bytes:
    return (b"S" + struct.pack(">Q", txnid) + b"W" + struct.pack(">3Q", write_id, 1, 7)
            + b"C" + struct.pack(">Q", txnid))


def test_folder_with_side_files_is_detected_and_read_without_warnings() -> None:
    assert {p.suffix for p in TWITTER.iterdir()} == {".log", ".debug", ".error"}
    assert detect(TWITTER).name == "cobra"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        history = read_history(TWITTER)
    assert len(history.processes()) == len(list(TWITTER.glob("T*.log")))


def test_twitter_run_is_serializable() -> None:
    result = check(read_history(TWITTER), model="rw-register", consistency="serializable")
    assert result.valid is True


def test_side_files_are_ignored_whatever_they_hold(tmp_path: Path) -> None:
    (tmp_path / "T0.log").write_bytes(_log(1, 100))
    (tmp_path / "T1.log").write_bytes(_log(2, 200))
    (tmp_path / "T0.debug").write_text("[DEBUG] Txn[1] start\n")
    (tmp_path / "T1.error").write_text("[ERROR] Signature is null\n")
    assert detect(tmp_path).name == "cobra"
    assert len(read_history(tmp_path)) == 2


def test_other_files_are_left_out_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "T0.log").write_bytes(_log(1, 100))
    (tmp_path / "notes.txt").write_text("run on Tuesday\n")
    assert not _detects(tmp_path) or detect(tmp_path).name != "cobra"
    with pytest.warns(HistcheckWarning, match="notes.txt"):
        history = read_history(tmp_path, "cobra")
    assert len(history) == 1


def _detects(path: Path) -> bool:
    try:
        detect(path)
    except FormatError:
        return False
    return True


def test_folder_of_side_files_only_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "T0.debug").write_text("[DEBUG] Txn[1] start\n")
    with pytest.raises(FormatError, match="no log files") as caught:
        read_history(tmp_path, "cobra")
    assert caught.value.path == str(tmp_path)


def test_formats_listing_says_side_files_are_ignored() -> None:
    assert "T*.debug" in FORMATS["cobra"].description
    result = CliRunner().invoke(main, ["formats"])
    assert "are ignored" in result.output


def test_copied_run_keeps_its_verdict_without_side_files(tmp_path: Path) -> None:
    shutil.copytree(TWITTER, tmp_path / "run", ignore=shutil.ignore_patterns("*.debug",
                                                                           "*.error"))
    with_side = read_history(TWITTER)
    without = read_history(tmp_path / "run")
    assert [op.value for op in with_side] == [op.value for op in without]


def test_a_session_log_broken_at_its_start_makes_the_whole_folder_unreadable(
        tmp_path: Path) -> None:
    (tmp_path / "T0.log").write_bytes(_log(1, 100))
    (tmp_path / "T1.log").write_bytes(b"X" + _log(2, 200)[1:])
    (tmp_path / "T2.log").write_bytes(_log(3, 300))
    assert detect(tmp_path).name == "cobra"
    out = CliRunner().invoke(main, ["check", str(tmp_path), "-m", "rw-register"])
    assert out.exit_code == 2
    assert "T1.log" in out.stderr
    assert "VALID" not in out.stdout  # no verdict on the other sessions alone
