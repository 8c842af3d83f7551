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

import heapq
from bisect import bisect_right

from histcheck.budget import Deadline
from histcheck.txn.cycles import acyclic, find_cycle, topological
from histcheck.txn.facts import Facts
from histcheck.txn.model import DATA, INIT, PROCESS, WR, WW
from histcheck.values import Value

CLOCK_CELLS = 20_000_000
CHAINS = 512
"""Causal uses bitsets when the vector clocks need more than ``CHAINS`` chains and more than
``CLOCK_CELLS`` cells (transactions x chains)."""


def violation(facts: Facts, *, causal: bool, sessions: bool, known_ww: bool,
              deadline: Deadline) -> list[int] | None:
    """A cycle in the saturated commit order, or None when the level holds.

    ``known_ww`` says the facts are list-append's: each key's versions are totally ordered by
    ww edges, with unseen appends after them, and every read has an rw edge to the version
    after the one it read. Then, when there is no other anomaly and the data and session
    edges together are acyclic, the level holds: a topological order of them is a commit
    order. (A writer of x that a reader sees but that follows the version it read would lie
    after the reader by rw and ww edges; so every writer that saturation orders before the
    one read is ww-before it already.) Otherwise saturation decides, which has to remember
    what every transaction sees.
    """
    if known_ww and not facts.anomalies and acyclic(facts, DATA | PROCESS):
        return None
    return saturated_cycle(facts, causal=causal, sessions=sessions, known_ww=known_ww,
                           deadline=deadline)


def saturated_cycle(facts: Facts, *, causal: bool, sessions: bool, known_ww: bool,
                    deadline: Deadline) -> list[int] | None:
    """Saturate the commit order and look for a cycle in it (``violation`` without the
    shortcut)."""
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
        order = _earliest_first(vis)
        if order is None:
            return find_cycle(vis)
        if not _causal_clocks(facts, preds, vis, order, sessions, co, deadline):
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


def _earliest_first(adj: list[list[int]]) -> list[int] | None:
    """The topological order that takes the lowest node first (close to the history's
    order, so keys are read over short stretches of it), or None on a cycle."""
    indeg = [0] * len(adj)
    for outs in adj:
        for b in outs:
            indeg[b] += 1
    heap = [v for v, d in enumerate(indeg) if d == 0]
    order: list[int] = []
    while heap:
        v = heapq.heappop(heap)
        order.append(v)
        for b in adj[v]:
            indeg[b] -= 1
            if indeg[b] == 0:
                heapq.heappush(heap, b)
    return order if len(order) == len(adj) else None




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


def _causal_clocks(facts: Facts, preds: list[list[int]], vis: list[list[int]],
                   order: list[int], sessions: bool, co: list[set[int]],
                   deadline: Deadline) -> bool:
    """Vector clocks over chains that cover the visibility order; False when it is too wide.

    Walking ``order`` (topological), a node's clock is the pointwise maximum of its
    predecessors' clocks: per chain, the position of the last node of that chain it sees.
    The node then extends its session predecessor's chain, or else a chain whose last node
    it sees and whose session goes on with no chain member, or starts one: consecutive nodes
    of a chain are visible to one another.
    Sessions alone would do, but clients that crash come back as new processes, and such
    histories have many short sessions while this cover stays about as wide as the
    history's concurrency. A node nobody sees (a sink) joins no chain. Each read then
    needs only the last visible writer of the key on each chain: earlier ones are visible
    to it, so they precede it in ``co`` already. A clock is dropped once every node that
    sees it directly has been walked.

    A chain whose keys nobody reads any more (later in ``order``) is finished: a new chain
    takes over its clock entry, with positions above the old ones. Seeing the new part then
    seems to mean seeing the old, but no read left asks about the old part's keys. So the
    clocks stay as wide as the chains alive at once, however many there are in all (Elle
    runs retire keys after a few dozen appends).
    """
    n = len(order)
    limit = max(CHAINS, CLOCK_CELLS // max(n, 1))
    session_pred = [-1] * n
    ends_session = [True] * n
    if sessions:
        for a, outs in enumerate(facts.graph.out):
            for b, k in outs.items():
                if k & PROCESS:
                    session_pred[b] = a
                    ends_session[a] = not vis[b]  # a sink joins no chain
    keys_of: list[list[Value]] = [[] for _ in range(n)]
    for key, writers in facts.writers.items():
        for w in writers:
            keys_of[w].append(key)
    reads_of: list[list[tuple[Value, int]]] = [[] for _ in range(n)]
    for reader, key, w1 in facts.reads:
        reads_of[reader].append((key, w1))
    place = [0] * n
    for i, v in enumerate(order):
        place[v] = i
    last_read: dict[Value, int] = {}
    for reader, key, _ in facts.reads:
        last_read[key] = max(last_read.get(key, -1), place[reader])
    expires: list[int] = []  # per chain, the last place in ``order`` that reads its keys
    remaining = [len(outs) for outs in vis]
    clock: list[list[int] | None] = [None] * n
    chain = [-1] * n
    pos = [0] * n
    tail: list[int] = []
    by_chain: dict[Value, dict[int, tuple[list[int], list[int]]]] = {}
    for i, v in enumerate(order):
        if i % 4096 == 0:
            deadline.check()
        mine: list[int] = []
        shared = False  # ``mine`` is a predecessor's clock, not to be changed in place
        for p in preds[v]:
            theirs = clock[p]
            assert theirs is not None
            if len(theirs) > len(mine):
                mine, theirs = theirs, mine
                shared = True
            if theirs:
                mine = [*map(max, mine, theirs), *mine[len(theirs):]]
                shared = False
            remaining[p] -= 1
            if not remaining[p]:
                clock[p] = None
        for key, w1 in reads_of[v]:
            for c, (spots, nodes) in by_chain.get(key, {}).items():
                if c < len(mine):
                    at = bisect_right(spots, mine[c]) - 1
                    if at >= 0 and nodes[at] != w1:
                        co[nodes[at]].add(w1)
        if not vis[v]:
            continue
        c = -1
        p = session_pred[v]
        if p >= 0 and chain[p] >= 0 and tail[chain[p]] == p:
            c = chain[p]
        else:
            c = next((c for c, at in enumerate(mine) if at >= 0 and pos[tail[c]] == at
                      and ends_session[tail[c]]), -1)
        if c < 0:
            c = next((c for c, done in enumerate(expires) if done < i), -1)
        if c < 0:
            c = len(tail)
            if c >= limit:
                return False
            tail.append(v)
            expires.append(-1)
        else:
            pos[v] = pos[tail[c]] + 1
            tail[c] = v
        chain[v] = c
        for key in keys_of[v]:
            expires[c] = max(expires[c], last_read.get(key, -1))
        if len(mine) <= c:
            mine = mine + [-1] * (c + 1 - len(mine))
        elif shared:
            mine = list(mine)
        mine[c] = pos[v]
        clock[v] = mine
        for key in keys_of[v]:
            spots, nodes = by_chain.setdefault(key, {}).setdefault(c, ([], []))
            spots.append(pos[v])
            nodes.append(v)
    return True


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
