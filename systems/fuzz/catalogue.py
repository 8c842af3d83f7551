"""Fuzzing the catalogue's systems: what varies, how a run is judged, what is reported.

For an entry, hypothesis chooses the workload's size (clients or nodes, and operations each,
both shrinking toward 1), a fault schedule when faults are enabled, and, through the simulator's
random source, everything else: the workload's content (the rpc calls and their arguments, who
sends to whom), each call's time, each message's fate (lost, duplicated) and delay.

The network, node and timing models stay the entry's own: a catalogue entry promises its
guarantee under that model, so a lossy network under a protocol that assumes reliable links
would only "find" the assumption. Node faults are off unless asked for (``--faults``) for the
same reason; ``recover`` switches the nodes to crash-recovery.

A run is judged as ``histcheck check`` would judge its file: the entry's trace or, for storage
systems, its client history, written as JSON Lines, read with the model's loader (trace models)
or as a history, and checked by ``checker.api.check``.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from checker.budget import UNLIMITED, Budget
from checker.result import CheckResult
from systems.catalogue import Entry, Options
from systems.fuzz.driver import DEFAULT_CONFIG, FuzzConfig, Outcome, search
from systems.fuzz.strategies import NO_FAULTS, FaultSpace, fault_schedules
from systems.sim.core import Simulator
from systems.sim.faults import Fault
from systems.sim.models import MS, SystemModel


@dataclass(frozen=True, slots=True)
class Case:
    """The explicit part of one example: workload size and the fault schedule."""

    clients: int
    operations: int
    faults: tuple[Fault, ...] = ()

    def fault_texts(self) -> list[str]:
        """The faults as ``histcheck simulate --fault`` spells them."""
        return [_fault_text(f) for f in self.faults]

    def describe(self) -> str:
        faults = ", ".join(self.fault_texts()) or "none"
        return f"{self.clients} clients/nodes, {self.operations} operations each, faults: {faults}"


def _fault_text(fault: Fault) -> str:
    from systems.sim.faults import Crash, Recover

    if isinstance(fault, Crash | Recover):
        kind = "crash" if isinstance(fault, Crash) else "recover"
        return f"{kind}:{fault.node}@{fault.at / MS:g}"
    groups = "|".join(",".join(g) for g in fault.groups)
    return f"partition:{groups}@{fault.at / MS:g}-{fault.until / MS:g}"


@dataclass(frozen=True, slots=True)
class Sizes:
    """Per model family: the fewest and most clients/nodes, the most operations each."""

    min_clients: int
    max_clients: int
    max_operations: int


SIZES = {"rpc": Sizes(1, 3, 8), "channel": Sizes(2, 3, 12), "broadcast": Sizes(2, 4, 5),
         "register": Sizes(2, 4, 15), "cas-register": Sizes(2, 4, 15), "kv": Sizes(2, 4, 15),
         "multi-register": Sizes(4, 5, 20), "causal-kv": Sizes(4, 5, 20),
         "list-append": Sizes(2, 4, 15), "rw-register": Sizes(2, 4, 15)}
"""Workload sizes per model. Storage systems' own default faults (a partition, a crash) play out
over time, so their clients need enough operations to run into them."""
"""Bounds on the workload; the catalogue's defaults are near the top of each range."""


def node_names(entry: Entry, clients: int) -> list[str]:
    if entry.model == "rpc":
        return ["server", *(f"c{i}" for i in range(1, clients + 1))]
    return [f"n{i}" for i in range(1, clients + 1)]


def cases(entry: Entry, faults: FaultSpace = NO_FAULTS) -> st.SearchStrategy[Case]:
    """Cases for ``entry``: sizes shrink toward the smallest, the schedule toward no faults."""
    sizes = SIZES.get(entry.model, Sizes(2, 4, 5))

    @st.composite
    def case(draw: st.DrawFn) -> Case:
        clients = sizes.min_clients + draw(st.integers(0, sizes.max_clients - sizes.min_clients))
        operations = 1 + draw(st.integers(0, sizes.max_operations - 1))
        schedule = draw(fault_schedules(node_names(entry, clients), space=faults))
        return Case(clients, operations, schedule)

    return case()


def default_model(entry: Entry) -> SystemModel:
    if entry.model == "rpc":
        from systems.rpc.simulated import DEFAULT_MODEL as RPC
        return RPC
    if entry.model == "channel":
        from systems.transport.simulated import DEFAULT_MODEL as CHANNEL
        return CHANNEL
    return SystemModel()


def run_case(entry: Entry, case: Case, faults: FaultSpace = NO_FAULTS) -> Simulator:
    """Simulate ``entry`` on ``case`` (choices come from the active random source)."""
    model = None
    if faults.recover:
        model = dataclasses.replace(default_model(entry), nodes="crash-recovery")
    return entry.run(0, Options(case.clients, case.operations, model, case.faults))


def load_for(model: str, path: Path) -> Any:
    """Read ``path`` as ``histcheck check`` would for ``model``: its loader, else as a history."""
    from checker.formats import read_history
    from checker.registry import get_model

    spec = get_model(model)
    load = getattr(spec, "load", None)
    if getattr(spec, "loader", None) and load is not None:
        return load(path, None)
    return read_history(path)


Judge = Callable[[Simulator], CheckResult]

STORAGE_CHOICE_LIMIT = 0
"""Storage systems' bugs (a stale read, a lost invalidation) need a run's ordinary randomness:
realistic delays and interleavings, which the boring-first encoding makes rare. For them
hypothesis chooses the workload size, the faults and the seed of the run's random source (the
seed shrinks toward 0 too), not each draw."""


def checker_judge(entry: Entry, consistency: str | None, scratch: Path,
                  budget: Budget = UNLIMITED) -> Judge:
    """Judge a run with histcheck's checker for the entry's model (at ``consistency``)."""
    from checker.api import check

    path = scratch / "run.jsonl"

    def judge(sim: Simulator) -> CheckResult:
        entry.write(sim, path)
        return check(load_for(entry.model, path), model=entry.model,
                     consistency=consistency or entry.consistency, budget=budget)

    return judge


def fuzz_entry(entry: Entry, *, consistency: str | None = None,
               faults: FaultSpace = NO_FAULTS, config: FuzzConfig = DEFAULT_CONFIG,
               judge: Judge | None = None, budget: Budget = UNLIMITED
               ) -> Outcome[Case, Simulator]:
    """Fuzz one catalogue entry; ``judge`` defaults to histcheck's checker for its model."""
    if entry.records_history and config.choice_limit == DEFAULT_CONFIG.choice_limit:
        config = dataclasses.replace(config, choice_limit=STORAGE_CHOICE_LIMIT)
    with tempfile.TemporaryDirectory(prefix="histcheck-fuzz-") as scratch:
        chosen = judge or checker_judge(entry, consistency, Path(scratch), budget)

        def attempt(case: Case) -> tuple[CheckResult, Simulator]:
            sim = run_case(entry, case, faults)
            return chosen(sim), sim

        return search(cases(entry, faults), attempt, config)
