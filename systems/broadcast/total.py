"""Total order broadcast: a sequencer, Lamport timestamps, and FIFO-total order.

Sequencer: a broadcast goes to one designated node, which numbers messages 0, 1, 2, ... and
sends each numbered message to everyone; every node delivers strictly in number order, holding
back gaps. All nodes deliver the same sequence. Over a reordering network two messages from one
sender can reach the sequencer in either order, so this is total order but not FIFO.

FIFO-total order: the same, with FIFO links to the sequencer, so it numbers each sender's
messages in the order they were sent.

Lamport timestamps: each message carries (Lamport clock, sender); a node delivers the smallest
pending message once every other node has sent it something with a larger timestamp (acks make
sure they do). With FIFO links nothing smaller can arrive later. Needs every node alive.

Buggy: the sequencer "fails over" at ``FAILOVER_AT`` and half of the nodes start using a second
sequencer while the first carries on: two sequencers hand out the same numbers (split brain).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any

from histcheck.systems.broadcast.base import BroadcastNode, FifoLink, Message, Numbered
from histcheck.systems.sim.models import MS


@dataclass(frozen=True, slots=True)
class Submit:
    msg: Message


@dataclass(frozen=True, slots=True)
class Ordered:
    number: int
    msg: Message


@dataclass(frozen=True, slots=True)
class Stamped:
    ts: int
    msg: Message


@dataclass(frozen=True, slots=True)
class Ack:
    ts: int


class Sequencer(BroadcastNode):
    """Total order through a single sequencer (the first node)."""

    fifo_links = False

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.link = FifoLink(self)
        self.assigned = 0
        self.next = 0
        self.held: dict[int, list[Message]] = {}

    def sequencer(self) -> str:
        return self.peers[0]

    def broadcast(self, body: Any) -> str:
        msg = self.new_message(body)
        self._to(self.sequencer(), Submit(msg))
        return msg.id

    def _to(self, dst: str, payload: Any) -> None:
        if self.fifo_links:
            self.link.send(dst, payload)
        else:
            self.send(dst, payload)

    def receive(self, src: str, msg: Any) -> None:
        for payload in self.link.accept(src, msg) if isinstance(msg, Numbered) else [msg]:
            if isinstance(payload, Submit):
                number = self.assigned
                self.assigned += 1
                for peer in self.peers:
                    self.send(peer, Ordered(number, payload.msg))
            elif isinstance(payload, Ordered):
                self._ordered(payload)

    def _ordered(self, ordered: Ordered) -> None:
        if ordered.number < self.next:  # only possible with two sequencers
            self.deliver(ordered.msg)
            return
        self.held.setdefault(ordered.number, []).append(ordered.msg)
        while self.next in self.held:
            for msg in self.held.pop(self.next):
                self.deliver(msg)
            self.next += 1


class FifoSequencer(Sequencer):
    """FIFO-total order: a sequencer fed through FIFO links."""

    fifo_links = True


class TwoSequencers(Sequencer):
    """Buggy: after a failover, the second half of the nodes use a second sequencer."""

    FAILOVER_AT = 30 * MS

    def sequencer(self) -> str:
        peers = self.peers
        if self.now >= self.FAILOVER_AT and peers.index(self.name) >= len(peers) // 2:
            return peers[1]
        return peers[0]


class LamportTotal(BroadcastNode):
    """Total order by Lamport timestamps over FIFO links (assumes no node crashes)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.link = FifoLink(self)
        self.clock = 0
        self.queue: list[tuple[int, str, Message]] = []
        self.latest: dict[str, int] = {}

    def broadcast(self, body: Any) -> str:
        self.clock += 1
        msg = self.new_message(body)
        for peer in self.peers:
            self.link.send(peer, Stamped(self.clock, msg))
        return msg.id

    def receive(self, src: str, msg: Any) -> None:
        if not isinstance(msg, Numbered):
            return
        for payload in self.link.accept(src, msg):
            if isinstance(payload, Stamped):
                self.clock = max(self.clock, payload.ts) + 1
                self.latest[src] = payload.ts
                heapq.heappush(self.queue, (payload.ts, payload.msg.origin, payload.msg))
                for peer in self.others():
                    self.link.send(peer, Ack(self.clock))
            elif isinstance(payload, Ack):
                self.clock = max(self.clock, payload.ts) + 1
                self.latest[src] = payload.ts
        while self.queue and all(self.latest.get(peer, -1) > self.queue[0][0]
                                 for peer in self.others()):
            self.deliver(heapq.heappop(self.queue)[2])
