"""Clients of the storage systems: run operations one at a time and record them as a history.

Every storage system (``register``, ``smr``, ``twopc``, ``dsm``) is driven the same way: a few
client nodes, each with a list of operations drawn from the seeded random source before the run
(or given explicitly), invoke one operation, wait for its outcome, think for a moment (or pause as
long as the next operation says) and invoke the next. What a system does for an operation is its
own business (``Client.begin``); when it knows the outcome it calls ``finish``. The driver
records the history with the simulator's ``OperationRecorder``:

- ``ok``: the operation happened, with this result;
- ``fail``: it certainly did not happen (a server said so before doing anything);
- ``info``: the client gave up waiting (``timeout``). The operation may have happened, or may
  still happen later (a message in flight, a log entry committed by a future leader), so it is
  indeterminate. As in Jepsen, the client then continues under a *new process id*: the old
  process is forever busy with the operation it never saw finish.

Replies that arrive for an operation the client abandoned are ignored (``Client.current`` tells a
system which operation is live). ``run_clients`` runs the simulation in slices of virtual time
until every client is done (servers with heartbeats would otherwise run forever) and reports
progress as completed operations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from histcheck.history import FAIL, INFO, OK, EventType
from histcheck.recorders.operations import Ticket
from histcheck.systems.sim.core import Simulator, Timer
from histcheck.systems.sim.models import MS
from histcheck.systems.sim.node import Node
from histcheck.values import Value

Progress = Callable[[int, int], None]
"""Called with (operations completed, operations in total) as a run goes on."""


@dataclass(frozen=True, slots=True)
class Op:
    """An operation to invoke: ``f``, its value and, for keyed models, its key."""

    f: str
    value: Value = None
    key: Value = None
    pause: int | None = None
    """µs to wait before invoking it; None: a random think time (explicit workloads set it)."""


@dataclass(slots=True)
class Live:
    """The operation a client is waiting for: its number, what it is, and its ticket."""

    number: int
    op: Op
    ticket: Ticket
    timer: Timer


class Client(Node):
    """A client node: invokes ``ops`` one after another; subclasses implement ``begin``."""

    def __init__(self, name: str, number: int, ops: list[Op], *, stride: int,
                 timeout: int = 200 * MS, think: int = 5 * MS) -> None:
        super().__init__(name)
        self.number = number
        self.process = number
        self.stride = stride
        self.ops = ops
        self.timeout = timeout
        self.think = think
        self.next_index = 0
        self.current: Live | None = None
        self.completed = 0

    @property
    def done(self) -> bool:
        return self.next_index >= len(self.ops) and self.current is None

    def start(self) -> None:
        self.set_timer(self.pause(), self._invoke_next)

    def pause(self) -> int:
        """How long to wait before the next operation: its own pause, or a think time."""
        if self.next_index < len(self.ops):
            chosen = self.ops[self.next_index].pause
            if chosen is not None:
                return chosen
        return self.rng.randint(0, self.think)

    def _invoke_next(self) -> None:
        if self.next_index >= len(self.ops):
            return
        op = self.ops[self.next_index]
        self.next_index += 1
        ticket = self.sim.operations.invoke(self.process, op.f, op.value, key=op.key)
        live = Live(self.next_index, op, ticket, self.set_timer(self.timeout, self._expire))
        self.current = live
        self.begin(live.number, op)

    def begin(self, number: int, op: Op) -> None:
        """Start operation ``number``; call ``finish(number, ...)`` when its outcome is known."""
        raise NotImplementedError

    def is_live(self, number: int) -> bool:
        return self.current is not None and self.current.number == number

    def finish(self, number: int, kind: EventType, value: Value = None) -> None:
        """Record the outcome of operation ``number`` (ignored if it was abandoned)."""
        live = self.current
        if live is None or live.number != number:
            return
        live.timer.cancel()
        self.sim.operations.complete(live.ticket, kind, value if kind is OK else live.op.value)
        self._after(kind)

    def fail(self, number: int) -> None:
        self.finish(number, FAIL)

    def _expire(self) -> None:
        live = self.current
        assert live is not None
        self.sim.operations.complete(live.ticket, INFO, live.op.value)
        self.abandon(live.number)
        self._after(INFO)

    def abandon(self, number: int) -> None:
        """Called when operation ``number`` times out; stop retrying it."""

    def _after(self, kind: EventType) -> None:
        self.current = None
        self.completed += 1
        if kind is INFO:
            self.process += self.stride
        self.set_timer(self.pause(), self._invoke_next)


def run_clients(sim: Simulator, clients: list[str], *, slice_: int = 50 * MS,
                progress: Progress | None = None, horizon: int = 10**12) -> None:
    """Run ``sim`` until every client in ``clients`` has finished (or is down for good)."""
    total = sum(len(_client(sim, name).ops) for name in clients)
    while sim.now < horizon:
        sim.run(until=sim.now + slice_)
        nodes = [_client(sim, name) for name in clients]
        if progress is not None:
            progress(sum(c.completed for c in nodes), total)
        # A live client that is not done always has a timer pending, so this ends.
        if all(c.done or not sim.alive(c.name) for c in nodes):
            return


def _client(sim: Simulator, name: str) -> Client:
    node = sim.node(name)
    assert isinstance(node, Client)
    return node

