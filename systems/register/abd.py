"""ABD: a linearizable read/write register replicated over a majority of replicas.

Attiya, Bar-Noy and Dolev's algorithm (multi-writer form). Each replica keeps a value and a
timestamp ``(counter, writer)``, totally ordered, and adopts any (timestamp, value) newer than its
own. Clients run the protocol themselves, in phases that each wait for a majority (any two
majorities intersect, so every phase meets at least one replica that saw the last completed one):

- write v: *query* a majority for timestamps, pick ``(max counter + 1, me)``; *store* it with v
  at a majority; done.
- read: *query* a majority, take the value with the highest timestamp; *write it back* to a
  majority; return it. The write-back is what makes reads linearizable: once a read returns v,
  a majority holds v, so no later read can return anything older.

Minority crashes and partitions leave a majority to answer, so operations go on; with no majority
reachable they time out and are recorded indeterminate. Over lossy networks the client resends a
phase's message to replicas that have not answered every ``retry`` microseconds; replicas are
idempotent (adopting a timestamp twice changes nothing).

Buggy clients (``Flavour``): ``write_back=False`` returns after the query phase: a read that saw
a write half-way through its store phase returns the new value, and a later read that meets only
replicas without it returns the old one (new-old inversion: sequentially consistent at best, not
linearizable). ``single_replica=True`` reads one replica, the client's nearest (another at
random if it does not answer): stale reads whenever that replica lags.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from histcheck.history import OK
from histcheck.systems.clients import Client, Op
from histcheck.systems.sim.models import MS
from histcheck.systems.sim.node import Node
from histcheck.values import Value

Stamp = tuple[int, str]
ZERO: Stamp = (0, "")


@dataclass(frozen=True, slots=True)
class Query:
    phase: tuple[str, int, int]


@dataclass(frozen=True, slots=True)
class QueryReply:
    phase: tuple[str, int, int]
    stamp: Stamp
    value: Value


@dataclass(frozen=True, slots=True)
class Store:
    phase: tuple[str, int, int]
    stamp: Stamp
    value: Value


@dataclass(frozen=True, slots=True)
class StoreAck:
    phase: tuple[str, int, int]


@dataclass(frozen=True, slots=True)
class Flavour:
    """How a client reads: with or without write-back, from a majority or a single replica."""

    write_back: bool = True
    single_replica: bool = False


class Replica(Node):
    """Holds (stamp, value); adopts newer stamps; kept in stable storage for crash-recovery."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.stamp: Stamp = ZERO
        self.value: Value = None

    def start(self) -> None:
        stamp, self.value = self.storage.get("register", (ZERO, None))
        self.stamp = (stamp[0], stamp[1])

    def receive(self, src: str, msg: Any) -> None:
        if isinstance(msg, Query):
            self.send(src, QueryReply(msg.phase, self.stamp, self.value))
        elif isinstance(msg, Store):
            if msg.stamp > self.stamp:
                self.stamp, self.value = msg.stamp, msg.value
                self.storage.put("register", (self.stamp, self.value))
            self.send(src, StoreAck(msg.phase))


@dataclass(slots=True)
class Phase:
    """One round trip to the replicas: who answered, and what the query phase learnt."""

    key: tuple[str, int, int]
    message: Query | Store
    targets: tuple[str, ...]
    needed: int
    answered: dict[str, tuple[Stamp, Value]]


class AbdClient(Client):
    """Runs reads and writes against ``replicas`` with the ABD phases (or a buggy flavour)."""

    def __init__(self, name: str, number: int, ops: list[Op], *, stride: int,
                 replicas: tuple[str, ...], flavour: Flavour = Flavour(),
                 retry: int = 30 * MS, start_at: int = 0) -> None:
        super().__init__(name, number, ops, stride=stride)
        self.start_at = start_at
        self.replicas = replicas
        self.flavour = flavour
        self.retry = retry
        self.phase: Phase | None = None
        self.phases = 0
        self.retries = 0

    @property
    def majority(self) -> int:
        return len(self.replicas) // 2 + 1

    def start(self) -> None:
        """Begin at ``start_at`` (plus a think time): scripted scenarios need idle clients."""
        self.set_timer(self.start_at + self.rng.randint(0, self.think), self._invoke_next)

    def begin(self, number: int, op: Op) -> None:
        if op.f == "read" and self.flavour.single_replica:
            self._start(number, Query, self.replicas, 1)
        else:
            self._start(number, Query, self.replicas, self.majority)

    def _start(self, number: int, kind: type[Query] | type[Store], targets: tuple[str, ...],
               needed: int, stamp: Stamp = ZERO, value: Value = None) -> None:
        self.phases += 1
        key = (self.name, number, self.phases)
        message: Query | Store = Query(key) if kind is Query else Store(key, stamp, value)
        self.phase = Phase(key, message, targets, needed, {})
        self.retries = 0
        self._transmit(key)

    def _transmit(self, key: tuple[str, int, int]) -> None:
        phase = self.phase
        if phase is None or phase.key != key:
            return
        targets = phase.targets
        if phase.needed == 1:  # the nearest replica first; a retry asks another at random
            local = self.replicas[(self.number - 1) % len(self.replicas)]
            targets = (local if not phase.answered and self.retries == 0 else
                       self.rng.choice(self.replicas),)
            self.retries += 1
        for replica in targets:
            if replica not in phase.answered:
                self.send(replica, phase.message)
        self.set_timer(self.retry, lambda: self._transmit(key))

    def abandon(self, number: int) -> None:
        self.phase = None

    def receive(self, src: str, msg: Any) -> None:
        phase = self.phase
        if not isinstance(msg, QueryReply | StoreAck) or phase is None or msg.phase != phase.key:
            return
        reply = (msg.stamp, msg.value) if isinstance(msg, QueryReply) else (ZERO, None)
        phase.answered.setdefault(src, reply)
        if len(phase.answered) == phase.needed:
            self.phase = None
            self._phase_done(phase)

    def _phase_done(self, phase: Phase) -> None:
        live = self.current
        assert live is not None
        number, op = live.number, live.op
        if isinstance(phase.message, Query):
            stamp, value = max(phase.answered.values(), key=lambda sv: sv[0])
            if op.f == "write":
                self._start(number, Store, self.replicas, self.majority,
                            (stamp[0] + 1, self.name), op.value)
            elif self.flavour.write_back and not self.flavour.single_replica:
                self._start(number, Store, self.replicas, self.majority, stamp, value)
            else:
                self.finish(number, OK, value)
        else:  # the store phase of a write, or a read's write-back: either way, its value
            self.finish(number, OK, phase.message.value)
