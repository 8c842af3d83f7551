"""The reliable transport in the simulator: nodes whose links are reliable FIFO channels.

``TransportNode`` keeps one ``Connection`` per peer and adapts it to the simulator (virtual time,
the node's timers, the simulated network). Protocols built on it call ``send_reliably`` and
override ``on_deliver``. ``run_channel`` is the catalogue's scenario: each node sends messages to
random peers over an arbitrary network; the trace records the channel-level ``send``/``recv``
(payloads carry their message id), not the datagrams underneath.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from histcheck.systems.sim.core import Simulator
from histcheck.systems.sim.faults import Fault
from histcheck.systems.sim.models import MS, NetworkModel, SystemModel
from histcheck.systems.sim.node import Node
from histcheck.systems.transport.reliable import (
    Cancellable,
    Connection,
    NoRetransmitConnection,
    UnorderedConnection,
)


@dataclass(frozen=True, slots=True)
class _NodeEnvironment:
    node: TransportNode
    peer: str

    def now(self) -> int:
        return self.node.now

    def emit(self, datagram: bytes) -> None:
        self.node.send(self.peer, datagram)

    def deliver(self, payload: bytes) -> None:
        self.node.on_deliver(self.peer, payload)

    def set_timer(self, delay: int, callback: Callable[[], None]) -> Cancellable:
        return self.node.set_timer(delay, callback)


class TransportNode(Node):
    """A node with a reliable, in-order connection to each peer."""

    connection_class: type[Connection] = Connection
    window = 8
    capacity = 16

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.connections: dict[str, Connection] = {}

    def connection(self, peer: str) -> Connection:
        if peer not in self.connections:
            self.connections[peer] = self.connection_class(
                _NodeEnvironment(self, peer), window=self.window, capacity=self.capacity)
        return self.connections[peer]

    def send_reliably(self, peer: str, payload: bytes) -> None:
        self.connection(peer).send(payload)

    def receive(self, src: str, msg: Any) -> None:
        if isinstance(msg, bytes):
            self.connection(src).on_datagram(msg)

    def on_deliver(self, src: str, payload: bytes) -> None:
        """Called with each payload from ``src``, in the order it was sent."""


class ChannelNode(TransportNode):
    """The scenario's node: sends numbered messages, records channel-level send/recv."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.count = 0
        self.received: list[tuple[str, str]] = []

    def post(self, peer: str) -> None:
        self.count += 1
        msg = f"{self.name}.{self.count}"
        self.trace.send(self.name, peer, msg)
        self.send_reliably(peer, msg.encode())

    def on_deliver(self, src: str, payload: bytes) -> None:
        msg = payload.decode()
        self.received.append((src, msg))
        self.trace.recv(self.name, src, msg)


VARIANTS: dict[str, type[Connection]] = {
    "reliable": Connection,
    "unordered": UnorderedConnection,
    "no-retransmit": NoRetransmitConnection,
}
DEFAULT_MODEL = SystemModel(NetworkModel.named("arbitrary"))


def _post(sim: Simulator, name: str, peer: str) -> None:
    node = sim.node(name)
    assert isinstance(node, ChannelNode)
    node.post(peer)


def run_channel(variant: str, *, seed: int, nodes: int = 3, messages: int = 20,
                model: SystemModel | None = None, faults: tuple[Fault, ...] = (),
                horizon: int = 100 * MS) -> Simulator:
    connection_class = VARIANTS[variant]

    def factory(name: str) -> ChannelNode:
        node = ChannelNode(name)
        node.connection_class = connection_class
        return node

    sim = Simulator(seed, model or DEFAULT_MODEL, faults)
    sim.network.record_links = False
    names = [f"n{i}" for i in range(1, nodes + 1)]
    for name in names:
        sim.add_node(name, factory)
    for name in names:
        peers = [p for p in names if p != name]
        for _ in range(messages):
            sim.schedule(sim.rng.randint(0, horizon),
                         partial(_post, sim, name, sim.rng.choice(peers)), node=name)
    sim.run()
    return sim
