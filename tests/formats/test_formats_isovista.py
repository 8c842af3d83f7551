"""IsoVista and C4 text: PolySI's lines with aborted writes (transaction -1) and an explicit
initial transaction that writes 0 to every key."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from histcheck.api import check
from histcheck.cli import main
from histcheck.errors import FormatError
from histcheck.formats import detect, read_history
from histcheck.history import FAIL

HISTORIES = Path(__file__).resolve().parents[2] / "histories"
PG_SER_BUG = HISTORIES / "txn-formats/isovista/pg_ser_bug.txt"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "history.txt"
    path.write_text(text)
    return path


def test_isovista_file_is_detected_as_polysi_text() -> None:
    assert detect(PG_SER_BUG).name == "polysi"


def test_explicit_initial_transaction_is_the_initial_state() -> None:
    history = read_history(PG_SER_BUG)
    assert all(op.process != 0 for op in history)  # session 0 held only the initial writes
    assert len(history) == 20
    result = check(history, model="rw-register", consistency="serializable")
    assert result.valid is False
    assert "G2-item" in {a.name for a in result.anomalies}


def test_read_of_an_aborted_write_is_g1a(tmp_path: Path) -> None:
    path = _write(tmp_path, "w(1,0,0,0)\nw(2,0,0,0)\n"
                            "w(1,5,1,-1)\nr(2,0,1,-1)\n"
                            "w(1,6,1,2)\nr(1,5,2,3)\n")
    history = read_history(path)
    aborted = [op for op in history if op.type is FAIL]
    assert len(aborted) == 1
    assert ("w", 1, 5) in aborted[0].value  # type: ignore[operator]
    result = check(history, model="rw-register", consistency="read-committed")
    assert result.valid is False
    assert "G1a" in {a.name for a in result.anomalies}


def test_aborted_writes_of_several_sessions_are_not_one_transaction(tmp_path: Path) -> None:
    path = _write(tmp_path, "w(1,5,1,-1)\nw(1,6,2,-1)\nw(1,7,3,4)\nr(1,7,3,5)\n")
    history = read_history(path)
    assert sorted(op.process for op in history if op.type is FAIL) == [1, 2]
    assert check(history, model="rw-register", consistency="serializable").valid is True


def test_write_of_zero_outside_the_initial_transaction_is_still_an_error(
        tmp_path: Path) -> None:
    path = _write(tmp_path, "w(1,0,0,0)\nw(2,1,1,1)\nw(2,0,1,2)\n")
    with pytest.raises(FormatError, match="implicit initial value") as caught:
        read_history(path)
    assert caught.value.line == 3


def test_a_first_transaction_that_reads_is_not_an_initial_state(tmp_path: Path) -> None:
    path = _write(tmp_path, "w(1,0,0,0)\nr(2,0,0,0)\nw(2,1,1,1)\n")
    result = CliRunner().invoke(main, ["check", "-m", "rw-register", str(path)])
    assert result.exit_code == 2
    assert result.stderr.strip().endswith("write of 0, the implicit initial value, to key 1")
    assert len(result.stderr.strip().splitlines()) == 1
