"""A deterministic discrete-event simulator: virtual time, one seeded random source.

Everything that happens is an event on a heap ordered by (time, sequence number): the sequence
number breaks ties in the order events were scheduled, so no two runs can differ. All randomness
(delays, losses, workload) is drawn from ``sim.rng``, one ``random.Random(seed)``; no wall clock,
no uuid4, no iteration over sets. Same seed, same model, same faults: same trace, byte for byte.

Virtual time counts microseconds (``now``); recorded histories and traces are stamped in
nanoseconds (``recorded_time``), the unit of ``time`` everywhere else, so a run of 30 virtual
seconds records a 30-second history.

Crashes are events too: a crashed node receives nothing and its pending timers never fire (each
timer remembers the incarnation of the node that set it).

``random_source(make)`` is the one hook for fuzzers: inside the block, each new simulator draws
from ``make(seed)`` (any ``random.Random``) instead of ``random.Random(seed)``, so a fuzzer can
steer and shrink every choice without changing how systems build their simulators. Outside it,
nothing changes.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from histcheck.errors import UsageError
from histcheck.recorders.operations import OperationRecorder
from histcheck.recorders.streaming import RecordingFile
from histcheck.recorders.trace import TraceRecorder
from histcheck.systems.sim.faults import Crash, Fault, Partition, Recover
from histcheck.systems.sim.models import NS_PER_TICK, SystemModel
from histcheck.systems.sim.network import Network
from histcheck.systems.sim.node import Node, StableStorage

_RANDOM_SOURCE: ContextVar[Callable[[int], random.Random] | None] = ContextVar(
    "histcheck_random_source", default=None)


@contextmanager
def random_source(make: Callable[[int], random.Random]) -> Iterator[None]:
    """Within the block, simulators draw every choice from ``make(seed)`` (see the docstring)."""
    token = _RANDOM_SOURCE.set(make)
    try:
        yield
    finally:
        _RANDOM_SOURCE.reset(token)


@dataclass
class RecordingStreams:
    """Files the next simulator made writes its recordings into as it runs (see ``streaming``)."""

    trace: Path | None = None
    operations: Path | None = None
    files: list[RecordingFile] = field(default_factory=list)
    claimed: bool = False

    def claim(self, sim: Simulator) -> None:
        if self.claimed:
            return
        self.claimed = True
        if self.trace is not None:
            self.files.append(sim.trace.stream_to(self.trace))
        if self.operations is not None:
            self.files.append(sim.operations.stream_to(self.operations))


_STREAMS: ContextVar[RecordingStreams | None] = ContextVar("histcheck_streams", default=None)


@contextmanager
def streaming(*, trace: Path | None = None,
              operations: Path | None = None) -> Iterator[RecordingStreams]:
    """Within the block, the first simulator made writes its trace and/or its operations to
    these files as events happen, so a run that is killed leaves a recording marked incomplete.
    Leaving the block completes the files (their end record); an exception leaves them
    incomplete. ``files`` stays empty when no simulator was made."""
    streams = RecordingStreams(trace, operations)
    token = _STREAMS.set(streams)
    try:
        yield streams
    except BaseException:
        for file in streams.files:
            file.abandon()
        raise
    finally:
        _STREAMS.reset(token)
    for file in streams.files:
        file.close()


@dataclass(slots=True)
class Timer:
    """A scheduled callback; ``cancel()`` stops it from running."""

    callback: Callable[[], None]
    node: str | None
    incarnation: int
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


@dataclass(slots=True)
class Stats:
    events: int = 0
    sent: int = 0
    delivered: int = 0
    lost: int = 0
    duplicated: int = 0
    crashes: int = 0
    restarts: int = 0
    extra: dict[str, int] = field(default_factory=dict)


class Simulator:
    """Runs nodes in virtual time under a ``SystemModel`` and an explicit fault schedule."""

    def __init__(self, seed: int, model: SystemModel | None = None,
                 faults: tuple[Fault, ...] = ()) -> None:
        self.seed = seed
        make = _RANDOM_SOURCE.get()
        self.rng = random.Random(seed) if make is None else make(seed)
        self.model = model or SystemModel()
        self.now = 0
        self.stats = Stats()
        self.trace = TraceRecorder(self.recorded_time)
        self.operations = OperationRecorder(self.recorded_time)
        """Client operations, for systems whose clients record a history."""
        streams = _STREAMS.get()
        if streams is not None:
            streams.claim(self)
        self.network = Network(self)
        self._heap: list[tuple[int, int, Timer]] = []
        self._seq = 0
        self._factories: dict[str, Callable[[str], Node]] = {}
        self._nodes: dict[str, Node] = {}
        self._storage: dict[str, StableStorage] = {}
        self._incarnation: dict[str, int] = {}
        self._up: dict[str, bool] = {}
        self.partitions: list[Partition] = []
        self._faults = faults

    def recorded_time(self) -> int:
        """The time stamped on recorded events: virtual time in nanoseconds."""
        return self.now * NS_PER_TICK

    # -- nodes ---------------------------------------------------------------------------------
    def add_node(self, name: str, factory: Callable[[str], Node]) -> Node:
        """Add a node built by ``factory(name)``; it starts at time 0 (when ``run`` begins)."""
        if name in self._factories:
            raise UsageError(f"node {name!r} added twice")
        self._factories[name] = factory
        self._storage[name] = StableStorage()
        self._incarnation[name] = 0
        self._up[name] = False
        self.schedule(0, lambda: self._boot(name, restarted=False))
        return self._boot_object(name, restarted=False)

    def _boot_object(self, name: str, restarted: bool) -> Node:
        node = self._factories[name](name)
        node.attach(self, self._storage[name], restarted)
        self._nodes[name] = node
        return node

    def _boot(self, name: str, restarted: bool) -> None:
        node = self._boot_object(name, restarted) if restarted else self._nodes[name]
        self._up[name] = True
        node.start()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._factories)

    def node(self, name: str) -> Node:
        """The current incarnation of node ``name``."""
        return self._nodes[name]

    def alive(self, name: str) -> bool:
        return self._up.get(name, False)

    def crash(self, name: str) -> None:
        if not self._up.get(name):
            return
        self._up[name] = False
        self._incarnation[name] += 1
        self.stats.crashes += 1
        self.trace.crash(name)

    def recover(self, name: str) -> None:
        if self.model.nodes != "crash-recovery":
            raise UsageError(f"cannot restart {name}: nodes are {self.model.nodes}")
        if self._up.get(name):
            return
        self.stats.restarts += 1
        self.trace.recover(name)
        self._boot(name, restarted=True)

    # -- events --------------------------------------------------------------------------------
    def schedule(self, delay: int, callback: Callable[[], None], *,
                 node: str | None = None) -> Timer:
        """Run ``callback`` ``delay`` microseconds from now (bound to ``node``'s life if given)."""
        if delay < 0:
            raise ValueError("cannot schedule in the past")
        timer = Timer(callback, node, self._incarnation.get(node, 0) if node else 0)
        self._seq += 1
        heapq.heappush(self._heap, (self.now + delay, self._seq, timer))
        return timer

    def _install_faults(self) -> None:
        for fault in self._faults:
            if isinstance(fault, Crash):
                self._at(fault.at, partial(self.crash, fault.node))
            elif isinstance(fault, Recover):
                if self.model.nodes != "crash-recovery":
                    raise UsageError(f"recover:{fault.node} needs crash-recovery nodes")
                self._at(fault.at, partial(self.recover, fault.node))
            else:
                self._at(fault.at, partial(self.partitions.append, fault))
                self._at(fault.until, partial(self.partitions.remove, fault))
        self._faults = ()

    def _at(self, when: int, callback: Callable[[], None]) -> None:
        self.schedule(max(0, when - self.now), callback)

    def partitioned(self, a: str, b: str) -> bool:
        return any(p.separates(a, b) for p in self.partitions)

    def run(self, until: int | None = None, *, max_events: int = 5_000_000) -> None:
        """Process events in (time, sequence) order until none remain or time passes ``until``."""
        self._install_faults()
        heap = self._heap
        while heap and self.stats.events < max_events:
            when, _, timer = heap[0]
            if until is not None and when > until:
                break
            heapq.heappop(heap)
            if timer.cancelled:
                continue
            if timer.node is not None and (
                    not self._up[timer.node] or self._incarnation[timer.node] != timer.incarnation):
                continue
            self.now = when
            self.stats.events += 1
            timer.callback()
        if until is not None:
            self.now = max(self.now, until)
