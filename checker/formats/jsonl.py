"""Native JSON Lines histories (Jepsen's field names, one event per line) and elle-cli's JSON.

The exact reader parses each line on its own, so an error names its line. The specification
is in histories/README.md.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from checker.errors import FormatError, HistoryError
from checker.formats.mapping import event_from_mapping
from checker.history import History, HistoryBuilder
from checker.values import thaw

FAST_BYTES = 4 << 20
"""Files at least this big try the polars fast path first (it pays for polars' import)."""


def read_jsonl(path: Path) -> History:
    """Read a JSON Lines history; blank lines are allowed and skipped.

    Big files go through ``jsonl_fast.read_fast``, which gives the same history or hands the
    file back to the exact reader (so errors always name the right line).
    """
    if path.stat().st_size >= FAST_BYTES:
        from checker.formats.jsonl_fast import read_fast

        history = read_fast(path)
        if history is not None:
            return history
    return read_exact(path)


def read_exact(path: Path) -> History:
    """The exact reader: each line parsed on its own and fed to the ``HistoryBuilder``."""
    source = str(path)
    builder = HistoryBuilder(source)
    with path.open("rb") as fh:
        for number, raw_line in enumerate(fh, start=1):
            if not raw_line.strip():
                continue
            try:
                raw = orjson.loads(raw_line)
            except orjson.JSONDecodeError as exc:
                raise FormatError(f"invalid JSON: {exc}", path=source, line=number) from None
            builder.add(_event(raw, source, number), number)
    return builder.build()


def read_json_array(path: Path) -> History:
    """Read elle-cli's JSON form: one array of event objects (line numbers are approximate)."""
    source = str(path)
    data = path.read_bytes()
    try:
        items = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        line = data[: exc.pos].count(b"\n") + 1 if exc.pos is not None else None
        raise FormatError(f"invalid JSON: {exc.msg}", path=source, line=line) from None
    if not isinstance(items, list):
        raise FormatError("expected a JSON array of events", path=source, line=1)
    builder = HistoryBuilder(source)
    starts = _object_lines(data, len(items))
    for number, raw in zip(starts, items, strict=True):
        builder.add(_event(raw, source, number), number)
    return builder.build()


def _object_lines(data: bytes, count: int) -> list[int]:
    """The line each top-level object of a JSON array starts on (best effort by braces)."""
    lines: list[int] = []
    depth = 0
    line = 1
    in_string = False
    escaped = False
    for byte in data:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x7B, 0x5B):
            if depth == 1 and byte == 0x7B:
                lines.append(line)
            depth += 1
        elif byte in (0x7D, 0x5D):
            depth -= 1
        if byte == 0x0A:
            line += 1
    if len(lines) != count:
        return list(range(1, count + 1))
    return lines


def _event(raw: Any, source: str, number: int) -> Any:
    if not isinstance(raw, dict):
        raise FormatError(f"expected a JSON object, found {type(raw).__name__}", path=source,
                          line=number)
    try:
        return event_from_mapping(raw)
    except HistoryError as exc:
        raise FormatError(exc.problem, path=source, line=number) from None


def write_jsonl(history: History, path: Path) -> None:
    """Write the native format: one JSON object per event, ``index`` = position."""
    with path.open("wb") as fh:
        for position, event in history.events():
            record: dict[str, Any] = {"index": position}
            if event.time is not None:
                record["time"] = event.time
            record["process"] = event.process
            record["type"] = event.type.value
            record["f"] = event.f
            if event.key is not None:
                record["key"] = thaw(event.key)
            record["value"] = thaw(event.value)
            for name, value in event.extra:
                record[name] = thaw(value)
            fh.write(orjson.dumps(record))
            fh.write(b"\n")
