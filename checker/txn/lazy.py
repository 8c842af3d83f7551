"""Acyclicity by lazy cycle clauses: a CDCL SAT solver proposes, the graph refutes.

The residue of a polygraph is a set of choices (boolean variables) and edges that exist when
their literals hold. Instead of encoding acyclicity up front (z3 with an integer rank per node,
which Cobra and PolySI moved away from), the SAT solver starts with no constraint at all:

1. it proposes an assignment, each choice's first guess taken from a topological order of the
   certain edges (the side whose edges point forward wins);
2. the graph of certain edges plus the edges the assignment switches on is searched for
   cycles; if there is none, the assignment is a proof that the level holds;
3. otherwise every cycle found becomes a clause "not all of these literals", and the solver
   proposes again. An unsatisfiable clause set proves that no choice is acyclic.

Both answers are exact: a clause only forbids assignments that close a known cycle. The solver
is CaDiCaL through python-sat, incremental, so learnt clauses carry over between rounds.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from histcheck.budget import Deadline
from histcheck.errors import BudgetExhausted
from histcheck.txn.cycles import topological
from histcheck.txn.polygraph import Edge
from histcheck.watchdog import interruptible

CYCLES_PER_ROUND = 64
"""How many edge-disjoint cycles one round turns into clauses at most."""


def acyclic_choice(size: int, known: Sequence[tuple[int, int]], pending: Sequence[Edge],
                   deadline: Deadline) -> tuple[bool, int]:
    """Whether some assignment leaves the graph acyclic, and how many rounds it took."""
    from pysat.solvers import Solver

    variables = sorted({i for e in pending for i, _ in e.cond})
    var_of = {i: n + 1 for n, i in enumerate(variables)}
    known_adj: list[list[int]] = [[] for _ in range(size)]
    certain = set(known)
    for a, b in certain:
        known_adj[a].append(b)
    graph = _SwitchedGraph(size, certain, pending, var_of)
    with Solver(name="cadical153") as solver:
        guess = _first_guess(size, known_adj, pending, var_of)
        solver.set_phases(guess)
        rounds = 0
        while True:
            deadline.check()
            rounds += 1
            if not _solve_within(solver, deadline):
                return False, rounds
            # Variables no clause mentions yet are absent from the model: they keep the guess.
            model = {abs(lit): lit for lit in solver.get_model() or ()}
            graph.assign([model.get(abs(lit), lit) for lit in guess])
            clauses = _cycle_clauses(graph.adjacency(known_adj), graph.label)
            if not clauses:
                return True, rounds
            for clause in clauses:
                solver.add_clause(clause)


class _SwitchedGraph:
    """The conditional edges an assignment switches on, kept up to date as literals flip.

    Each edge counts its literals that do not hold; it is on at zero. A new assignment only
    touches the edges of the variables whose value changed.
    """

    def __init__(self, size: int, certain: set[tuple[int, int]], pending: Sequence[Edge],
                 var_of: dict[int, int]) -> None:
        self.size = size
        self.lits: list[tuple[int, ...]] = []
        self.ends: list[tuple[int, int]] = []
        self.of_var: dict[int, list[int]] = {}
        for e in pending:
            if (e.a, e.b) in certain:
                continue
            index = len(self.lits)
            lits = tuple(var_of[i] if value else -var_of[i] for i, value in e.cond)
            self.lits.append(lits)
            self.ends.append((e.a, e.b))
            for lit in lits:
                self.of_var.setdefault(abs(lit), []).append(index)
        self.missing = [len(lits) for lits in self.lits]
        self.value: dict[int, int] = {}
        self.on: dict[tuple[int, int], dict[int, None]] = {}
        for index, count in enumerate(self.missing):
            if count == 0:
                self.on.setdefault(self.ends[index], {})[index] = None

    def assign(self, literals: list[int]) -> None:
        for lit in literals:
            var = abs(lit)
            old = self.value.get(var)
            if old == lit:
                continue
            self.value[var] = lit
            for index in self.of_var.get(var, ()):
                mine = self.lits[index]
                count = self.missing[index]
                if lit in mine:
                    count -= 1
                elif old is not None and old in mine:
                    count += 1
                else:
                    continue
                was_on = self.missing[index] == 0
                self.missing[index] = count
                if count == 0 and not was_on:
                    self.on.setdefault(self.ends[index], {})[index] = None
                elif was_on and count:
                    live = self.on[self.ends[index]]
                    del live[index]
                    if not live:
                        del self.on[self.ends[index]]

    def adjacency(self, known_adj: list[list[int]]) -> list[list[int]]:
        adj = [list(out) for out in known_adj]
        for a, b in self.on:
            adj[a].append(b)
        return adj

    def label(self, a: int, b: int) -> tuple[int, ...]:
        """The literals of one switched-on edge a -> b (none for a certain edge)."""
        live = self.on.get((a, b))
        return self.lits[next(iter(live))] if live else ()


def _solve_within(solver: Any, deadline: Deadline) -> bool:
    """The solver's answer, interrupted when the budget runs out (then ``BudgetExhausted``)."""
    budget = deadline.budget
    if budget.seconds is None and budget.memory_bytes is None:
        return bool(solver.solve())
    left = deadline.remaining()
    timer = None if left is None else threading.Timer(max(left, 0.0), solver.interrupt)
    if timer is not None:
        timer.start()
    try:
        with interruptible(solver.interrupt):
            answer = solver.solve_limited(expect_interrupt=True)
    finally:
        if timer is not None:
            timer.cancel()
    if answer is None:
        solver.clear_interrupt()
        deadline.check()
        raise BudgetExhausted("the SAT solver gave no answer within the budget")
    return bool(answer)


def _first_guess(size: int, known_adj: list[list[int]], pending: Sequence[Edge],
                 var_of: dict[int, int]) -> list[int]:
    """For each choice, the literal whose edges mostly point forward in a topological order
    of the certain edges."""
    order = topological(known_adj) or list(range(size))
    rank = [0] * size
    for position, node in enumerate(order):
        rank[node] = position
    score: dict[int, int] = {}
    for e in pending:
        forward = 1 if rank[e.a] < rank[e.b] else -1
        for i, value in e.cond:
            score[i] = score.get(i, 0) + (forward if value else -forward)
    return [var_of[i] if score.get(i, 0) >= 0 else -var_of[i] for i in var_of]


def _cycle_clauses(adj: list[list[int]], label: Callable[[int, int], tuple[int, ...]],
                   ) -> list[list[int]]:
    """One depth-first pass; each back edge closes a cycle, turned into the clause "not all
    of its conditional edges" (certain edges are acyclic, so every cycle has one)."""
    clauses: list[list[int]] = []
    n = len(adj)
    color = [0] * n
    parent = [-1] * n
    for root in range(n):
        if color[root]:
            continue
        stack = [(root, iter(adj[root]))]
        color[root] = 1
        while stack:
            node, children = stack[-1]
            advanced = False
            for child in children:
                if color[child] == 0:
                    color[child] = 1
                    parent[child] = node
                    stack.append((child, iter(adj[child])))
                    advanced = True
                    break
                if color[child] == 1:
                    cycle = [node]
                    while cycle[-1] != child:
                        cycle.append(parent[cycle[-1]])
                    cycle.reverse()
                    clause = {-lit for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=False)
                              for lit in label(a, b)}
                    clauses.append(sorted(clause))
                    if len(clauses) >= CYCLES_PER_ROUND:
                        return clauses
            if not advanced:
                color[node] = 2
                stack.pop()
    return clauses
