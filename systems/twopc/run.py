"""Run the two-phase commit store: a coordinator, participants, clients, a workload, faults.

Variants (``VARIANTS``): ``2pl`` (correct: strict-serializable), ``early-release``,
``unlocked-reads`` and ``forget-prepared`` (see ``participant``). Workloads: ``list-append``
and ``rw-register``: transactions of one to four micro-ops over ``keys`` integer keys (read half
the time, otherwise append or write a value unique in the whole run).

Nodes are crash-recovery unless the caller's system model says otherwise: the write-ahead log is
the point. Default faults (times scale with the run): a participant is cut off for 30 ms early
on; ``p2`` crashes a fifth of the way through and restarts 60 ms later (recovering from its
log, in doubt about what it had prepared); ``p3`` does the same at three fifths; the coordinator
crashes half-way and restarts 100 ms later (participants block in doubt meanwhile; its clients
record indeterminate transactions). On crash-stop nodes the restarts are left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from histcheck.systems.clients import Op, Progress, run_clients
from histcheck.systems.sim.core import Simulator
from histcheck.systems.sim.faults import Crash, Fault, Partition, Recover
from histcheck.systems.sim.models import MS, SystemModel
from histcheck.systems.twopc.coordinator import Coordinator, TxnClient
from histcheck.systems.twopc.messages import MicroOp
from histcheck.systems.twopc.participant import Flavour, Participant

VARIANTS = {"2pl": Flavour(), "early-release": Flavour(early_release=True),
            "unlocked-reads": Flavour(unlocked_reads=True),
            "forget-prepared": Flavour(forget_prepared=True)}
WORKLOADS = ("list-append", "rw-register")
COORDINATOR = "tm"


@dataclass(frozen=True, slots=True)
class TwoPcRun:
    sim: Simulator
    coordinator: str
    participants: tuple[str, ...]
    clients: tuple[str, ...]


def workload(sim: Simulator, client: int, count: int, kind: str, keys: int) -> list[Op]:
    """``count`` transactions for ``client``; written values are unique (``client.k.i``)."""
    ops = []
    for k in range(count):
        txn: list[MicroOp] = []
        for i in range(sim.rng.randint(1, 4)):
            key = sim.rng.randrange(keys)
            if sim.rng.random() < 0.5:
                txn.append(("r", key, None))
                continue
            txn.append(("append" if kind == "list-append" else "w", key,
                        client * 100_000 + k * 10 + i))
            if sim.rng.random() < 0.3:  # read it back: a lost write then shows
                txn.append(("r", key, None))
        ops.append(Op("txn", tuple(txn)))
    return ops


def default_faults(participants: tuple[str, ...], clients: tuple[str, ...], operations: int,
                   recover: bool) -> tuple[Fault, ...]:
    span = max(operations, 4) * 25 * MS
    p1, p2, p3 = participants[0], participants[1 % len(participants)], participants[-1]
    rest = tuple(n for n in (*participants, COORDINATOR, *clients) if n != p1)
    faults: list[Fault] = [Partition(((p1,), rest), span // 10, span // 10 + 30 * MS),
                           Crash(COORDINATOR, span // 2)]
    if recover:
        faults.append(Recover(COORDINATOR, span // 2 + 100 * MS))
    for k in (1, 3, 4, 6, 7, 9):  # participants crash (and restart) while transactions run
        node, at = (p2 if k % 2 else p3), span * k // 10
        faults.append(Crash(node, at))
        if recover:
            faults.append(Recover(node, at + 40 * MS))
    return tuple(faults)


def run_twopc(variant: str, *, seed: int, workload_kind: str = "list-append", clients: int = 4,
              operations: int = 15, participants: int = 3, keys: int = 6,
              model: SystemModel | None = None, faults: tuple[Fault, ...] | None = None,
              progress: Progress | None = None) -> TwoPcRun:
    """Simulate ``variant``; the history is in ``run.sim.operations``."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown 2pc variant {variant!r}; known: {', '.join(VARIANTS)}")
    if workload_kind not in WORKLOADS:
        raise ValueError(f"unknown 2pc workload {workload_kind!r}; known: {', '.join(WORKLOADS)}")
    model = model or SystemModel(nodes="crash-recovery")
    names = tuple(f"p{i}" for i in range(1, participants + 1))
    client_names = tuple(f"c{i}" for i in range(1, clients + 1))
    if faults is None:
        faults = default_faults(names, client_names, operations,
                                recover=model.nodes == "crash-recovery")
    sim = Simulator(seed, model, faults)
    sim.network.record_links = False
    sim.add_node(COORDINATOR, partial(Coordinator, participants=names))
    for name in names:
        sim.add_node(name, partial(Participant, coordinator=COORDINATOR,
                                   flavour=VARIANTS[variant],
                                   lists=workload_kind == "list-append"))
    for number, name in enumerate(client_names, start=1):
        ops = workload(sim, number, operations, workload_kind, keys)
        sim.add_node(name, partial(TxnClient, number=number, ops=ops, stride=clients,
                                   coordinator=COORDINATOR))
    run_clients(sim, list(client_names), progress=progress)
    return TwoPcRun(sim, COORDINATOR, names, client_names)
