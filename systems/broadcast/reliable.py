"""Reliable, FIFO and causal broadcast, each layered on the one before.

Reliable (eager relay): the first time a node sees a message it relays it to every other node,
then delivers it. If the sender crashes after reaching a single correct node, that node's relay
still reaches everyone: every correct node delivers the same messages, once each.

FIFO: each message carries its sender's sequence number; a receiver holds back a message until
it has delivered every earlier one from the same sender. The buggy variant has no hold-back
buffer and delivers in arrival order, which a reordering network scrambles.

Causal (vector clocks): a message carries the sender's vector of delivered counts when it was
broadcast (its dependencies); a receiver delivers it only once it has delivered at least as many
messages from every node. The buggy variant ignores the dependencies.
"""

from __future__ import annotations

from typing import Any

from histcheck.systems.broadcast.base import BroadcastNode, Message


class EagerReliable(BroadcastNode):
    """Reliable broadcast by eager relay; subclasses refine ``rb_deliver``."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.seen: set[str] = set()

    def broadcast(self, body: Any) -> str:
        msg = self.new_message(body)
        self._first_sight(msg)
        return msg.id

    def _first_sight(self, msg: Message) -> None:
        self.seen.add(msg.id)
        for peer in self.others():
            self.send(peer, msg)
        self.rb_deliver(msg)

    def receive(self, src: str, msg: Any) -> None:
        if isinstance(msg, Message) and msg.id not in self.seen:
            self._first_sight(msg)

    def rb_deliver(self, msg: Message) -> None:
        self.deliver(msg)


class Fifo(EagerReliable):
    """FIFO broadcast: per-sender sequence numbers and a hold-back buffer."""

    hold_back = True

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.sent = 0
        self.next: dict[str, int] = {}
        self.held: dict[str, dict[int, Message]] = {}

    def broadcast(self, body: Any) -> str:
        self.sent += 1
        msg = self.new_message(body, seq=self.sent)
        self._first_sight(msg)
        return msg.id

    def rb_deliver(self, msg: Message) -> None:
        if not self.hold_back:
            self.deliver(msg)
            return
        held = self.held.setdefault(msg.origin, {})
        held[msg.seq] = msg
        expected = self.next.get(msg.origin, 1)
        while expected in held:
            self.deliver(held.pop(expected))
            expected += 1
        self.next[msg.origin] = expected


class FifoWithoutHoldBack(Fifo):
    """Buggy: delivers messages in arrival order."""

    hold_back = False


class Causal(EagerReliable):
    """Causal broadcast with vector clocks of delivered messages."""

    respect_dependencies = True

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.sent = 0
        self.vector: dict[str, int] = {}
        self.pending: list[Message] = []

    def broadcast(self, body: Any) -> str:
        deps = dict(self.vector)
        deps[self.name] = self.sent
        self.sent += 1
        msg = self.new_message(body, deps=tuple(sorted(deps.items())))
        self._first_sight(msg)
        return msg.id

    def _ready(self, msg: Message) -> bool:
        return all(self.vector.get(node, 0) >= count for node, count in msg.deps)

    def rb_deliver(self, msg: Message) -> None:
        if not self.respect_dependencies:
            self.deliver(msg)
            return
        self.pending.append(msg)
        progress = True
        while progress:
            progress = False
            for waiting in list(self.pending):
                if self._ready(waiting):
                    self.pending.remove(waiting)
                    self.vector[waiting.origin] = self.vector.get(waiting.origin, 0) + 1
                    self.deliver(waiting)
                    progress = True


class CausalIgnoringDependencies(Causal):
    """Buggy: delivers on arrival, whatever the message depends on."""

    respect_dependencies = False
