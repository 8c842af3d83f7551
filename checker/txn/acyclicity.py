"""Acyclicity as a theory inside the SAT search (IPASIR-UP: CaDiCaL 1.9.5 through python-sat).

Each conditional edge of the residue switches on when all its literals hold. The propagator
watches the solver assign literals one at a time and keeps the graph of certain plus switched-on
edges in an incremental topological order (Pearce and Kelly 2006): an edge that points forward
in the order costs nothing; one that points backward searches only the nodes ordered between its
ends. When the search reaches the edge's source, the new edge closes a cycle; the negation of
the cycle's literals goes back to the solver at once as a conflict clause, so the solver
backtracks from the first bad decision instead of completing a doomed assignment (MonoSAT's
idea, which Cobra and PolySI rest on). The search is breadth-first, so each cycle is a shortest
one through the new edge and its clause is short.

Backtracking switches edges off again; removing edges keeps a topological order valid, so it
costs nothing else. A complete assignment is checked once more from scratch before it is
accepted, so a "yes" never rests on the incremental bookkeeping alone.

A "no" comes with its refutation: the cycles the search reported are, as clauses, already
contradictory on their own (the solver derived the empty clause from them), so a plain SAT
solver with one switch per cycle finds a subset that still is, and dropping cycles one at a
time while the rest stay contradictory leaves a minimal one: a few cycles such that every
assignment of their choices completes one of them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pysat.engines import Propagator

from histcheck.budget import Deadline
from histcheck.txn.cycles import ordered
from histcheck.txn.polygraph import Edge

CHECK_EVERY = 256
"""The propagator looks at the budget once per this many calls (CaDiCaL 1.9.5 through
python-sat has no interrupt: the propagator stops it with the empty clause)."""

SHRINK_SECONDS = 2.0
"""At most this long (and a quarter of the time left) goes into making a refutation minimal;
one cut short is still a refutation, only not minimal."""


class Acyclicity(Propagator):  # type: ignore[misc]
    """Keeps ``certain`` plus the switched-on ``conditional`` edges acyclic.

    ``conditional`` holds ``(a, b, literals)``: the edge a -> b exists when every literal (a
    DIMACS literal of the solver) is true. The certain edges must be acyclic.
    """

    def __init__(self, size: int, certain: Sequence[tuple[int, int]],
                 conditional: Sequence[tuple[int, int, tuple[int, ...]]],
                 deadline: Deadline, priority: Sequence[float]) -> None:
        super().__init__()
        self.size = size
        # Per node, edge -> other end; a certain edge k is keyed -1 - k, a conditional one by
        # its index (so switching one off is a dictionary deletion).
        self.out: list[dict[int, int]] = [{} for _ in range(size)]
        self.inn: list[dict[int, int]] = [{} for _ in range(size)]
        for k, (a, b) in enumerate(certain):
            self.out[a][-1 - k] = b
            self.inn[b][-1 - k] = a
        order = ordered([list(outs.values()) for outs in self.out], priority)
        if order is None:
            raise ValueError("the certain edges have a cycle")
        self.position = [0] * size
        for place, node in enumerate(order):
            self.position[node] = place
        self.ends = [(a, b) for a, b, _ in conditional]
        self.lits = [lits for _, _, lits in conditional]
        self.missing = [len(lits) for lits in self.lits]
        self.active = [False] * len(self.lits)
        self.watch: dict[int, list[int]] = {}
        for index, lits in enumerate(self.lits):
            for lit in lits:
                self.watch.setdefault(lit, []).append(index)
        self.completes = {lit: [(index, *self.ends[index]) for index in indexes]
                          for lit, indexes in self.watch.items()}
        """Per literal, (edge, source, target) of the edges it takes part in."""
        self.variables = sorted({abs(lit) for lit in self.watch})
        self.value = dict.fromkeys(self.variables, 0)
        self.trail: list[int] = []
        self.levels: list[int] = []
        self.head = 0
        self.todo: list[int] = []
        self.conflict: list[int] | None = None
        self.lemmas: list[list[int]] = []
        """Every conflict clause given to the solver (each the negation of a cycle)."""
        self.failure: BaseException | None = None
        self.solver: Any = None
        self.conflicts = 0
        self.calls = 0
        self.decisions = 0
        self.cursor = 0
        self.agenda = sorted(self.variables, key=lambda var: min(
            self.position[self.ends[i][1]] for lit in (var, -var) for i in self.watch.get(lit, ())))
        self.deadline = deadline
        self.tick: Callable[[int], None] = lambda amount: None
        """Told how many more conflicts there were (progress on a terminal)."""
        self.shown = 0
        self._reached: dict[int, tuple[int, int]] = {}

    def setup_observe(self, solver: Any) -> None:
        self.solver = solver
        for var in self.variables:
            solver.observe(var)

    # The solver calls these from native code; an exception raised inside one (the budget's
    # expiry arrives as one) is kept, the search ended with the empty clause, and the exception
    # raised again once the solver has returned.

    def on_assignment(self, lit: int, fixed: bool = False) -> None:
        try:
            if self.value[abs(lit)] == 0:
                self.value[abs(lit)] = lit
                self.trail.append(lit)
        except BaseException as failure:
            self._fail(failure)

    def on_new_level(self) -> None:
        self.levels.append(len(self.trail))

    def on_backtrack(self, to: int) -> None:
        try:
            if len(self.levels) <= to:
                return
            keep = self.levels[to]
            del self.levels[to:]
            while len(self.trail) > keep:
                lit = self.trail.pop()
                self.value[abs(lit)] = 0
                if len(self.trail) < self.head:
                    self.head = len(self.trail)
                    for index in self.watch.get(lit, ()):
                        if self.active[index]:
                            self._switch_off(index)
                        self.missing[index] += 1
            self.todo = [i for i in self.todo if self.missing[i] == 0 and not self.active[i]]
            self.conflict = None
        except BaseException as failure:
            self._fail(failure)

    def propagate(self) -> list[int]:
        try:
            self.calls += 1
            if self.calls % CHECK_EVERY == 0:
                self.deadline.check()
                self.tick(self.conflicts - self.shown)
                self.shown = self.conflicts
            while self.head < len(self.trail):
                lit = self.trail[self.head]
                self.head += 1
                for index in self.watch.get(lit, ()):
                    self.missing[index] -= 1
                    if self.missing[index] == 0:
                        self.todo.append(index)
            while self.todo and self.conflict is None:
                self._switch_on(self.todo.pop())
        except BaseException as failure:
            self._fail(failure)
        return []

    def provide_reason(self, lit: int) -> list[int]:
        return []

    def decide(self) -> int:
        """The next open variable, set so that its edges point forward in the current order
        (such a choice never closes a cycle); 0 lets the solver choose when none is open."""
        try:
            agenda = self.agenda
            value = self.value
            count = len(agenda)
            for _ in range(count):
                var = agenda[self.cursor]
                if value[var] == 0:
                    self.decisions += 1
                    lit = var if self._backward(var) <= self._backward(-var) else -var
                    return -lit if self._closes(lit) else lit
                self.cursor = (self.cursor + 1) % count
        except BaseException as failure:
            self._fail(failure)
        return 0

    def _closes(self, lit: int) -> bool:
        """Whether an edge ``lit`` would complete closes a cycle now."""
        position = self.position
        for index, a, b in self.completes.get(lit, ()):
            if (self.missing[index] == 1 and position[a] >= position[b]
                    and self._forward(b, a) is not None):
                return True
        return False

    def _backward(self, lit: int) -> int:
        """How many of the edges ``lit`` would complete point backward in the order."""
        position = self.position
        missing = self.missing
        count = 0
        for index, a, b in self.completes.get(lit, ()):
            if missing[index] == 1 and position[a] >= position[b]:
                count += 1
        return count

    def has_clause(self) -> bool:
        return self.conflict is not None or self.failure is not None

    def add_clause(self) -> list[int]:
        if self.failure is not None:
            return []  # the empty clause: the solver stops at once (it has no interrupt)
        clause, self.conflict = self.conflict or [], None
        return clause

    def check_model(self, model: list[int]) -> bool:
        try:
            holds = set(model)
            for var, lit in self.value.items():
                if var not in holds and -var not in holds:
                    holds.add(lit or var)
            adj = [[(b, -1) for e, b in outs.items() if e < 0] for outs in self.out]
            for index, lits in enumerate(self.lits):
                if all(lit in holds for lit in lits):
                    a, b = self.ends[index]
                    adj[a].append((b, index))
            cycle = _a_cycle(adj)
            if cycle is None:
                return True
            self._report(sorted({-lit for index in cycle for lit in self.lits[index]}))
            return False
        except BaseException as failure:
            self._fail(failure)
            return True

    def _report(self, clause: list[int]) -> None:
        self.conflict = clause
        self.lemmas.append(clause)
        self.conflicts += 1

    def _fail(self, failure: BaseException) -> None:
        if self.failure is None:
            self.failure = failure

    def _switch_off(self, index: int) -> None:
        a, b = self.ends[index]
        del self.out[a][index]
        del self.inn[b][index]
        self.active[index] = False

    def _switch_on(self, index: int) -> None:
        a, b = self.ends[index]
        position = self.position
        if a != b and position[a] < position[b]:
            self._link(index, a, b)
            return
        path = self._forward(b, a)
        if path is not None:
            self._report(sorted({-lit for i in (*path, index) for lit in self.lits[i]}))
            return
        self._reorder(a, b)
        self._link(index, a, b)

    def _link(self, index: int, a: int, b: int) -> None:
        self.out[a][index] = b
        self.inn[b][index] = a
        self.active[index] = True

    def _forward(self, start: int, goal: int) -> list[int] | None:
        """Breadth-first from ``start`` among nodes ordered no later than ``goal``: the
        conditional edges of a shortest path to ``goal``, or None when there is none."""
        if start == goal:
            return []
        bound = self.position[goal]
        position = self.position
        came: dict[int, tuple[int, int]] = {start: (-1, -1)}
        frontier = [start]
        while frontier:
            later: list[int] = []
            for node in frontier:
                for edge, target in self.out[node].items():
                    if target in came or position[target] > bound:
                        continue
                    came[target] = (node, edge)
                    if target == goal:
                        return _edges_back(came, start, goal)
                    later.append(target)
            frontier = later
        self._reached = came
        return None

    def _reorder(self, a: int, b: int) -> None:
        """Pearce–Kelly: the nodes ``b`` reaches (found by ``_forward``, all ordered before
        ``a``) move after the nodes that reach ``a`` and are ordered after ``b``."""
        position = self.position
        lower = position[b]
        ahead = sorted(self._reached, key=position.__getitem__)
        behind_set = {a}
        stack = [a]
        while stack:
            node = stack.pop()
            for source in self.inn[node].values():
                if source not in behind_set and position[source] > lower:
                    behind_set.add(source)
                    stack.append(source)
        behind = sorted(behind_set, key=position.__getitem__)
        places = sorted(position[n] for n in (*behind, *ahead))
        for node, place in zip((*behind, *ahead), places, strict=True):
            position[node] = place


def _edges_back(came: Mapping[int, tuple[int, int]] | list[tuple[int, int]], start: int,
                goal: int) -> list[int]:
    """The conditional edges on the path to ``goal`` recorded in ``came`` (node -> the node
    and edge it was reached by), walking back to ``start``."""
    path: list[int] = []
    node = goal
    while node != start:
        node, edge = came[node]
        if edge >= 0:
            path.append(edge)
    return path


def _a_cycle(adj: list[list[tuple[int, int]]]) -> list[int] | None:
    """The conditional edges of one cycle of ``adj`` (edge -1 is certain), or None."""
    n = len(adj)
    color = [0] * n
    via: list[tuple[int, int]] = [(-1, -1)] * n
    for root in range(n):
        if color[root]:
            continue
        color[root] = 1
        stack = [(root, iter(adj[root]))]
        while stack:
            node, children = stack[-1]
            for child, edge in children:
                if color[child] == 0:
                    color[child] = 1
                    via[child] = (node, edge)
                    stack.append((child, iter(adj[child])))
                    break
                if color[child] == 1:
                    return ([edge] if edge >= 0 else []) + _edges_back(via, child, node)
            else:
                color[node] = 2
                stack.pop()
    return None


@dataclass(frozen=True)
class Search:
    """What the search found: a model (variable -> true literal) when the graph can be made
    acyclic; else None, and a refutation: sets of literals, each of which switches on the
    edges of a cycle, such that every assignment makes one of the sets true. And how much
    searching it took."""

    model: dict[int, int] | None
    decisions: int
    conflicts: int
    refutation: tuple[tuple[int, ...], ...] = ()


def search(size: int, certain: Sequence[tuple[int, int]],
           conditional: Sequence[tuple[int, int, tuple[int, ...]]], deadline: Deadline,
           priority: Sequence[float] | None = None) -> Search:
    """Solve with the propagator attached, which makes every decision; ``priority`` breaks
    ties in the first topological order (lowest first: see ``witness.layered`` for a good
    one)."""
    from pysat.solvers import Solver

    from histcheck import progress

    theory = Acyclicity(size, certain, conditional, deadline,
                        priority if priority is not None else range(size))
    with Solver(name="cadical195") as solver, \
            progress.counter("solver conflicts", unit="conflict") as tick:
        theory.tick = tick
        solver.connect_propagator(theory)
        theory.setup_observe(solver)
        for var in theory.variables:
            solver.add_clause([var, -var])  # so that every variable is in the model
        answer = solver.solve()
        if theory.failure is not None:
            raise theory.failure
        model = {abs(lit): lit for lit in solver.get_model() or ()} if answer else None
        solver.disconnect_propagator()
    if model is None:
        return Search(None, theory.decisions, theory.conflicts,
                      refutation(theory.lemmas, deadline))
    for var, lit in theory.value.items():
        model.setdefault(var, lit or var)
    return Search(model, theory.decisions, theory.conflicts)


def refutation(clauses: Sequence[Sequence[int]], deadline: Deadline,
               ) -> tuple[tuple[int, ...], ...]:
    """A minimal contradictory subset of ``clauses`` (which must be contradictory), each
    returned negated: the literals whose conjunction it forbids. Minimal unless the time for
    shrinking ran out (see ``SHRINK_SECONDS``)."""
    from pysat.solvers import Solver

    left = deadline.remaining()
    until = time.monotonic() + min(SHRINK_SECONDS, left / 4 if left is not None else SHRINK_SECONDS)
    top = max((abs(lit) for clause in clauses for lit in clause), default=0)
    switch = {top + 1 + n: clause for n, clause in enumerate(clauses)}
    with Solver(name="minisat22") as solver:
        for var, clause in switch.items():
            solver.add_clause([*clause, -var])
        if solver.solve(assumptions=list(switch)):
            raise AssertionError("the cycles reported do not refute every assignment")
        core = sorted(solver.get_core() or switch)
        place = 0
        while place < len(core) and time.monotonic() < until:
            trial = core[:place] + core[place + 1:]
            if solver.solve(assumptions=trial):
                place += 1
            else:
                smaller = set(solver.get_core() or trial)
                core = [var for var in trial if var in smaller]
    return tuple(tuple(sorted(-lit for lit in switch[var])) for var in core)


@dataclass(frozen=True)
class Choice:
    """An assignment of the choices leaving the graph acyclic, or else (``assignment`` None)
    a refutation: conjunctions of choice values, each switching on a cycle, that cover every
    assignment (see ``Search``)."""

    assignment: dict[int, bool] | None
    refutation: tuple[tuple[tuple[int, bool], ...], ...] = ()


def acyclic_choice(size: int, known: Sequence[tuple[int, int]], pending: Sequence[Edge],
                   deadline: Deadline, priority: Sequence[float] | None = None) -> Choice:
    """An assignment of the choices in ``pending`` leaving the graph acyclic, or a
    refutation in terms of the choices."""
    variables = sorted({i for e in pending for i, _ in e.cond})
    var_of = {i: n + 1 for n, i in enumerate(variables)}
    certain = sorted(set(known))
    present = set(certain)
    conditional = [(e.a, e.b, tuple(var_of[i] if value else -var_of[i] for i, value in e.cond))
                   for e in pending if (e.a, e.b) not in present]
    found = search(size, certain, conditional, deadline, priority)
    if found.model is None:
        return Choice(None, tuple(tuple((variables[abs(lit) - 1], lit > 0) for lit in lits)
                                  for lits in found.refutation))
    return Choice({i: found.model.get(var_of[i], var_of[i]) > 0 for i in variables})
