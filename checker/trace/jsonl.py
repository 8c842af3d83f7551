"""The native trace format: JSON Lines, one event object per line (spec in docs/trace.md).

    {"node": "n1", "type": "broadcast", "msg": "m3"}
    {"node": "n2", "type": "deliver", "msg": "m3", "from": "n1"}

Fields: ``node`` and ``type`` always; ``msg`` (message id), ``to``/``from`` (peer node), ``rpc``
(logical request id), ``time`` or ``seq`` (explicit local order), ``vc`` (a recorded vector
clock, node -> counter), ``label`` (free text). Other fields are ignored. Blank lines and lines
starting with ``#`` are skipped.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import chain
from pathlib import Path
from typing import Annotated, Any

import msgspec
import orjson

from histcheck.collector import paused_collector
from histcheck.errors import FormatError, HistoryError
from histcheck.formats import recording
from histcheck.formats.text import decode_utf8
from histcheck.trace.builder import RawEvent, TraceBuilder
from histcheck.trace.model import KINDS, SENDING, Clock, Trace
from histcheck.values import freeze, too_deep

_NAME_TYPES = (str, int)


class _Row(msgspec.Struct, gc=False):
    """One line as the typed fast path decodes it (``from`` is a keyword, hence ``sender``).

    ``seq`` defaults to UNSET, not None, so that ``"seq": null`` still hides ``time`` exactly as
    the precise path's ``raw.get("seq", raw.get("time"))`` does.
    """

    node: str | int
    type: str
    msg: str | int | None = None
    to: str | int | None = None
    sender: str | int | None = msgspec.field(default=None, name="from")
    rpc: str | int | None = None
    seq: int | float | msgspec.UnsetType | None = msgspec.UNSET
    time: int | float | None = None
    vc: dict[str, Annotated[int, msgspec.Meta(ge=0)]] | None = None
    label: Any = None


_DECODER = msgspec.json.Decoder(_Row)


def read_trace_jsonl(path: Path) -> Trace:
    """Read a JSON Lines trace; every problem names the file and line.

    Two paths give the same events. The fast one decodes each line straight into a typed
    ``_Row`` (msgspec checks the field types in C). Any line it refuses (blank, a comment, bad
    JSON, a wrong type, an unknown event type) goes to the precise path, which skips it or
    raises the error naming the line. The cycle collector is off while millions of objects are
    made (none of them can form a cycle), and back on afterwards.
    """
    source = str(path)
    builder = TraceBuilder(source)
    decode, add, kinds, sending, unset = (_DECODER.decode, builder.add_fields, KINDS, SENDING,
                                          msgspec.UNSET)
    with paused_collector(), path.open("rb") as fh:
        first = fh.readline()
        marks = _Marks(source) if recording.is_header(first) else None
        lines = fh if marks else chain((first,), fh)
        for number, line in enumerate(lines, start=2 if marks else 1):
            try:
                row = decode(line)
            except RecursionError:
                raise FormatError(too_deep(), path=source, line=number) from None
            except msgspec.DecodeError:
                if marks is None or not marks.took(line, number):
                    _read_line(line, number, builder)
                continue
            if marks is not None and marks.ended is not None:
                raise recording.after_end(source, number)
            kind = kinds.get(row.type)
            if kind is None:
                _read_line(line, number, builder)
                continue
            peer = row.to if kind in sending else row.sender
            order = row.time if row.seq is unset else row.seq
            add(str(row.node), kind, number, order,
                None if row.msg is None else str(row.msg),
                None if peer is None else str(peer),
                None if row.rpc is None else str(row.rpc),
                None if row.vc is None else tuple(row.vc.items()),
                None if row.label is None else _label(row.label, source, number))
        if marks is None:
            return builder.build()
        return marks.finish(builder)


class _Marks:
    """A recording's marks as its lines go by: the end record, or the cut last line."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.ended: tuple[int, int] | None = None

    def took(self, line: bytes, number: int) -> bool:
        """Whether ``line``, which is no event, is a mark (or the cut) and is taken as one."""
        if not line.strip():
            return False
        if self.ended is not None:
            raise recording.after_end(self.source, number)
        said = recording.end_count(line, self.source, number)
        if said is not None:
            self.ended = (said, number)
            return True
        return recording.is_cut(line)

    def finish(self, builder: TraceBuilder) -> Trace:
        if not builder.events:
            raise recording.no_events(self.source)
        trace = builder.build()
        if self.ended is None:
            return replace(trace, incomplete=True)
        recording.check_count(self.ended[0], len(trace), self.source, self.ended[1])
        return trace


def _read_line(line: bytes, number: int, builder: TraceBuilder) -> None:
    """The precise path for one line: skip it, add its event, or raise naming the line."""
    stripped = line.strip()
    if not stripped or stripped.startswith(b"#"):
        return
    try:
        raw = orjson.loads(stripped)
    except orjson.JSONDecodeError as exc:
        decode_utf8(line, builder.source, number)
        raise FormatError(f"invalid JSON: {exc}", path=builder.source, line=number) from None
    if not isinstance(raw, dict):
        raise FormatError("each line must be a JSON object", path=builder.source, line=number)
    builder.add(event_from_mapping(raw, builder, number))


def event_from_mapping(raw: dict[str, Any], builder: TraceBuilder, line: int) -> RawEvent:
    """One raw event from a parsed JSON object (shared with the ShiViz reader)."""
    node = raw.get("node")
    if type(node) not in _NAME_TYPES:
        raise builder.fail(f"'node' must be a name, not {_shown(node)}", line)
    name = raw.get("type")
    kind = KINDS.get(name) if isinstance(name, str) else None
    if kind is None:
        raise builder.fail(f"unknown event type {_shown(name)} (expected one of "
                           f"{', '.join(KINDS)})", line)
    order = raw.get("seq", raw.get("time"))
    if order is not None and (type(order) not in (int, float)):
        raise builder.fail(f"'seq'/'time' must be a number, not {_shown(order)}", line)
    peer = raw.get("to") if kind in SENDING else raw.get("from")
    return RawEvent(
        node=str(node), kind=kind, line=line, order=order,
        msg=_name(raw.get("msg"), "msg", builder, line),
        peer=_name(peer, "to" if kind in SENDING else "from", builder, line),
        rpc=_name(raw.get("rpc"), "rpc", builder, line),
        vc=_clock(raw.get("vc"), builder, line),
        label=None if raw.get("label") is None else _label(raw["label"], builder.source, line),
    )


def _shown(value: Any) -> str:
    """A value as an error message quotes it: its start only, since it may be megabytes long."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _label(value: Any, source: str | None, line: int) -> str:
    """A label as text; a nested one may nest no deeper than any history value."""
    if value.__class__ in (list, dict):
        try:
            freeze(value)
        except HistoryError as exc:
            raise FormatError(exc.problem, path=source, line=line) from None
    return str(value)


def _name(value: Any, field: str, builder: TraceBuilder, line: int) -> str | None:
    if value is None:
        return None
    if type(value) not in _NAME_TYPES:
        raise builder.fail(f"{field!r} must be a string or integer, not {_shown(value)}",
                           line)
    return str(value)


def _clock(value: Any, builder: TraceBuilder, line: int) -> Clock | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not all(
            type(v) is int and v >= 0 for v in value.values()):
        raise builder.fail(f"'vc' must map node names to counters, not {_shown(value)}",
                           line)
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

