"""Compare-and-set through a leader: ABD with a single writer that orders every update.

ABD's reads and writes need no coordination, but compare-and-set does: ``cas(expected, new)``
must see the value it replaces, and two clients' writes racing through query and store phases
could both believe they replaced it. Here one replica, the **leader** (a fixed one: the first),
runs every ``write`` and ``cas`` one at a time; reads stay ABD quorum reads with write-back,
run by the clients themselves (``AbdClient``).

- A client sends ``Request(f, value)`` to the leader and resends it every ``retry`` until a
  ``Reply``; the leader answers a repeated request from its record of each client's last one.
- The leader queues requests and takes them in order. It is the only writer, so the last value it
  stored is the register's value: a ``cas`` whose ``expected`` differs is answered ``fail``
  without touching the replicas (it certainly did not happen). Otherwise the new value gets the
  stamp ``(counter + 1, leader)`` and a store phase: sent to every replica (the leader's own
  included), resent to silent ones every ``retry``, done when a majority acknowledges. Only then
  does the leader reply ``ok`` and take the next request.

Why it is linearizable. Updates are totally ordered by the leader, each completes at a majority
before the next begins, and stamps grow with that order; reads are ABD reads, so a read returns the
highest-stamped value some majority holds or one being stored, and writes it back before
returning: the single-writer ABD argument. A ``cas`` is decided against the value of the previous
update, which is by then at a majority, so it sees what every later read would see.

Faults: a minority of replicas crashed or partitioned leaves a majority for store phases and
reads. The leader is fixed (no election): while it is cut off from a majority, updates wait and
their clients record ``info``; if it crashes for good, updates stop (reads go on). With
crash-recovery nodes, the leader writes its state (stamp, value and each client's last request
and answer) to stable storage before each store phase, and after a restart stores its last value
again at a majority before serving anything: an update left half-stored by the crash completes,
so a ``cas`` can never be decided against a value older than one a read may already have
returned.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from histcheck.history import FAIL, OK
from histcheck.systems.clients import Op
from histcheck.systems.register.abd import ZERO, AbdClient, Replica, Stamp, Store, StoreAck
from histcheck.systems.sim.models import MS
from histcheck.values import Value


@dataclass(frozen=True, slots=True)
class Request:
    client: str
    number: int
    f: str
    value: Value


@dataclass(frozen=True, slots=True)
class Reply:
    number: int
    ok: bool


Answer = tuple[int, bool]
"""A client's last request number and whether it succeeded."""


class LeaderReplica(Replica):
    """A replica that also serialises writes and compare-and-sets (see the module docstring)."""

    def __init__(self, name: str, replicas: tuple[str, ...], retry: int = 30 * MS) -> None:
        super().__init__(name)
        self.replicas = replicas
        self.retry = retry
        self.last: tuple[Stamp, Value] = (ZERO, None)
        self.answers: dict[str, Answer] = {}
        self.queue: list[Request] = []
        self.busy: Request | None = None
        self.recovering = False
        self.store: Store | None = None
        self.acked: set[str] = set()
        self.stores = 0

    def start(self) -> None:
        super().start()
        stamp, value, answers = self.storage.get("leader", (ZERO, None, {}))
        self.last, self.answers = ((stamp[0], stamp[1]), value), answers
        if self.restarted and self.last[0] != ZERO:
            self.recovering = True
            self._store(*self.last)

    def receive(self, src: str, msg: Any) -> None:
        if isinstance(msg, Request):
            self._request(msg)
        elif isinstance(msg, StoreAck) and self.store is not None and msg.phase == self.store.phase:
            self.acked.add(src)
            if len(self.acked) == len(self.replicas) // 2 + 1:
                self._stored()
        else:
            super().receive(src, msg)

    def _request(self, req: Request) -> None:
        same = (req.client, req.number)
        if any((r.client, r.number) == same for r in (*self.queue, *filter(None, [self.busy]))):
            return  # under way: the reply comes when its store phase is done
        answer = self.answers.get(req.client)
        if answer is not None and answer[0] >= req.number:
            # Never answer while recovering: the last update may not be at a majority yet.
            if answer[0] == req.number and not self.recovering:
                self.send(req.client, Reply(*answer))
            return
        self.queue.append(req)
        self._next()

    def _next(self) -> None:
        while self.busy is None and not self.recovering and self.queue:
            req = self.queue.pop(0)
            stamp, current = self.last
            if req.f == "cas":
                assert isinstance(req.value, tuple)
                expected, new = req.value
                if current != expected:
                    self.answers[req.client] = (req.number, False)
                    self.send(req.client, Reply(req.number, False))
                    continue
                value: Value = new
            else:
                value = req.value
            self.busy = req
            self.last = ((stamp[0] + 1, self.name), value)
            # On disk the answer goes with the update; in memory it waits for the majority.
            self.storage.put("leader", (*self.last, {**self.answers, req.client: (req.number,
                                                                                  True)}))
            self._store(*self.last)

    def _store(self, stamp: Stamp, value: Value) -> None:
        self.stores += 1
        self.store = Store((self.name, 0, self.stores), stamp, value)
        self.acked = set()
        self._transmit(self.store)

    def _transmit(self, store: Store) -> None:
        if self.store is not store:
            return
        for replica in self.replicas:
            if replica not in self.acked:
                self.send(replica, store)
        self.set_timer(self.retry, lambda: self._transmit(store))

    def _stored(self) -> None:
        self.store = None
        if self.busy is not None:
            self.answers[self.busy.client] = (self.busy.number, True)
            self.send(self.busy.client, Reply(self.busy.number, True))
        self.busy, self.recovering = None, False
        self._next()


class LeaderClient(AbdClient):
    """Reads as ABD does; sends writes and compare-and-sets to ``leader`` and awaits its reply."""

    def __init__(self, name: str, number: int, ops: list[Op], *, stride: int,
                 replicas: tuple[str, ...], leader: str, retry: int = 30 * MS) -> None:
        super().__init__(name, number, ops, stride=stride, replicas=replicas, retry=retry)
        self.leader = leader

    def begin(self, number: int, op: Op) -> None:
        if op.f == "read":
            super().begin(number, op)
        else:
            self._request(number, Request(self.name, number, op.f, op.value))

    def _request(self, number: int, req: Request) -> None:
        if self.is_live(number):
            self.send(self.leader, req)
            self.set_timer(self.retry, lambda: self._request(number, req))

    def receive(self, src: str, msg: Any) -> None:
        if isinstance(msg, Reply):
            live = self.current
            if live is not None and live.number == msg.number:
                self.finish(msg.number, OK if msg.ok else FAIL, live.op.value)
        else:
            super().receive(src, msg)
