"""Run a distributed shared memory: nodes with client processes, a workload, default faults.

Protocols (``PROTOCOLS``): Ivy with a central manager (``ivy``) or a fixed distributed manager
(``ivy-distributed``); its bugs ``no-wait-invalidate`` and ``no-invalidate`` (central manager);
and memory replicated by broadcast: ``total-order``, ``causal``, ``fifo``.

The workload: each process first writes 0 to the addresses on the pages it starts owning, then
reads (75%) or writes one of ``addresses`` addresses (two to a page); written values are unique
per address (``node * 1000 + k``), so a read names the write it saw.

Default faults. Ivy: from a tenth of the way on, every 50 ms a 30 ms partition cuts one node (in
turn) off from everyone else, so requests, grants and invalidations are lost and must be resent;
nine tenths of the way through the last node crashes for good (halfway, and restarts 40 ms later,
on crash-recovery nodes), taking the pages only it held with it (accesses to them then stay
indeterminate). Causal and FIFO memories: every 40 ms one pair of nodes cannot talk for 30 ms
(their broadcasts relay, so messages go round). The total-order memory's sequencer does not
retransmit, so it runs without faults: the delays of the network are enough to show it is not
linearizable. An explicit workload (``accesses``, the fuzzer's) gets the partitions, from
20 ms on and over its expected length (``explicit_span``), but no crash: node faults are the
fuzzer's to add.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

from histcheck.systems.clients import Client, Op, Progress, run_clients
from histcheck.systems.dsm.ivy import CentralManager, IvyNode, page_of
from histcheck.systems.dsm.manager import Flavour
from histcheck.systems.dsm.messages import Journal
from histcheck.systems.dsm.replicated import CausalMemory, PramMemory, TotalOrderMemory
from histcheck.systems.sim.core import Simulator
from histcheck.systems.sim.faults import Crash, Fault, Partition, Recover
from histcheck.systems.sim.models import MS, SystemModel

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


@dataclass(frozen=True, slots=True)
class Access:
    """A memory access of an explicit workload: read (``r``) or write (``w``) ``address``,
    ``pause`` µs after the node's previous operation ended."""

    kind: str
    address: int
    pause: int = 0

    def __str__(self) -> str:
        wait = f"+{self.pause / MS:g}ms " if self.pause else ""
        return f"{wait}{self.kind}{self.address}"


def read(address: int, pause: int | None = None) -> Op:
    return Op("txn", (("r", address, None),), pause=pause)


def write(address: int, value: int, pause: int | None = None) -> Op:
    return Op("txn", (("w", address, value),), pause=pause)


def initialisation(node: int, addresses: Iterable[int], nodes: int) -> list[Op]:
    """The node's first operations write 0 to the ``addresses`` on the pages it owns at the
    start (memory is initialised, visibly: a stale read of the initial value is then not a nil
    read, which the checks would let match anything)."""
    return [write(a, 0) for a in addresses if page_of(a) % nodes == node - 1]


def workload(sim: Simulator, node: int, count: int, addresses: int, nodes: int) -> list[Op]:
    """The initialisation, then random accesses up to ``count`` operations in all."""
    ops = initialisation(node, range(addresses), nodes)
    for k in range(count - len(ops)):
        address = sim.rng.randrange(addresses)
        if sim.rng.random() < READ_SHARE:
            ops.append(read(address))
        else:
            ops.append(write(address, node * 1000 + k))
    return ops


def scripted(node: int, accesses: tuple[tuple[Access, ...], ...], nodes: int) -> list[Op]:
    """The initialisation of the addresses any node uses, then exactly the node's accesses
    (its ``k``-th, a write, writes ``node * 1000 + k``)."""
    used = sorted({a.address for each in accesses for a in each})
    return [*initialisation(node, used, nodes),
            *(read(a.address, a.pause) if a.kind == "r" else
              write(a.address, node * 1000 + k, a.pause) for k, a in enumerate(accesses[node - 1]))]


def default_faults(protocol: str, nodes: tuple[str, ...], span: int, crash: str | None,
                   first_cut: int | None = None) -> tuple[Fault, ...]:
    """The module docstring's faults over ``span`` µs; ``crash`` is ``"stop"``, ``"recover"``
    or None; Ivy's first cut comes at ``first_cut`` (a tenth of ``span`` by default)."""
    if protocol == "total-order":
        return ()
    if protocol in REPLICATED:  # cut one pair of nodes at a time: messages go round by relays
        return tuple(Partition(((nodes[j % len(nodes)],), (nodes[(j + 2) % len(nodes)],)),
                               at, at + 30 * MS)
                     for j, at in enumerate(range(0, span, 40 * MS)))
    everyone = (*nodes, MANAGER)
    faults: list[Fault] = []
    start = span // 10 if first_cut is None else first_cut
    for j, at in enumerate(range(start, span, 50 * MS)):
        cut = nodes[j % len(nodes)]
        faults.append(Partition(((cut,), tuple(n for n in everyone if n != cut)),
                                at, at + 30 * MS))
    if crash == "stop":
        return (*faults, Crash(nodes[-1], span * 9 // 10))
    if crash == "recover":
        crash_at = span // 2
        return (*faults, Crash(nodes[-1], crash_at), Recover(nodes[-1], crash_at + 40 * MS))
    return tuple(faults)


EXPLICIT_FIRST_CUT = 20 * MS
"""An explicit workload's first partition comes at a fixed time, so that the cuts do not move
when the workload changes (as its span does when the fuzzer shrinks it)."""


def explicit_span(accesses: tuple[tuple[Access, ...], ...]) -> int:
    """How long an explicit workload may run: its pauses and 50 ms an access, at least 100 ms."""
    return max(100 * MS, *(sum(a.pause + 50 * MS for a in node) for node in accesses))


def run_dsm(protocol: str, *, seed: int, nodes: int = 4, operations: int = 15,
            addresses: int = 8, model: SystemModel | None = None,
            faults: tuple[Fault, ...] | None = None,
            accesses: tuple[tuple[Access, ...], ...] | None = None,
            progress: Progress | None = None) -> DsmRun:
    """Simulate ``protocol``; the history is in ``run.sim.operations``.

    ``accesses`` replaces the random workload: node ``i`` (from 1) makes ``accesses[i - 1]``
    after its initialisation; ``nodes`` and ``addresses`` then follow from it (the fuzzer's
    explicit workloads, which shrink access by access).
    """
    if accesses is not None:
        nodes = len(accesses)
        addresses = 1 + max((a.address for node in accesses for a in node), default=0)
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown dsm protocol {protocol!r}; known: {', '.join(PROTOCOLS)}")
    names = tuple(f"n{i}" for i in range(1, nodes + 1))
    if model is None and protocol in IVY:
        model = SystemModel(nodes="crash-recovery")
    if faults is None:
        recovers = model is not None and model.nodes == "crash-recovery"
        if accesses is None:
            faults = default_faults(protocol, names, max(operations, 4) * 20 * MS,
                                    "recover" if recovers else "stop")
        else:
            faults = default_faults(protocol, names, explicit_span(accesses), None,
                                    first_cut=EXPLICIT_FIRST_CUT)
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
        ops = (workload(sim, number, operations, addresses, nodes) if accesses is None else
               scripted(number, accesses, nodes))
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

