"""Reliable transport: retransmission under loss, duplicate suppression, order, flow control."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import pytest

from histcheck.systems.sim import MS, NetworkModel, SystemModel, TimingModel
from histcheck.systems.transport import Connection, RttEstimator, run_channel
from histcheck.systems.transport.simulated import ChannelNode

LOSSY = SystemModel(NetworkModel("arbitrary", loss=0.3, duplicate=0.2),
                    timing=TimingModel("asynchronous"))


def channels(sim_nodes: dict[str, ChannelNode]) -> dict[tuple[str, str], list[str]]:
    out: dict[tuple[str, str], list[str]] = {}
    for name, node in sim_nodes.items():
        for src, msg in node.received:
            out.setdefault((src, name), []).append(msg)
    return out


def run(variant: str, seed: int, model: SystemModel | None = None) -> tuple[dict[str, ChannelNode],
                                                                               list[str]]:
    sim = run_channel(variant, seed=seed, model=model)
    nodes = {n: sim.node(n) for n in sim.names}
    sent = [e["msg"] for e in sim.trace.events if e["type"] == "send"]
    return {n: v for n, v in nodes.items() if isinstance(v, ChannelNode)}, sent


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("model", [None, LOSSY], ids=["arbitrary", "lossy"])
def test_every_message_arrives_once_and_in_order(seed: int, model: SystemModel | None) -> None:
    nodes, sent = run("reliable", seed, model)
    received = [m for msgs in channels(nodes).values() for m in msgs]
    assert Counter(received) == Counter(sent)
    for msgs in channels(nodes).values():
        assert msgs == sorted(msgs, key=lambda m: int(m.split(".")[1]))
    stats = [c.stats for node in nodes.values() for c in node.connections.values()]
    assert sum(s.retransmissions for s in stats) > 0
    assert sum(s.duplicates for s in stats) > 0


def test_buggy_variants_lose_or_reorder() -> None:
    reordered = False
    for seed in range(3):
        nodes, _ = run("unordered", seed)
        reordered |= any(msgs != sorted(msgs, key=lambda m: int(m.split(".")[1]))
                         for msgs in channels(nodes).values())
    assert reordered
    nodes, sent = run("no-retransmit", 0)
    assert sum(len(m) for m in channels(nodes).values()) < len(sent)


class Wire:
    """A hand-driven environment: records emitted datagrams, deliveries and timers."""

    def __init__(self) -> None:
        self.time = 0
        self.out: list[bytes] = []
        self.up: list[bytes] = []
        self.timers: list[tuple[int, Callable[[], None]]] = []

    def now(self) -> int:
        return self.time

    def emit(self, datagram: bytes) -> None:
        self.out.append(datagram)

    def deliver(self, payload: bytes) -> None:
        self.up.append(payload)

    def set_timer(self, delay: int, callback: Callable[[], None]) -> Wire:
        self.timers.append((self.time + delay, callback))
        return self

    def cancel(self) -> None:
        self.timers.clear()


def test_flow_control_window_limits_segments_in_flight() -> None:
    wire = Wire()
    sender = Connection(wire, window=3)
    for i in range(10):
        sender.send(bytes([i]))
    assert len(wire.out) == 3
    receiver_wire = Wire()
    receiver = Connection(receiver_wire, capacity=4)
    receiver.on_datagram(wire.out[1])  # early: buffered, window shrinks
    ack = receiver_wire.out[-1]
    assert receiver_wire.up == [] and ack[1:5] == b"\x00\x00\x00\x00" and ack[5:] == b"\x00\x03"
    receiver.on_datagram(wire.out[0])
    assert receiver_wire.up == [b"\x00", b"\x01"]
    sender.on_datagram(receiver_wire.out[-1])  # ack 2: two more may go
    assert len(wire.out) == 5


def test_rto_adapts_to_measured_round_trips_and_backs_off() -> None:
    rtt = RttEstimator(rto=100 * MS, min_rto=1)
    for _ in range(20):
        rtt.sample(10 * MS)
    assert 10 * MS <= rtt.rto < 12 * MS
    rtt.backoff()
    assert rtt.rto >= 20 * MS
