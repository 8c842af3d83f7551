"""The bad patterns of Bouajjani, Enea, Guerraoui and Hamza ("On verifying causal consistency",
POPL 2017), found in polynomial time with vector clocks instead of a transitive closure.

With unique written values, co = (po | wr)+ is fixed, and a history is

- CC (causal consistency) iff it has none of: CyclicCO (co has a cycle), ThinAirRead (a read of
  a value nobody wrote), WriteCOInitRead (a read of the initial value of x with a write to x in its
  causal past), WriteCORead (r reads x from w, and another write to x is co-between w and r);
- CCv (causal convergence) iff CC and not CyclicCF: w1 -cf-> w2 when w1 writes x in the causal past
  of a read that reads x from w2; co | cf must be acyclic (one arbitration order for all writes);
- CM (causal memory) iff CC and, for every operation o, hb_o has no cycle (CyclicHB) and puts no
  write to x before a read of x's initial value in o's session (WriteHBInitRead). hb_o is the
  smallest transitive relation holding co and, for every read r(x) of o's session up to o that
  reads from w2, the edge w1 -> w2 for every other write w1 to x with w1 -hb_o-> r. hb_o only grows
  along a session, so checking each session's last operation suffices (``cm.py``).

Causal pasts are downward closed in every session (po is in co), so a vector clock (one counter per
session) represents one exactly; "the writes to x in r's past" are, per session, a prefix, and the
last of them stands for all (the others are po-before it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from histcheck.causal.memory import Memory

Clocks = Sequence[Sequence[int]]
"""Vector clocks, one per operation (tuples, or lists while they grow)."""


@dataclass(frozen=True)
class Pattern:
    """One bad pattern found: its name and the operations (positions) that form it."""

    name: str
    positions: tuple[int, ...]
    explanation: str


def clocks_of(memory: Memory,
              extra: Mapping[int, Sequence[int]]) -> tuple[Clocks | None, list[int]]:
    """Vector clocks of (po | wr | extra)+ and no cycle, or None and a cycle (positions, in order).

    ``extra[b]`` lists further predecessors of ``b``. One pass over the sessions, parking a session
    whose next operation waits for a predecessor not yet visited.
    """
    sessions = memory.sessions
    width = len(sessions)
    n = len(memory.ops)
    clocks: list[tuple[int, ...] | None] = [None] * n
    source = memory.source
    cursor = [0] * width
    running = [[0] * width for _ in sessions]
    waiting: dict[int, list[int]] = {}
    ready = list(range(width - 1, -1, -1))
    while ready:
        col = ready.pop()
        line = sessions[col]
        clock = running[col]
        position = cursor[col]
        while position < len(line):
            op = line[position]
            preds = list(extra.get(op, ()))
            if source[op] >= 0:
                preds.append(source[op])
            blocked = next((p for p in preds if clocks[p] is None), None)
            if blocked is not None:
                waiting.setdefault(blocked, []).append(col)
                break
            for p in preds:
                other = clocks[p]
                assert other is not None
                clock = [a if a >= b else b for a, b in zip(clock, other, strict=True)]
            clock[col] += 1
            clocks[op] = tuple(clock)
            position += 1
            woken = waiting.pop(op, None)
            if woken is not None:
                ready.extend(woken)
        cursor[col] = position
        running[col] = clock
    if any(c is None for c in clocks):
        return None, _cycle(memory, extra, clocks)
    return clocks, []  # type: ignore[return-value]


def _cycle(memory: Memory, extra: Mapping[int, Sequence[int]],
           clocks: Sequence[tuple[int, ...] | None]) -> list[int]:
    """Walk back from a stuck operation through unvisited predecessors until one repeats."""
    def unvisited_pred(op: int) -> int:
        m = memory.ops[op]
        preds = list(extra.get(op, ()))
        if memory.source[op] >= 0:
            preds.append(memory.source[op])
        if m.index > 1:
            preds.append(memory.sessions[m.session][m.index - 2])
        return next(p for p in preds if clocks[p] is None)

    op = next(i for i, c in enumerate(clocks) if c is None)
    path: list[int] = []
    seen: dict[int, int] = {}
    while op not in seen:
        seen[op] = len(path)
        path.append(op)
        op = unvisited_pred(op)
    cycle = path[seen[op]:]
    cycle.reverse()
    return cycle


def before(memory: Memory, clocks: Clocks, a: int, b: int) -> bool:
    """a -> b in the order the clocks represent."""
    m = memory.ops[a]
    return a != b and clocks[b][m.session] >= m.index


def cycle_pattern(memory: Memory, name: str, cycle: list[int], what: str) -> Pattern:
    steps = " -> ".join(memory.describe(p) for p in cycle)
    return Pattern(name, tuple(cycle), f"{what} has a cycle: {steps} -> back to the first")


def cc_patterns(memory: Memory) -> tuple[list[Pattern], Clocks | None]:
    """ThinAirRead, CyclicCO, WriteCOInitRead, WriteCORead; and co's clocks when acyclic."""
    found: list[Pattern] = []
    for position, src in enumerate(memory.source):
        if src == -2:
            found.append(Pattern("ThinAirRead", (position,), f"{memory.describe(position)} "
                                 f"returns a value that no operation wrote"))
    co, cycle = clocks_of(memory, {})
    if co is None:
        found.append(cycle_pattern(memory, "CyclicCO", cycle, "causal order (po | wr)+"))
        return found, None
    for position, src in enumerate(memory.source):
        if src == -1:
            write = next(iter(writes_in_past(memory, co, position)), None)
            if write is not None:
                found.append(Pattern("WriteCOInitRead", (write, position),
                                     f"{memory.describe(position)} reads the initial value, but "
                                     f"{memory.describe(write)} is in its causal past"))
        elif src >= 0:
            for w in writes_in_past(memory, co, position):
                if w != src and before(memory, co, src, w):
                    found.append(Pattern("WriteCORead", (src, w, position),
                                         f"{memory.describe(position)} reads from "
                                         f"{memory.describe(src)}, but {memory.describe(w)} "
                                         f"overwrote it causally before the read"))
                    break
    return found, co


def writes_in_past(memory: Memory, clocks: Clocks, read: int) -> list[int]:
    """Per session, the last write to the read's key in its past (they stand for all)."""
    key = memory.ops[read].key
    clock = clocks[read]
    found = []
    for session in range(len(memory.sessions)):
        w = memory.last_write(session, key, clock[session])
        if w is not None:
            found.append(w)
    return found


def ccv_patterns(memory: Memory, co: Clocks) -> list[Pattern]:
    """CyclicCF: co | cf has a cycle, so no single arbitration order of writes exists."""
    extra: dict[int, list[int]] = {}
    for position, src in enumerate(memory.source):
        if src >= 0:
            for w in writes_in_past(memory, co, position):
                if w != src and not before(memory, co, w, src):
                    extra.setdefault(src, []).append(w)
    clocks, cycle = clocks_of(memory, extra)
    if clocks is not None:
        return []
    return [cycle_pattern(memory, "CyclicCF", cycle, "co | cf (writes ordered before the "
                          "write a later read observes)")]


def dedupe(patterns: list[Pattern]) -> list[Pattern]:
    """The patterns in order, each (name, operations) once."""
    seen: set[tuple[str, tuple[int, ...]]] = set()
    kept = []
    for p in patterns:
        if (p.name, p.positions) not in seen:
            seen.add((p.name, p.positions))
            kept.append(p)
    return kept
