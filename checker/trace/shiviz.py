"""ShiViz logs: read them (message edges inferred from the clocks) and write them.

A ShiViz log is: line 1, a regular expression with named groups ``host``, ``clock`` and
``event`` (JavaScript's ``(?<name>...)``; Python needs ``(?P<name>...)``, so both are accepted);
line 2, the delimiter between executions (a regular expression, may be empty); then the log,
matched record after record with only blank space between (``safe_regex`` keeps the file's
expressions from backtracking badly and bounds the time). ``clock`` is a flat JSON object
host -> positive counter; on each host its own entry starts at 1 and grows by 1 per event, and
no entry goes back. Breaking any of this is malformed input, reported with its line.

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
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from histcheck.errors import FormatError, UsageError
from histcheck.formats.text import decode_utf8
from histcheck.trace.builder import RawEvent, TraceBuilder
from histcheck.trace.jsonl import event_from_mapping, event_to_mapping
from histcheck.trace.model import Kind, Trace
from histcheck.trace.safe_regex import RegexTimeout, UnsafeRegex, check_regex, time_limit

WRITE_REGEX = r"(?<event>.*)\n(?<host>\S*) (?<clock>{.*})"
MATCH_SECONDS = 2.0
MATCH_CHARS_PER_SECOND = 1_000_000
_BLANK = re.compile(r"\s*")


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
    pattern = _compile(head.rstrip("\r"), source, 1)
    missing = {"host", "clock", "event"} - set(pattern.groupindex)
    if missing:
        raise FormatError(f"the regular expression lacks the named groups "
                          f"{', '.join(sorted(missing))}", path=source, line=1)
    seconds = MATCH_SECONDS + len(text) / MATCH_CHARS_PER_SECOND
    try:
        with time_limit(seconds):
            if delimiter.strip():
                found = _compile(delimiter.rstrip("\r"), source, 2).search(log)
                if found is not None:
                    log = log[:found.start()]
            matches = list(_records(pattern, log, source))
    except RegexTimeout:
        raise FormatError(f"matching the regular expression took longer than {seconds:.0f} s",
                          path=source, line=1) from None
    builder = TraceBuilder(source)
    counters = _Counters(source)
    events: list[tuple[RawEvent, dict[str, int], dict[str, Any] | None]] = []
    for line, match in matches:
        host = match.group("host")
        clock = parse_clock(match.group("clock"), source, line)
        counters.check(host, clock, line)
        native = _native(match.group("event"), source, line)
        raw = RawEvent(host, Kind.LOCAL, line, float(clock[host]), vc=tuple(clock.items()),
                       label=match.group("event"))
        events.append((raw, clock, native))
    if not events:
        raise FormatError("no event matches the regular expression", path=source,
                          line=min(3, text.count("\n") + 1))
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


def _compile(expression: str, source: str, line: int) -> re.Pattern[str]:
    try:
        check_regex(expression)
        return re.compile(python_regex(expression), re.MULTILINE)
    except (UnsafeRegex, re.error) as exc:
        raise FormatError(f"not a usable regular expression: {exc}",
                          path=source, line=line) from None


def _records(pattern: re.Pattern[str], log: str,
             source: str) -> Iterator[tuple[int, re.Match[str]]]:
    """Match the expression record after record; the log must be records and blank space only."""
    position, line = 0, 3
    while True:
        gap = _BLANK.match(log, position)
        assert gap is not None
        line += log.count("\n", position, gap.end())
        position = gap.end()
        if position == len(log):
            return
        match = pattern.match(log, position)
        if match is None or match.end() == position:
            shown = log[position:position + 60].partition("\n")[0]
            raise FormatError(f"text that does not match the regular expression: {shown!r}",
                              path=source, line=line)
        yield line, match
        line += log.count("\n", position, match.end())
        position = match.end()


def parse_clock(text: str, source: str, line: int) -> dict[str, int]:
    """A clock is a flat JSON object host -> positive counter; nesting is refused before parsing."""
    if text.count("{") != 1 or "[" in text:
        _refuse_nesting(text, source, line)
    try:
        clock = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise FormatError(f"the clock is not JSON: {exc}", path=source, line=line) from None
    if not isinstance(clock, dict):
        raise FormatError("the clock must be a JSON object host -> counter", path=source,
                          line=line)
    for host, count in clock.items():
        if type(count) is not int or count < 1:
            raise FormatError(f"the clock's counter for {host[:40]!r} must be a positive "
                              f"integer, not {str(count)[:40]}", path=source, line=line)
    return clock


def _refuse_nesting(text: str, source: str, line: int) -> None:
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "{[":
            depth += 1
            if depth > 1 or char == "[":
                raise FormatError("the clock must be a flat JSON object host -> counter, "
                                  "not nested", path=source, line=line)
        elif char in "}]":
            depth -= 1


class _Counters:
    """Each host's own counter starts at 1 and grows by 1; no entry of its clock goes back."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.last: dict[str, tuple[dict[str, int], int]] = {}

    def check(self, host: str, clock: dict[str, int], line: int) -> None:
        own = clock.get(host)
        if own is None:
            raise FormatError(f"the clock of an event at {host!r} has no entry for {host!r}",
                              path=self.source, line=line)
        before, before_line = self.last.get(host, ({}, 0))
        expected = before.get(host, 0) + 1
        if own != expected:
            after = f" (its previous event is on line {before_line})" if before_line else ""
            raise FormatError(f"{host!r}'s own counter is {own}, expected {expected}: counters "
                              f"start at 1 and grow by 1 per event{after}",
                              path=self.source, line=line)
        for other, count in before.items():
            if clock.get(other, 0) < count:
                raise FormatError(f"the clock of {host!r} goes back for {other!r}: "
                                  f"{clock.get(other, 0)} after {count} on line {before_line}",
                                  path=self.source, line=line)
        self.last[host] = (clock, line)


def _native(text: str, source: str, line: int) -> dict[str, Any] | None:
    """The event as histcheck wrote it (a JSON object with ``type``), or None for foreign text."""
    if not text.startswith("{"):
        return None
    try:
        obj = orjson.loads(text)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(obj, dict) or "type" not in obj:
        return None
    for field, value in obj.items():
        if isinstance(value, dict | list):
            raise FormatError(f"the event's field {field[:40]!r} must be a JSON scalar, not "
                              f"{type(value).__name__}", path=source, line=line)
    return obj


def _edges(events: list[tuple[RawEvent, dict[str, int], Any]],
           builder: TraceBuilder) -> list[tuple[int, int]]:
    # The counters were checked while reading: each host's own entry is 1, 2, 3... in file order.
    by_counter = {(raw.node, clock[raw.node]): position
                  for position, (raw, clock, _) in enumerate(events)}
    edges: list[tuple[int, int]] = []
    for position, (raw, clock, _) in enumerate(events):
        own = clock[raw.node]
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
