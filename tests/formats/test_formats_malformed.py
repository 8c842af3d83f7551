"""Every malformed history is refused with a HistoryError naming the file and the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from histcheck.errors import FormatError, HistoryError
from histcheck.formats import read_history

INV = '{"process": 0, "type": "invoke", "f": "read", "value": null}'
OK = '{"process": 0, "type": "ok", "f": "read", "value": 1}'

JSONL_CASES = [
    ("completion without invoke", [OK], 1, "without an invoke"),
    ("second invoke on busy process", [INV, OK, INV, INV], 4, "second invoke on busy process"),
    ("unknown type", [INV, OK.replace('"ok"', '"done"')], 2, "unknown event type"),
    ("txn value not micro-ops", ['{"process": 1, "type": "invoke", "f": "txn", "value": [1, 2]}'],
     1, "micro-operations"),
    ("txn micro-op of unknown kind",
     ['{"process": 1, "type": "invoke", "f": "txn", "value": [["x", 1, 2]]}'], 1,
     "micro-operations"),
    ("malformed JSON", [INV, '{"process": 0, "type": "ok",'], 2, "invalid JSON"),
    ("not an object", [INV, "[1, 2]"], 2, "expected a JSON object"),
    ("process of wrong type", ['{"process": 1.5, "type": "invoke", "f": "read"}'], 1, "process"),
    ("time of wrong type", ['{"process": 1, "type": "invoke", "f": "read", "time": "x"}'], 1,
     "time"),
    ("completion f differs", [INV, OK.replace('"read"', '"write"')], 2, "differs"),
    ("no type", ['{"process": 1, "f": "read"}'], 1, "no type"),
]


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def _check(path: Path, line: int | None, phrase: str) -> None:
    with pytest.raises(HistoryError) as caught:
        read_history(path)
    error = caught.value
    assert error.path == str(path)
    assert error.line == line, str(error)
    assert phrase in error.problem, str(error)


@pytest.mark.parametrize(("case", "lines", "line", "phrase"), JSONL_CASES,
                         ids=[c[0] for c in JSONL_CASES])
def test_jsonl(tmp_path: Path, case: str, lines: list[str], line: int, phrase: str) -> None:
    # A blank line and a valid operation first, so the line number is not simply 1.
    path = _write(tmp_path, "h.jsonl", "\n".join(['{"process": 9, "type": "invoke", "f": "w"}',
                                                  "", *lines]) + "\n")
    _check(path, line + 2, phrase)


EDN_CASES = [
    # completions alone are an Elle history (tests/formats/test_formats_completions.py); a bare
    # completion beside invocations is not
    ("completion without invoke", "{:process 0 :type :invoke :f :read}\n"
     "{:process 0 :type :ok :f :read :value 1}\n{:process 1 :type :ok :f :read :value 1}", 3,
     "without"),
    ("second invoke", "{:process 0 :type :invoke :f :read}\n{:process 0 :type :invoke :f :read}",
     2, "second invoke"),
    ("unknown type", "{:process 0 :type :maybe :f :read}", 1, "unknown event type"),
    ("unclosed map", "{:process 0 :type :invoke :f :read}\n{:process 0 :type", 3,
     "opened on line 2 is never closed"),
    ("txn value of wrong shape", "{:process 0 :type :invoke :f :txn :value [1 2]}", 1,
     "micro-operations"),
    ("not a map", "{:process 0 :type :invoke :f :read}\n[1 2]", 2, "expected an operation map"),
]


@pytest.mark.parametrize(("case", "text", "line", "phrase"), EDN_CASES,
                         ids=[c[0] for c in EDN_CASES])
def test_edn(tmp_path: Path, case: str, text: str, line: int, phrase: str) -> None:
    _check(_write(tmp_path, "h.edn", text + "\n"), line, phrase)


@pytest.mark.parametrize("name", ["h.jsonl", "h.edn", "h.txt"])
def test_empty_file(tmp_path: Path, name: str) -> None:
    path = _write(tmp_path, name, "\n  \n")
    with pytest.raises(FormatError, match="empty") as caught:
        read_history(path)
    assert caught.value.path == str(path)


@pytest.mark.parametrize("fmt", ["jsonl", "edn", "polysi"])
def test_empty_file_with_format(tmp_path: Path, fmt: str) -> None:
    path = _write(tmp_path, "h", "")
    with pytest.raises(HistoryError, match="empty") as caught:
        read_history(path, fmt)
    assert caught.value.path == str(path)


def test_garbage_is_not_a_format(tmp_path: Path) -> None:
    _check(_write(tmp_path, "h.txt", "hello world\n"), 1, "cannot tell the history format")
