"""dbcop's bincode histories (PolySI's history.bincode): layout, meaning, detection, errors."""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from histcheck.api import check
from histcheck.cli import main
from histcheck.errors import FormatError
from histcheck.formats import detect, read_history
from histcheck.history import FAIL, OK

HISTORIES = Path(__file__).resolve().parents[2] / "histories/txn-formats"
POSTGRES = HISTORIES / "dbcop-bincode/postgres-rr-20_100_15_10000/history.bincode"
DGRAPH = HISTORIES / "dbcop-bincode/dgraph/history.bincode"

Ev = tuple[bool, int, int, bool]
"""write, variable, value, success"""


def _text(value: str) -> bytes:
    raw = value.encode()
    return struct.pack("<Q", len(raw)) + raw


def _bincode(sessions: list[list[tuple[list[Ev], bool]]]) -> bytes:
    """A history laid out as serde + bincode 1.x write dbcop's ``History``."""
    out = struct.pack("<5Q", 0, len(sessions), 10, 2, 2) + _text("hand-made")
    out += _text("2022-07-22T15:07:11.489769664+08:00") * 2
    out += struct.pack("<Q", len(sessions))
    for session in sessions:
        out += struct.pack("<Q", len(session))
        for events, success in session:
            out += struct.pack("<Q", len(events))
            out += b"".join(struct.pack("<BQQB", *event) for event in events)
            out += bytes([success])
    return out


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "history.bincode"
    path.write_bytes(_bincode([
        [([(True, 1, 5, True), (False, 2, 0, True)], True),
         ([(True, 2, 9, True)], False)],
        [([(False, 1, 5, True), (False, 2, 7, False)], True)],
    ]))
    return path


def test_corpus_files_are_detected() -> None:
    assert detect(POSTGRES).name == "dbcop-bincode"
    assert detect(DGRAPH).name == "dbcop-bincode"
    assert detect(HISTORIES / "dbcop/write-skew.json").name == "dbcop"
    assert detect(HISTORIES / "cobra-log/cock-G2/T1.log").name == "cobra"


def test_postgres_run_reads_as_sessions_of_transactions() -> None:
    history = read_history(POSTGRES)
    assert len(history.processes()) == 20
    assert len(history) == 2000
    assert history.realtime is False
    first = history.operations[0]
    assert first.process == 1
    assert first.value[:3] == (("w", 4254, 1), ("w", 9872, 1), ("r", 5083, None))  # type: ignore[index]


def test_dgraph_violates_snapshot_isolation() -> None:
    result = check(read_history(DGRAPH), model="rw-register", consistency="snapshot-isolation")
    assert result.valid is False
    assert {a.name for a in result.anomalies} & {"GSI", "G-single", "lost-update"}


def test_meaning_of_success_flags_and_zero(sample: Path) -> None:
    history = read_history(sample, "dbcop-bincode")
    assert detect(sample).name == "dbcop-bincode"
    ops = {(op.process, op.type): op for op in history}
    assert ops[(1, OK)].value == (("w", 1, 5), ("r", 2, None))  # a read of 0: the initial state
    assert ops[(1, FAIL)].value == (("w", 2, 9),)  # an aborted transaction tried its writes
    assert ops[(2, OK)].value == (("r", 1, 5),)  # the read that did not succeed is dropped


def test_read_of_an_aborted_write_is_g1a(tmp_path: Path) -> None:
    path = tmp_path / "history.bincode"
    path.write_bytes(_bincode([[([(True, 1, 5, True)], False)],
                               [([(False, 1, 5, True)], True)]]))
    result = check(read_history(path), model="rw-register", consistency="read-committed")
    assert result.valid is False
    assert "G1a" in {a.name for a in result.anomalies}


@pytest.mark.parametrize("cut", [3, 41, 60, 100, -20, -1])
def test_truncated_file_names_the_byte(tmp_path: Path, cut: int) -> None:
    data = POSTGRES.read_bytes()
    path = tmp_path / "cut.bincode"
    path.write_bytes(data[:cut])
    result = CliRunner().invoke(main, ["check", "-m", "rw-register", "-c", "serializable",
                                       "--format", "dbcop-bincode", str(path)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert str(path) in lines[0]
    assert "byte" in lines[0]


@pytest.mark.parametrize(("patch", "phrase"), [
    (lambda d: d[:-1] + b"\x07", "bool"),  # the last transaction's success flag
    (lambda d: d + b"\x00", "after the last session"),
    (lambda d: d[:40] + struct.pack("<Q", 1 << 40) + d[48:], "garbled"),  # info's length
])
def test_garbled_file_is_an_error(sample: Path, patch: Callable[[bytes], bytes],
                                  phrase: str) -> None:
    sample.write_bytes(patch(sample.read_bytes()))
    with pytest.raises(FormatError, match=phrase) as caught:
        read_history(sample, "dbcop-bincode")
    assert caught.value.path == str(sample)
    assert "byte " in caught.value.problem


def test_write_of_zero_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "history.bincode"
    path.write_bytes(_bincode([[([(True, 1, 0, True)], True)]]))
    with pytest.raises(FormatError, match="initial value"):
        read_history(path)


def test_text_given_as_bincode_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "h.txt"
    path.write_text("w(1,1,1,1)\n")
    with pytest.raises(FormatError, match="truncated"):
        read_history(path, "dbcop-bincode")
