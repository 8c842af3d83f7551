"""A z3 encoding of linearizability and sequential consistency (``--engine smt``).

An independent oracle for the searches, meant for small histories. The model is not encoded by
hand: its reachable states are enumerated first (breadth-first, from the initial state, applying
every operation), numbered, and each operation becomes a finite table of allowed
(state before, state after) pairs. Then, with one slot per operation:

- each operation that happens gets its own slot ``p[i]``; required operations happen, an
  indeterminate one may not (``h[i]``);
- ``S[0]`` is the initial state; slot ``k`` moves ``S[k]`` to ``S[k+1]`` through the table of
  the operation placed there, or keeps it when the slot is empty;
- linearizable: ``p[i] < p[j]`` when ``i`` returned before ``j`` was invoked; sequential:
  ``p[i] < p[j]`` when ``i`` comes before ``j`` in its process.

Each operation's constraints hang on a selector literal, so when the problem is unsatisfiable
the solver's unsat core names a subset of operations that is impossible on its own.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from histcheck.errors import BudgetExhausted, UsageError
from histcheck.linear.model import Resolved
from histcheck.linear.parts import Part, lift
from histcheck.linear.search import Outcome, _expand
from histcheck.watchdog import interruptible

STATE_LIMIT = 20_000
CLOSURE_LIMIT = 64
SOLVER_MS = 120_000


def _tables(part: Part, model: Resolved) -> tuple[list[Any], list[list[tuple[int, int]]]]:
    """Reachable states (numbered) and each operation's allowed (before, after) pairs.

    First the closure of the initial state under every operation, any number of times: small
    and exact for registers and locks. When that does not close within ``CLOSURE_LIMIT`` states
    (queues, counters, strings grow), states reachable using each operation at most once."""
    closed = _closure(part, model)
    if closed is not None:
        return closed
    states: list[Any] = [model.initial()]
    number = {states[0]: 0}
    tables: list[set[tuple[int, int]]] = [set() for _ in part.ops]
    seen = {(0, 0)}
    frontier = [(0, 0)]
    while frontier:
        following: list[tuple[int, int]] = []
        for used, s in frontier:
            for i, op in enumerate(part.ops):
                if used >> i & 1:
                    continue
                for nxt in _expand(states[s], model.step(states[s], op)):
                    if nxt not in number:
                        number[nxt] = len(states)
                        states.append(nxt)
                    pair = (used | 1 << i, number[nxt])
                    tables[i].add((s, pair[1]))
                    if pair not in seen:
                        if len(seen) >= STATE_LIMIT:
                            raise UsageError(f"the smt engine enumerates model states and this "
                                             f"history reaches over {STATE_LIMIT}; use the "
                                             f"search engine")
                        seen.add(pair)
                        following.append(pair)
        frontier = following
    return states, [sorted(t) for t in tables]


def _closure(part: Part, model: Resolved) -> tuple[list[Any], list[list[tuple[int, int]]]] | None:
    states: list[Any] = [model.initial()]
    number = {states[0]: 0}
    tables: list[set[tuple[int, int]]] = [set() for _ in part.ops]
    at = 0
    while at < len(states):
        for i, op in enumerate(part.ops):
            for nxt in _expand(states[at], model.step(states[at], op)):
                if nxt not in number:
                    if len(states) >= CLOSURE_LIMIT:
                        return None
                    number[nxt] = len(states)
                    states.append(nxt)
                tables[i].add((at, number[nxt]))
        at += 1
    return states, [sorted(t) for t in tables]


def _must_precede(part: Part, consistency: str) -> list[tuple[int, int]]:
    pairs = []
    n = len(part)
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            if consistency == "sequential":
                if part.ops[i].process == part.ops[j].process and part.calls[i] < part.calls[j]:
                    pairs.append((i, j))
            elif part.rets[i] < part.calls[j]:
                pairs.append((i, j))
    return pairs


def solving(part: Part, model: Resolved, consistency: str,
            timeout_ms: int = SOLVER_MS) -> Generator[int, None, Outcome]:
    """Decide ``part`` with z3; a generator like the searches (it yields once, before solving)."""
    import z3

    yield 0
    n = len(part)
    if part.required_count == 0:
        return Outcome(True, (), (), 0)
    if consistency == "sequential":
        model = lift(model, part)[0]
    states, tables = _tables(part, model)
    solver = z3.Solver()
    solver.set("timeout", timeout_ms)
    p = [z3.Int(f"p{i}") for i in range(n)]
    h = [z3.Bool(f"h{i}") for i in range(n)]
    state = [z3.Int(f"S{k}") for k in range(n + 1)]
    use = [z3.Bool(f"use{i}") for i in range(n)]
    solver.add(state[0] == 0)
    for k in range(n + 1):
        solver.add(state[k] >= 0, state[k] < len(states))
    for i in range(n):
        solver.add(p[i] >= 0, p[i] < n)
        solver.add(z3.Implies(z3.Not(use[i]), z3.Not(h[i])))
        if part.required[i]:
            solver.add(z3.Implies(use[i], h[i]))
        for k in range(n):
            allowed = z3.Or([z3.And(state[k] == a, state[k + 1] == b) for a, b in tables[i]])
            solver.add(z3.Implies(z3.And(h[i], p[i] == k), allowed))
        yield 0  # building the encoding takes time too: let the caller check its budget
    for i in range(n):
        for j in range(i + 1, n):
            solver.add(z3.Implies(z3.And(h[i], h[j]), p[i] != p[j]))
    for k in range(n):
        occupied = z3.Or([z3.And(h[i], p[i] == k) for i in range(n)])
        solver.add(z3.Implies(z3.Not(occupied), state[k + 1] == state[k]))
    for i, j in _must_precede(part, consistency):
        solver.add(z3.Implies(z3.And(use[i], use[j], h[i], h[j]), p[i] < p[j]))
    with interruptible(solver.ctx.interrupt):
        verdict = solver.check(*use)
    if verdict == z3.unknown:
        raise BudgetExhausted(f"z3 gave no answer: {solver.reason_unknown()}")
    if verdict == z3.unsat:
        core = {str(lit) for lit in solver.unsat_core()}
        stuck = tuple(i for i in range(n) if f"use{i}" in core)
        return Outcome(False, (), stuck, 1,
                       note="the solver's unsat core: these operations are impossible together")
    found = solver.model()
    placed = sorted((found.eval(p[i]).as_long(), i) for i in range(n)
                    if z3.is_true(found.eval(h[i], model_completion=True)))
    steps = tuple((i, states[found.eval(state[k + 1]).as_long()]) for k, i in placed)
    return Outcome(True, steps, (), 1)
