"""Read atomic and causal consistency in polynomial time, by saturation (Biswas and Enea 2019).

Both levels ask for a commit order ``co`` containing the visibility edges (wr, and for causal
the session order) and the known ww edges. Saturation adds what the axioms force, then checks
acyclicity:

- read atomic: if T3 read x from T1, and T2 also wrote x and is *directly* visible to T3
  (T2 wr-> T3, or T2 precedes T3 in T3's session when sessions count), then T2 co-> T1;
- causal: the same with T2 *transitively* visible to T3 through wr and session edges.

A cycle in the saturated order is a ``fractured-read`` (read atomic) or a
``causality-violation`` (causal). dbcop implements the same algorithms in Rust.
"""

from __future__ import annotations

from checker.budget import Deadline
from checker.txn.cycles import find_cycle, topological
from checker.txn.facts import Facts
from checker.txn.model import INIT, PROCESS, WR, WW


def violation(facts: Facts, *, causal: bool, sessions: bool, known_ww: bool,
              deadline: Deadline) -> list[int] | None:
    """A cycle in the saturated commit order, or None when the level holds."""
    n = len(facts.txns)
    vis_mask = WR | (PROCESS if sessions else 0)
    vis: list[list[int]] = [[] for _ in range(n)]
    co: list[set[int]] = [set() for _ in range(n)]
    for a, outs in enumerate(facts.graph.out):
        for b, k in outs.items():
            if k & vis_mask:
                vis[a].append(b)
                co[a].add(b)
            if known_ww and k & WW:
                co[a].add(b)
    for b in range(1, n):
        co[INIT].add(b)
    seen_by: list[int] = [0] * n  # bitset of transactions visible to each transaction
    if causal:
        order = topological(vis)
        if order is None:
            return find_cycle(vis)
        preds: list[list[int]] = [[] for _ in range(n)]
        for a in range(n):
            for b in vis[a]:
                preds[b].append(a)
        for v in order:
            acc = 0
            for p in preds[v]:
                acc |= seen_by[p] | (1 << p)
            seen_by[v] = acc
    else:
        for a in range(n):
            for b in vis[a]:
                seen_by[b] |= 1 << a
    writer_bits: dict[object, int] = {}
    for key, nodes in facts.writers.items():
        bits = 0
        for w in nodes:
            bits |= 1 << w
        writer_bits[key] = bits
    for count, (reader, key, w1) in enumerate(facts.reads):
        if count % 4096 == 0:
            deadline.check()
        others = seen_by[reader] & writer_bits.get(key, 0) & ~(1 << w1) & ~(1 << reader)
        while others:
            low = others & -others
            w2 = low.bit_length() - 1
            others ^= low
            co[w2].add(w1)
    adj = [list(s) for s in co]
    if topological(adj) is None:
        return find_cycle(adj)
    return None
