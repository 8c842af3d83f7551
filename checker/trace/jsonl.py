"""The native trace format: JSON Lines, one event object per line (spec in docs/trace.md).

    {"node": "n1", "type": "broadcast", "msg": "m3"}
    {"node": "n2", "type": "deliver", "msg": "m3", "from": "n1"}

Fields: ``node`` and ``type`` always; ``msg`` (message id), ``to``/``from`` (peer node), ``rpc``
(logical request id), ``time`` or ``seq`` (explicit local order), ``vc`` (a recorded vector
clock, node -> counter), ``label`` (free text). Other fields are ignored. Blank lines and lines
starting with ``#`` are skipped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson

from checker.errors import FormatError
from checker.trace.model import KINDS, SENDING, Clock, RawEvent, Trace, TraceBuilder

_NAME_TYPES = (str, int)


def read_trace_jsonl(path: Path) -> Trace:
    """Read a JSON Lines trace; every problem names the file and line."""
    source = str(path)
    builder = TraceBuilder(source)
    with path.open("rb") as fh:
        for number, raw_line in enumerate(fh, start=1):
            stripped = raw_line.strip()
            if not stripped or stripped.startswith(b"#"):
                continue
            try:
                raw = orjson.loads(stripped)
            except orjson.JSONDecodeError as exc:
                raise FormatError(f"invalid JSON: {exc}", path=source, line=number) from None
            if not isinstance(raw, dict):
                raise FormatError("each line must be a JSON object", path=source, line=number)
            builder.add(event_from_mapping(raw, builder, number))
    return builder.build()


def event_from_mapping(raw: dict[str, Any], builder: TraceBuilder, line: int) -> RawEvent:
    """One raw event from a parsed JSON object (shared with the ShiViz reader)."""
    node = raw.get("node")
    if type(node) not in _NAME_TYPES:
        raise builder.fail(f"'node' must be a name, not {node!r}", line)
    kind = KINDS.get(raw.get("type"))  # type: ignore[arg-type]
    if kind is None:
        raise builder.fail(f"unknown event type {raw.get('type')!r} (expected one of "
                           f"{', '.join(KINDS)})", line)
    order = raw.get("seq", raw.get("time"))
    if order is not None and (type(order) not in (int, float)):
        raise builder.fail(f"'seq'/'time' must be a number, not {order!r}", line)
    peer = raw.get("to") if kind in SENDING else raw.get("from")
    return RawEvent(
        node=str(node), kind=kind, line=line, order=order,
        msg=_name(raw.get("msg"), "msg", builder, line),
        peer=_name(peer, "to" if kind in SENDING else "from", builder, line),
        rpc=_name(raw.get("rpc"), "rpc", builder, line),
        vc=_clock(raw.get("vc"), builder, line),
        label=None if raw.get("label") is None else str(raw["label"]),
    )


def _name(value: Any, field: str, builder: TraceBuilder, line: int) -> str | None:
    if value is None:
        return None
    if type(value) not in _NAME_TYPES:
        raise builder.fail(f"{field!r} must be a string or integer, not {value!r}", line)
    return str(value)


def _clock(value: Any, builder: TraceBuilder, line: int) -> Clock | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
            type(v) is int and v >= 0 for v in value.values()):
        raise builder.fail(f"'vc' must map node names to counters, not {value!r}", line)
    return tuple((str(k), v) for k, v in value.items())


def event_to_mapping(trace: Trace, event_id: int, with_seq: bool) -> dict[str, Any]:
    event = trace.events[event_id]
    obj: dict[str, Any] = {"node": event.node, "type": event.kind.value}
    if event.msg is not None:
        obj["msg"] = event.msg
    if event.rpc is not None:
        obj["rpc"] = event.rpc
    if event.peer is not None:
        obj["to" if event.kind in SENDING else "from"] = event.peer
    if with_seq:
        obj["seq"] = event.index
    if event.vc is not None:
        obj["vc"] = dict(event.vc)
    if event.label is not None:
        obj["label"] = event.label
    return obj


def write_trace_jsonl(trace: Trace, path: Path) -> None:
    """Write ``trace`` in the native format (``seq`` only where local order is not file order)."""
    unordered = {node for node, line in trace.timelines.items() if list(line) != sorted(line)}
    with path.open("wb") as fh:
        for event in trace.events:
            obj = event_to_mapping(trace, event.id, event.node in unordered)
            fh.write(orjson.dumps(obj) + b"\n")

