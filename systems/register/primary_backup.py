"""Asynchronous primary-backup replication: fast, and it loses acknowledged writes on failover.

The replicas are ranked (the order they were given). Every replica sends heartbeats; a replica
acts as primary while it has heard nothing for ``suspect_after`` from every replica ranked above
it. The primary applies a write, acknowledges it at once, and only every ``lag`` microseconds
sends its state (a sequence number and the value) to the backups, which adopt newer states. Reads
are answered by the primary from its memory. A replica that is not primary answers ``NotPrimary``
before doing anything, so the client records ``fail`` and retries elsewhere.

The bug is the asynchrony: when the primary crashes, writes it acknowledged during its last
``lag`` never reached a backup. The backup that takes over serves the older value, and a read
that starts after an acknowledged write returns what was there before it: not linearizable (and
not even sequentially consistent for the writer that reads its own write back).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from histcheck.history import OK
from histcheck.systems.clients import Client, Op
from histcheck.systems.sim.models import MS
from histcheck.systems.sim.node import Node
from histcheck.values import Value


@dataclass(frozen=True, slots=True)
class Request:
    key: tuple[str, int]
    f: str
    value: Value


@dataclass(frozen=True, slots=True)
class Reply:
    key: tuple[str, int]
    value: Value


@dataclass(frozen=True, slots=True)
class NotPrimary:
    key: tuple[str, int]


@dataclass(frozen=True, slots=True)
class Heartbeat:
    pass


@dataclass(frozen=True, slots=True)
class StateUpdate:
    seq: int
    value: Value


class PrimaryBackupReplica(Node):
    def __init__(self, name: str, *, replicas: tuple[str, ...], lag: int = 50 * MS,
                 heartbeat: int = 10 * MS, suspect_after: int = 40 * MS) -> None:
        super().__init__(name)
        self.replicas = replicas
        self.lag, self.heartbeat, self.suspect_after = lag, heartbeat, suspect_after
        self.seq = 0
        self.value: Value = None
        self.heard: dict[str, int] = {}

    def start(self) -> None:
        self._beat()
        self.set_timer(self.lag, self._replicate)

    def is_primary(self) -> bool:
        above = self.replicas[:self.replicas.index(self.name)]
        return all(self.now - self.heard.get(r, -self.suspect_after) >= self.suspect_after
                   for r in above) and self.now >= self.suspect_after * (len(above) > 0)

    def _beat(self) -> None:
        for replica in self.replicas:
            if replica != self.name:
                self.send(replica, Heartbeat())
        self.set_timer(self.heartbeat, self._beat)

    def _replicate(self) -> None:
        if self.is_primary():
            for replica in self.replicas:
                if replica != self.name:
                    self.send(replica, StateUpdate(self.seq, self.value))
        self.set_timer(self.lag, self._replicate)

    def receive(self, src: str, msg: Any) -> None:
        if isinstance(msg, Heartbeat):
            self.heard[src] = self.now
        elif isinstance(msg, StateUpdate):
            if msg.seq > self.seq:
                self.seq, self.value = msg.seq, msg.value
        elif isinstance(msg, Request):
            if not self.is_primary():
                self.send(src, NotPrimary(msg.key))
                return
            if msg.f == "write":
                self.seq += 1
                self.value = msg.value
            self.send(src, Reply(msg.key, self.value))


class PrimaryBackupClient(Client):
    """Sends each operation to the replica it believes primary; moves on when refused or slow."""

    def __init__(self, name: str, number: int, ops: list[Op], *, stride: int,
                 replicas: tuple[str, ...], retry: int = 30 * MS) -> None:
        super().__init__(name, number, ops, stride=stride)
        self.replicas = replicas
        self.retry = retry
        self.target = 0

    def begin(self, number: int, op: Op) -> None:
        self._send(number)

    def _send(self, number: int) -> None:
        if not self.is_live(number):
            return
        assert self.current is not None
        op = self.current.op
        self.send(self.replicas[self.target], Request((self.name, number), op.f, op.value))
        self.set_timer(self.retry, lambda: self._retry(number))

    def _retry(self, number: int) -> None:
        if self.is_live(number):
            self.target = (self.target + 1) % len(self.replicas)
            self._send(number)

    def receive(self, src: str, msg: Any) -> None:
        if isinstance(msg, Reply):
            self.finish(msg.key[1], OK, msg.value)
        elif isinstance(msg, NotPrimary) and self.is_live(msg.key[1]):
            self.target = (self.replicas.index(src) + 1) % len(self.replicas)
            self.fail(msg.key[1])
