"""The half-write scenario: a write stuck at one replica, then two reads one after the other.

Why reads must write back. A read that skips ABD's write-back phase can return a value that only
a minority holds; a later read whose majority misses that minority returns the older value: a
*new-old inversion*, which linearizability forbids (the later read started after the earlier one
finished) and sequential consistency allows (the two reads are by different processes, so the
second may be ordered before the write). Random faults rarely line this up, because a write's
store phase lasts a few milliseconds; this scenario lines it up on every seed, using only
partitions and a crash whose windows are wider than any message delay of the default
(synchronous, at most ``delta`` = 10 ms) network, so what happens does not depend on the draws.

With five replicas ``r1``..``r5`` (in general: ``r1``, the ``m - 1`` replicas after it, and the
rest, ``m`` a majority) and three scenario clients ``w`` (writer), ``a`` and ``b`` (readers),
times in ms, the writer invoking at some ``t0`` in ``[0, 5]``:

1. ``[0, 27)``: ``w`` can talk only to ``r2``, ``r3``. Its write's query phase hears those two
   (by ``t0 + 20 <= 25``), one short of a majority; ``r1``, ``r4``, ``r5`` never see the query.
2. ``[27, 70)``: ``w`` can talk only to ``r1``. Its retransmission at ``t0 + 30`` reaches ``r1``
   alone, whose answer completes the majority; the store phase is sent to all five, and only
   ``r1`` gets it (messages to the others are dropped when they arrive, up to 65 ms).
3. ``60``: ``w`` crashes, so nothing more is sent: the write stays at ``r1``, never acknowledged
   (an indeterminate operation, open for ever).
4. ``70``: ``a`` reads, cut off from ``r4``, ``r5``: its majority is ``r1``..``r3`` and it
   returns the new value (done by 95 ms). ABD's ``a`` writes it back to ``r1``..``r3`` first.
5. ``100``: ``b`` reads, cut off from ``r1``: its majority lies in ``r2``..``r5``. Without
   write-back it returns nil (the register's initial value): the inversion. With write-back it
   meets ``r2`` or ``r3`` and returns the new value.

The ordinary workload clients start at ``END`` (130 ms), once ``b`` is done, so that none of their
writes covers the stuck one first.
"""

from __future__ import annotations

from dataclasses import dataclass

from histcheck.systems.clients import Op
from histcheck.systems.sim.faults import Crash, Fault, Partition
from histcheck.systems.sim.models import MS

END = 130 * MS
"""When the scenario is over and the ordinary workload may begin."""


@dataclass(frozen=True, slots=True)
class Scripted:
    """A scenario client: its name, when it starts, and its operations."""

    name: str
    start_at: int
    ops: tuple[Op, ...]


@dataclass(frozen=True, slots=True)
class Scenario:
    clients: tuple[Scripted, ...]
    faults: tuple[Fault, ...]
    end: int


def half_write(replicas: tuple[str, ...], writer: str, reader_a: str, reader_b: str,
               value: int) -> Scenario:
    """The scenario of the module docstring: ``writer`` writes ``value``, the readers read."""
    if len(replicas) < 3:
        raise ValueError("the half-write scenario needs at least three replicas")
    majority = len(replicas) // 2 + 1
    first, helpers, rest = replicas[0], replicas[1:majority], replicas[majority:]
    faults: tuple[Fault, ...] = (
        Partition(((writer, *helpers), (first, *rest)), 0, 27 * MS),
        Partition(((writer, first), (*helpers, *rest)), 27 * MS, 70 * MS),
        Crash(writer, 60 * MS),
        Partition(((reader_a,), rest), 60 * MS, 100 * MS),
        Partition(((reader_b,), (first,)), 95 * MS, END),
    )
    clients = (Scripted(writer, 0, (Op("write", value),)),
               Scripted(reader_a, 70 * MS, (Op("read"),)),
               Scripted(reader_b, 100 * MS, (Op("read"),)))
    return Scenario(clients, faults, END)
