"""Graph algorithms, and finding and naming cycle anomalies the way Elle does.

A cycle's name comes from its data edges (Elle's names; docs/semantics.md): only ww = G0; ww
and wr, no rw = G1c; exactly one rw = G-single; several rw, none adjacent = G-nonadjacent; some
adjacent = G2-item. A cycle that needs a process edge gets ``-process``, one that needs a
real-time edge ``-realtime``. The search, per strongly connected component, tries the cheapest
classes first: a G0 cycle among ww edges; a G1c cycle closing a wr edge through ww/wr; a G-single
cycle closing one rw edge through non-rw edges; then any cycle closing an rw edge.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from histcheck.txn.model import DATA, PROCESS, REALTIME, RW, WR, WW, Graph

if TYPE_CHECKING:
    from histcheck.txn.facts import Facts


def topological(adj: list[list[int]]) -> list[int] | None:
    """Kahn's order of the nodes, or None when the graph has a cycle."""
    indeg = [0] * len(adj)
    for outs in adj:
        for b in outs:
            indeg[b] += 1
    queue = [n for n, d in enumerate(indeg) if d == 0]
    order: list[int] = []
    while queue:
        n = queue.pop()
        order.append(n)
        for b in adj[n]:
            indeg[b] -= 1
            if indeg[b] == 0:
                queue.append(b)
    return order if len(order) == len(adj) else None


def acyclic(facts: Facts, kinds: int) -> bool:
    """Whether the edges of ``kinds`` in ``facts.graph`` form no cycle, remembered in ``facts``.

    Acyclicity is monotone in the kinds: dropping kinds keeps a graph acyclic, adding kinds
    keeps a cycle. So one answer for many kinds settles every question about fewer (or more),
    and a known topological order of some kinds settles more kinds without a sort when the
    edges of the kinds it lacks all go forward in it.
    """
    known = facts.known_acyclic
    for mask, ok in known.items():
        if (not kinds & ~mask) if ok else (not mask & ~kinds):
            return ok
    if kinds & REALTIME and facts.deferred is not None:
        if not acyclic(facts, kinds & ~REALTIME):
            return False
        if _forward_in_realtime(facts, kinds & ~REALTIME):
            known[kinds] = True
            return True
        facts.complete()
    out = facts.graph.out
    lacking = kinds & ~facts.order_kinds
    if len(facts.order) == len(out) and _forward(out, facts.order, lacking):
        remember(facts, facts.order, facts.order_kinds | kinds)
        return True
    order = topological([[b for b, k in outs.items() if k & kinds] for outs in out])
    if order is None:
        known[kinds] = False
        return False
    remember(facts, order, kinds)
    return True


def _forward_in_realtime(facts: Facts, kinds: int) -> bool:
    """Whether the deferred real-time edges all go forward in a topological order of the
    (acyclic) ``kinds`` edges: then adding them leaves that order topological."""
    from histcheck.txn.model import realtime_respected

    assert facts.deferred is not None
    order = facts.order
    if facts.order_kinds & kinds != kinds or len(order) != len(facts.graph.out):
        order = topological([[b for b, k in outs.items() if k & kinds]
                             for outs in facts.graph.out]) or []
    place = [0] * len(facts.graph.out)
    for i, v in enumerate(order):
        place[v] = i
    live = [t for t in facts.txns[1:] if not t.aborted and t.op is not None]
    return realtime_respected(facts.deferred, live, place)


def remember(facts: Facts, order: list[int], kinds: int) -> None:
    """Record that ``order`` is a topological order of the edges of ``kinds``."""
    facts.known_acyclic[kinds] = True
    if not facts.order or not facts.order_kinds & ~kinds:
        facts.order, facts.order_kinds = order, kinds


def _forward(out: list[dict[int, int]], order: list[int], kinds: int) -> bool:
    """Whether every edge of ``kinds`` goes from an earlier node of ``order`` to a later one."""
    place = [0] * len(out)
    for i, v in enumerate(order):
        place[v] = i
    for a, outs in enumerate(out):
        here = place[a]
        for b, k in outs.items():
            if k & kinds and place[b] < here:
                return False
    return True


def ordered(adj: list[list[int]], priority: Sequence[float]) -> list[int] | None:
    """Kahn's order with ties broken by ``priority`` (lowest first, then the lower node), or
    None on a cycle. The heap holds each node's rank in that order: integers compare faster
    than (priority, node) pairs."""
    indeg = [0] * len(adj)
    for outs in adj:
        for b in outs:
            indeg[b] += 1
    by_rank = sorted(range(len(adj)), key=priority.__getitem__)  # stable: lower node first
    rank = [0] * len(adj)
    for r, n in enumerate(by_rank):
        rank[n] = r
    heap = [rank[n] for n, d in enumerate(indeg) if d == 0]
    heapq.heapify(heap)
    order: list[int] = []
    pop, push = heapq.heappop, heapq.heappush
    while heap:
        n = by_rank[pop(heap)]
        order.append(n)
        for b in adj[n]:
            indeg[b] -= 1
            if indeg[b] == 0:
                push(heap, rank[b])
    return order if len(order) == len(adj) else None


def components(adj: list[list[int]]) -> list[int]:
    """Tarjan's strongly connected components, iteratively: a component id per node."""
    n = len(adj)
    index = [-1] * n
    low = [0] * n
    comp = [-1] * n
    on_stack = [False] * n
    stack: list[int] = []
    counter = 0
    ncomp = 0
    for root in range(n):
        if index[root] != -1:
            continue
        work = [(root, 0)]
        while work:
            v, i = work.pop()
            if i == 0:
                index[v] = low[v] = counter
                counter += 1
                stack.append(v)
                on_stack[v] = True
            recurse = False
            outs = adj[v]
            while i < len(outs):
                w = outs[i]
                i += 1
                if index[w] == -1:
                    work.append((v, i))
                    work.append((w, 0))
                    recurse = True
                    break
                if on_stack[w]:
                    low[v] = min(low[v], index[w])
            if recurse:
                continue
            if low[v] == index[v]:
                while True:
                    w = stack.pop()
                    on_stack[w] = False
                    comp[w] = ncomp
                    if w == v:
                        break
                ncomp += 1
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[v])
    return comp


def find_cycle(adj: list[list[int]]) -> list[int]:
    """Some cycle of a graph known to have one, as a list of nodes."""
    comp = components(adj)
    sizes: dict[int, int] = {}
    for c in comp:
        sizes[c] = sizes.get(c, 0) + 1
    start = next(n for n in range(len(adj)) if sizes[comp[n]] > 1 or n in adj[n])
    path = _bfs(adj, start, start, lambda a, b: comp[b] == comp[start])
    assert path is not None
    return path


def _bfs(adj: list[list[int]], src: int, dst: int, ok: object) -> list[int] | None:
    """Shortest path src ~> dst (src == dst: a cycle), as the nodes before dst."""
    allowed = ok  # a callable (a, b) -> bool
    parent: dict[int, int] = {}
    queue = deque([src])
    while queue:
        a = queue.popleft()
        for b in adj[a]:
            if not allowed(a, b):  # type: ignore[operator]
                continue
            if b == dst:
                path = [a]
                while path[-1] != src:
                    path.append(parent[path[-1]])
                return path[::-1]
            if b not in parent and b != src:
                parent[b] = a
                queue.append(b)
    return None


@dataclass(frozen=True)
class Cycle:
    """A named cycle: nodes in order, and the kind used for each edge (node i -> node i+1)."""

    name: str
    nodes: tuple[int, ...]
    kinds: tuple[int, ...]


PREFERENCE = (WW, WR, RW, PROCESS, REALTIME)


def classify(graph: Graph, nodes: list[int], first: int = -1, rest: int = -1) -> Cycle:
    """Name a cycle; the first edge is read as one of ``first`` kinds, the others of ``rest``."""
    kinds: list[int] = []
    for i, (a, b) in enumerate(zip(nodes, nodes[1:] + nodes[:1], strict=False)):
        mask = graph.kinds(a, b) & (first if i == 0 else rest)
        kinds.append(next(k for k in PREFERENCE if mask & k))
    rws = [k == RW for k in kinds]
    count = sum(rws)
    if count == 0:
        base = "G0" if all(k in (WW, PROCESS, REALTIME) for k in kinds) else "G1c"
    elif count == 1:
        base = "G-single"
    else:
        adjacent = any(rws[i] and rws[i - 1] for i in range(len(rws)))
        base = "G2-item" if adjacent else "G-nonadjacent"
    if REALTIME in kinds:
        base += "-realtime"
    elif PROCESS in kinds:
        base += "-process"
    return Cycle(base, tuple(nodes), tuple(kinds))


def anomalies(graph: Graph, extra: int, limit: int = 64, assumed: int = 0) -> list[Cycle]:
    """Cycles of each class in ``graph`` using data edges plus the ``extra`` kinds.

    For each class and each of data-only, +process, +realtime (within ``extra``), at most one
    witness; a class found with fewer edge kinds is not searched again with more. G0 and G1c
    cycles use no ``assumed`` kinds (edges that only snapshot isolation and stronger levels
    guarantee, see ``Facts.assumed``); cycles with rw edges may use them.
    """
    found: dict[str, Cycle] = {}
    tiers = [DATA] + [DATA | m for m in (PROCESS, PROCESS | REALTIME) if m & extra == m]
    full = DATA | extra
    adj = [[b for b, k in outs.items() if k & full] for outs in graph.out]
    comp = components(adj)
    sizes: dict[int, int] = {}
    for c in comp:
        sizes[c] = sizes.get(c, 0) + 1
    for tier in tiers:
        for start_kind, path_kinds in ((WW, WW), (WR, WW | WR), (RW, WW | WR), (RW, DATA)):
            dropped = 0 if start_kind & RW else assumed
            start = start_kind & ~dropped
            if not start:
                continue
            mask = path_kinds & ~dropped | (tier & ~DATA)
            cycle = _first_cycle(graph, adj, comp, sizes, start, mask, limit)
            if cycle is not None:
                found.setdefault(cycle.name, cycle)
    return list(found.values())


def _first_cycle(graph: Graph, adj: list[list[int]], comp: list[int], sizes: dict[int, int],
                 start_kind: int, mask: int, limit: int) -> Cycle | None:
    """The first of up to ``limit`` edges a -> b of ``start_kind`` (in graph order) that a
    shortest ``mask`` path b ~> a closes into a cycle.

    A path b ~> a stays inside a's strongly connected component, so the search does too. The
    components of the ``mask`` edges alone settle most tries without a search: b and a in
    one of them, and a path exists; b's component after a's in Tarjan's order (which lists
    a component before any that reaches it), and none does. Each try still counts against
    ``limit``, so the cycle found is the one a search of every try would find.
    """
    tries = 0
    within: list[list[int]] | None = None
    parts: list[int] = []
    for a, outs in enumerate(graph.out):
        if sizes[comp[a]] < 2:
            continue
        for b, k in outs.items():
            if not k & start_kind or comp[b] != comp[a]:
                continue
            tries += 1
            if within is None:
                within = [[y for y, kinds in graph.out[x].items()
                           if kinds & mask and comp[y] == comp[x]]
                          if sizes[comp[x]] > 1 else [] for x in range(len(adj))]
                parts = components(within)
            if parts[b] == parts[a] or parts[b] > parts[a]:
                path = _path(within, b, a)
                if path is not None:
                    return classify(graph, [a, *path], start_kind, mask)
            if tries >= limit:
                return None
    return None


def _path(adj: list[list[int]], src: int, dst: int) -> list[int] | None:
    """``_bfs`` over an adjacency already restricted to the edges allowed."""
    parent: dict[int, int] = {}
    queue = deque([src])
    while queue:
        a = queue.popleft()
        for b in adj[a]:
            if b == dst:
                path = [a]
                while path[-1] != src:
                    path.append(parent[path[-1]])
                return path[::-1]
            if b not in parent and b != src:
                parent[b] = a
                queue.append(b)
    return None
