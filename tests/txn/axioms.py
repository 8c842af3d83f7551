"""A brute-force oracle for every transactional isolation level, written from the axioms.

An *execution* of a history chooses the set C of transactions that took effect (every ``ok`` one,
no ``fail`` one, any subset of the ``info`` ones; at read-uncommitted a ``fail`` one is treated
like ``info``) and a total commit order ``co`` over C, after the initial transaction T0, which
wrote every key's initial version (nil, or the empty list). A history satisfies a level when some
execution satisfies that level's axioms (the ``LEVELS`` table). Everything is enumerated: every
subset of the optional transactions, every linear extension of the orders the level puts into
``co``. Small histories only: about six transactions.

Reads. A read's *writer* is the transaction whose write produced the value: the unique ``w`` of
that key and value, or the appender of a list's last element; nil (or the empty list) is T0's.
Only reads of ``ok`` transactions constrain anything: a ``fail`` transaction read nothing anyone
may rely on, and an ``info`` one records its invocation, whose reads are placeholders. Whatever
the level, a read needs its writer in C, cannot show a value nobody wrote, a list element twice,
or the reading transaction's own later write (one after the read in program order).

- ``wr``: reads-from between distinct transactions; ``so``: session order (a process's
  transactions in C, ``fail`` ones excluded, each before all later ones); ``rt``: real time (T1
  completed, ``ok`` or ``fail``, before T2 was invoked; times when every event has one, else
  positions in the history).
- The version order of key k is ``co`` restricted to C's writers of k, each writer's appends in
  program order, contiguous. A list read with writer w equals the concatenation over k's writers
  up to w of their appends, w's own cut at the read's last element (inside w: *intermediate*).
- A read of k after the transaction's own write of k is *internal*. Like every read it is an
  ordinary read of its writer (a list's version order is what the writers' own reads show),
  and from read-atomic up it must also show the transaction's own view (INT, Cerone et al.
  2015): in rw-register its last write; in list-append its previous read of k plus its own
  appends since, or, with no previous read, some list P followed by all its own appends so
  far. P is the state the transaction started from: an ordinary read of P's writer, which gives
  a ``wr`` edge the atomic-visibility axioms see. Below read-atomic INT does not hold (Elle
  forbids ``internal`` only from read-atomic up).

Levels (one axiom per function below):

- read-uncommitted (Adya PL-1): the version order alone (a total ``co`` rules out G0).
- read-committed (Adya PL-2): ``co`` contains ``wr``; no intermediate reads of another writer.
- monotonic-atomic-view: read-committed and Biswas-Enea's read-atomic axiom over ``wr``: if t2
  writes x, t1 ``wr_x`` t3, t1 != t2 and t2 ``wr`` t3, then t2 ``co`` t1.
- read-atomic: monotonic-atomic-view and INT. strong-session-read-atomic: read-atomic with
  ``co`` containing ``so`` and the axiom over ``so | wr``.
- causal (Biswas-Enea causal consistency, session order included): ``co`` contains ``so | wr``,
  the axiom over ``(so | wr)+``, and INT.
- snapshot-isolation (Adya PL-SI): ``co`` is the commit order and each transaction reads the
  state after a prefix of it (its snapshot, which ends no later than itself) plus its own writes;
  two transactions writing a common key are never concurrent, i.e. the later one's snapshot
  contains the earlier one. This is the start/commit interleaving model: a start placed between
  two commits is a snapshot prefix. strong-session-snapshot-isolation also puts a session's
  previous transactions into the snapshot.
- serializable (Adya PL-3): each transaction reads the state after all its ``co`` predecessors
  plus its own writes. repeatable-read (PL-2.99, items only) is the same for these workloads.
- strong-session-X: X with ``co`` containing ``so``; strict-serializable: serializable with
  ``co`` containing ``rt`` (and ``so``, as the level table implies strong-session).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from histcheck.history import FAIL, INFO, OK, History

T0 = 0
"""The initial transaction: it wrote every key's initial version and comes first in ``co``."""


def _as_list(value: Any) -> tuple[Any, ...]:
    return tuple(value) if value is not None else ()


@dataclass(frozen=True)
class Txn:
    """One transaction: ``status`` is ``ok``, ``fail``, ``info`` (or ``init`` for T0)."""

    id: int
    process: Any
    status: str
    mops: tuple[tuple[str, Any, Any], ...]
    start: float
    end: float
    """When it completed; infinity for an ``info`` or never completed one."""

    def writes(self, key: Any) -> tuple[Any, ...]:
        """Its writes (or appends) of ``key``, in program order."""
        return tuple(v for f, k, v in self.mops if f != "r" and k == key)

    def writes_before(self, key: Any, index: int) -> tuple[Any, ...]:
        return tuple(v for f, k, v in self.mops[:index] if f != "r" and k == key)

    @cached_property
    def keys_written(self) -> frozenset[Any]:
        return frozenset(k for f, k, _ in self.mops if f != "r")


@dataclass(frozen=True)
class Read:
    """A read micro-op as the axioms see it.

    ``writer`` is None when nobody wrote the value (or a list shows an element twice); ``cut``
    counts the writer's writes of the key the read shows (T0: 0 for lists, 1 for registers).
    ``implicit`` marks the list P an internal list read starts from (see the module docstring).
    """

    txn: int
    index: int
    key: Any
    value: Any
    writer: int | None
    cut: int
    implicit: bool = False


class Impossible(Exception):
    """A read no execution can produce, whatever the level."""


@dataclass(frozen=True)
class Facts:
    """What the history says, independent of any execution."""

    workload: str
    txns: tuple[Txn, ...]
    timed: bool
    written_by: dict[tuple[Any, Any], tuple[int, int, int]] = field(default_factory=dict)
    """(key, value) -> (writer, how many of its writes of key up to this one, mop index)."""

    @property
    def lists(self) -> bool:
        return self.workload == "list-append"

    def initial_writes(self, key: Any) -> tuple[Any, ...]:
        return () if self.lists else (None,)

    def writes(self, txn: int, key: Any) -> tuple[Any, ...]:
        return self.initial_writes(key) if txn == T0 else self.txns[txn].writes(key)

    def writes_key(self, txn: int, key: Any) -> bool:
        return txn == T0 or key in self.txns[txn].keys_written

    def locate(self, reader: int, index: int, key: Any, value: Any,
               implicit: bool = False) -> Read:
        """The read of ``value`` with its writer; raises ``Impossible`` for garbage, duplicates
        and the reader's own later writes."""
        if self.lists:
            value = _as_list(value)
            if len(set(value)) != len(value):
                raise Impossible(f"T{reader} reads {key} = {list(value)}: an element twice")
            last = value[-1] if value else None
            if not value:
                return Read(reader, index, key, value, T0, 0, implicit)
        else:
            last = value
            if value is None:
                return Read(reader, index, key, value, T0, 1, implicit)
        for shown in value if self.lists else (value,):
            found = self.written_by.get((key, shown))
            if found is None:
                raise Impossible(f"T{reader} reads {key} = {value!r}: nobody wrote {shown!r}")
            if found[0] == reader and (found[2] > index or implicit):
                raise Impossible(f"T{reader} reads {key} = {value!r}: its own later write")
        writer, cut, _ = self.written_by[(key, last)]
        return Read(reader, index, key, value, writer, cut, implicit)


def facts_of(history: History, workload: str) -> Facts:
    """Transactions T1.. in invocation order, with the writer of every written value."""
    txns = [Txn(T0, None, "init", (), float("-inf"), float("-inf"))]
    for op in history.operations:
        status = {OK: "ok", FAIL: "fail", INFO: "info"}[op.type]
        if history.timed:
            start = float(op.call_time)  # type: ignore[arg-type]
            end = float(op.ret_time) if op.ret_time is not None else float("inf")
        else:
            start = float(op.call)
            end = float(op.ret) if op.ret is not None else float("inf")
        if status == "info":
            end = float("inf")
        mops = tuple((f, k, v) for f, k, v in (op.value or ()))
        txns.append(Txn(len(txns), op.process, status, mops, start, end))
    written_by: dict[tuple[Any, Any], tuple[int, int, int]] = {}
    for t in txns:
        counts: dict[Any, int] = {}
        for i, (f, k, v) in enumerate(t.mops):
            if f != "r":
                counts[k] = counts.get(k, 0) + 1
                assert (k, v) not in written_by, f"value {v!r} of {k} written twice"
                written_by[(k, v)] = (t.id, counts[k], i)
    return Facts(workload, tuple(txns), history.timed, written_by)


# -- reads as each kind of level sees them ---------------------------------------------------


def plain_reads(facts: Facts, txn: Txn) -> list[Read]:
    """Below read-atomic: every read, internal ones included, is an ordinary read."""
    return [facts.locate(txn.id, i, k, v) for i, (f, k, v) in enumerate(txn.mops) if f == "r"]


def atomic_reads(facts: Facts, txn: Txn) -> list[Read] | None:
    """From read-atomic up: every read, plus the list P each internal list read starts from
    when it has no earlier read of the key; None when an internal read breaks INT."""
    reads = plain_reads(facts, txn)
    for i, (f, k, v) in enumerate(txn.mops):
        own = txn.writes_before(k, i)
        if f != "r" or not own:
            continue
        if not facts.lists:
            if v != own[-1]:
                return None
            continue
        value = _as_list(v)
        earlier = [j for j in range(i) if txn.mops[j][:2] == ("r", k)]
        if earlier:
            j = earlier[-1]
            since = tuple(w for g, key, w in txn.mops[j:i] if g != "r" and key == k)
            if value != _as_list(txn.mops[j][2]) + since:
                return None
        elif value[len(value) - len(own):] != own:
            return None
        else:
            reads.append(facts.locate(txn.id, i, k, value[:len(value) - len(own)],
                                      implicit=True))
    return reads


def internally_consistent(facts: Facts, txn: Txn) -> bool:
    """INT: every internal read shows the transaction's own view (see ``atomic_reads``)."""
    return atomic_reads(facts, txn) is not None


# -- executions ------------------------------------------------------------------------------


class Execution:
    """A choice of C (``members``) and ``co``, with the relations the axioms speak of.

    The relations depend on C only; ``at(co)`` gives the same choice with another order.
    """

    def __init__(self, facts: Facts, members: frozenset[int], reads: list[Read]) -> None:
        self.facts = facts
        self.members = members
        self.reads = reads
        self.co: tuple[int, ...] = ()
        self.position: dict[int, int] = {}
        self.wr_keys = {(r.writer, r.txn, r.key) for r in reads
                        if r.writer is not None and r.writer != r.txn}
        self.wr = {(a, b) for a, b, _ in self.wr_keys}
        sessions: dict[Any, list[Txn]] = {}
        for t in facts.txns[1:]:
            if t.id in members and t.status != "fail":
                sessions.setdefault(t.process, []).append(t)
        self.so = {(a.id, b.id) for run in sessions.values()
                   for a, b in itertools.combinations(sorted(run, key=lambda t: t.start), 2)}
        txns = [facts.txns[i] for i in members if i != T0]
        self.rt = {(a.id, b.id) for a in txns for b in txns
                   if a.status in ("ok", "fail") and a.end < b.start}

    def relation(self, name: str) -> set[tuple[int, int]]:
        return {"wr": self.wr, "so": self.so, "rt": self.rt}[name]

    def at(self, co: tuple[int, ...]) -> Execution:
        self.co = co
        self.position = {t: p for p, t in enumerate(co)}
        return self

    def before(self, a: int, b: int) -> bool:
        return self.position[a] < self.position[b]


def transitive_closure(pairs: set[tuple[int, int]]) -> set[tuple[int, int]]:
    closure = set(pairs)
    while True:
        more = {(a, d) for a, b in closure for c, d in closure if b == c} - closure
        if not more:
            return closure
        closure |= more


# -- axioms: one function each ---------------------------------------------------------------


def reads_follow_versions(ex: Execution) -> bool:
    """Each list read equals its key's versions up to its writer, the writer's cut at the read;
    register reads need nothing here (their writer is known and in C)."""
    if not ex.facts.lists:
        return True
    for r in ex.reads:
        assert r.writer is not None
        shown: tuple[Any, ...] = ()
        for t in ex.co:
            if t == r.writer:
                break
            if ex.facts.writes_key(t, r.key):
                shown += ex.facts.writes(t, r.key)
        shown += ex.facts.writes(r.writer, r.key)[:r.cut]
        if shown != r.value:
            return False
    return True


def no_intermediate_reads(ex: Execution) -> bool:
    """No read shows another transaction's non-final write (or append) of the key."""
    return all(r.cut == len(ex.facts.writes(r.writer, r.key))
               for r in ex.reads if r.writer is not None and r.writer != r.txn)


def _atomic_visibility(ex: Execution, seen: set[tuple[int, int]]) -> bool:
    """Biswas-Enea: t2 writes x, t1 wr_x t3, t1 != t2 and t2 ``seen`` t3 imply t2 co t1."""
    for t1, t3, x in ex.wr_keys:
        for t2 in ex.members:
            if (t2 not in (t1, t3) and (t2, t3) in seen and ex.facts.writes_key(t2, x)
                    and not ex.before(t2, t1)):
                return False
    return True


def read_atomic_over_wr(ex: Execution) -> bool:
    return _atomic_visibility(ex, ex.wr)


def read_atomic_over_session(ex: Execution) -> bool:
    return _atomic_visibility(ex, ex.wr | ex.so)


def causal_visibility(ex: Execution) -> bool:
    return _atomic_visibility(ex, transitive_closure(ex.wr | ex.so))


def _states(ex: Execution) -> list[dict[Any, Any]]:
    """states[s]: every key's value after the first s transactions of co (s >= 1 includes T0)."""
    states: list[dict[Any, Any]] = [{}]
    for t in ex.co:
        state = dict(states[-1])
        for f, k, v in ex.facts.txns[t].mops:
            if f == "append":
                state[k] = (*state.get(k, ()), v)
            elif f == "w":
                state[k] = v
        states.append(state)
    return states


def _sees(facts: Facts, txn: Txn, snapshot: dict[Any, Any]) -> bool:
    """True when every read of ``txn`` shows ``snapshot`` overlaid with its own writes so far."""
    local = dict(snapshot)
    for f, k, v in txn.mops:
        if f == "r":
            seen = local.get(k, () if facts.lists else None)
            if (_as_list(v) if facts.lists else v) != seen:
                return False
        elif f == "append":
            local[k] = (*local.get(k, ()), v)
        else:
            local[k] = v
    return True


def _snapshots(ex: Execution, serial: bool, sessions: bool) -> bool:
    states = _states(ex)
    for p, t in enumerate(ex.co):
        txn = ex.facts.txns[t]
        if t == T0 or txn.status != "ok":
            continue
        lowest = 1
        for q in range(1, p):
            u = ex.co[q]
            if (txn.keys_written & ex.facts.txns[u].keys_written
                    or (sessions and (u, t) in ex.so)):
                lowest = q + 1
        choices = [p] if serial else range(lowest, p + 1)
        if not any(_sees(ex.facts, txn, states[s]) for s in choices):
            return False
    return True


def snapshot_reads(ex: Execution) -> bool:
    """Each transaction reads a snapshot (a co prefix ending no later than itself) plus its own
    writes; the snapshot contains every earlier committer of a key it also writes."""
    return _snapshots(ex, serial=False, sessions=False)


def session_snapshot_reads(ex: Execution) -> bool:
    """``snapshot_reads``, and the snapshot contains the session's earlier transactions."""
    return _snapshots(ex, serial=False, sessions=True)


def serial_reads(ex: Execution) -> bool:
    """Each transaction reads the state after all its co predecessors plus its own writes."""
    return _snapshots(ex, serial=True, sessions=False)


# -- the levels ------------------------------------------------------------------------------


Axiom = Callable[[Execution], bool]


@dataclass(frozen=True)
class Level:
    """A row: which reads it sees, what ``co`` must contain, and the axioms on top.

    ``orders`` are relations ``co`` contains (enumerated as linear extensions); ``atomic`` means
    INT holds (internal reads are the transaction's own view); ``failed_may_commit`` lets
    ``fail`` transactions into C, as at read-uncommitted.
    """

    orders: tuple[str, ...]
    axioms: tuple[Axiom, ...]
    atomic: bool = True
    failed_may_commit: bool = False


_VERSIONS = (reads_follow_versions,)
_COMMITTED = (reads_follow_versions, no_intermediate_reads)
_ATOMIC = (*_COMMITTED, read_atomic_over_wr)

LEVELS: dict[str, Level] = {
    "read-uncommitted": Level((), _VERSIONS, atomic=False, failed_may_commit=True),
    "strong-session-read-uncommitted": Level(("so",), _VERSIONS, atomic=False,
                                             failed_may_commit=True),
    "read-committed": Level(("wr",), _COMMITTED, atomic=False),
    "strong-session-read-committed": Level(("wr", "so"), _COMMITTED, atomic=False),
    "monotonic-atomic-view": Level(("wr",), _ATOMIC, atomic=False),
    "read-atomic": Level(("wr",), _ATOMIC),
    "strong-session-read-atomic": Level(("wr", "so"),
                                        (*_COMMITTED, read_atomic_over_session)),
    "causal": Level(("wr", "so"), (*_COMMITTED, causal_visibility)),
    "snapshot-isolation": Level(("wr",), (snapshot_reads,)),
    "strong-session-snapshot-isolation": Level(("wr", "so"), (session_snapshot_reads,)),
    "repeatable-read": Level(("wr",), (serial_reads,)),
    "serializable": Level(("wr",), (serial_reads,)),
    "strong-session-serializable": Level(("wr", "so"), (serial_reads,)),
    "strict-serializable": Level(("wr", "so", "rt"), (serial_reads,)),
}


def linear_extensions(members: frozenset[int], edges: set[tuple[int, int]]
                      ) -> Iterator[tuple[int, ...]]:
    """Every total order of ``members`` that starts with T0 and contains ``edges``."""
    preds = {m: {a for a, b in edges if b == m and a != m} for m in members}

    def extend(prefix: tuple[int, ...], left: frozenset[int]) -> Iterator[tuple[int, ...]]:
        if not left:
            yield prefix
            return
        placed = set(prefix)
        for m in sorted(left):
            if preds[m] <= placed:
                yield from extend((*prefix, m), left - {m})

    yield from extend((T0,), members - {T0})


def executions(facts: Facts, level: Level) -> Iterator[Execution]:
    """Every execution whose reads are possible and whose co contains the level's orders."""
    optional = [t.id for t in facts.txns
                if t.status == "info" or (t.status == "fail" and level.failed_may_commit)]
    committed = frozenset(t.id for t in facts.txns if t.status in ("ok", "init"))
    reads: list[Read] = []
    for t in facts.txns:
        if t.status != "ok":
            continue
        seen = atomic_reads(facts, t) if level.atomic else plain_reads(facts, t)
        if seen is None:
            return
        reads.extend(seen)
    for size in range(len(optional) + 1):
        for extra in itertools.combinations(optional, size):
            members = committed | frozenset(extra)
            if any(r.writer not in members for r in reads):
                continue
            ex = Execution(facts, members, reads)
            edges: set[tuple[int, int]] = set()
            for name in level.orders:
                edges |= ex.relation(name)
            for co in linear_extensions(members, edges):
                yield ex.at(co)


def satisfies(facts: Facts, level: str) -> Execution | None:
    """A witness execution of ``level``, or None when there is none."""
    row = LEVELS[level]
    try:
        for ex in executions(facts, row):
            if all(axiom(ex) for axiom in row.axioms):
                return ex
    except Impossible:
        return None
    return None


def valid(history: History, workload: str, level: str) -> bool:
    return satisfies(facts_of(history, workload), level) is not None
