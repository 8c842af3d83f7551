"""The polars fast path gives exactly the exact reader's history, or hands the file back."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings

from checker.errors import HistoryError
from checker.formats.jsonl import read_exact, write_jsonl
from checker.formats.jsonl_fast import read_fast
from checker.history import History
from tests.formats.histgen import histories, same


@settings(max_examples=40, deadline=None)
@given(histories())
def test_fast_equals_exact(history: History) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "h.jsonl"
        write_jsonl(history, path)
        fast = read_fast(path)
        exact = read_exact(path)
    # The fast path may hand a file back (it is conservative); when it answers, it must agree.
    if fast is not None:
        same(fast, exact)
        assert list(fast.lines) == list(exact.lines)


def test_string_and_int_processes_differ(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    path.write_text('{"process": 3, "type": "invoke", "f": "read"}\n'
                    '{"process": "3", "type": "invoke", "f": "read"}\n'
                    '{"process": 3, "type": "ok", "f": "read", "value": "7", "node": "n1"}\n')
    fast = read_fast(path)
    assert fast is not None
    same(fast, read_exact(path))
    assert [op.process for op in fast] == [3, "3"]
    assert fast.operations[0].value == "7"


@pytest.mark.parametrize("text", [
    '{"process": 0, "type": "ok", "f": "read"}\n',
    '{"process": 0, "type": "invoke", "f": "read"}\n{"process": 0, "type": "invoke", "f": "r"}\n',
    '{"process": 0, "type": "nope", "f": "read"}\n',
    '{"process": 0, "type": "invoke", "f": "read", "time": 1.5}\n',
    '{"process": 0, "type": "invoke", "f": "txn", "value": [1]}\n',
    '{"process": 0, "type": "invoke", "f": "read"\n',
])
def test_problems_go_to_the_exact_reader(tmp_path: Path, text: str) -> None:
    path = tmp_path / "h.jsonl"
    path.write_text(text)
    assert read_fast(path) is None
    with pytest.raises(HistoryError):
        read_exact(path)


def test_blank_lines_go_to_the_exact_reader(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    path.write_text('{"process": 0, "type": "invoke", "f": "read"}\n\n'
                    '{"process": 0, "type": "ok", "f": "read"}\n')
    assert read_fast(path) is None
    assert read_exact(path).lines[1] == 3
