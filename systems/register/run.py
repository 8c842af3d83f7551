"""Run a replicated register in the simulator: replicas, clients, a workload and default faults.

Variants (``VARIANTS``): ``abd`` (correct: linearizable), ``leader-cas`` (correct: ABD reads,
writes and compare-and-sets ordered by a fixed leader), ``no-write-back`` (reads skip the
write-back phase), ``single-replica`` (reads ask one replica), ``async-primary-backup``
(acknowledges before replicating, loses writes on failover).

The workload: each client reads (70%) or writes; written values are unique integers
(``client * 1000 + k``), so a read names the write it saw. ``leader-cas`` draws from a small
range instead (``CAS_VALUES``), so that a compare-and-set often finds the value it expects: reads
40%, writes 20%, ``cas [expected, new]`` 40%. Without explicit faults the run has
the system's default faults, chosen to exercise what each variant claims: for the quorum variants
a partition that cuts one replica off for a while and a crash of another later (always a
minority), for primary-backup a crash of the primary half-way through. ``no-write-back`` runs
the half-write scenario first (``histcheck.systems.register.scenario``): it exposes the missing
write-back on every seed, where random faults did on about one seed in twenty.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from histcheck.systems.clients import Op, Progress, run_clients
from histcheck.systems.register.abd import AbdClient, Flavour, Replica
from histcheck.systems.register.leader import LeaderClient, LeaderReplica
from histcheck.systems.register.primary_backup import PrimaryBackupClient, PrimaryBackupReplica
from histcheck.systems.register.scenario import half_write
from histcheck.systems.sim.core import Simulator
from histcheck.systems.sim.faults import Crash, Fault, Partition
from histcheck.systems.sim.models import MS, SystemModel

VARIANTS = ("abd", "leader-cas", "no-write-back", "single-replica", "async-primary-backup")
FLAVOURS = {"abd": Flavour(), "no-write-back": Flavour(write_back=False),
            "single-replica": Flavour(single_replica=True)}


@dataclass(frozen=True, slots=True)
class RegisterRun:
    sim: Simulator
    replicas: tuple[str, ...]
    clients: tuple[str, ...]


def workload(sim: Simulator, client: int, count: int) -> list[Op]:
    ops = []
    for k in range(count):
        if sim.rng.random() < 0.7:
            ops.append(Op("read"))
        else:
            ops.append(Op("write", client * 1000 + k))
    return ops


CAS_VALUES = 3


def cas_workload(sim: Simulator, count: int) -> list[Op]:
    ops = []
    for _ in range(count):
        r = sim.rng.random()
        if r < 0.4:
            ops.append(Op("read"))
        elif r < 0.6:
            ops.append(Op("write", sim.rng.randrange(CAS_VALUES)))
        else:
            ops.append(Op("cas", (sim.rng.randrange(CAS_VALUES), sim.rng.randrange(CAS_VALUES))))
    return ops


def default_faults(variant: str, replicas: tuple[str, ...], clients: tuple[str, ...],
                   operations: int) -> tuple[Fault, ...]:
    """The default nemesis.

    Primary-backup: the primary crashes a third of the way through. Quorum variants: the last
    replica crashes half-way, and all along, every 40 ms, a 30 ms partition of a minority:
    alternately one client cut off from every replica but one (a write caught in its store phase
    stays half-stored, visible only at that replica, until the partition heals) and one replica
    cut off together with one client, whose nearest replica it is (the replica falls behind and
    keeps serving that client).
    """
    span = max(operations, 4) * 25 * MS  # about how long a client's operations take
    if variant == "async-primary-backup":
        return (Crash(replicas[0], span // 3),)
    faults: list[Fault] = []
    for j, at in enumerate(range(span // 20, span, 40 * MS)):
        index = j % len(clients)
        client, replica = clients[index], replicas[index % (len(replicas) - 1)]
        groups: tuple[tuple[str, ...], ...]
        if j % 2 == 0:
            groups = ((client,), tuple(r for r in replicas if r != replica))
        else:
            groups = ((client, replica),
                      tuple(n for n in (*replicas, *clients) if n not in (client, replica)))
        faults.append(Partition(groups, at, at + 30 * MS))
    return (*faults, Crash(replicas[-1], span // 2))


def shift(faults: tuple[Fault, ...], offset: int) -> tuple[Fault, ...]:
    """``faults``, each ``offset`` microseconds later."""
    if not offset:
        return faults
    return tuple(Partition(f.groups, f.at + offset, f.until + offset) if isinstance(f, Partition)
                 else type(f)(f.node, f.at + offset) for f in faults)


def run_register(variant: str, *, seed: int, clients: int = 4, operations: int = 15,
                 replicas: int = 5, model: SystemModel | None = None,
                 faults: tuple[Fault, ...] | None = None, scenario: bool | None = None,
                 progress: Progress | None = None) -> RegisterRun:
    """Simulate ``variant``; the history is in ``run.sim.operations``.

    ``scenario`` runs the half-write scenario (``histcheck.systems.register.scenario``) first,
    with three clients of its own, and starts the workload clients when it is over; its faults
    come on top of ``faults`` (or of the default faults, shifted to begin after it). None means the
    variant's default: on for ``no-write-back`` when no faults are given, off otherwise.
    """
    if variant not in VARIANTS:
        raise ValueError(f"unknown register variant {variant!r}; known: {', '.join(VARIANTS)}")
    if scenario is None:
        scenario = variant == "no-write-back" and faults is None
    if scenario and variant not in FLAVOURS:
        raise ValueError(f"the half-write scenario is for the quorum variants, not {variant!r}")
    replica_names = tuple(f"r{i}" for i in range(1, replicas + 1))
    client_names = tuple(f"c{i}" for i in range(1, clients + 1))
    extra = tuple(f"c{i}" for i in range(clients + 1, clients + 4)) if scenario else ()
    script = half_write(replica_names, extra[0], extra[1], extra[2],
                        value=(clients + 1) * 1000) if scenario else None
    offset = script.end if script else 0
    if faults is None:
        faults = shift(default_faults(variant, replica_names, client_names, operations), offset)
    if script:
        faults = (*script.faults, *faults)
    sim = Simulator(seed, model, faults)
    sim.network.record_links = False
    for name in replica_names:
        if variant == "async-primary-backup":
            sim.add_node(name, partial(PrimaryBackupReplica, replicas=replica_names))
        elif variant == "leader-cas" and name == replica_names[0]:
            sim.add_node(name, partial(LeaderReplica, replicas=replica_names))
        else:
            sim.add_node(name, Replica)
    stride = clients + len(extra)
    for number, name in enumerate(client_names, start=1):
        if variant == "leader-cas":
            sim.add_node(name, partial(LeaderClient, number=number,
                                       ops=cas_workload(sim, operations), stride=stride,
                                       replicas=replica_names, leader=replica_names[0]))
            continue
        ops = workload(sim, number, operations)
        if variant == "async-primary-backup":
            sim.add_node(name, partial(PrimaryBackupClient, number=number, ops=ops,
                                       stride=stride, replicas=replica_names))
        else:
            sim.add_node(name, partial(AbdClient, number=number, ops=ops, stride=stride,
                                       replicas=replica_names, flavour=FLAVOURS[variant],
                                       start_at=offset))
    for number, scripted in enumerate(script.clients if script else (), start=clients + 1):
        sim.add_node(scripted.name, partial(AbdClient, number=number, ops=list(scripted.ops),
                                            stride=stride, replicas=replica_names,
                                            flavour=FLAVOURS[variant], start_at=scripted.start_at))
    run_clients(sim, [*client_names, *extra], progress=progress)
    return RegisterRun(sim, replica_names, (*client_names, *extra))
