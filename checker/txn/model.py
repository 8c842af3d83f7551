"""Transactions as graph nodes, and the dependency graph between them.

Node 0 is the initial state: a transaction that wrote every key's first (nil or empty) version.
Every history transaction gets node ``op.id + 1``. Edges carry a bit mask of kinds, following
Adya and Elle:

- ``ww``: T2 overwrote the version T1 wrote (T1 < T2 in the key's version order);
- ``wr``: T2 read the version T1 wrote;
- ``rw``: T1 read a version that T2 overwrote (an anti-dependency: T1 did not see T2);
- ``process``: one client process ran T1, then T2;
- ``realtime``: T1 completed before T2 was invoked.

Each edge keeps one ``Reason`` (the key and values involved) so that a cycle can be explained
in words without re-deriving anything. It is stored as a plain triple and made a ``Reason``
only when asked for: a large history has a million edges and explains a handful.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import accumulate

import msgspec

from histcheck.history import FAIL, History, Operation
from histcheck.values import Value

WW, WR, RW, PROCESS, REALTIME = 1, 2, 4, 8, 16
DATA = WW | WR | RW
KIND_NAMES: dict[int, str] = {WW: "ww", WR: "wr", RW: "rw", PROCESS: "process",
                              REALTIME: "realtime"}
INIT = 0


class Txn(msgspec.Struct, frozen=True, gc=False):
    """One transaction: its node, the operation it came from, and its fate.

    ``committed`` is true for ``ok`` transactions; ``aborted`` for ``fail`` ones. Indeterminate
    (``info``) transactions are neither: their writes count only when someone observed them.
    A frozen ``msgspec.Struct`` like ``Operation``: a large history makes a million of them,
    and a frozen dataclass takes ten times as long to build.
    """

    node: int
    op: Operation | None
    mops: tuple[tuple[str, Value, Value], ...]
    committed: bool
    aborted: bool

    @property
    def name(self) -> str:
        return "T0 (initial state)" if self.op is None else f"T{self.node}"

    @property
    def process(self) -> object:
        return None if self.op is None else self.op.process


@dataclass(frozen=True, slots=True)
class Reason:
    """Why an edge exists: the key and value the two transactions met on.

    ``value`` is what the source wrote (ww, wr) or what the source read (rw); ``other`` is the
    value the target wrote, when that matters.
    """

    key: Value = None
    value: Value = None
    other: Value = None


@dataclass
class Graph:
    """A directed graph of transactions with kind masks and one reason per (edge, kind)."""

    size: int
    out: list[dict[int, int]] = field(default_factory=list)
    reasons: dict[tuple[int, int, int], tuple[Value, Value, Value]] = field(default_factory=dict)
    """(a, b, kind) -> the reason's (key, value, other)."""

    def __post_init__(self) -> None:
        if not self.out:
            self.out = [{} for _ in range(self.size)]

    def add(self, a: int, b: int, kind: int, reason: Reason | None = None) -> None:
        if a == b:
            return
        edges = self.out[a]
        old = edges.get(b, 0)
        edges[b] = old | kind
        if reason is not None and not old & kind:
            self.reasons[(a, b, kind)] = (reason.key, reason.value, reason.other)

    def reason(self, a: int, b: int, kind: int) -> Reason | None:
        """Why the edge a -> b has ``kind``, when that was recorded."""
        packed = self.reasons.get((a, b, kind))
        return None if packed is None else Reason(*packed)

    def kinds(self, a: int, b: int) -> int:
        return self.out[a].get(b, 0)

    def edges(self) -> Iterator[tuple[int, int, int]]:
        for a, edges in enumerate(self.out):
            for b, mask in edges.items():
                yield a, b, mask

    def copy(self) -> Graph:
        return Graph(self.size, [dict(e) for e in self.out], dict(self.reasons))


def transactions(history: History) -> list[Txn]:
    """Node 0 (the initial state) followed by every ``txn`` operation of the history."""
    found: list[Txn] = [Txn(INIT, None, (), True, False)]
    for op in history.operations:
        value = op.value
        if op.f != "txn" or not isinstance(value, tuple):
            continue
        for m in value:
            if m.__class__ is not tuple or len(m) != 3 or m[0].__class__ is not str:
                mops = tuple((str(m[0]), m[1], m[2]) for m in value if isinstance(m, tuple))
                break
        else:
            mops = value  # type: ignore[assignment]  # (function, key, value) triples: shared
        found.append(Txn(len(found), op, mops, op.ok, op.type is FAIL))
    return found


def add_session_edges(graph: Graph, history: History, txns: list[Txn], *,
                      realtime: bool) -> None:
    """Process order (consecutive transactions of one process) and, if asked, real-time order
    (``realtime_frontier``)."""
    out, reasons = graph.out, graph.reasons
    live = [txn for txn in txns[1:] if not txn.aborted and txn.op is not None]
    last: dict[object, int] = {}
    why: dict[object, tuple[Value, Value, Value]] = {}  # one reason per process, shared
    for txn in live:
        process = txn.op.process  # type: ignore[union-attr]
        node = txn.node
        previous = last.get(process)
        if previous is not None and previous != node:  # graph.add inlined
            edges = out[previous]
            old = edges.get(node, 0)
            edges[node] = old | PROCESS
            if not old & PROCESS:
                reason = why.get(process)
                if reason is None:
                    reason = why[process] = (process, None, None)
                reasons[(previous, node, PROCESS)] = reason
        last[process] = node
    if realtime:
        for before, after in realtime_frontier(history, live):
            edges = out[before]  # graph.add inlined: its sentence needs no reason
            edges[after] = edges.get(after, 0) | REALTIME


def realtime_frontier(history: History, txns: list[Txn]) -> Iterator[tuple[int, int]]:
    """The real-time edges of ``add_session_edges`` as (earlier, later) nodes, in the order
    they are added (``txns``: the transactions that are not aborted).

    Real-time edges are kept small the way Elle does: when T2 is invoked it links from the
    frontier of transactions completed so far, and a completed transaction removes from the
    frontier everything that completed before it began (those still reach T2 through it).
    """
    events: list[tuple[float, int, int, int]] = []
    add = events.append
    interval = history.interval
    infinity = float("inf")
    for txn in txns:
        start, end = interval(txn.op)  # type: ignore[arg-type]
        add((start, 0, len(events), txn.node))
        if end != infinity:
            add((end, 1, len(events), txn.node))
    # Intervals are closed: at equal times an invocation (0) is processed before a completion.
    events.sort()
    # Completions come in time order, so the frontier is sorted by completion time and what a
    # completion drops from it (everything that completed before its transaction began) is a
    # prefix: the frontier is ``done[head:]``.
    done: list[int] = []
    done_at: list[float] = []
    head = 0
    starts: dict[int, float] = {}
    for when, is_end, _, node in events:
        if not is_end:
            starts[node] = when
            for i in range(head, len(done)):
                if done[i] != node:
                    yield done[i], node
        else:
            began = starts[node]
            while head < len(done) and done_at[head] < began:
                head += 1
            done.append(node)
            done_at.append(when)


def realtime_respected(history: History, txns: list[Txn], place: list[int]) -> bool:
    """Whether ``place`` puts every transaction of ``txns`` after each one that completed
    before it was invoked: then every edge of ``realtime_frontier`` goes forward in it (those
    edges reach exactly these pairs). For each invocation, the latest place among the
    transactions completed strictly before it, from a prefix maximum over completions."""
    infinity = float("inf")
    spans = [(history.interval(txn.op), txn.node) for txn in txns]  # type: ignore[arg-type]
    finished = sorted((end, place[node]) for (_, end), node in spans if end != infinity)
    ends = [end for end, _ in finished]
    latest = list(accumulate((p for _, p in finished), max))
    for (start, _), node in spans:
        i = bisect_left(ends, start)
        if i and latest[i - 1] >= place[node]:
            return False
    return True
