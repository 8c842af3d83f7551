"""Recordings: JSON Lines files written as events happen, marked so a cut one is never taken whole.

histcheck's recorders write a header record first and an end record last::

    {"histcheck": "recording"}
    ...one event per line, flushed as they happen...
    {"histcheck": "end", "events": 1234}

The end record is written only after the last event, so a recording that was cut (the recorder
killed, the machine lost) lacks it. Such a file is an *incomplete recording*: it is read, its
operations still open are indeterminate (as in any history), a last line cut in the middle is
dropped (it is the cut), and readers warn. A file without the header (written by another tool,
or by hand) never has an end record and is read exactly as before: a cut line there is an error.
"""

from __future__ import annotations

import warnings
from typing import Any

import msgspec

from histcheck.errors import FormatError, HistcheckWarning

MARK = "histcheck"
HEADER = "recording"
END = "end"


def header_line(**fields: Any) -> bytes:
    """The first line of a recording (``fields`` say what recorded it; readers ignore them)."""
    import orjson

    return orjson.dumps({MARK: HEADER, **fields}) + b"\n"


def end_line(events: int) -> bytes:
    """The last line of a complete recording: how many events it holds."""
    import orjson

    return orjson.dumps({MARK: END, "events": events}) + b"\n"


def _mark(raw_line: bytes) -> tuple[str, Any] | None:
    """``(kind, record)`` when the line is a recording mark, else None (cheap for events)."""
    if MARK.encode() not in raw_line[:32]:
        return None
    try:
        record = msgspec.json.decode(raw_line)
    except msgspec.DecodeError:
        return None
    if isinstance(record, dict) and isinstance(record.get(MARK), str):
        return record[MARK], record
    return None


def is_header(raw_line: bytes) -> bool:
    """Whether ``raw_line`` (a file's first line) says the file is a recording."""
    found = _mark(raw_line)
    return found is not None and found[0] == HEADER


def end_count(raw_line: bytes, source: str, number: int) -> int | None:
    """The event count of an end record, or None when the line is not one."""
    found = _mark(raw_line)
    if found is None or found[0] != END:
        return None
    events = found[1].get("events")
    if type(events) is not int or events < 0:
        raise FormatError(f"the end record's 'events' must be a count, not {events!r}",
                          path=source, line=number)
    return events


def is_cut(raw_line: bytes) -> bool:
    """Whether a last line is a cut one: no newline at its end, and not JSON."""
    if raw_line.endswith(b"\n"):
        return False
    try:
        msgspec.json.decode(raw_line)
    except msgspec.DecodeError:
        return True
    return False


def check_count(said: int, found: int, source: str, number: int) -> None:
    if said != found:
        raise FormatError(f"the end record says {said} events, the recording holds {found}",
                          path=source, line=number)


def after_end(source: str, number: int) -> FormatError:
    return FormatError("a line after the recording's end record", path=source, line=number)


def no_events(source: str) -> FormatError:
    return FormatError("incomplete recording cut before its first event: no events",
                       path=source)


def incomplete_message(source: str, events: int, still_open: int | None = None) -> str:
    """What readers say of an incomplete recording (``still_open``: operations, in a history)."""
    if still_open is None:
        return f"{source}: incomplete recording (cut after {events} events)"
    return (f"{source}: incomplete recording (cut after {events} events; {still_open} "
            f"operations still open are indeterminate)")


def warn_incomplete(source: str, events: int, still_open: int | None = None) -> None:
    """The one warning line a reader gives for an incomplete recording."""
    warnings.warn(HistcheckWarning(incomplete_message(source, events, still_open)),
                  stacklevel=3)
