"""The textbook system models (network, nodes, timing), as options rather than hard-coded behaviour.

Network: ``reliable`` (every message arrives once), ``fair-loss`` (messages may be lost, but a
message sent again and again eventually gets through: loss probability < 1), ``arbitrary`` (loss,
duplication, reordering and long delays). Partitions are faults (see ``faults``), on any network.

Nodes: ``crash-stop`` (a crashed node never returns) or ``crash-recovery`` (it may restart; what it
wrote to stable storage survives, its memory does not).

Timing: ``synchronous`` (every delay at most ``delta``), ``partially-synchronous`` (delays are
unbounded, up to ``async_delay``, until a global stabilisation time ``gst`` unknown to the nodes,
then at most ``delta``), ``asynchronous`` (no bound: delays up to ``async_delay``, with a heavy
tail). Times here are integers in microseconds of virtual time: the simulator's own clock.
What it records is in nanoseconds (``NS_PER_TICK``), the unit of ``time`` in every history and
trace.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from histcheck.errors import UsageError

NETWORKS = ("reliable", "fair-loss", "arbitrary")
NODES = ("crash-stop", "crash-recovery")
TIMINGS = ("synchronous", "partially-synchronous", "asynchronous")
MS = 1000
"""Virtual microseconds in a millisecond (the simulator's clock counts microseconds)."""
NS_PER_TICK = 1000
"""Nanoseconds per virtual microsecond: recorded ``time`` fields are nanoseconds."""


@dataclass(frozen=True, slots=True)
class NetworkModel:
    """How links misbehave. ``reorder=False`` keeps each link first-in first-out."""

    kind: str = "reliable"
    loss: float = 0.0
    duplicate: float = 0.0
    reorder: bool = True

    def __post_init__(self) -> None:
        if self.kind not in NETWORKS:
            raise UsageError(f"unknown network model {self.kind!r}; known: {', '.join(NETWORKS)}")
        if self.kind == "reliable" and (self.loss or self.duplicate):
            raise UsageError("a reliable network neither loses nor duplicates messages")
        if self.kind == "fair-loss" and not 0 <= self.loss < 1:
            raise UsageError("fair-loss needs a loss probability in [0, 1)")
        if self.kind == "fair-loss" and self.duplicate:
            raise UsageError("fair-loss links lose messages; duplication needs 'arbitrary'")

    @staticmethod
    def named(kind: str, loss: float | None = None, duplicate: float | None = None) -> NetworkModel:
        """The model ``kind`` with sensible default rates for the faults it allows."""
        if kind == "fair-loss":
            return NetworkModel(kind, loss=0.2 if loss is None else loss)
        if kind == "arbitrary":
            return NetworkModel(kind, loss=0.1 if loss is None else loss,
                                duplicate=0.1 if duplicate is None else duplicate)
        return NetworkModel(kind)


@dataclass(frozen=True, slots=True)
class TimingModel:
    """How long messages take (microseconds)."""

    kind: str = "synchronous"
    min_delay: int = 1 * MS
    delta: int = 10 * MS
    async_delay: int = 200 * MS
    gst: int = 300 * MS

    def __post_init__(self) -> None:
        if self.kind not in TIMINGS:
            raise UsageError(f"unknown timing model {self.kind!r}; known: {', '.join(TIMINGS)}")
        if not 0 <= self.min_delay <= self.delta <= self.async_delay:
            raise UsageError("delays must satisfy 0 <= min_delay <= delta <= async_delay")

    def delay(self, rng: random.Random, now: int) -> int:
        """One message's delay, drawn from ``rng``, sent at virtual time ``now``."""
        bounded = self.kind == "synchronous" or (
            self.kind == "partially-synchronous" and now >= self.gst)
        if bounded:
            return rng.randint(self.min_delay, self.delta)
        if self.kind == "asynchronous" and rng.random() < 0.9:
            return rng.randint(self.min_delay, self.delta)
        return rng.randint(self.min_delay, self.async_delay)


@dataclass(frozen=True, slots=True)
class SystemModel:
    """Network, node and timing models together."""

    network: NetworkModel = field(default_factory=NetworkModel)
    nodes: str = "crash-stop"
    timing: TimingModel = field(default_factory=TimingModel)

    def __post_init__(self) -> None:
        if self.nodes not in NODES:
            raise UsageError(f"unknown node model {self.nodes!r}; known: {', '.join(NODES)}")

    def describe(self) -> str:
        return f"{self.network.kind} network, {self.nodes} nodes, {self.timing.kind} timing"
