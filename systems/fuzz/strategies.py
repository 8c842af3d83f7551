"""Hypothesis strategies for what a fuzzer varies: fault schedules, workloads, choice sources.

Every strategy is encoded so that hypothesis's shrinking (toward zero, toward shorter lists) means
*less happens*: no faults, fewer calls, fewer clients, calls as early as possible, the same key,
the first kind of call. A shrunk counterexample then holds only what the bug needs.

- ``fault_schedules(nodes, horizon=...)``: a tuple of ``Crash``/``Recover``/``Partition`` for
  ``histcheck.systems.sim`` (empty shrinks best); ``FaultSpace`` says which kinds may appear.
- ``workloads(calls, keys=..., clients=...)``: a ``Workload`` of timed ``Call``s for driving any
  client, simulated or real.
- ``choosers()``: a ``HypothesisChooser`` to hand to ``histcheck.systems.sim.core.random_source``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from hypothesis import strategies as st

from histcheck.systems.fuzz.choices import HypothesisChooser
from histcheck.systems.sim.faults import Crash, Fault, Partition, Recover
from histcheck.systems.sim.models import MS
from histcheck.values import Value


@dataclass(frozen=True, slots=True)
class FaultSpace:
    """Which faults a schedule may hold: node crashes, restarts after them, healing partitions."""

    crashes: bool = False
    recover: bool = False
    partitions: bool = False
    max_faults: int = 3

    @staticmethod
    def parse(text: str) -> FaultSpace:
        """``crash,recover,partition`` (any subset, comma separated) or ``none``."""
        kinds = {k.strip() for k in text.split(",") if k.strip()} - {"none"}
        unknown = kinds - {"crash", "recover", "partition"}
        if unknown:
            from histcheck.errors import UsageError

            raise UsageError(f"unknown fault kind(s) {', '.join(sorted(unknown))}; known: "
                             f"crash, recover, partition, none")
        return FaultSpace(crashes="crash" in kinds or "recover" in kinds,
                          recover="recover" in kinds, partitions="partition" in kinds)

    @property
    def empty(self) -> bool:
        return not (self.crashes or self.partitions)

    def describe(self) -> str:
        kinds = [k for k, on in (("crash", self.crashes), ("recover", self.recover),
                                 ("partition", self.partitions)) if on]
        return ",".join(kinds) or "none"


NO_FAULTS = FaultSpace()
NODE_FAULTS = FaultSpace(crashes=True, partitions=True)


@st.composite
def _fault(draw: st.DrawFn, nodes: Sequence[str], horizon: int,
           space: FaultSpace) -> tuple[Fault, ...]:
    kinds = [k for k, on in (("crash", space.crashes), ("partition", space.partitions)) if on]
    kind = draw(st.sampled_from(kinds))
    at = draw(st.integers(0, horizon))
    if kind == "crash":
        node = draw(st.sampled_from(list(nodes)))
        if space.recover and draw(st.booleans()):
            return Crash(node, at), Recover(node, at + draw(st.integers(1, horizon)))
        return (Crash(node, at),)
    # A cut: node i goes to the far side when its flag is set; shrinks toward one node cut off.
    flags = draw(st.lists(st.booleans(), min_size=len(nodes), max_size=len(nodes)))
    far = tuple(n for n, f in zip(nodes, flags, strict=True) if f) or (nodes[0],)
    near = tuple(n for n in nodes if n not in far) or (nodes[-1],)
    far = tuple(n for n in far if n not in near)
    return (Partition((near, far), at, at + draw(st.integers(1, horizon))),)


def fault_schedules(nodes: Sequence[str], *, horizon: int = 100 * MS,
                    space: FaultSpace = NODE_FAULTS) -> st.SearchStrategy[tuple[Fault, ...]]:
    """Up to ``space.max_faults`` faults on ``nodes`` in ``[0, horizon]`` µs (none shrinks best).

    Partitions heal after at most ``horizon``; a restart (with ``space.recover``, for
    crash-recovery nodes) follows its crash.
    """
    if space.empty or len(nodes) < (1 if space.crashes else 2):
        return st.just(())
    if len(nodes) < 2:
        space = FaultSpace(crashes=True, recover=space.recover, max_faults=space.max_faults)
    groups = st.lists(_fault(list(nodes), horizon, space), max_size=space.max_faults)
    return groups.map(lambda faults: tuple(f for group in faults for f in group))


@dataclass(frozen=True, slots=True)
class Call:
    """One workload call: ``process`` calls ``f(key, value)`` ``after`` µs of its previous call."""

    process: int
    f: str
    key: Value
    value: Value
    after: int = 0


@dataclass(frozen=True, slots=True)
class Workload:
    """Calls in the order they are issued; each process issues its own calls one at a time."""

    calls: tuple[Call, ...]

    @property
    def processes(self) -> tuple[int, ...]:
        return tuple(sorted({c.process for c in self.calls}))

    def __len__(self) -> int:
        return len(self.calls)


def workloads(calls: Mapping[str, st.SearchStrategy[Value]], *,
              keys: Sequence[Value] = (None,), clients: int = 3, max_calls: int = 30,
              max_gap: int = 10 * MS) -> st.SearchStrategy[Workload]:
    """Workloads mixing the call kinds in ``calls`` (name -> strategy for its argument).

    The first kind, the first key, process 0 and a gap of 0 are the simplest: list ``calls`` with
    the most ordinary operation first (a write before a cas).
    """
    names = list(calls)
    if not names:
        from histcheck.errors import UsageError

        raise UsageError("a workload needs at least one kind of call")

    @st.composite
    def call(draw: st.DrawFn) -> Call:
        process = draw(st.integers(0, max(0, clients - 1)))
        f = draw(st.sampled_from(names))
        key = draw(st.sampled_from(list(keys)))
        return Call(process, f, key, draw(calls[f]), draw(st.integers(0, max_gap)))

    return st.lists(call(), min_size=1, max_size=max_calls).map(lambda cs: Workload(tuple(cs)))


def choosers(*, limit: int = 500) -> st.SearchStrategy[HypothesisChooser]:
    """A ``HypothesisChooser``: ``limit`` shrinkable choices, then a seeded continuation."""
    return st.builds(lambda source, seed: HypothesisChooser(source, limit=limit,
                                                            fallback_seed=seed),
                     st.randoms(use_true_random=False), st.integers(0, 2**32 - 1))
