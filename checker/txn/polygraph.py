"""Deciding "is there a choice of version orders that leaves the graph acyclic?" exactly.

A *conditional graph* has edges that hold always and edges that hold only under a choice (a
literal: choice ``i`` taken as X-before-Y, or not). Serializability (Cobra) asks for an
assignment making known and chosen dependency edges acyclic. Snapshot isolation (PolySI) asks
the same of the composed graph ``D ∪ D;RW`` (D = ww, wr and session edges), whose edges carry
the conjunction of their parts' literals: a history is SI iff every cycle has two adjacent rw
edges (Cerone and Gotsman 2016), i.e. iff that composition is acyclic.

Steps, each exact:

1. Prune by reachability: if the target of a single-literal edge already reaches its source
   through known edges, that literal is impossible and its negation is forced; forced edges
   become known. Repeat to a fixpoint. A cycle among known edges answers "no".
2. Keep only strongly connected components of the graph of all edges (known and conditional):
   an edge between components can never lie on a cycle, whatever is chosen.
3. Hand the residue to a solver: by default CaDiCaL with acyclicity as a theory propagator
   (``histcheck.txn.acyclicity``); or z3 with an integer rank per node, ``rank(a) < rank(b)`` for
   known edges and ``literals => rank(a) < rank(b)`` for conditional ones (the independent
   encoding the tests compare it with). Either way: satisfiable iff an acyclic choice exists.
   CaDiCaL's "no" carries a refutation: a few cycles, each needing some choices, such that
   every way of making those choices completes one of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from histcheck.budget import Deadline
from histcheck.txn.cycles import find_cycle, topological
from histcheck.watchdog import interruptible

Lit = tuple[int, bool]

PRUNING_YIELD = 200
"""Pruning stops once a round forces fewer than one choice per this many conditional edges:
each round recomputes reachability over the whole graph, and the last rounds force little."""


@dataclass(frozen=True, slots=True)
class Edge:
    """An edge a -> b that exists when all of ``cond`` hold; ``via`` is a middle node or -1."""

    a: int
    b: int
    cond: tuple[Lit, ...] = ()
    via: int = -1


@dataclass(frozen=True)
class Outcome:
    """The answer: acyclic or not, a cycle among known edges when one proves it, and figures."""

    acyclic: bool
    cycle: tuple[Edge, ...] = ()
    forced: int = 0
    residual_choices: int = 0
    residual_nodes: int = 0
    assignment: tuple[Lit, ...] = ()
    """The values of choices: when acyclic, every choice some cycle could depend on (the rest
    may take either value); otherwise those pruning forced (enough to rebuild the graph a
    known cycle lives in)."""
    refutation: tuple[tuple[Edge, ...], ...] = ()
    """When the solver proved "no" (no known cycle does): cycles of edges known after pruning
    or conditional on choices, such that every assignment of their choices completes one."""


def solve(size: int, edges: Iterable[Edge], deadline: Deadline, *, prune: bool = True,
          engine: str = "cdcl", priority: Sequence[float] | None = None) -> Outcome:
    """Is there a choice making the graph acyclic? ``prune=False`` skips pruning;
    ``engine`` is ``"cdcl"`` (``histcheck.txn.acyclicity``) or ``"z3"``
    (integer ranks), the independent encoding tests compare it with."""
    known: dict[tuple[int, int], Edge] = {}
    pending: list[Edge] = []
    for e in edges:
        if e.a == e.b and not e.cond:
            return Outcome(False, (e,))
        if not e.cond:
            known.setdefault((e.a, e.b), e)
        else:
            pending.append(e)
    assigned: dict[int, bool] = {}
    while prune:
        deadline.check()
        adj: list[list[int]] = [[] for _ in range(size)]
        for (a, b) in known:
            adj[a].append(b)
        order = topological(adj)
        if order is None:
            return Outcome(False, _known_cycle(adj, known), len(assigned),
                           assignment=tuple(sorted(assigned.items())))
        width = (size + 7) // 8
        # As bytes: testing one bit of a long integer costs time in its length.
        reach = [bits.to_bytes(width, "little") for bits in _closure(adj, order)]
        forced: dict[int, bool] = {}
        impossible: set[Lit] = set()
        for e in pending:
            if len(e.cond) == 1:
                a = e.a
                if a == e.b or reach[e.b][a >> 3] >> (a & 7) & 1:
                    impossible.add(e.cond[0])
        for i, value in impossible:
            # Both literals impossible: take either; the next round finds the cycle it makes.
            forced[i] = value if (i, not value) in impossible else not value
        if not forced:
            break
        assigned.update(forced)
        still: list[Edge] = []
        for e in pending:
            if not any(i in forced for i, _ in e.cond):
                still.append(e)
                continue
            cond = []
            dead = False
            for i, value in e.cond:
                if i in forced:
                    if forced[i] != value:
                        dead = True
                        break
                else:
                    cond.append((i, value))
            if dead:
                continue
            if cond:
                still.append(Edge(e.a, e.b, tuple(cond), e.via))
            elif e.a == e.b:
                return Outcome(False, (e,), len(assigned),
                               assignment=tuple(sorted(assigned.items())))
            else:
                known.setdefault((e.a, e.b), Edge(e.a, e.b, (), e.via))
        pending = still
        if len(forced) * PRUNING_YIELD < len(pending):
            break  # what is left to force the solver's own search finds as cheaply
    return _residue(size, known, pending, assigned, deadline, engine, priority)


def _known_cycle(adj: list[list[int]], known: dict[tuple[int, int], Edge]) -> tuple[Edge, ...]:
    nodes = find_cycle(adj)
    return tuple(known[(a, b)] for a, b in zip(nodes, nodes[1:] + nodes[:1], strict=False))


def _ring(size: int, known: dict[tuple[int, int], Edge], pending: list[Edge],
          lits: set[Lit]) -> tuple[Edge, ...]:
    """A cycle of the known edges and those whose literals are all in ``lits`` (one exists:
    the solver reported it)."""
    by_ends = dict(known)
    for e in pending:
        if set(e.cond) <= lits:
            by_ends.setdefault((e.a, e.b), e)
    adj: list[list[int]] = [[] for _ in range(size)]
    for (a, b) in by_ends:
        adj[a].append(b)
    return _known_cycle(adj, by_ends)


def _closure(adj: list[list[int]], order: list[int]) -> list[int]:
    """Bitset reachability (excluding self) of a DAG, sinks first."""
    reach = [0] * len(adj)
    for v in reversed(order):
        acc = 0
        for s in adj[v]:
            acc |= reach[s] | (1 << s)
        reach[v] = acc
    return reach


def _residue(size: int, known: dict[tuple[int, int], Edge], pending: list[Edge],
             assigned: dict[int, bool], deadline: Deadline, engine: str,
             priority: Sequence[float] | None) -> Outcome:
    from histcheck.txn.cycles import components

    adj: list[list[int]] = [[] for _ in range(size)]
    for (a, b) in known:
        adj[a].append(b)
    for e in pending:
        adj[e.a].append(e.b)
    comp = components(adj)
    inner = [e for e in pending if comp[e.a] == comp[e.b]]
    known_adj: list[list[int]] = [[] for _ in range(size)]
    for (a, b) in known:
        known_adj[a].append(b)
    forced = len(assigned)
    if topological(known_adj) is None:
        return Outcome(False, _known_cycle(known_adj, known), forced,
                       assignment=tuple(sorted(assigned.items())))
    if not inner:
        return Outcome(True, forced=forced, assignment=tuple(sorted(assigned.items())))
    if engine == "cdcl":
        from histcheck.txn.acyclicity import acyclic_choice

        tangled = {comp[e.a] for e in inner}
        inside = [(a, b) for (a, b) in known if comp[a] == comp[b] and comp[a] in tangled]
        chosen = acyclic_choice(size, inside, inner, deadline, priority)
        rings = () if chosen.assignment is not None else tuple(
            _ring(size, known, inner, set(lits)) for lits in chosen.refutation)
        return Outcome(chosen.assignment is not None, forced=forced,
                       residual_choices=len({i for e in inner for i, _ in e.cond}),
                       residual_nodes=sum(1 for n in range(size) if comp[n] in tangled),
                       assignment=tuple(sorted({**assigned, **(chosen.assignment or {})}.items())),
                       refutation=rings)
    import z3

    nodes = sorted({n for e in inner for n in (e.a, e.b)})
    comps = {comp[n] for n in nodes}
    members = [n for n in range(size) if comp[n] in comps]
    rank = {n: z3.Int(f"r{n}") for n in members}
    lits: dict[int, z3.BoolRef] = {}
    solver = z3.Solver()
    for (a, b) in known:
        if comp[a] == comp[b] and comp[a] in comps:
            solver.add(rank[a] < rank[b])
    for e in inner:
        conj = []
        for i, value in e.cond:
            var = lits.setdefault(i, z3.Bool(f"c{i}"))
            conj.append(var if value else z3.Not(var))
        solver.add(z3.Implies(z3.And(conj), rank[e.a] < rank[e.b]))
    if deadline.budget.seconds is not None:
        left = max(1, int((deadline.budget.seconds - deadline.elapsed()) * 1000))
        solver.set("timeout", left)
    with interruptible(solver.ctx.interrupt):
        answer = solver.check()
    deadline.check()
    if answer == z3.unknown:
        from histcheck.errors import BudgetExhausted

        raise BudgetExhausted("the solver gave no answer within the budget")
    values = dict(assigned)
    if answer == z3.sat:
        model = solver.model()
        values.update({i: z3.is_true(model.eval(var, model_completion=True))
                       for i, var in lits.items()})
    return Outcome(answer == z3.sat, forced=forced, residual_choices=len(lits),
                   residual_nodes=len(members), assignment=tuple(sorted(values.items())))
