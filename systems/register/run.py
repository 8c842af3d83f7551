"""Run a replicated register in the simulator: replicas, clients, a workload and default faults.

Variants (``VARIANTS``): ``abd`` (correct: linearizable), ``no-write-back`` (reads skip the
write-back phase), ``single-replica`` (reads ask one replica), ``async-primary-backup``
(acknowledges before replicating, loses writes on failover).

The workload: each client reads or writes (half and half); written values are unique integers
(``client * 1000 + k``), so a read names the write it saw. Without explicit faults the run has
the system's default faults, chosen to exercise what each variant claims: for the quorum variants
a partition that cuts one replica off for a while and a crash of another later (always a
minority), for primary-backup a crash of the primary half-way through.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from systems.clients import Op, Progress, run_clients
from systems.register.abd import AbdClient, Flavour, Replica
from systems.register.primary_backup import PrimaryBackupClient, PrimaryBackupReplica
from systems.sim.core import Simulator
from systems.sim.faults import Crash, Fault, Partition
from systems.sim.models import MS, SystemModel

VARIANTS = ("abd", "no-write-back", "single-replica", "async-primary-backup")
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


def run_register(variant: str, *, seed: int, clients: int = 4, operations: int = 15,
                 replicas: int = 5, model: SystemModel | None = None,
                 faults: tuple[Fault, ...] | None = None,
                 progress: Progress | None = None) -> RegisterRun:
    """Simulate ``variant``; the history is in ``run.sim.operations``."""
    if variant not in VARIANTS:
        raise ValueError(f"unknown register variant {variant!r}; known: {', '.join(VARIANTS)}")
    replica_names = tuple(f"r{i}" for i in range(1, replicas + 1))
    client_names = tuple(f"c{i}" for i in range(1, clients + 1))
    if faults is None:
        faults = default_faults(variant, replica_names, client_names, operations)
    sim = Simulator(seed, model, faults)
    sim.network.record_links = False
    for name in replica_names:
        if variant == "async-primary-backup":
            sim.add_node(name, partial(PrimaryBackupReplica, replicas=replica_names))
        else:
            sim.add_node(name, Replica)
    for number, name in enumerate(client_names, start=1):
        ops = workload(sim, number, operations)
        if variant == "async-primary-backup":
            sim.add_node(name, partial(PrimaryBackupClient, number=number, ops=ops,
                                       stride=clients, replicas=replica_names))
        else:
            sim.add_node(name, partial(AbdClient, number=number, ops=ops, stride=clients,
                                       replicas=replica_names, flavour=FLAVOURS[variant]))
    run_clients(sim, list(client_names), progress=progress)
    return RegisterRun(sim, replica_names, client_names)
