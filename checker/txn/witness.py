"""A quick sufficient test: one natural version order that already makes the graph acyclic.

The polygraph (``decide``) is exact but pays for it: two chains of a key whose order is open
make a choice, so a hot key with c chains makes c^2/2 choices (1.5 million for 10,000
rw-register transactions). A valid history usually has an obvious witness: the order in which
its transactions completed. This module builds that one candidate and checks it in linear
time, before any choice is materialised:

1. order transactions topologically by the certain dependency edges (for snapshot isolation the
   ww, wr and session edges only: rw edges may legitimately form cycles there), breaking ties
   by completion position in the history;
2. order each key's open chains by their first writer's place in that order, and add only the
   edges between consecutive chains: ww from one chain's last writer to the next chain's first,
   rw from the readers of that last version to it (edges to later chains follow by
   transitivity, for the plain graph and for the composed one alike);
3. the history satisfies the level if the result is acyclic: for serializability the graph
   itself, for snapshot isolation the composition ``D ∪ D;RW`` (Cerone and Gotsman 2016).

A "yes" is a proof (the candidate is a version order with no forbidden cycle). A "no" proves
nothing: the exact procedure runs as before.
"""

from __future__ import annotations

from itertools import pairwise

from histcheck.txn.cycles import ordered, remember, topological
from histcheck.txn.facts import Facts
from histcheck.txn.model import DATA, RW, WR, WW


def order(facts: Facts, extra: int, *, snapshot: bool) -> list[int] | None:
    """A commit order (transaction nodes) when the natural candidate version order leaves no
    forbidden cycle, else None."""
    n = len(facts.txns)
    d_mask = (WW | WR | extra) if snapshot else (DATA | extra)
    out = facts.graph.out
    d_adj = [[b for b, k in outs.items() if k & d_mask] for outs in out]
    rw_adj: list[list[int]] = [[] for _ in range(n)]
    if snapshot:
        rw_adj = [[b for b, k in outs.items() if k & RW and not k & d_mask] for outs in out]
    certain = _ordered(facts, d_adj)
    if certain is None:
        facts.known_acyclic[d_mask] = False
        return None
    remember(facts, certain, d_mask)
    place = [0] * n
    for i, v in enumerate(certain):
        place[v] = i
    backward = False
    for chains in facts.chains.values():
        ranked = sorted(chains, key=lambda c: place[c[0]])
        for (_, last, readers), (first, _, _) in pairwise(ranked):
            d_adj[last].append(first)
            backward = backward or place[first] < place[last]
            for r in readers:
                if r != first:
                    (rw_adj if snapshot else d_adj)[r].append(first)
                    backward = backward or place[first] < place[r]
    if not snapshot and not backward:
        # Kahn's order by completion is the least one by that priority; edges that all go
        # forward in it leave it the least order of the larger graph.
        return certain
    if snapshot:
        composed = [list(targets) for targets in d_adj]
        for a, targets in enumerate(d_adj):
            for b in targets:
                composed[a].extend(rw_adj[b])
        return _ordered(facts, composed)
    return _ordered(facts, d_adj)


def completion(facts: Facts) -> list[float]:
    """Each transaction's completion position (the initial state first, unfinished last)."""
    late = float("inf")
    return [-1.0] + [float(t.op.ret) if t.op is not None and t.op.ret is not None else late
                     for t in facts.txns[1:]]


def layered(facts: Facts) -> list[float]:
    """A priority for the solver's first order: depth in the graph of everything known (the
    longest path of dependency, session and real-time edges to a transaction), ties broken by
    completion position.

    Session and real-time edges are no constraint at plain serializability, but they say which
    transactions came early. Layers keep what is known about "earlier" together, so the first
    guesses, which follow the order, rarely contradict each other: on Cobra's chengRW history
    the search meets 2 conflicts where an order by completion alone meets 321, whatever breaks
    the ties within layers. When those edges have a cycle, completion alone is used.
    """
    facts.complete()  # deferred real-time edges are part of what is known
    rank = completion(facts)
    adj = [list(outs) for outs in facts.graph.out]
    first = topological(adj)
    if first is None:
        return rank
    depth = [0] * len(adj)
    for node in first:
        below = depth[node] + 1
        for target in adj[node]:
            depth[target] = max(depth[target], below)
    places = [0] * len(adj)
    for place, node in enumerate(sorted(range(len(adj)), key=rank.__getitem__)):
        places[node] = place
    scale = 1.0 / (len(adj) + 1)
    return [depth[n] + places[n] * scale for n in range(len(adj))]


def _ordered(facts: Facts, adj: list[list[int]]) -> list[int] | None:
    """Kahn's topological order, ties broken by completion position; None on a cycle."""
    return ordered(adj, completion(facts))
