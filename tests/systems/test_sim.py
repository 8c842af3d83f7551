"""The simulator core: determinism, network models, timing models, crashes, partitions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from histcheck.cli import main as cli_main
from histcheck.errors import UsageError
from histcheck.history import OK
from histcheck.recorders.operations import Ticket
from histcheck.systems.sim import (
    MS,
    Crash,
    NetworkModel,
    Node,
    Partition,
    Recover,
    Simulator,
    SystemModel,
    TimingModel,
    parse_fault,
)


class Pinger(Node):
    """Sends ``count`` numbered pings to every other node, one per millisecond."""

    def __init__(self, name: str, count: int = 20) -> None:
        super().__init__(name)
        self.count = count
        self.got: list[tuple[str, Any]] = []
        self.sent = 0

    def start(self) -> None:
        self.set_timer(MS, self.tick)

    def tick(self) -> None:
        if self.sent < self.count:
            self.sent += 1
            for peer in self.peers:
                if peer != self.name:
                    self.send(peer, self.sent)
            self.set_timer(MS, self.tick)

    def receive(self, src: str, msg: Any) -> None:
        self.got.append((src, msg))


def run(seed: int, model: SystemModel | None = None, faults: tuple[Any, ...] = (),
        nodes: int = 3, count: int = 20) -> Simulator:
    sim = Simulator(seed, model, faults)
    for i in range(1, nodes + 1):
        sim.add_node(f"n{i}", lambda name: Pinger(name, count))
    sim.run()
    return sim


def pinger(sim: Simulator, name: str) -> Pinger:
    node = sim.node(name)
    assert isinstance(node, Pinger)
    return node


ARBITRARY = SystemModel(NetworkModel.named("arbitrary"), timing=TimingModel("asynchronous"))


def test_same_seed_same_bytes_and_other_seed_differs() -> None:
    first, again, other = run(7, ARBITRARY), run(7, ARBITRARY), run(8, ARBITRARY)
    assert first.trace.to_bytes() == again.trace.to_bytes()
    assert first.trace.to_bytes() != other.trace.to_bytes()


def test_reliable_network_delivers_everything_once() -> None:
    sim = run(1)
    for name in sim.names:
        got = pinger(sim, name).got
        assert len(got) == 40 and len(set(got)) == 40
    assert sim.stats.lost == 0 and sim.stats.duplicated == 0


def test_fair_loss_loses_some_and_arbitrary_duplicates() -> None:
    lossy = run(2, SystemModel(NetworkModel.named("fair-loss", loss=0.3)), count=100)
    assert 0.2 < lossy.stats.lost / lossy.stats.sent < 0.4
    dup = run(3, SystemModel(NetworkModel("arbitrary", duplicate=0.5)), count=50)
    got = pinger(dup, "n1").got
    assert len(got) > len(set(got)) and dup.stats.duplicated > 0


def test_fifo_links_never_reorder_and_random_delays_do() -> None:
    def orders(model: SystemModel) -> list[list[int]]:
        sim = run(4, model)
        return [[m for s, m in pinger(sim, "n1").got if s == "n2"],
                [m for s, m in pinger(sim, "n2").got if s == "n1"]]
    fifo = SystemModel(NetworkModel(reorder=False))
    assert all(seq == sorted(seq) for seq in orders(fifo))
    assert any(seq != sorted(seq) for seq in orders(SystemModel()))


def test_timing_models_bound_delays() -> None:
    import random
    rng = random.Random(0)
    sync = TimingModel("synchronous", delta=5 * MS)
    assert all(sync.delay(rng, 0) <= 5 * MS for _ in range(1000))
    partial = TimingModel("partially-synchronous", delta=5 * MS, gst=100 * MS)
    before = [partial.delay(rng, 0) for _ in range(1000)]
    assert max(before) > 5 * MS
    assert all(partial.delay(rng, 100 * MS) <= 5 * MS for _ in range(1000))


def test_partition_drops_crossing_messages_until_it_heals() -> None:
    cut = Partition((("n1",), ("n2", "n3")), 0, 10 * MS)
    sim = run(5, faults=(cut,))
    from_n1 = [m for s, m in pinger(sim, "n2").got if s == "n1"]
    assert from_n1 and min(from_n1) >= 9  # pings 1..8 were sent inside the partition
    assert len([m for s, m in pinger(sim, "n3").got if s == "n2"]) == 20


def test_crash_stop_node_stops_sending_and_receiving() -> None:
    sim = run(6, faults=(Crash("n2", 5 * MS + 1),))
    assert pinger(sim, "n2").sent == 5
    assert all(m <= 5 for s, m in pinger(sim, "n1").got if s == "n2")
    with pytest.raises(UsageError):
        run(6, faults=(Recover("n2", 9 * MS),))


class Counter(Node):
    """Counts ticks in memory and, every tick, on stable storage."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.in_memory = 0

    def start(self) -> None:
        self.set_timer(MS, self.tick)

    def tick(self) -> None:
        self.in_memory += 1
        self.storage.put("ticks", self.storage.get("ticks", 0) + 1)
        if self.now < 20 * MS:
            self.set_timer(MS, self.tick)


def test_crash_recovery_keeps_stable_storage_and_loses_memory() -> None:
    model = SystemModel(nodes="crash-recovery")
    sim = Simulator(0, model, (Crash("c", 5 * MS + 1), Recover("c", 10 * MS)))
    first = sim.add_node("c", Counter)
    sim.run()
    now = sim.node("c")
    assert isinstance(now, Counter) and now is not first and now.restarted
    assert first.in_memory == 5
    assert now.in_memory == 10 and now.storage.get("ticks") == 15
    assert [e["type"] for e in sim.trace.events] == ["crash", "recover"]


def test_parse_fault() -> None:
    assert parse_fault("crash:n2@50") == Crash("n2", 50 * MS)
    assert parse_fault("recover:n2@1.5") == Recover("n2", 1500)
    assert parse_fault("partition:n1,n2|n3@10-60") == Partition((("n1", "n2"), ("n3",)),
                                                                10 * MS, 60 * MS)
    with pytest.raises(UsageError):
        parse_fault("explode:n1@3")


class SlowClient(Node):
    """One operation that takes ``seconds`` of virtual time, and a crash at the end of it."""

    def __init__(self, name: str, seconds: int) -> None:
        super().__init__(name)
        self.seconds = seconds

    def start(self) -> None:
        ticket = self.sim.operations.invoke(0, "write", 1)
        self.set_timer(self.seconds * 1000 * MS, lambda: self.finish(ticket))

    def finish(self, ticket: Ticket) -> None:
        self.sim.operations.complete(ticket, OK, 1)
        self.sim.crash(self.name)


def test_recorded_times_are_nanoseconds_of_virtual_time(tmp_path: Path) -> None:
    """A 30-second virtual run records a 30-second history and trace: ``time`` is nanoseconds
    everywhere, whatever unit the simulator's own clock counts in."""
    sim = Simulator(0)
    sim.add_node("c", lambda name: SlowClient(name, 30))
    sim.run()
    assert sim.now == 30_000 * MS
    path = tmp_path / "h.jsonl"
    sim.operations.write(path)
    result = CliRunner().invoke(cli_main, ["stats", str(path), "--json"])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout)
    assert figures["time_span"] == 30 * 10**9
    assert figures["latency"]["write"]["max"] == 30 * 10**9
    text = CliRunner().invoke(cli_main, ["stats", str(path)]).stdout
    assert "time span 30000.000 ms" in text
    assert [e["time"] for e in sim.trace.events] == [30 * 10**9]  # the crash
