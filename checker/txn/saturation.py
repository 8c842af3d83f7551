"""Read atomic and causal consistency in polynomial time, by saturation (Biswas and Enea 2019).

Both levels ask for a commit order ``co`` containing the visibility edges (wr, and for causal
the session order) and the known ww edges. Saturation adds what the axioms force, then checks
acyclicity:

- read atomic: if T3 read x from T1, and T2 also wrote x and is *directly* visible to T3
  (T2 wr-> T3, or, when sessions count, T2 comes earlier in T3's session), then T2 co-> T1;
- causal: the same with T2 *transitively* visible to T3 through wr and session edges.

A cycle in the saturated order is a ``fractured-read`` (read atomic) or a
``causality-violation`` (causal). dbcop implements the same algorithms in Rust.

Cost. Read atomic looks only at each reader's direct predecessors: linear in the edges. Causal
needs transitive visibility; sessions are chains of the visibility order, so a vector clock
per transaction (for each session, the last of its transactions visible) answers "is T2
visible to T3" in O(1), and for each read only the *last* visible writer of the key in each
session needs an edge (earlier ones reach it through session order, which ``co`` contains).
That is O(transactions x sessions). When sessions are many (every transaction its own
process), a bitset of visible transactions per transaction is used instead.
"""

from __future__ import annotations

from bisect import bisect_right

from histcheck.budget import Deadline
from histcheck.txn.cycles import find_cycle, topological
from histcheck.txn.facts import Facts
from histcheck.txn.model import INIT, PROCESS, WR, WW

CLOCK_CELLS = 20_000_000
"""Above this many vector-clock cells (transactions x sessions), causal uses bitsets."""


def violation(facts: Facts, *, causal: bool, sessions: bool, known_ww: bool,
              deadline: Deadline) -> list[int] | None:
    """A cycle in the saturated commit order, or None when the level holds."""
    n = len(facts.txns)
    vis_mask = WR | (PROCESS if sessions else 0)
    preds: list[list[int]] = [[] for _ in range(n)]
    co: list[set[int]] = [set() for _ in range(n)]
    for a, outs in enumerate(facts.graph.out):
        for b, k in outs.items():
            if k & vis_mask:
                preds[b].append(a)
                co[a].add(b)
            if known_ww and k & WW:
                co[a].add(b)
    co[INIT].update(range(1, n))
    if causal:
        vis = [[] for _ in range(n)]  # type: list[list[int]]
        for b, ps in enumerate(preds):
            for a in ps:
                vis[a].append(b)
        order = topological(vis)
        if order is None:
            return find_cycle(vis)
        chain, pos, count = _sessions(facts, n, sessions)
        if n * count <= CLOCK_CELLS:
            _causal_clocks(facts, preds, order, chain, pos, count, co, deadline)
        else:
            _causal_bitsets(facts, preds, order, co, deadline)
    else:
        for i, (reader, key, w1) in enumerate(facts.reads):
            if i % 4096 == 0:
                deadline.check()
            writers = facts.writers.get(key, ())
            for w2 in preds[reader]:
                if w2 != w1 and w2 in writers:
                    co[w2].add(w1)
        if sessions:
            _session_writers(facts, n, co, deadline)
    adj = [list(s) for s in co]
    if topological(adj) is None:
        return find_cycle(adj)
    return None


def _session_writers(facts: Facts, n: int, co: list[set[int]], deadline: Deadline) -> None:
    """Read atomic with session order: the last writer of the key earlier in the reader's
    session precedes the writer read from (earlier ones precede it through session order)."""
    chain, pos, _ = _sessions(facts, n, True)
    by_chain: dict[tuple[object, int], tuple[list[int], list[int]]] = {}
    for key, writers in facts.writers.items():
        for w in sorted(writers, key=lambda w: pos[w]):
            spots, nodes = by_chain.setdefault((key, chain[w]), ([], []))
            spots.append(pos[w])
            nodes.append(w)
    for i, (reader, key, w1) in enumerate(facts.reads):
        if i % 4096 == 0:
            deadline.check()
        found = by_chain.get((key, chain[reader]))
        if found is None:
            continue
        spots, nodes = found
        at = bisect_right(spots, pos[reader] - 1) - 1
        if at >= 0 and nodes[at] != w1:
            co[nodes[at]].add(w1)


def _sessions(facts: Facts, n: int, sessions: bool) -> tuple[list[int], list[int], int]:
    """Each node's chain and position in it: chains follow process edges when sessions count
    (they are then part of visibility), otherwise every transaction is a chain of its own."""
    chain = [-1] * n
    pos = [0] * n
    has_pred = [False] * n
    nxt = [-1] * n
    for a, outs in enumerate(facts.graph.out):
        for b, k in outs.items():
            if sessions and k & PROCESS:
                nxt[a] = b
                has_pred[b] = True
    count = 0
    for start in range(n):
        if has_pred[start]:
            continue
        node, i = start, 0
        while node != -1 and chain[node] == -1:
            chain[node], pos[node] = count, i
            node, i = nxt[node], i + 1
        count += 1
    return chain, pos, count


def _causal_clocks(facts: Facts, preds: list[list[int]], order: list[int], chain: list[int],
                   pos: list[int], count: int, co: list[set[int]], deadline: Deadline) -> None:
    """Vector clocks over session chains; per read, the last visible writer of each chain."""
    clock: list[list[int]] = [[]] * len(order)
    empty = [-1] * count
    for i, v in enumerate(order):
        if i % 4096 == 0:
            deadline.check()
        ps = preds[v]
        if not ps:
            mine = list(empty)
        else:
            mine = list(clock[ps[0]])
            for p in ps[1:]:
                mine = list(map(max, mine, clock[p]))
        mine[chain[v]] = pos[v]
        clock[v] = mine
    by_chain: dict[object, dict[int, tuple[list[int], list[int]]]] = {}
    for key, writers in facts.writers.items():
        per: dict[int, tuple[list[int], list[int]]] = {}
        for w in sorted(writers, key=lambda w: pos[w]):
            spots, nodes = per.setdefault(chain[w], ([], []))
            spots.append(pos[w])
            nodes.append(w)
        by_chain[key] = per
    for i, (reader, key, w1) in enumerate(facts.reads):
        if i % 4096 == 0:
            deadline.check()
        seen = clock[reader]
        for c, (spots, nodes) in by_chain.get(key, {}).items():
            limit = seen[c] - 1 if c == chain[reader] else seen[c]
            at = bisect_right(spots, limit) - 1
            if at >= 0 and nodes[at] != w1:
                co[nodes[at]].add(w1)


def _causal_bitsets(facts: Facts, preds: list[list[int]], order: list[int],
                    co: list[set[int]], deadline: Deadline) -> None:
    """The same with a bitset of visible transactions per transaction (many sessions)."""
    seen_by = [0] * len(order)
    for v in order:
        acc = 0
        for p in preds[v]:
            acc |= seen_by[p] | (1 << p)
        seen_by[v] = acc
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
            others ^= low
            co[low.bit_length() - 1].add(w1)
