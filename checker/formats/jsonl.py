"""Native JSON Lines histories (Jepsen's field names, one event per line) and elle-cli's JSON.

Every line is parsed on its own, so an error names its line. The common line (only standard
fields, each of its expected type) is decoded straight into a typed ``msgspec`` struct, which is
about twice as fast as decoding to a dict; any other line (extra fields, a missing ``f``, a
wrong type, malformed JSON) takes the general path through ``event_from_mapping``, which keeps
extra fields and words every error. Both paths feed the one ``HistoryBuilder``, and both make
the same values: floats are ``Float`` (msgspec's ``float_hook``), booleans ``Bool``, integers
exact (up to ``histcheck.formats.text.MAX_DIGITS`` digits). The specification is in
histories/README.md.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, ClassVar

import msgspec

from histcheck.collector import paused_collector
from histcheck.errors import FormatError, HistoryError
from histcheck.formats import recording
from histcheck.formats.completions import Completing
from histcheck.formats.json_positions import (
    OPEN_ARRAY,
    decode_json,
    load_document,
    object_start_lines,
)
from histcheck.formats.mapping import ANONYMOUS_PROCESS, event_from_mapping
from histcheck.formats.text import file_chunks
from histcheck.history import Event, EventRecord, EventType, History, HistoryBuilder
from histcheck.values import Float, freeze, thaw, to_json

_TYPES = {t.value: t for t in EventType}
_FREEZE = (list, dict, bool)
_PLAIN = frozenset({int, str, Float, type(None)})


class _Line(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """The common shape of a line: the standard fields only, each of its expected type."""

    type: str
    f: str
    process: int | str = ANONYMOUS_PROCESS
    value: Any = None
    key: Any = None
    time: int | None = None
    index: int | None = None


_Atom = int | str | None
_Plain3 = _Atom | tuple[_Atom, ...]
_Plain2 = _Atom | tuple[_Plain3, ...]
_Plain1 = _Atom | tuple[_Plain2, ...]
_Plain = _Atom | tuple[_Plain1, ...]
"""Values of integers, strings, nulls and arrays of them nested at most four deep: msgspec
decodes them already frozen (arrays as tuples). A boolean, a float, an object or deeper nesting
does not fit, and the chunk is decoded again as ``_Line``."""


class _PlainLine(msgspec.Struct, forbid_unknown_fields=True, gc=False):
    """A common line whose values are plain: decoded straight into the shape ``HistoryBuilder``
    reads (the fields of an ``Event``), with nothing left to convert or freeze."""

    type: EventType
    f: str
    process: int | str = ANONYMOUS_PROCESS
    value: _Plain = None
    key: _Plain = None
    time: int | None = None
    index: int | None = None
    extra: ClassVar[tuple[()]] = ()


_DECODE_LINE = msgspec.json.Decoder(_Line, float_hook=Float).decode
_DECODE_PLAIN_CHUNK = msgspec.json.Decoder(list[_PlainLine]).decode
_DECODE_CHUNK = msgspec.json.Decoder(list[_Line], float_hook=Float).decode
_CLOSE = ord("]")
_UNUSUAL = (msgspec.ValidationError, msgspec.DecodeError, KeyError, HistoryError, RecursionError)


def read_jsonl(path: Path) -> History:
    """Read a JSON Lines history; blank lines are allowed and skipped.

    A file whose first line is a recording header is read as a recording
    (``histcheck.formats.recording``): it may end with an end record, and when it does not,
    the history is marked ``incomplete``.
    """
    source = str(path)
    builder = HistoryBuilder(source)
    with path.open("rb") as fh, paused_collector():
        first = fh.readline()
        if recording.is_header(first):
            return _read_recording(fh, builder, source)
        number = 1
        for chunk in file_chunks(fh, first):
            events = _common_chunk(chunk)
            if events is None:
                _read_lines(chunk.split(b"\n"), number, builder, source)
            else:
                builder.add_all(events, range(number, number + len(events)))
            number += chunk.count(b"\n")
    return builder.build()


def _common_chunk(chunk: bytes) -> Sequence[EventRecord] | None:
    """The events of a chunk in which every line is one common line, decoded as one JSON array;
    None when any line is not (then each line is read on its own).

    Each line end becomes a comma, so every element is exactly one line: a blank line, a line
    holding two objects or an object spread over lines leaves two commas together, or a comma
    where JSON allows none, and the array does not decode. Plain values decode as they are
    kept (``_PlainLine``); any other value makes the chunk decode again, to be frozen.
    """
    array = bytearray(b"[")
    array += chunk.replace(b"\n", b",")
    if chunk.endswith(b"\n"):
        array[-1] = _CLOSE
    else:
        array.append(_CLOSE)
    try:
        return _DECODE_PLAIN_CHUNK(array)
    except msgspec.ValidationError:
        pass
    except (msgspec.DecodeError, RecursionError):
        return None
    try:
        lines = _DECODE_CHUNK(array)
        types, plain, event = _TYPES, _PLAIN, Event
        return [event(line.process, types[line.type], line.f,
                      line.value if line.value.__class__ in plain else freeze(line.value),
                      line.key if line.key.__class__ in plain else freeze(line.key), line.time)
                for line in lines]
    except _UNUSUAL:
        return None


def _read_lines(raw_lines: Iterable[bytes], first: int, builder: HistoryBuilder,
                source: str) -> None:
    add = builder.add
    for number, raw_line in enumerate(raw_lines, start=first):
        try:
            event = typed_event(_DECODE_LINE(raw_line))
        except _UNUSUAL:
            if raw_line.strip():
                add(general_event(raw_line, source, number), number)
            continue
        add(event, number)


def _read_recording(lines: Iterable[bytes], builder: HistoryBuilder, source: str) -> History:
    """The events after a recording's header: up to its end record, or up to the cut."""
    add = builder.add
    events = 0
    ended = False
    for number, raw_line in enumerate(lines, start=2):
        try:
            event = typed_event(_DECODE_LINE(raw_line))
        except _UNUSUAL:
            if not raw_line.strip():
                continue
            if ended:
                raise recording.after_end(source, number) from None
            said = recording.end_count(raw_line, source, number)
            if said is not None:
                recording.check_count(said, events, source, number)
                ended = True
                continue
            if recording.is_cut(raw_line):
                break
            event = general_event(raw_line, source, number)
        if ended:
            raise recording.after_end(source, number)
        add(event, number)
        events += 1
    if not events:
        raise recording.no_events(source)
    history = builder.build()
    return history if ended else msgspec.structs.replace(history, incomplete=True)


def typed_event(line: _Line) -> Event:
    """The event of a line that decoded into the common shape (KeyError: not a known type)."""
    value = line.value
    if value.__class__ in _FREEZE:
        value = freeze(value)
    key = line.key
    if key.__class__ in _FREEZE:
        key = freeze(key)
    return Event(line.process, _TYPES[line.type], line.f, value, key, line.time)


def decode_line(raw_line: bytes) -> _Line:
    """Decode one line into the common shape (raises msgspec errors when it does not fit)."""
    return _DECODE_LINE(raw_line)


def general_event(raw_line: bytes, source: str, number: int) -> Event:
    """The event of any line, through a dict: keeps extra fields and words every error."""
    return _event(decode_json(raw_line, source, number), source, number)


def read_json_array(path: Path) -> History:
    """Read elle-cli's JSON form: one array of event objects (line numbers are approximate).

    As in Elle's EDN, a history of completions alone is read with each completion standing
    for its own invocation (``histcheck.formats.completions``).
    """
    source = str(path)
    data, items = load_document(path)
    if not isinstance(items, list):
        raise FormatError("expected a JSON array of events", path=source, line=1)
    builder = HistoryBuilder(source)
    feed = Completing(builder)
    starts = _object_lines(data, len(items))
    for number, raw in zip(starts, items, strict=True):
        feed.add(_event(raw, source, number), number)
    feed.finish()
    return builder.build()


def _object_lines(data: bytes, count: int) -> list[int]:
    """The line each top-level object of a JSON array starts on (1..count when unsure)."""
    lines = object_start_lines(data, lambda stack: stack == [OPEN_ARRAY])
    return lines if len(lines) == count else list(range(1, count + 1))


def _event(raw: Any, source: str, number: int) -> Event:
    if not isinstance(raw, dict):
        raise FormatError(f"expected a JSON object, found {type(raw).__name__}", path=source,
                          line=number)
    try:
        return event_from_mapping(raw)
    except HistoryError as exc:
        raise FormatError(exc.problem, path=source, line=number) from None


def write_jsonl(history: History, path: Path) -> None:
    """Write the native format: one JSON object per event, ``index`` = position.

    An incomplete recording stays one: its header is written first, and no end record.
    """
    with path.open("wb") as fh:
        if history.incomplete:
            fh.write(recording.header_line())
        for position, event in history.events():
            fh.write(event_line(position, event))


def event_line(position: int, event: Event) -> bytes:
    """One event as the native format writes it (the line, with its newline)."""
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
    return to_json(record) + b"\n"
