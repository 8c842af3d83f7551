"""Jepsen, Knossos, Elle and Porcupine EDN histories: a stream of maps, or one vector of them.

A history of completions alone (Elle accepts them) is read as Elle reads it: see
``histcheck.formats.completions``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from histcheck.collector import paused_collector
from histcheck.errors import FormatError, HistoryError
from histcheck.formats.completions import Completing
from histcheck.formats.edn import iter_maps
from histcheck.formats.edn_lines import chunk_events
from histcheck.formats.mapping import event_from_mapping
from histcheck.formats.text import decode_utf8, line_chunks
from histcheck.history import Event, EventType, History, HistoryBuilder
from histcheck.values import FrozenDict, Value, show


def read_edn(path: Path) -> History:
    """Read an EDN history: line by line when it is written as Jepsen writes it
    (``histcheck.formats.edn_lines``), otherwise, and for every error, by the general parser."""
    source = str(path)
    text = _read_text(path)
    with paused_collector():
        try:
            return _read_lines(text, source)
        except HistoryError:
            pass
        return _read_forms(text, source)


def _read_forms(text: str, source: str) -> History:
    builder = HistoryBuilder(source)
    feed = Completing(builder)
    for raw, line in iter_maps(text, source):
        try:
            event = event_from_mapping(raw)
        except HistoryError as exc:
            raise FormatError(exc.problem, path=source, line=line) from None
        feed.add(event, line)
    feed.finish()
    return builder.build()


def _read_lines(text: str, source: str) -> History:
    """The history of a stream of maps (or one vector of them) whose every line holds whole
    maps; ``HistoryError`` for anything else, and then the general parser reads the file."""
    from histcheck import progress

    builder = HistoryBuilder(source)
    feed = Completing(builder)
    number = 1
    with progress.counter("reading", total=len(text), unit="char", scale=True) as advance:
        for chunk in _unwrapped_chunks(text):
            feed.add_all(*chunk_events(chunk, number, source))
            number += chunk.count("\n")
            advance(len(chunk))
    feed.finish()
    return builder.build()


def _unwrapped_chunks(text: str) -> Iterator[str]:
    """``text`` in chunks (``line_chunks``), with the brackets of a history written as one
    vector (or list) blanked out, so its maps read as a stream: the same maps, on the same
    lines. Only the chunks holding a bracket are copied."""
    start = _LEADING_SPACE.match(text).end()  # type: ignore[union-attr]
    if text[start:start + 1] not in ("[", "("):
        yield from line_chunks(text)
        return
    end = len(text) - 1
    while end > start and text[end].isspace():
        end -= 1
    if text[end] != ("]" if text[start] == "[" else ")") or end == start:
        raise HistoryError("a vector that does not end the file")
    offset = 0
    for chunk in line_chunks(text):
        stop = offset + len(chunk)
        piece = chunk
        for bracket in (start, end):
            if offset <= bracket < stop:
                at = bracket - offset
                piece = f"{piece[:at]} {piece[at + 1:]}"
        yield piece
        offset = stop


_LEADING_SPACE = re.compile(r"\s*")


def _read_text(path: Path) -> str:
    """The file as text with universal newlines; invalid UTF-8 names its line."""
    text = decode_utf8(path.read_bytes(), str(path))
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def _edn(value: Value) -> str:
    if value is None:
        return "nil"
    if isinstance(value, str):
        return '"' + "".join(_ESCAPES.get(ch) or _escape(ch) for ch in value) + '"'
    if isinstance(value, tuple):
        return "[" + " ".join(_edn(v) for v in value) + "]"
    if isinstance(value, FrozenDict):
        return "{" + ", ".join(f"{_keyword(k)} {_edn(v)}" for k, v in value.items()) + "}"
    return show(value)


_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\b": "\\b",
            "\f": "\\f"}


def _escape(ch: str) -> str:
    """Other control characters as \\uXXXX; everything else as itself."""
    return f"\\u{ord(ch):04x}" if ord(ch) < 0x20 or 0x7F <= ord(ch) < 0xA0 else ch


def _keyword(name: str) -> str:
    return ":" + name if name and all(c.isalnum() or c in "-_?!*+.<>=/" for c in name) else \
        _edn(name)


def _event_edn(position: int, event: Event) -> str:
    process = _keyword(event.process) if isinstance(event.process, str) else str(event.process)
    fields = [f":index {position}"]
    if event.time is not None:
        fields.append(f":time {event.time}")
    fields += [f":process {process}", f":type {_keyword(event.type.value)}",
               f":f {_keyword(event.f)}"]
    if event.key is not None:
        fields.append(f":key {_edn(event.key)}")
    fields.append(f":value {_txn_edn(event.value) if event.f == 'txn' else _edn(event.value)}")
    fields += [f"{_keyword(name)} {_edn(value)}" for name, value in event.extra]
    return "{" + ", ".join(fields) + "}"


def _txn_edn(value: Value) -> str:
    if not isinstance(value, tuple):
        return _edn(value)
    mops = []
    for mop in value:
        if isinstance(mop, tuple) and len(mop) == 3 and isinstance(mop[0], str):
            mops.append(f"[{_keyword(mop[0])} {_edn(mop[1])} {_edn(mop[2])}]")
        else:
            mops.append(_edn(mop))
    return "[" + " ".join(mops) + "]"


def write_edn(history: History, path: Path) -> None:
    """Write Jepsen EDN: one map per line inside a vector; names are written as keywords.

    Strings that were EDN keywords and strings that were EDN strings are the same after reading,
    so ``f``, ``type`` and string processes are written as keywords, and other strings as strings.
    """
    with path.open("w", encoding="utf-8") as fh:
        fh.write("[")
        first = True
        for position, event in history.events():
            fh.write("" if first else "\n ")
            fh.write(_event_edn(position, event))
            first = False
        fh.write("]\n")


__all__ = ["EventType", "read_edn", "write_edn"]
