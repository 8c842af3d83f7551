"""Writing a history and reading it back gives the same history (JSON Lines, EDN, dbcop)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings

from histcheck.formats import read_history, write_history
from histcheck.history import History
from tests.formats.histgen import histories, same


def _roundtrip(history: History, name: str) -> History:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        write_history(history, path)
        return read_history(path)


@settings(max_examples=100, deadline=None)
@given(histories())
def test_jsonl_roundtrip(history: History) -> None:
    same(_roundtrip(history, "h.jsonl"), history)


@settings(max_examples=100, deadline=None)
@given(histories())
def test_edn_roundtrip(history: History) -> None:
    same(_roundtrip(history, "h.edn"), history)
