"""Message traces: events at nodes, each node's events in its local order, and the messages between.

A trace records what nodes did, not what clients saw. Every event happens at one node; a node's
events are totally ordered (its local order). Messages link a sending event at one node to a
receiving event at another:

    send -> recv            a point-to-point message (``to`` names the addressee)
    broadcast -> deliver    a broadcast; every node, the sender included, should deliver it
    request -> execute      an RPC attempt reaching the server that runs it (``recv`` also works)
    reply -> ack            the server's answer reaching the client

Message ids (``msg``) are unique: one sending event per id. A receiving event names the id it
receives; that pair is the message edge of happens-before. ``local`` is any other step, and
``crash`` stops a node. In the crash-stop model that is its last event (a crashed node is not
correct); in the crash-recovery model the next event after a crash must be ``recover``, and a
node is correct when it is up at the end of the trace.

``TraceBuilder`` is the one gate every reader uses: it validates, orders each node's events,
matches messages and raises ``FormatError`` naming file and line for input that cannot be a trace.
"""

from __future__ import annotations

import enum
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeAlias

from checker.errors import FormatError

Clock: TypeAlias = tuple[tuple[str, int], ...]
"""A recorded vector clock: (node, counter) pairs."""


class Kind(enum.Enum):
    """What an event does."""

    SEND = "send"
    RECV = "recv"
    BROADCAST = "broadcast"
    DELIVER = "deliver"
    LOCAL = "local"
    CRASH = "crash"
    RECOVER = "recover"
    REQUEST = "request"
    EXECUTE = "execute"
    REPLY = "reply"
    ACK = "ack"


KINDS: dict[str, Kind] = {k.value: k for k in Kind}
SENDING: frozenset[Kind] = frozenset({Kind.SEND, Kind.BROADCAST, Kind.REQUEST, Kind.REPLY})
"""Kinds that start a message (they need a unique ``msg``; REQUEST and REPLY only when given)."""
RECEIVING: frozenset[Kind] = frozenset({Kind.RECV, Kind.DELIVER, Kind.EXECUTE, Kind.ACK})
"""Kinds that end a message (EXECUTE and ACK only when they name a ``msg``)."""
ADDRESSED: frozenset[Kind] = frozenset({Kind.SEND, Kind.REQUEST, Kind.REPLY})
"""Kinds that must say whom they are for (``to``)."""
RPC_KINDS: frozenset[Kind] = frozenset({Kind.REQUEST, Kind.EXECUTE, Kind.REPLY, Kind.ACK})


@dataclass(frozen=True, slots=True)
class TraceEvent:
    """One event: ``id`` is its position in the trace, ``index`` its 1-based place at its node.

    ``peer`` is ``to`` for sending kinds and ``from`` for receiving ones; ``rpc`` names the logical
    request of RPC events; ``vc`` is the vector clock the system recorded, if any; ``label`` is
    free text (ShiViz's event text, a local step's description).
    """

    id: int
    node: str
    kind: Kind
    index: int
    line: int
    msg: str | None = None
    peer: str | None = None
    rpc: str | None = None
    vc: Clock | None = None
    label: str | None = None

    def describe(self) -> str:
        """Short words for explanations: ``n2 deliver m3 (line 7)``."""
        what = self.kind.value
        if self.rpc is not None:
            what += f" rpc {self.rpc}"
        if self.msg is not None:
            what += f" {self.msg}"
        if self.peer is not None:
            what += f" {'to' if self.kind in SENDING else 'from'} {self.peer}"
        if self.label is not None and self.msg is None:
            what += f" {self.label!r}"
        return f"{self.node} {what} (line {self.line})"


@dataclass(frozen=True, eq=False)
class Trace:
    """A whole trace: events, each node's timeline, and the message edge into each event.

    ``events[i].id == i``. ``timelines[node]`` lists event ids in local order. ``source_of[i]`` is
    the id of the event that sent the message event ``i`` receives, or -1 (no message edge).
    """

    events: tuple[TraceEvent, ...]
    nodes: tuple[str, ...]
    timelines: Mapping[str, tuple[int, ...]]
    source_of: Sequence[int] = field(default_factory=lambda: array("i"))
    senders: Mapping[str, int] = field(default_factory=dict)
    source: str | None = None

    def __len__(self) -> int:
        return len(self.events)

    @cached_property
    def columns(self) -> dict[str, int]:
        """Each node's position in ``nodes`` (its column in vector clocks)."""
        return {node: i for i, node in enumerate(self.nodes)}

    def __iter__(self) -> Iterator[TraceEvent]:
        return iter(self.events)

    def timeline(self, node: str) -> list[TraceEvent]:
        return [self.events[i] for i in self.timelines[node]]

    def crashed(self) -> frozenset[str]:
        """Nodes that are down at the end: their last crash is not followed by a recovery."""
        down: set[str] = set()
        for node in self.nodes:
            for position in reversed(self.timelines[node]):
                kind = self.events[position].kind
                if kind is Kind.CRASH:
                    down.add(node)
                if kind in (Kind.CRASH, Kind.RECOVER):
                    break
        return frozenset(down)

    def correct(self) -> tuple[str, ...]:
        crashed = self.crashed()
        return tuple(n for n in self.nodes if n not in crashed)

    def sender(self, msg: str) -> TraceEvent | None:
        """The event that sent or broadcast ``msg``, if the trace has one."""
        position = self.senders.get(msg)
        return None if position is None else self.events[position]

    def error(self, problem: str, event: TraceEvent | None = None) -> FormatError:
        return FormatError(problem, path=self.source, line=None if event is None else event.line)


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
    """Validates raw events, orders each node's events and matches messages.

    Readers call ``add`` per event in file order, then ``build``. A node's local order is its
    events' ``order`` (``time`` or ``seq``) when every one of them has one, else file order.
    ``source_edges`` lets a reader (ShiViz) give message edges directly, as (sender, receiver)
    pairs of positions in the order events were added.
    """

    def __init__(self, source: str | None = None) -> None:
        self.source = source
        self.raw: list[RawEvent] = []

    def fail(self, problem: str, line: int | None) -> FormatError:
        return FormatError(problem, path=self.source, line=line)

    def add(self, event: RawEvent) -> None:
        kind = event.kind
        if kind in (SENDING - {Kind.REQUEST, Kind.REPLY}) | {Kind.RECV, Kind.DELIVER} \
                and event.msg is None:
            raise self.fail(f"a {kind.value} event needs a msg id", event.line)
        if kind in ADDRESSED and event.peer is None:
            raise self.fail(f"a {kind.value} event needs 'to' (the node it is for)", event.line)
        if kind in RPC_KINDS and event.rpc is None:
            raise self.fail(f"a {kind.value} event needs an rpc id", event.line)
        self.raw.append(event)

    def build(self, source_edges: Sequence[tuple[int, int]] | None = None) -> Trace:
        if not self.raw:
            raise self.fail("empty trace: no events", None)
        by_node: dict[str, list[int]] = {}
        for position, raw in enumerate(self.raw):
            by_node.setdefault(raw.node, []).append(position)
        # Ids are file positions, so that explanations read like the file.
        events: list[TraceEvent] = [None] * len(self.raw)  # type: ignore[list-item]
        timelines: dict[str, tuple[int, ...]] = {}
        for node, positions in by_node.items():
            if all(self.raw[p].order is not None for p in positions):
                positions.sort(key=lambda p: (self.raw[p].order, p))
            timelines[node] = tuple(positions)
            for index, position in enumerate(positions, start=1):
                raw = self.raw[position]
                if raw.kind is Kind.CRASH and index != len(positions):
                    after = self.raw[positions[index]]
                    if after.kind is not Kind.RECOVER:
                        raise self.fail(f"node {node!r} records an event after its crash (line "
                                        f"{raw.line}) without a recover event first",
                                        after.line)
                events[position] = TraceEvent(position, node, raw.kind, index, raw.line,
                                              raw.msg, raw.peer, raw.rpc, raw.vc, raw.label)
        senders = self._senders(events)
        source_of = array("i", [-1]) * len(events)
        if source_edges is not None:
            for sent, received in source_edges:
                source_of[received] = sent
        else:
            self._match(events, senders, source_of)
        return Trace(tuple(events), tuple(by_node), timelines, source_of, senders, self.source)

    def _senders(self, events: list[TraceEvent]) -> dict[str, int]:
        senders: dict[str, int] = {}
        for event in events:
            if event.kind in SENDING and event.msg is not None:
                first = senders.setdefault(event.msg, event.id)
                if first != event.id:
                    raise self.fail(f"message id {event.msg!r} is sent twice (first on line "
                                    f"{events[first].line}); message ids must be unique",
                                    event.line)
        return senders

    def _match(self, events: list[TraceEvent], senders: dict[str, int],
               source_of: array[int]) -> None:
        for event in events:
            if event.kind not in RECEIVING or event.msg is None:
                continue
            sent = senders.get(event.msg)
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
            source_of[event.id] = sent
