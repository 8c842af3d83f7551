"""Causal memory (CM): one incremental saturation of hb per session.

For a session s, hb_s is the smallest transitive relation holding co and, for every read r(x) of
s that reads from w2, the edge w1 -> w2 for every other write w1 to x with w1 -hb_s-> r (that
read saw w2 after w1, so s must order w1 first). CM fails at s when hb_s has a cycle (CyclicHB) or
puts a write to x before a read of x's initial value in s (WriteHBInitRead).

Recomputing every clock after each round of new edges costs a full pass per round, and the order
can take many rounds to stop growing. Instead, the clocks of co are copied once per session and
kept exact as edges arrive: an edge w1 -> w2 merges w1's clock into w2's, and any clock that grows
pushes its growth to the operation's successors (the next operation of its session, the reads of
a write, the targets of added edges). A read of s whose clock grew is looked at again; when none
is left to look at, hb_s is saturated. Clocks only grow and each entry is bounded, so this ends.

A cycle shows when some operation would learn of itself: a predecessor's clock already counts
it. Then one full pass with the added edges (``clocks_of``) finds the cycle to report.
"""

from __future__ import annotations

from collections import deque

from histcheck.budget import Deadline
from histcheck.causal.memory import Memory
from histcheck.causal.patterns import (
    Clocks,
    Pattern,
    before,
    clocks_of,
    cycle_pattern,
    dedupe,
    writes_in_past,
)


def cm_patterns(memory: Memory, co: Clocks, deadline: Deadline) -> list[Pattern]:
    """WriteHBInitRead and CyclicHB, one incremental saturation per session."""
    readers: dict[int, list[int]] = {}  # write -> the reads that read from it
    for position, src in enumerate(memory.source):
        if src >= 0:
            readers.setdefault(src, []).append(position)
    found: list[Pattern] = []
    for line in memory.sessions:
        found += _session(memory, co, readers, line, deadline)
    return dedupe(found)  # two sessions can find the same cycle


def _session(memory: Memory, co: Clocks, readers: dict[int, list[int]],
             line: tuple[int, ...], deadline: Deadline) -> list[Pattern]:
    ops, source = memory.ops, memory.source
    reads = [p for p in line if not ops[p].write and source[p] != -2]
    watched = set(reads)
    hb = [list(c) for c in co]
    extra: dict[int, list[int]] = {}  # w2 -> the writes w1 ordered before it
    after: dict[int, list[int]] = {}  # w1 -> the writes w2 it is ordered before
    sessions = memory.sessions
    pending = deque(reads)
    queued = set(reads)

    def grow(target: int, clock: list[int]) -> bool:
        """Merge ``clock`` into ``target``'s and onwards; False when that makes a cycle."""
        stack = [(target, clock)]
        while stack:
            op, incoming = stack.pop()
            m = ops[op]
            if incoming[m.session] >= m.index:
                return False  # op would be in its own past
            mine = hb[op]
            grew = False
            for c, value in enumerate(incoming):
                if value > mine[c]:
                    mine[c] = value
                    grew = True
            if not grew:
                continue
            if op in watched and op not in queued:
                queued.add(op)
                pending.append(op)
            if m.index < len(sessions[m.session]):
                stack.append((sessions[m.session][m.index], mine))
            for successor in readers.get(op, ()):
                stack.append((successor, mine))
            for successor in after.get(op, ()):
                stack.append((successor, mine))
        return True

    while pending:
        deadline.check()
        read = pending.popleft()
        queued.discard(read)
        src = source[read]
        if src == -1:
            continue  # an initial-value read adds no edge; it is judged at the end
        for w in writes_in_past(memory, hb, read):
            if w != src and not before(memory, hb, w, src):
                extra.setdefault(src, []).append(w)
                after.setdefault(w, []).append(src)
                if not grow(src, hb[w]):
                    _, cycle = clocks_of(memory, extra)
                    return [cycle_pattern(memory, "CyclicHB", cycle, f"hb of process "
                                          f"{ops[line[-1]].op.process!r}'s last operation")]
    found = []
    for read in reads:
        if source[read] == -1:
            seen = writes_in_past(memory, hb, read)
            if seen:
                found.append(Pattern("WriteHBInitRead", (seen[0], read),
                                     f"{memory.describe(read)} reads the initial value, but "
                                     f"{memory.describe(seen[0])} happens before it in the "
                                     f"order its process must see"))
    return found
