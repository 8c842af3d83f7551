"""``TraceBuilder``: the one gate every trace reader uses.

Readers hand it events in file order; it validates each one, orders each node's events, matches
messages, and raises ``FormatError`` naming file and line for input that cannot be a trace.

Built for million-event traces: each event becomes its final ``TraceEvent`` as it is added (its
index at its node is its file-order place, corrected in ``build`` only for nodes whose events all
carry ``seq``/``time`` and are out of file order), duplicate message ids are caught on the spot,
and ``build`` revisits only the receiving and crash events rather than the whole trace. Node names
and message ids are interned, so the sixteen deliveries of a broadcast share one id string.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass

import msgspec

from histcheck.errors import FormatError
from histcheck.trace.model import (
    ADDRESSED,
    RECEIVING,
    RPC_KINDS,
    SENDING,
    Clock,
    Kind,
    Trace,
    TraceEvent,
)

_NEEDS_MSG = (SENDING - {Kind.REQUEST, Kind.REPLY}) | {Kind.RECV, Kind.DELIVER}


@dataclass(frozen=True, slots=True)
class RawEvent:
    """An event as a reader found it, before ordering and matching."""

    node: str
    kind: Kind
    line: int
    order: float | None = None
    msg: str | None = None
    peer: str | None = None
    rpc: str | None = None
    vc: Clock | None = None
    label: str | None = None


class TraceBuilder:
    """Validates events, orders each node's events and matches messages.

    Readers call ``add`` (or the positional ``add_fields``) per event in file order, then
    ``build``. A node's local order is its events' ``order`` (``time`` or ``seq``) when every one
    of them has one, else file order. ``source_edges`` lets a reader (ShiViz) give message edges
    directly, as (sender, receiver) pairs of positions in the order events were added.
    """

    def __init__(self, source: str | None = None) -> None:
        self.source = source
        self.events: list[TraceEvent] = []
        self.orders: list[float | None] = []
        self.timelines: dict[str, list[int]] = {}
        self.unordered: set[str] = set()  # nodes with at least one event without an order
        self.senders: dict[str, int] = {}
        self.receivers: list[int] = []
        self.crashes: list[int] = []
        self._names: dict[str, str] = {}

    def fail(self, problem: str, line: int | None) -> FormatError:
        return FormatError(problem, path=self.source, line=line)

    def add(self, event: RawEvent) -> None:
        self.add_fields(event.node, event.kind, event.line, event.order, event.msg, event.peer,
                        event.rpc, event.vc, event.label)

    def add_fields(self, node: str, kind: Kind, line: int, order: float | None = None,
                   msg: str | None = None, peer: str | None = None, rpc: str | None = None,
                   vc: Clock | None = None, label: str | None = None) -> None:
        """Add one event (the fields of ``RawEvent``, positionally: the readers' hot path)."""
        if msg is None and kind in _NEEDS_MSG:
            raise self.fail(f"a {kind.value} event needs a msg id", line)
        if peer is None and kind in ADDRESSED:
            raise self.fail(f"a {kind.value} event needs 'to' (the node it is for)", line)
        if rpc is None and kind in RPC_KINDS:
            raise self.fail(f"a {kind.value} event needs an rpc id", line)
        names = self._names
        node = names.setdefault(node, node)
        if peer is not None:
            peer = names.setdefault(peer, peer)
        position = len(self.events)
        timeline = self.timelines.get(node)
        if timeline is None:
            timeline = self.timelines[node] = []
        timeline.append(position)
        if order is None:
            self.unordered.add(node)
        self.orders.append(order)
        if msg is not None:
            msg = names.setdefault(msg, msg)
            if kind in SENDING:
                first = self.senders.setdefault(msg, position)
                if first != position:
                    raise self.fail(f"message id {msg!r} is sent twice (first on line "
                                    f"{self.events[first].line}); message ids must be unique",
                                    line)
            elif kind in RECEIVING:
                self.receivers.append(position)
        if kind is Kind.CRASH:
            self.crashes.append(position)
        self.events.append(TraceEvent(position, node, kind, len(timeline), line, msg, peer, rpc,
                                      vc, label))

    def build(self, source_edges: Sequence[tuple[int, int]] | None = None) -> Trace:
        if not self.events:
            raise self.fail("empty trace: no events", None)
        events = self.events
        timelines = {node: self._local_order(node, line) for node, line in self.timelines.items()}
        self._check_crashes(timelines)
        source_of = array("i", [-1]) * len(events)
        if source_edges is not None:
            for sent, received in source_edges:
                source_of[received] = sent
        else:
            self._match(source_of)
        return Trace(tuple(events), tuple(timelines), timelines, source_of, self.senders,
                     self.source)

    def _local_order(self, node: str, positions: list[int]) -> tuple[int, ...]:
        """The node's timeline; events are re-indexed when ``seq``/``time`` reorder them."""
        if node not in self.unordered:
            orders = self.orders
            ordered = sorted(positions, key=lambda p: (orders[p], p))
            if ordered != positions:
                for index, position in enumerate(ordered, start=1):
                    event = self.events[position]
                    if event.index != index:
                        self.events[position] = msgspec.structs.replace(event, index=index)
                positions = ordered
        return tuple(positions)

    def _check_crashes(self, timelines: dict[str, tuple[int, ...]]) -> None:
        """After a crash, a node's next event (if any) must be its recovery."""
        events = self.events
        rank = {node: i for i, node in enumerate(timelines)}
        crashes = sorted((events[c] for c in self.crashes),
                         key=lambda e: (rank[e.node], e.index))
        for crash in crashes:
            timeline = timelines[crash.node]
            if crash.index == len(timeline):
                continue
            after = events[timeline[crash.index]]
            if after.kind is not Kind.RECOVER:
                raise self.fail(f"node {crash.node!r} records an event after its crash (line "
                                f"{crash.line}) without a recover event first", after.line)

    def _match(self, source_of: array[int]) -> None:
        events, senders = self.events, self.senders
        for position in self.receivers:
            event = events[position]
            sent = senders.get(event.msg)  # type: ignore[arg-type]
            if sent is None:
                if event.kind is Kind.DELIVER:
                    continue  # a delivery of a message never broadcast is a check finding
                raise self.fail(f"{event.kind.value} of message {event.msg!r} that no event "
                                f"sends", event.line)
            origin = events[sent]
            if event.kind is Kind.DELIVER and origin.kind is not Kind.BROADCAST:
                raise self.fail(f"deliver of {event.msg!r}, which was sent point-to-point "
                                f"(line {origin.line}), not broadcast", event.line)
            if event.kind is not Kind.DELIVER and origin.kind is Kind.BROADCAST:
                raise self.fail(f"{event.kind.value} of {event.msg!r}, which was broadcast "
                                f"(line {origin.line}); use deliver", event.line)
            source_of[position] = sent
