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

``TraceBuilder`` (in ``histcheck.trace.builder``) is the one gate every reader uses: it validates,
orders each node's events, matches messages and raises ``FormatError`` naming file and line for
input that cannot be a trace.
"""

from __future__ import annotations

import enum
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeAlias

import msgspec

from histcheck.errors import FormatError

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

    # Members are singletons compared by identity, so identity hashing is exact; Enum's default
    # hashes the name in Python code, which dominated set lookups on million-event traces.
    __hash__ = object.__hash__


KINDS: dict[str, Kind] = {k.value: k for k in Kind}
SENDING: frozenset[Kind] = frozenset({Kind.SEND, Kind.BROADCAST, Kind.REQUEST, Kind.REPLY})
"""Kinds that start a message (they need a unique ``msg``; REQUEST and REPLY only when given)."""
RECEIVING: frozenset[Kind] = frozenset({Kind.RECV, Kind.DELIVER, Kind.EXECUTE, Kind.ACK})
"""Kinds that end a message (EXECUTE and ACK only when they name a ``msg``)."""
ADDRESSED: frozenset[Kind] = frozenset({Kind.SEND, Kind.REQUEST, Kind.REPLY})
"""Kinds that must say whom they are for (``to``)."""
RPC_KINDS: frozenset[Kind] = frozenset({Kind.REQUEST, Kind.EXECUTE, Kind.REPLY, Kind.ACK})


class TraceEvent(msgspec.Struct, frozen=True, gc=False):
    """One event: ``id`` is its position in the trace, ``index`` its 1-based place at its node.

    ``peer`` is ``to`` for sending kinds and ``from`` for receiving ones; ``rpc`` names the logical
    request of RPC events; ``vc`` is the vector clock the system recorded, if any; ``label`` is
    free text (ShiViz's event text, a local step's description).

    A frozen ``msgspec.Struct`` rather than a dataclass: a trace holds millions of these, and a
    Struct is built in C (0.09 us against 1.35 us for a frozen slotted dataclass) and, with
    ``gc=False``, is never tracked by the cycle collector (it holds only strings, ints and
    tuples, so it cannot be part of a cycle).
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
    ``incomplete`` is True for a recording cut before its end (``histcheck.formats.recording``).
    """

    events: tuple[TraceEvent, ...]
    nodes: tuple[str, ...]
    timelines: Mapping[str, tuple[int, ...]]
    source_of: Sequence[int] = field(default_factory=lambda: array("i"))
    senders: Mapping[str, int] = field(default_factory=dict)
    source: str | None = None
    incomplete: bool = False

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
        return self._down

    @cached_property
    def _down(self) -> frozenset[str]:
        down: set[str] = set()
        events, crash, recover = self.events, Kind.CRASH, Kind.RECOVER
        for node in self.nodes:
            for position in reversed(self.timelines[node]):
                kind = events[position].kind
                if kind is crash:
                    down.add(node)
                    break
                if kind is recover:
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


