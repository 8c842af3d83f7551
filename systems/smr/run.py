"""Run the Raft-like key-value store: servers, clients, a kv workload and default faults.

Variants: ``raft`` (correct: reads and writes through the log, linearizable) and
``stale-reads`` (the leader answers reads locally; after a partition an old leader keeps serving
them: split brain). The default faults cut the first leader (``s1``, whose first election timeout
is shortest) off with two clients for a while, and later crash another server: a minority each
time, so the correct variant stays available on the majority side.

Clients send each command to the server they believe leads; a refusal names the leader, a silence
(``retry``) makes them try the next server. The state machine de-duplicates re-sent commands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from histcheck.history import OK
from histcheck.systems.clients import Client, Op, Progress, run_clients
from histcheck.systems.sim.core import Simulator
from histcheck.systems.sim.faults import Crash, Fault, Partition
from histcheck.systems.sim.models import MS, SystemModel
from histcheck.systems.smr.machine import Command
from histcheck.systems.smr.messages import ClientReply, ClientRequest
from histcheck.systems.smr.raft import Journal, RaftServer

VARIANTS = ("raft", "stale-reads")
KEYS = ("x", "y")


class KvClient(Client):
    def __init__(self, name: str, number: int, ops: list[Op], *, stride: int,
                 servers: tuple[str, ...], retry: int = 40 * MS) -> None:
        super().__init__(name, number, ops, stride=stride)
        self.servers, self.retry = servers, retry
        self.target = servers[0]
        self.attempt = 0

    def begin(self, number: int, op: Op) -> None:
        self._send(number, self.attempt)

    def _send(self, number: int, attempt: int) -> None:
        if not self.is_live(number) or attempt != self.attempt:
            return
        assert self.current is not None
        op = self.current.op
        command = Command(self.name, number, op.f, str(op.key), op.value)
        self.send(self.target, ClientRequest((self.name, number), command))
        self.set_timer(self.retry, partial(self._silent, number, attempt))

    def _silent(self, number: int, attempt: int) -> None:
        if self.is_live(number) and attempt == self.attempt:
            self.target = self.servers[(self.servers.index(self.target) + 1) % len(self.servers)]
            self.attempt += 1
            self._send(number, self.attempt)

    def receive(self, src: str, msg: Any) -> None:
        if not isinstance(msg, ClientReply) or not self.is_live(msg.key[1]):
            return
        if msg.ok:
            self.finish(msg.key[1], OK, msg.value)
            return
        following = self.servers[(self.servers.index(src) + 1) % len(self.servers)]
        self.target = msg.leader if msg.leader and msg.leader != src else following
        self.attempt += 1
        self.set_timer(2 * MS, partial(self._send, msg.key[1], self.attempt))


@dataclass(frozen=True, slots=True)
class SmrRun:
    sim: Simulator
    journal: Journal
    servers: tuple[str, ...]
    clients: tuple[str, ...] = field(default=())


def workload(sim: Simulator, client: int, count: int) -> list[Op]:
    ops = []
    for k in range(count):
        key = sim.rng.choice(KEYS)
        roll = sim.rng.random()
        if roll < 0.5:
            ops.append(Op("get", None, key))
        elif roll < 0.75:
            ops.append(Op("put", f"{client}.{k}", key))
        else:
            ops.append(Op("append", f"{client}.{k};", key))
    return ops


def default_faults(servers: tuple[str, ...], clients: tuple[str, ...],
                   operations: int) -> tuple[Fault, ...]:
    span = max(operations, 4) * 25 * MS
    side = (servers[0], *clients[:2])
    rest = tuple(n for n in (*servers, *clients) if n not in side)
    return (Partition((side, rest), 60 * MS, 60 * MS + span // 2),
            Crash(servers[-1], 60 * MS + span * 2 // 3))


def run_smr(variant: str, *, seed: int, clients: int = 4, operations: int = 15,
            servers: int = 5, model: SystemModel | None = None,
            faults: tuple[Fault, ...] | None = None,
            progress: Progress | None = None) -> SmrRun:
    if variant not in VARIANTS:
        raise ValueError(f"unknown smr-kv variant {variant!r}; known: {', '.join(VARIANTS)}")
    server_names = tuple(f"s{i}" for i in range(1, servers + 1))
    client_names = tuple(f"c{i}" for i in range(1, clients + 1))
    if faults is None:
        faults = default_faults(server_names, client_names, operations)
    sim = Simulator(seed, model, faults)
    sim.network.record_links = False
    journal = Journal([], {})
    for name in server_names:
        sim.add_node(name, partial(RaftServer, servers=server_names, journal=journal,
                                   local_reads=variant == "stale-reads"))
    for number, name in enumerate(client_names, start=1):
        sim.add_node(name, partial(KvClient, number=number, ops=workload(sim, number, operations),
                                   stride=clients, servers=server_names))
    run_clients(sim, list(client_names), progress=progress)
    return SmrRun(sim, journal, server_names, client_names)
