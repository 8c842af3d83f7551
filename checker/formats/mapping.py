"""Turning one parsed event map (from JSON or EDN) into an ``Event``.

Jepsen's field names are the standard: ``index``, ``time``, ``process``, ``type``, ``f``,
``value`` and, optionally, ``key``. Any other field is kept in ``Event.extra``. Elle's own
histories may leave out ``f`` (a value made of micro-operations means ``txn``) and ``process``
(such events belong to one anonymous client process, so they must alternate invoke/complete).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from histcheck.errors import HistoryError
from histcheck.history import Event, EventType, looks_like_txn
from histcheck.values import Value, freeze

ANONYMOUS_PROCESS = "anonymous"
"""The process of events that name none (Elle's small examples): they form one client."""

STANDARD_FIELDS = frozenset({"index", "time", "process", "type", "f", "value", "key"})


def event_from_mapping(raw: Mapping[Any, Any]) -> Event:
    """Validate the standard fields of one event map; raise ``HistoryError`` (no line yet)."""
    if "type" not in raw:
        raise HistoryError("event has no type")
    kind = EventType.parse(raw["type"])
    process = raw.get("process", ANONYMOUS_PROCESS)
    if isinstance(process, bool) or not isinstance(process, int | str):
        raise HistoryError(f"process must be an integer or a name, not {process!r}")
    value = freeze(raw.get("value"))
    f = raw.get("f")
    if f is None:
        if not looks_like_txn(value) and value is not None:
            raise HistoryError("event has no f")
        f = "txn"
    if not isinstance(f, str):
        raise HistoryError(f"f must be a name, not {f!r}")
    time = raw.get("time")
    if time is not None and (isinstance(time, bool) or not isinstance(time, int)):
        raise HistoryError(f"time must be an integer number of nanoseconds, not {time!r}")
    index = raw.get("index")
    if index is not None and (isinstance(index, bool) or not isinstance(index, int)):
        raise HistoryError(f"index must be an integer, not {index!r}")
    extra = tuple((str(k), freeze(v)) for k, v in raw.items() if k not in STANDARD_FIELDS)
    return Event(process, kind, f, value, freeze(raw.get("key")), time, extra)


_COMMON_FIELDS = frozenset({"index", "time", "process", "type", "f", "value", "key"})
_TYPES = {t.value: t for t in EventType}


def event_from_frozen(raw: Mapping[str, Value]) -> Event:
    """``event_from_mapping`` for a map whose values are already frozen: the common event (the
    standard fields only, each of its expected type) is made at once, any other as there."""
    kind = _TYPES.get(raw.get("type"))  # type: ignore[arg-type]
    process = raw.get("process", ANONYMOUS_PROCESS)
    f = raw.get("f")
    time = raw.get("time")
    index = raw.get("index")
    if (kind is None or f.__class__ is not str or raw.keys() - _COMMON_FIELDS
            or (process.__class__ is not int and process.__class__ is not str)
            or (time is not None and time.__class__ is not int)
            or (index is not None and index.__class__ is not int)):
        return event_from_mapping(raw)
    return Event(process, kind, f, raw.get("value"), raw.get("key"), time)
