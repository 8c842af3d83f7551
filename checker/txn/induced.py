"""Snapshot isolation's graph, pruned before it is composed (PolySI's generalized polygraph).

Snapshot isolation asks whether some choice of version orders leaves ``D ∪ D;RW`` acyclic
(``polygraph``). Composing it edge by edge first multiplies every conditional edge by the
edges it meets: a history of 10,000 transactions gives about a million composed edges, almost
all of them for choices that pruning settles at once. So pruning runs on the uncomposed edges,
the way PolySI prunes its generalized polygraph: with ``K`` the composed graph of the known
edges (known D edges, and known D edges followed by known rw edges), a choice's value is
impossible when one of its edges closes a cycle with ``K``:

- its D edge ``a -> b``: ``b`` reaches ``a`` in ``K``, or a known rw edge ``b -> c`` leads to a
  node ``c`` that is ``a`` or reaches it;
- its rw edge ``a -> b``: ``b`` is or reaches a node ``c`` with a known D edge ``c -> a``.

These are exactly the composed edges with one literal (two edges of one value never compose:
a value's rw edges leave the readers of the write it orders, and its D edge enters the other
writer), so the answer is the one pruning the composed graph gives. The other value is then
forced, its edges become known, and this repeats; only the choices left are composed and
handed to ``polygraph.solve``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from histcheck.budget import Deadline
from histcheck.txn.cycles import find_cycle, topological
from histcheck.txn.polygraph import PRUNING_YIELD, Edge, Lit

Pair = tuple[int, int]


def composed(size: int, d_known: Sequence[Pair], rw_known: Sequence[Pair],
             d_conditional: Sequence[Edge], rw_conditional: Sequence[Edge],
             deadline: Deadline) -> tuple[list[Edge], dict[int, bool]]:
    """The edges of ``D ∪ D;RW`` for the choices pruning leaves open (the forced ones' edges
    known), or only a cycle's when the known edges have one; and the forced values.
    Conditional edges carry one literal each."""
    by_literal: dict[Lit, tuple[list[Pair], list[Pair]]] = {}
    for e in d_conditional:
        by_literal.setdefault(e.cond[0], ([], []))[0].append((e.a, e.b))
    for e in rw_conditional:
        by_literal.setdefault(e.cond[0], ([], []))[1].append((e.a, e.b))
    d_edges = set(d_known)
    rw_edges = set(rw_known)
    forced: dict[int, bool] = {}
    while True:
        deadline.check()
        impossible = _impossible(size, d_edges, rw_edges, by_literal)
        if impossible is None:
            return _known_cycle(size, d_edges, rw_edges), forced
        now: dict[int, bool] = {}
        for i, value in impossible:
            now[i] = value if (i, not value) in impossible else not value
        if not now:
            break
        forced.update(now)
        for i, value in now.items():
            taken = by_literal.pop((i, value), ([], []))
            by_literal.pop((i, not value), None)
            d_edges.update(taken[0])
            rw_edges.update(taken[1])
        if len(now) * PRUNING_YIELD < sum(len(d) + len(r) for d, r in by_literal.values()):
            break
    return _compose(size, d_edges, rw_edges, by_literal), forced


def _impossible(size: int, d_edges: set[Pair], rw_edges: set[Pair],
                by_literal: dict[Lit, tuple[list[Pair], list[Pair]]]) -> set[Lit] | None:
    """The literals one of whose edges closes a cycle with the known composed graph; None
    when that graph has a cycle already."""
    adj, rw_out, d_in = _adjacency(size, d_edges, rw_edges)
    order = topological(adj)
    if order is None:
        return None
    reach = [0] * size  # reach[v]: the nodes v reaches, v included
    for v in reversed(order):
        acc = 1 << v
        for s in adj[v]:
            acc |= reach[s]
        reach[v] = acc
    impossible: set[Lit] = set()
    for lit, (ds, rws) in by_literal.items():
        if any(_closes_d(a, b, reach, rw_out) for a, b in ds) or any(
                _closes_rw(a, b, reach, d_in) for a, b in rws):
            impossible.add(lit)
    return impossible


def _closes_d(a: int, b: int, reach: list[int], rw_out: list[list[int]]) -> bool:
    if reach[b] >> a & 1:
        return True
    return any(reach[c] >> a & 1 for c in rw_out[b])


def _closes_rw(a: int, b: int, reach: list[int], d_in: list[list[int]]) -> bool:
    seen = reach[b]
    return any(seen >> c & 1 for c in d_in[a])


def known_cycle(size: int, d_edges: Iterable[Pair], rw_edges: Iterable[Pair],
                ) -> list[Edge] | None:
    """A cycle of ``D ∪ D;RW`` (all edges known), as its edges; None when it is acyclic."""
    d_edges = set(d_edges)
    rw_edges = set(rw_edges)
    if topological(_adjacency(size, d_edges, rw_edges)[0]) is not None:
        return None
    return _known_cycle(size, d_edges, rw_edges)


def _adjacency(size: int, d_edges: set[Pair], rw_edges: set[Pair],
               ) -> tuple[list[list[int]], list[list[int]], list[list[int]]]:
    """The known composed graph's successors per node, with the rw successors and D
    predecessors it was made of."""
    d_in: list[list[int]] = [[] for _ in range(size)]
    rw_out: list[list[int]] = [[] for _ in range(size)]
    adj: list[list[int]] = [[] for _ in range(size)]
    for a, b in rw_edges:
        rw_out[a].append(b)
    for a, b in d_edges:
        d_in[b].append(a)
        adj[a].append(b)
        adj[a].extend(rw_out[b])
    return adj, rw_out, d_in


def _known_cycle(size: int, d_edges: set[Pair], rw_edges: set[Pair]) -> list[Edge]:
    """A cycle of the known composed graph (which has one), as its edges."""
    rw_out: list[list[int]] = [[] for _ in range(size)]
    for a, b in rw_edges:
        rw_out[a].append(b)
    via: dict[Pair, int] = {}
    for a, b in d_edges:
        via[(a, b)] = -1
    for a, b in d_edges:
        for c in rw_out[b]:
            via.setdefault((a, c), b)
    adj: list[list[int]] = [[] for _ in range(size)]
    for a, b in via:
        adj[a].append(b)
    nodes = find_cycle(adj)
    return [Edge(a, b, (), via[(a, b)]) for a, b in zip(nodes, nodes[1:] + nodes[:1], strict=False)]


def _compose(size: int, d_edges: set[Pair], rw_edges: set[Pair],
             by_literal: dict[Lit, tuple[list[Pair], list[Pair]]]) -> list[Edge]:
    d_out: list[list[tuple[int, tuple[Lit, ...]]]] = [[] for _ in range(size)]
    rw_out: list[list[tuple[int, tuple[Lit, ...]]]] = [[] for _ in range(size)]
    for a, b in d_edges:
        d_out[a].append((b, ()))
    for a, b in rw_edges:
        rw_out[a].append((b, ()))
    for lit, (ds, rws) in by_literal.items():
        for a, b in ds:
            d_out[a].append((b, (lit,)))
        for a, b in rws:
            rw_out[a].append((b, (lit,)))
    edges: list[Edge] = []
    for a in range(size):
        for b, d_cond in d_out[a]:
            edges.append(Edge(a, b, d_cond))
            for c, r_cond in rw_out[b]:
                if d_cond and r_cond and d_cond[0][0] == r_cond[0][0]:
                    if d_cond[0][1] != r_cond[0][1]:
                        continue  # the two values of one choice never hold together
                    edges.append(Edge(a, c, d_cond, b))
                else:
                    edges.append(Edge(a, c, tuple(sorted(d_cond + r_cond)), b))
    return edges
