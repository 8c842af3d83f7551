"""Run a distributed shared memory: nodes with client processes, a workload, default faults.

Protocols (``PROTOCOLS``): Ivy with a central manager (``ivy``) or a fixed distributed manager
(``ivy-distributed``); its bugs ``no-wait-invalidate`` and ``no-invalidate`` (central manager);
and memory replicated by broadcast: ``total-order``, ``causal``, ``fifo``.

The workload: each process first writes 0 to the addresses on the pages it starts owning, then
reads (75%) or writes one of ``addresses`` addresses (two to a page); written values are unique
per address (``node * 1000 + k``), so a read names the write it saw.

Default faults, Ivy: every 50 ms a 30 ms partition cuts one node (in turn) off from everyone
else, so requests, grants and invalidations are lost and must be resent; three quarters of the
way through the last node crashes for good, taking the pages only it held with it (accesses to
them then stay indeterminate). The broadcast memories assume reliable links (their protocols do
not retransmit), so by default they run without faults: the delays of a reordering network are
enough to show the memory models apart.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from systems.clients import Client, Op, Progress, run_clients
from systems.dsm.ivy import CentralManager, IvyNode, page_of
from systems.dsm.manager import Flavour
from systems.dsm.messages import Journal
from systems.dsm.replicated import CausalMemory, PramMemory, TotalOrderMemory
from systems.sim.core import Simulator
from systems.sim.faults import Crash, Fault, Partition, Recover
from systems.sim.models import MS, SystemModel

IVY: dict[str, Flavour] = {"ivy": Flavour(), "ivy-distributed": Flavour(),
                           "no-wait-invalidate": Flavour(wait_for_acks=False),
                           "no-invalidate": Flavour(invalidate=False)}
REPLICATED: dict[str, Callable[..., Client]] = {
    "total-order": TotalOrderMemory, "causal": CausalMemory, "fifo": PramMemory}
PROTOCOLS = (*IVY, *REPLICATED)
MANAGER = "mgr"
READ_SHARE = 0.75

@dataclass(frozen=True, slots=True)
class DsmRun:
    sim: Simulator
    journal: Journal
    nodes: tuple[str, ...]

def workload(sim: Simulator, node: int, count: int, addresses: int, nodes: int) -> list[Op]:
    """The node's first operations write 0 to the addresses on the pages it owns at the start
    (memory is initialised, visibly: a stale read of the initial value is then not a nil read,
    which the checks would let match anything)."""
    ops = [Op("txn", (("w", a, 0),)) for a in range(addresses)
           if page_of(a) % nodes == node - 1]
    for k in range(count - len(ops)):
        address = sim.rng.randrange(addresses)
        if sim.rng.random() < READ_SHARE:
            ops.append(Op("txn", (("r", address, None),)))
        else:
            ops.append(Op("txn", (("w", address, node * 1000 + k),)))
    return ops

def default_faults(protocol: str, nodes: tuple[str, ...], operations: int,
                   recover: bool) -> tuple[Fault, ...]:
    span = max(operations, 4) * 20 * MS
    if protocol == "total-order":
        return ()
    if protocol in REPLICATED:  # cut one pair of nodes at a time: messages go round by relays
        return tuple(Partition(((nodes[j % len(nodes)],), (nodes[(j + 2) % len(nodes)],)),
                               at, at + 30 * MS)
                     for j, at in enumerate(range(0, span, 40 * MS)))
    everyone = (*nodes, MANAGER)
    faults: list[Fault] = []
    for j, at in enumerate(range(span // 10, span, 50 * MS)):
        cut = nodes[j % len(nodes)]
        faults.append(Partition(((cut,), tuple(n for n in everyone if n != cut)),
                                at, at + 30 * MS))
    crash_at = span // 2
    if not recover:
        return (*faults, Crash(nodes[-1], span * 9 // 10))
    return (*faults, Crash(nodes[-1], crash_at), Recover(nodes[-1], crash_at + 40 * MS))

def run_dsm(protocol: str, *, seed: int, nodes: int = 4, operations: int = 15,
            addresses: int = 8, model: SystemModel | None = None,
            faults: tuple[Fault, ...] | None = None,
            progress: Progress | None = None) -> DsmRun:
    """Simulate ``protocol``; the history is in ``run.sim.operations``."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown dsm protocol {protocol!r}; known: {', '.join(PROTOCOLS)}")
    names = tuple(f"n{i}" for i in range(1, nodes + 1))
    if model is None and protocol in IVY:
        model = SystemModel(nodes="crash-recovery")
    if faults is None:
        faults = default_faults(protocol, names, operations,
                                recover=model is not None and model.nodes == "crash-recovery")
    sim = Simulator(seed, model, faults)
    sim.network.record_links = False
    journal = Journal()
    pages = range(page_of(addresses - 1) + 1)
    first_owner: dict[int, str | None] = {page: names[page % nodes] for page in pages}
    distributed = protocol == "ivy-distributed"
    managers = {page: (names[page % nodes] if distributed else MANAGER) for page in pages}
    if protocol in IVY and not distributed:
        sim.add_node(MANAGER, partial(CentralManager, pages=first_owner, flavour=IVY[protocol]))
    for number, name in enumerate(names, start=1):
        ops = workload(sim, number, operations, addresses, nodes)
        if protocol in REPLICATED:
            sim.add_node(name, partial(REPLICATED[protocol], number=number, ops=ops,
                                       stride=nodes))
            continue
        manages = {p: o for p, o in first_owner.items() if distributed and managers[p] == name}
        sim.add_node(name, partial(IvyNode, number=number, ops=ops, stride=nodes,
                                   managers=managers, journal=journal, flavour=IVY[protocol],
                                   owned=tuple(p for p, o in first_owner.items() if o == name),
                                   manages=manages or None))
    run_clients(sim, list(names), progress=progress)
    return DsmRun(sim, journal, names)

