"""Fuzzing the catalogue's systems: what varies, how a run is judged, what is reported.

For an entry, hypothesis chooses the workload's size (clients or nodes, and operations each,
both shrinking toward 1), a fault schedule when faults are enabled, and, through the simulator's
random source, everything else: the workload's content (the rpc calls and their arguments, who
sends to whom), each call's time, each message's fate (lost, duplicated) and delay. Storage
systems fuzz their run's seed instead of each draw (``STORAGE_CHOICE_LIMIT``), and the DSM's
workload is explicit, access by access (``dsm_cases``), so that its bugs shrink to a few accesses.

The network, node and timing models stay the entry's own: a catalogue entry promises its
guarantee under that model, so a lossy network under a protocol that assumes reliable links
would only "find" the assumption. Node faults are off unless asked for (``--faults``) for the
same reason; ``recover`` switches the nodes to crash-recovery.

A run is judged as ``histcheck check`` would judge its file: the entry's trace or, for storage
systems, its client history, written as JSON Lines, read with the model's loader (trace models)
or as a history, and checked by ``histcheck.api.check``.
"""

from __future__ import annotations

import dataclasses
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import assume
from hypothesis import strategies as st

from histcheck.budget import UNLIMITED, Budget
from histcheck.result import CheckResult
from histcheck.systems.catalogue import Entry, Options
from histcheck.systems.dsm.run import Access
from histcheck.systems.fuzz.driver import DEFAULT_CONFIG, FuzzConfig, Outcome, Report, search
from histcheck.systems.fuzz.strategies import NO_FAULTS, FaultSpace, fault_schedules
from histcheck.systems.sim.core import Simulator
from histcheck.systems.sim.faults import Fault
from histcheck.systems.sim.models import MS, SystemModel


@dataclass(frozen=True, slots=True)
class Case:
    """The explicit part of one example: workload size (or the workload itself, for DSM) and
    the fault schedule."""

    clients: int
    operations: int
    faults: tuple[Fault, ...] = ()
    accesses: tuple[tuple[Access, ...], ...] | None = None

    def fault_texts(self) -> list[str]:
        """The faults as ``histcheck simulate --fault`` spells them."""
        return [_fault_text(f) for f in self.faults]

    def describe(self, no_faults: str = "none") -> str:
        """The case in words; ``no_faults`` says what an empty schedule means for the system
        (storage systems then run their own default faults)."""
        faults = ", ".join(self.fault_texts()) or no_faults
        if self.accesses is not None:
            nodes = "; ".join(f"n{i}: " + (" ".join(map(str, node)) or "-")
                              for i, node in enumerate(self.accesses, start=1))
            return f"{self.clients} nodes, accesses after initialisation {nodes}; faults: {faults}"
        return f"{self.clients} clients/nodes, {self.operations} operations each, faults: {faults}"


def _fault_text(fault: Fault) -> str:
    from histcheck.systems.sim.faults import Crash, Recover

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
         "list-append": Sizes(2, 4, 15), "rw-register": Sizes(2, 4, 15)}
"""Workload sizes per model, with the catalogue's defaults near the top of each range. Storage
systems' own default faults (a partition, a crash) play out over time, so their clients need
enough operations to run into them. The DSM's workloads are explicit (``DSM_SIZES``)."""


def node_names(entry: Entry, clients: int) -> list[str]:
    if entry.model == "rpc":
        return ["server", *(f"c{i}" for i in range(1, clients + 1))]
    return [f"n{i}" for i in range(1, clients + 1)]


DSM_SIZES = Sizes(2, 4, 20)
"""DSM workloads are explicit: 2 to 4 nodes, each with up to 20 accesses after initialising."""
DSM_ADDRESSES = (0, 2)
"""Addresses a DSM access may name: one on each of two pages (a bug needs two pages; more
addresses would only make conflicting accesses rarer)."""
DSM_KINDS = ("r", "r", "w")
"""Two reads to a write (reads first: shrinking turns writes into reads)."""
DSM_GO_ON = 15
"""A node's list of accesses ends when a choice in ``[0, DSM_GO_ON]`` is 0: about 11 accesses
on average when generated, where hypothesis's own lists would make about 7."""
DSM_PAUSES = (0, 25 * MS, 100 * MS)
"""Pauses before a DSM access: none, about a page fault, and long enough for a partition to
heal and the page's manager to resend."""


def dsm_cases(entry: Entry, faults: FaultSpace = NO_FAULTS) -> st.SearchStrategy[Case]:
    """Explicit DSM workloads: hypothesis chooses every access and the pause before it, so
    shrinking deletes accesses, shortens pauses and moves accesses toward reads of address 0,
    down to the conflicting few that show a memory's bug (read a; write a elsewhere; read a
    again). Message delays stay the seeded random source's; pauses longer than a page fault
    make the order of the accesses that matter hold whatever the delays."""
    access = st.builds(Access, st.sampled_from(DSM_KINDS), st.sampled_from(DSM_ADDRESSES),
                       st.sampled_from(DSM_PAUSES))

    @st.composite
    def each(draw: st.DrawFn) -> tuple[Access, ...]:
        # Like st.lists, but longer on average (hypothesis's lists favour a handful), and each
        # access is a "go on" choice plus the access, so the shrinker can delete any of them.
        accesses: list[Access] = []
        while len(accesses) < DSM_SIZES.max_operations and draw(st.integers(0, DSM_GO_ON)):
            accesses.append(draw(access))
        return tuple(accesses)

    @st.composite
    def case(draw: st.DrawFn) -> Case:
        nodes = DSM_SIZES.min_clients + draw(
            st.integers(0, DSM_SIZES.max_clients - DSM_SIZES.min_clients))
        accesses = tuple(draw(each()) for _ in range(nodes))
        assume(any(accesses))  # no access at all: nothing to initialise, nothing recorded
        schedule = draw(fault_schedules(node_names(entry, nodes), space=faults))
        return Case(nodes, max(map(len, accesses)), schedule, accesses)

    return case()


def cases(entry: Entry, faults: FaultSpace = NO_FAULTS) -> st.SearchStrategy[Case]:
    """Cases for ``entry``: sizes shrink toward the smallest, the schedule toward no faults."""
    if entry.system == "dsm":
        return dsm_cases(entry, faults)
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
        from histcheck.systems.rpc.simulated import DEFAULT_MODEL as RPC
        return RPC
    if entry.model == "channel":
        from histcheck.systems.transport.simulated import DEFAULT_MODEL as CHANNEL
        return CHANNEL
    return SystemModel()


def run_case(entry: Entry, case: Case, faults: FaultSpace = NO_FAULTS) -> Simulator:
    """Simulate ``entry`` on ``case`` (choices come from the active random source)."""
    model = None
    if faults.recover:
        model = dataclasses.replace(default_model(entry), nodes="crash-recovery")
    return entry.run(0, Options(case.clients, case.operations, model, case.faults,
                                accesses=case.accesses))


def load_for(model: str, path: Path) -> Any:
    """Read ``path`` as ``histcheck check`` would for ``model``: its loader, else as a history."""
    from histcheck.registry import get_model

    return get_model(model).read(path)


Judge = Callable[[Simulator], CheckResult]

STORAGE_CHOICE_LIMIT = 0
"""Storage systems' bugs (a stale read, a lost invalidation) need a run's ordinary randomness:
realistic delays and interleavings, which the boring-first encoding makes rare. For them
hypothesis chooses the workload size, the faults and the seed of the run's random source (the
seed shrinks toward 0 too), not each draw."""


def checker_judge(entry: Entry, consistency: str | None, scratch: Path,
                  budget: Budget = UNLIMITED) -> Judge:
    """Judge a run with histcheck's checker for the entry's model (at ``consistency``)."""
    from histcheck.api import check

    path = scratch / "run.jsonl"

    def judge(sim: Simulator) -> CheckResult:
        entry.write(sim, path)
        return check(load_for(entry.model, path), model=entry.model,
                     consistency=consistency or entry.consistency, budget=budget)

    return judge


def nothing_recorded(entry: Entry, consistency: str | None) -> CheckResult:
    """The verdict on a run whose faults stopped every client before its first operation: an
    empty history keeps every promise (and is no history file ``check`` would read)."""
    return CheckResult(True, entry.model, consistency or entry.consistency,
                       explanation="the run recorded no operations: its clients crashed before "
                                   "they began", figures={"operations": 0})


def fuzz_entry(entry: Entry, *, consistency: str | None = None,
               faults: FaultSpace = NO_FAULTS, config: FuzzConfig = DEFAULT_CONFIG,
               judge: Judge | None = None, budget: Budget = UNLIMITED,
               report: Report | None = None) -> Outcome[Case, Simulator]:
    """Fuzz one catalogue entry; ``judge`` defaults to histcheck's checker for its model."""
    if entry.records_history and config.choice_limit == DEFAULT_CONFIG.choice_limit:
        config = dataclasses.replace(config, choice_limit=STORAGE_CHOICE_LIMIT)
    with tempfile.TemporaryDirectory(prefix="histcheck-fuzz-") as scratch:
        chosen = judge or checker_judge(entry, consistency, Path(scratch), budget)

        def attempt(case: Case) -> tuple[CheckResult, Simulator]:
            sim = run_case(entry, case, faults)
            if entry.records_history and not sim.operations.events():
                return nothing_recorded(entry, consistency), sim
            return chosen(sim), sim

        return search(cases(entry, faults), attempt, config, report)
