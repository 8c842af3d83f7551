"""A toy primary-backup register in the simulator, driven by a generated ``Workload``.

Writes go to the primary, which applies them, replies, and forwards them to the backup lazily
(after ``LAG``). ``primary-reads`` reads at the primary (linearizable); ``backup-reads`` reads at
the backup, which lags behind (the bug: a read after an acknowledged write can miss it).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from histcheck.history import OK
from histcheck.recorders.operations import Ticket
from histcheck.systems.fuzz.strategies import Call, Workload
from histcheck.systems.sim import MS, Fault, Node, Simulator

SERVERS = ("primary", "backup")
LAG = 5 * MS


@dataclass(frozen=True)
class Request:
    f: str
    key: Any
    value: Any


@dataclass(frozen=True)
class Replicate:
    key: Any
    value: Any


@dataclass(frozen=True)
class Reply:
    value: Any


class Server(Node):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.data: dict[Any, Any] = {}

    def receive(self, src: str, msg: Any) -> None:
        if isinstance(msg, Replicate):
            self.data[msg.key] = msg.value
        elif isinstance(msg, Request) and msg.f == "write":
            self.data[msg.key] = msg.value
            self.set_timer(LAG, partial(self.send, "backup", Replicate(msg.key, msg.value)))
            self.send(src, Reply(msg.value))
        elif isinstance(msg, Request):
            self.send(src, Reply(self.data.get(msg.key)))


class Client(Node):
    def __init__(self, name: str, calls: tuple[Call, ...], reads_at: str) -> None:
        super().__init__(name)
        self.calls, self.reads_at = calls, reads_at
        self.ticket: Ticket | None = None

    def start(self) -> None:
        self._next()

    def _next(self) -> None:
        if self.calls:
            self.set_timer(self.calls[0].after, self._issue)

    def _issue(self) -> None:
        call, self.calls = self.calls[0], self.calls[1:]
        self.ticket = self.sim.operations.invoke(self.name, call.f, call.value, key=call.key)
        self.send(self.reads_at if call.f == "read" else "primary",
                  Request(call.f, call.key, call.value))

    def receive(self, src: str, msg: Any) -> None:
        if isinstance(msg, Reply) and self.ticket is not None:
            self.sim.operations.complete(self.ticket, OK, msg.value)
            self.ticket = None
            self._next()


def run_toy(variant: str, workload: Workload, faults: tuple[Fault, ...] = ()) -> Simulator:
    sim = Simulator(0, faults=faults)
    for name in SERVERS:
        sim.add_node(name, Server)
    reads_at = "primary" if variant == "primary-reads" else "backup"
    for process in workload.processes:
        calls = tuple(c for c in workload.calls if c.process == process)
        sim.add_node(f"c{process}", partial(Client, calls=calls, reads_at=reads_at))
    sim.run()
    return sim
