"""PolySI, Cobra and dbcop histories become ordinary txn operations; their errors are located."""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import pytest

from histcheck.errors import FormatError, HistoryError
from histcheck.formats import detect, read_history, write_history
from histcheck.history import FAIL, INFO, OK

HISTORIES = Path(__file__).resolve().parents[2] / "histories" / "txn-formats"
INIT = 0xBEBEEBEE


def _cobra(*records: tuple[bytes, tuple[int, ...]]) -> bytes:
    return b"".join(tag + struct.pack(f">{len(fields)}Q", *fields) for tag, fields in records)


def test_polysi_galera() -> None:
    history = read_history(HISTORIES / "polysi-text" / "galera.txt")
    assert [op.process for op in history] == [1, 2, 1, 2, 1, 2, 1]  # round by round
    first = history.operations[0]
    assert first.value == (("w", 0, 1), ("w", 0, 2))
    reader = history.operations[1]
    assert reader.value == (("r", 0, 4), ("w", 0, 10))
    assert reader.invoke_value == (("r", 0, None), ("w", 0, 10))
    assert history.line_of(reader.call) == 9


def test_polysi_initial_read_is_none(tmp_path: Path) -> None:
    path = tmp_path / "h.txt"
    path.write_text("r(5,0,1,1)\nw(5,7,1,1)\nr(5,7,2,2)\nr(6,3,2,2)\n")
    ops = read_history(path).operations
    assert ops[0].value == (("r", 5, None), ("w", 5, 7))
    assert ops[1].value == (("r", 5, 7), ("r", 6, 3))


@pytest.mark.parametrize(("text", "line", "phrase"), [
    ("w(1,1,1,1)\nx(1,1,1,1)\n", 2, "not a PolySI operation"),
    ("w(1,1,1,1)\nw(1,2,1,1)\nr(1,2,1\n", 3, "not a PolySI operation"),
    ("w(1,1,1,1)\nw(2,1,2,1)\n", 2, "transaction 1 appears in sessions 1 and 2"),
    ("w(1,1,1,1)\nw(1,1,2,2)\n", 2, "written to key 1 twice"),
    ("w(1,0,1,1)\n", 1, "implicit initial value"),
])
def test_polysi_errors(tmp_path: Path, text: str, line: int, phrase: str) -> None:
    path = tmp_path / "h.txt"
    path.write_text(text)
    with pytest.raises(FormatError) as caught:
        read_history(path, "polysi")
    assert (caught.value.path, caught.value.line) == (str(path), line)
    assert phrase in caught.value.problem


def test_cobra_folder_is_one_history() -> None:
    folder = HISTORIES / "cobra-log" / "cock-G2"
    assert detect(folder).name == "cobra"
    history = read_history(folder)
    assert len(history) == 446
    assert history.processes() == list(range(10))
    assert all(op.type is OK and op.f == "txn" for op in history)
    writes = [(k, v) for op in history for f, k, v in op.value if f == "w"]  # type: ignore[union-attr]
    assert len(writes) == len(set(writes))


def test_cobra_reads_resolve_to_write_ids(tmp_path: Path) -> None:
    (tmp_path / "T0.log").write_bytes(_cobra(
        (b"S", (1,)), (b"W", (100, 7, 55)), (b"C", (1,)),
        (b"S", (3,)), (b"R", (2, 200, 8, 66)), (b"C", (3,))))
    (tmp_path / "T1.log").write_bytes(_cobra(
        (b"S", (2,)), (b"R", (1, 100, 7, 55)), (b"R", (INIT, INIT, 9, 0)), (b"W", (200, 8, 66)),
        (b"C", (2,)), (b"S", (4,)), (b"W", (300, 7, 1))))
    history = read_history(tmp_path)
    by_process = {(op.process, op.call): op for op in history}
    values = [op.value for _, op in sorted(by_process.items(), key=lambda kv: kv[0][1])]
    assert values == [(("w", 7, 100),), (("r", 7, 100), ("r", 9, None), ("w", 8, 200)),
                      (("r", 8, 200),), (("w", 7, 300),)]
    assert history.operations[-1].type is INFO  # started, never committed


def test_cobra_incomplete_history_is_an_error(tmp_path: Path) -> None:
    shutil.copytree(HISTORIES / "cobra-log" / "cock-G2", tmp_path / "h")
    (tmp_path / "h" / "T9.log").write_bytes(_cobra((b"S", (1,)), (b"R", (77, 1234, 5, 9)),
                                                   (b"C", (1,))))
    with pytest.raises(FormatError) as caught:
        read_history(tmp_path / "h")
    assert caught.value.path == str(tmp_path / "h" / "T9.log")
    assert "record 2 at byte 9" in caught.value.problem
    assert "incomplete" in caught.value.problem


@pytest.mark.parametrize(("data", "phrase"), [
    (_cobra((b"S", (1,)), (b"S", (2,))), "starts before"),
    (_cobra((b"S", (1,))) + b"Q", "unknown record type"),
    (_cobra((b"S", (1,))) + b"W\x00\x01", "truncated W record"),
    (_cobra((b"S", (1,)), (b"C", (2,))), "commit of 0x2"),
])
def test_cobra_malformed(tmp_path: Path, data: bytes, phrase: str) -> None:
    (tmp_path / "T0.log").write_bytes(data)
    with pytest.raises(HistoryError, match=phrase):
        read_history(tmp_path, "cobra")


def test_dbcop_sample_and_writer(tmp_path: Path) -> None:
    sample = HISTORIES / "dbcop" / "write-skew.json"
    history = read_history(sample)
    assert [op.type for op in history] == [OK, OK, OK, OK, FAIL]
    assert history.operations[2].value == (("r", 1, None),)
    out = tmp_path / "out.json"
    write_history(history, out, "dbcop")
    again = read_history(out)
    assert [(op.process, op.type, op.value) for op in again] == \
        [(op.process, op.type, op.value) for op in history]


def test_dbcop_error_names_transaction_line(tmp_path: Path) -> None:
    path = tmp_path / "h.json"
    path.write_text('[\n  [\n    {"events": [], "committed": true},\n'
                    '    {"events": [{"Delete": {"variable": 1}}], "committed": true}\n  ]\n]\n')
    with pytest.raises(FormatError) as caught:
        read_history(path)
    assert caught.value.line == 4
    assert "session 1, transaction 2" in caught.value.problem
