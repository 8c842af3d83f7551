"""What every broadcast protocol shares: message ids, delivery recording, FIFO links.

A protocol node broadcasts with ``broadcast(body)`` and hands each message to the application
with ``deliver(msg)``; both are recorded as trace events (``broadcast``/``deliver``), and every
node, the sender included, delivers each message it delivers exactly once. Message ids are
``<origin>.<k>`` (the origin's k-th broadcast), unique and deterministic.

``FifoLink`` gives a point-to-point channel that never reorders, over a network that may: each
link numbers its messages and the receiver holds back early ones. (It assumes no loss; over a
lossy network use the reliable transport, which also retransmits.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from histcheck.systems.sim.node import Node


@dataclass(frozen=True, slots=True)
class Message:
    """An application message: its id, the node that broadcast it, its body and metadata."""

    id: str
    origin: str
    body: Any = None
    seq: int = 0
    deps: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class Numbered:
    """A FIFO link's envelope: the link's sequence number and the payload."""

    seq: int
    payload: Any


class FifoLink:
    """Per-peer numbering and hold-back, giving first-in first-out links to ``node``."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self._out: dict[str, int] = {}
        self._next: dict[str, int] = {}
        self._held: dict[str, dict[int, Any]] = {}

    def send(self, dst: str, payload: Any) -> None:
        seq = self._out.get(dst, 0)
        self._out[dst] = seq + 1
        self.node.send(dst, Numbered(seq, payload))

    def accept(self, src: str, envelope: Numbered) -> list[Any]:
        """The payloads that are now in order from ``src`` (possibly none, possibly several)."""
        held = self._held.setdefault(src, {})
        held[envelope.seq] = envelope.payload
        ready = []
        expected = self._next.get(src, 0)
        while expected in held:
            ready.append(held.pop(expected))
            expected += 1
        self._next[src] = expected
        return ready


class BroadcastNode(Node):
    """Base class: message ids, recording, and the application's log of deliveries."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.delivered: list[Message] = []
        self._broadcasts = 0

    def new_message(self, body: Any, **meta: Any) -> Message:
        self._broadcasts += 1
        msg = Message(f"{self.name}.{self._broadcasts}", self.name, body, **meta)
        self.trace.broadcast(self.name, msg.id)
        return msg

    def deliver(self, msg: Message) -> None:
        self.delivered.append(msg)
        self.trace.deliver(self.name, msg.id, msg.origin)

    def others(self) -> list[str]:
        return [peer for peer in self.peers if peer != self.name]

    def broadcast(self, body: Any) -> str:
        """Broadcast ``body`` to every node; returns the message id."""
        raise NotImplementedError
