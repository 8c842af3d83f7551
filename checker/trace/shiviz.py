"""ShiViz logs: read them (message edges inferred from the clocks) and write them.

A ShiViz log is: line 1, a regular expression with named groups ``host``, ``clock`` and
``event`` (JavaScript's ``(?<name>...)``; Python needs ``(?P<name>...)``, so both are accepted);
line 2, the delimiter between executions (a regular expression, may be empty); then the log,
matched with the expression over and over. ``clock`` is a JSON object host -> counter, and each
host's own entry starts at 1 and grows by 1 per event.

Edges: when an event's clock knows more of host g than the previous event at its host did, it
learnt that from a message. The sender is the event of g with that counter, unless another
candidate sender already knew it (then the knowledge arrived through that one). histcheck gives
an event at most one incoming message, so an event merging two direct senders is an error.

histcheck writes ShiViz logs with each event's text a native JSON event, so a trace survives the
round trip; a log from elsewhere is read as ``local`` events labelled with their text.
Only the first execution of a log with several is read.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson

from histcheck.errors import FormatError, UsageError
from histcheck.formats.text import decode_utf8
from histcheck.trace.builder import RawEvent, TraceBuilder
from histcheck.trace.jsonl import event_from_mapping, event_to_mapping
from histcheck.trace.model import Kind, Trace

WRITE_REGEX = r"(?<event>.*)\n(?<host>\S*) (?<clock>{.*})"


def python_regex(js: str) -> str:
    """ShiViz's JavaScript named groups ``(?<name>`` as Python's ``(?P<name>``."""
    return re.sub(r"\(\?<(?=[A-Za-z_])", "(?P<", js)


def read_shiviz(path: Path) -> Trace:
    source = str(path)
    text = decode_utf8(path.read_bytes(), source)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    head, _, rest = text.partition("\n")
    delimiter, _, log = rest.partition("\n")
    try:
        pattern = re.compile(python_regex(head.rstrip("\r")), re.MULTILINE)
    except re.error as exc:
        raise FormatError(f"the first line is not a usable regular expression: {exc}",
                          path=source, line=1) from None
    missing = {"host", "clock", "event"} - set(pattern.groupindex)
    if missing:
        raise FormatError(f"the regular expression lacks the named groups "
                          f"{', '.join(sorted(missing))}", path=source, line=1)
    if delimiter.strip():
        found = re.search(delimiter.rstrip("\r"), log, re.MULTILINE)
        if found is not None:
            log = log[:found.start()]
    builder = TraceBuilder(source)
    events: list[tuple[RawEvent, dict[str, int], dict[str, Any] | None]] = []
    for match in pattern.finditer(log):
        line = log.count("\n", 0, match.start()) + 3
        host = match.group("host")
        try:
            clock = orjson.loads(match.group("clock"))
        except orjson.JSONDecodeError as exc:
            raise FormatError(f"the clock is not JSON: {exc}", path=source, line=line) from None
        if not isinstance(clock, dict) or not all(type(v) is int for v in clock.values()):
            raise FormatError(f"the clock must map hosts to counters, not {clock!r}",
                              path=source, line=line)
        if type(clock.get(host)) is not int:
            raise FormatError(f"the clock of an event at {host!r} has no entry for {host!r}",
                              path=source, line=line)
        native = _native(match.group("event"))
        raw = RawEvent(host, Kind.LOCAL, line, float(clock[host]), vc=tuple(clock.items()),
                       label=match.group("event"))
        events.append((raw, clock, native))
    if not events:
        raise FormatError("no event matches the regular expression", path=source, line=3)
    if all(native is not None for _, _, native in events):
        for raw, _, native in events:
            assert native is not None
            native["node"] = raw.node
            parsed = event_from_mapping(native, builder, raw.line)
            builder.add(RawEvent(parsed.node, parsed.kind, raw.line, raw.order, parsed.msg,
                                 parsed.peer, parsed.rpc, raw.vc, parsed.label))
        return builder.build()
    for raw, _, _ in events:
        builder.add(raw)
    return builder.build(_edges(events, builder))


def _native(text: str) -> dict[str, Any] | None:
    if not text.startswith("{"):
        return None
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    return obj if isinstance(obj, dict) and "type" in obj else None


def _edges(events: list[tuple[RawEvent, dict[str, int], Any]],
           builder: TraceBuilder) -> list[tuple[int, int]]:
    by_counter: dict[tuple[str, int], int] = {}
    for position, (raw, clock, _) in enumerate(events):
        key = (raw.node, clock[raw.node])
        if key in by_counter:
            raise builder.fail(f"two events at {raw.node!r} have counter {key[1]} (first on "
                               f"line {events[by_counter[key]][0].line})", raw.line)
        by_counter[key] = position
    edges: list[tuple[int, int]] = []
    for position, (raw, clock, _) in enumerate(events):
        own = clock[raw.node]
        if own > 1 and (raw.node, own - 1) not in by_counter:
            raise builder.fail(f"{raw.node!r}'s counter jumps to {own}: its event {own - 1} "
                               f"is missing (counters start at 1 and grow by 1)", raw.line)
        before = {} if own == 1 else events[by_counter[(raw.node, own - 1)]][1]
        candidates: dict[str, int] = {}
        for host, count in clock.items():
            if host != raw.node and count > before.get(host, 0):
                sent = by_counter.get((host, count))
                if sent is None:
                    raise builder.fail(f"the clock names event {count} of {host!r}, which the "
                                       f"log does not hold", raw.line)
                candidates[host] = sent
        direct = [h for h, sent in candidates.items()
                  if not any(events[other][1].get(h, 0) >= clock[h]
                             for k, other in candidates.items() if k != h)]
        if len(direct) > 1:
            raise builder.fail(f"the event merges clocks from {', '.join(direct)} at once; "
                               f"histcheck gives an event at most one incoming message",
                               raw.line)
        if direct:
            edges.append((candidates[direct[0]], position))
    return edges


def write_shiviz(trace: Trace, path: Path) -> None:
    """Write a ShiViz log: derived vector clocks, each event's text its native JSON object."""
    from histcheck.trace.clocks import vector_clocks

    bad = [n for n in trace.nodes if not n or any(c.isspace() for c in n)]
    if bad:
        raise UsageError(f"ShiViz host names cannot hold spaces: {bad[0]!r}")
    clocks = vector_clocks(trace)
    with path.open("wb") as fh:
        fh.write(WRITE_REGEX.encode() + b"\n\n")
        for node in trace.nodes:
            for event_id in trace.timelines[node]:
                obj = event_to_mapping(trace, event_id, with_seq=False)
                obj.pop("vc", None)
                obj.pop("node")
                fh.write(orjson.dumps(obj) + b"\n" + node.encode() + b" "
                         + orjson.dumps(clocks.as_dict(event_id)) + b"\n")
