"""Deciding one isolation level from inferred facts, exactly, and naming what broke.

- read-uncommitted / read-committed: no G0 (ww) or G1c (ww and wr) cycle among known edges.
  For rw-register the version order is free, so only wr edges count: a topological order of
  an acyclic wr graph is a version order that makes ww and wr acyclic together (exact).
- monotonic-atomic-view, read-atomic, causal: saturation (``saturation.py``).
- repeatable-read (items), serializable and their session/real-time variants: the polygraph of
  all dependency edges, solved by ``polygraph.solve``.
- snapshot-isolation: the same over the composed graph ``D ∪ D;RW``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from histcheck.budget import Deadline
from histcheck.txn import levels
from histcheck.txn.facts import Facts
from histcheck.txn.model import DATA, PROCESS, REALTIME, RW, WR, WW, Graph, Reason
from histcheck.txn.polygraph import Edge, Outcome, solve

SERIAL_FIRST_SECONDS = 30.0
"""Without a time budget, how long serializability is tried before snapshot isolation."""


@dataclass(frozen=True)
class Decision:
    """The verdict for one level, a node cycle proving a violation when one is known, figures."""

    valid: bool
    method: str
    cycle: tuple[int, ...] = ()
    graph: Graph | None = None
    figures: tuple[tuple[str, int], ...] = ()
    order: tuple[int, ...] = ()
    """For a valid polygraph answer, the commit order found (transaction nodes, T0 first)."""
    refutation: tuple[tuple[tuple[tuple[int, bool], ...], tuple[int, ...]], ...] = ()
    """For a polygraph "no" without one known cycle: (choices, cycle) pairs, each cycle's
    edges holding in ``graph`` once its choices are added (``with_choices``), and every
    assignment of the choices making one pair's choices true."""


def extras(level: str) -> int:
    return (PROCESS if levels.orders_sessions(level) else 0) | (
        REALTIME if levels.orders_realtime(level) else 0)


def decide(facts: Facts, level: str, workload: str, deadline: Deadline, *,
           prune: bool = True, engine: str = "cdcl") -> Decision:
    """Settle ``level``; ``prune=False`` skips reachability pruning and the witness, and
    ``engine="z3"`` solves with integer ranks instead of cycle clauses (for cross-checks)."""
    from histcheck.txn import saturation
    from histcheck.txn.cycles import acyclic, find_cycle

    implied = levels.implied(level)
    extra = extras(level)
    graph = facts.graph
    if implied & {"serializable", "repeatable-read"}:
        return _polygraph(facts, extra, snapshot=False, deadline=deadline, prune=prune,
                          engine=engine)
    si: Decision | None = None
    if "snapshot-isolation" in implied:
        si = _serializable_first(facts, extra, deadline, prune, engine)
        if si is not None:
            return si  # serializability with these orders implies every level SI implies
        si = _polygraph(facts, extra, snapshot=True, deadline=deadline, prune=prune,
                        engine=engine, candidate=False)
        if not si.valid:
            return si
    if implied & {"read-atomic", "monotonic-atomic-view", "causal"}:
        causal = "causal" in implied
        cycle = saturation.violation(facts, causal=causal, sessions=causal or bool(extra),
                                     known_ww=workload == "list-append", deadline=deadline)
        if cycle is not None:
            method = "saturation"
            if not causal and extra and saturation.violation(
                    facts, causal=False, sessions=False, known_ww=workload == "list-append",
                    deadline=deadline) is None:
                method = "saturation-process"  # the reads are fractured only by session order
            return Decision(False, method, tuple(cycle))
    kinds = (WW | WR) if "read-committed" in implied else WW
    if workload != "list-append":
        kinds &= ~WW
    if not acyclic(facts, kinds | extra):
        adj = [[b for b, k in outs.items() if k & (kinds | extra)] for outs in graph.out]
        return Decision(False, "graph", tuple(find_cycle(adj)), graph)
    return Decision(True, "graph+saturation" if len(implied) > 2 else "graph",
                    order=si.order if si is not None else ())


def _serializable_first(facts: Facts, extra: int, deadline: Deadline, prune: bool,
                        engine: str) -> Decision | None:
    """Serializability decided first, within half the time left: a serial order is a
    snapshot-isolation witness too (each transaction's snapshot is everything before it), and
    on most histories proving it is cheaper than solving the composed graph. None when it
    does not hold or is not settled in its share; then snapshot isolation is solved itself."""
    from histcheck.budget import Budget
    from histcheck.errors import BudgetExhausted
    from histcheck.txn import witness

    if not prune:
        return None  # the unpruned path is the cross-check of the composed graph itself
    # The natural candidate orders first, each linear: a serial one, then one for snapshot
    # isolation itself (whose candidate ignores rw edges, so it succeeds more often).
    for snapshot, method in ((False, "polygraph-ser"), (True, "polygraph-si")):
        found = witness.order(facts, extra, snapshot=snapshot)
        if found is not None:
            return Decision(True, method, figures=(("choices", facts.choice_count),
                                                   ("witness", 1)), order=tuple(found))
    left = deadline.remaining()
    share = Budget(SERIAL_FIRST_SECONDS if left is None else left / 2,
                   deadline.budget.memory_bytes).start()
    try:
        serial = _polygraph(facts, extra, snapshot=False, deadline=share, prune=prune,
                            engine=engine, candidate=False)
    except BudgetExhausted:
        deadline.check()
        return None
    if not serial.valid:
        return None
    return Decision(True, "polygraph-ser", figures=serial.figures, order=serial.order)


def _choice_edges(facts: Facts, typed: Graph, snapshot: bool) -> tuple[list[Edge], list[Edge]]:
    """(ww edges, rw edges) that each choice would add, conditional on its literal.

    A choice between two single writers that nobody read adds one ww edge either way. Left
    out, it can be settled afterwards along a topological order of the solved graph, which
    adds only forward edges: exact for serializability, and for snapshot isolation when
    neither writer has outgoing rw edges (then the ww edge composes with nothing).
    """
    ww: list[Edge] = []
    rw: list[Edge] = []
    all_readers = {r for c in facts.choices for r in (*c.x_readers, *c.y_readers)}
    for i, c in enumerate(facts.choices):
        if (c.x_first == c.x_last and c.y_first == c.y_last and not c.x_readers
                and not c.y_readers and (not snapshot or (not any(
                    k & RW for n in (c.x_first, c.y_first) for k in typed.out[n].values())
                    and c.x_first not in all_readers and c.y_first not in all_readers))):
            continue
        for lit, (last, readers, first) in (((i, True), (c.x_last, c.x_readers, c.y_first)),
                                            ((i, False), (c.y_last, c.y_readers, c.x_first))):
            ww.append(Edge(last, first, (lit,)))
            rw.extend(Edge(r, first, (lit,)) for r in readers if r != first)
    return ww, rw


def _polygraph(facts: Facts, extra: int, *, snapshot: bool, deadline: Deadline,
               prune: bool = True, engine: str = "cdcl", candidate: bool = True) -> Decision:
    """``candidate=False`` skips the natural candidate order (``witness``), already tried."""
    from histcheck.txn import induced, witness

    method = "polygraph-si" if snapshot else "polygraph-ser"
    found = witness.order(facts, extra, snapshot=snapshot) if prune and candidate else None
    if found is not None:
        return Decision(True, method, figures=(("choices", facts.choice_count), ("witness", 1)),
                        order=tuple(found))
    graph = facts.graph
    d_mask = WW | WR | extra
    # For snapshot isolation, the known edges split into D (ww, wr, session) and rw.
    d_known = [(a, b) for a, b, k in graph.edges() if k & d_mask] if snapshot else []
    rw_known = [(a, b) for a, b, k in graph.edges()
                if k & RW and not k & d_mask] if snapshot else []
    if prune:
        # A cycle of known edges needs no choice: not even the choices' edges are built.
        if snapshot:
            known = induced.known_cycle(len(facts.txns), d_known, rw_known)
        else:
            known = _data_cycle(graph, DATA | extra)
        if known is not None:
            return Decision(False, method, _nodes(known), graph,
                            (("choices", facts.choice_count), ("forced", 0),
                             ("residual_choices", 0), ("residual_nodes", 0)))
    ww, rw = _choice_edges(facts, graph, snapshot)
    edges: list[Edge] = []
    pre_forced: dict[int, bool] = {}
    if not snapshot:
        edges = [Edge(a, b) for a, b, k in graph.edges() if k & (DATA | extra)] + ww + rw
    elif prune:
        edges, pre_forced = induced.composed(len(facts.txns), d_known, rw_known, ww, rw,
                                             deadline)
    else:
        d_edges = [Edge(a, b) for a, b in d_known] + ww
        rw_edges = [Edge(a, b) for a, b in rw_known] + rw
        edges = list(d_edges)
        rw_out: dict[int, list[Edge]] = {}
        for e in rw_edges:
            rw_out.setdefault(e.a, []).append(e)
        for d in d_edges:
            for r in rw_out.get(d.b, ()):
                cond = dict(d.cond)
                if any(cond.get(i, v) != v for i, v in r.cond):
                    continue
                cond.update(r.cond)
                edges.append(Edge(d.a, r.b, tuple(sorted(cond.items())), d.b))
    priority = witness.layered(facts)
    outcome = solve(len(facts.txns), edges, deadline, prune=prune, engine=engine,
                    priority=priority)
    if pre_forced:
        outcome = replace(outcome, forced=outcome.forced + len(pre_forced),
                          assignment=tuple(sorted({**pre_forced, **dict(outcome.assignment)}
                                                  .items())))
    figures = (("choices", facts.choice_count), ("forced", outcome.forced),
               ("residual_choices", outcome.residual_choices),
               ("residual_nodes", outcome.residual_nodes))
    if outcome.acyclic:
        return Decision(True, method, figures=figures,
                        order=_commit_order(len(facts.txns), edges, outcome, priority))
    typed = _typed(facts, outcome)
    rings = tuple((tuple(sorted({lit for e in ring for lit in e.cond})), _nodes(ring))
                  for ring in outcome.refutation)
    return Decision(False, method, _nodes(outcome.cycle), typed, figures, refutation=rings)


def _data_cycle(graph: Graph, mask: int) -> list[Edge] | None:
    from histcheck.txn.cycles import find_cycle, topological

    adj = [[b for b, k in outs.items() if k & mask] for outs in graph.out]
    if topological(adj) is not None:
        return None
    nodes = find_cycle(adj)
    return [Edge(a, b) for a, b in zip(nodes, nodes[1:] + nodes[:1], strict=False)]


def _commit_order(size: int, edges: list[Edge], outcome: Outcome,
                  priority: list[float]) -> tuple[int, ...]:
    """A topological order of the edges the solver's assignment switches on.

    Choices the assignment leaves open could not lie on any cycle, so either value does;
    choices never given to the solver follow this order, which adds forward edges only.
    """
    from histcheck.txn.cycles import ordered

    chosen = dict(outcome.assignment)
    adj: list[list[int]] = [[] for _ in range(size)]
    for e in edges:
        if all(chosen.get(i, True) == value for i, value in e.cond):
            adj[e.a].append(e.b)
    order = ordered(adj, priority)
    assert order is not None, "the solver's assignment leaves the graph acyclic"
    return tuple(order)


def _nodes(cycle: Sequence[Edge]) -> tuple[int, ...]:
    nodes: list[int] = []
    for e in cycle:
        nodes.append(e.a)
        if e.via >= 0:
            nodes.append(e.via)
    return tuple(nodes)


def _typed(facts: Facts, outcome: Outcome) -> Graph:
    """The known graph plus the edges of choices the solver forced, with their reasons."""
    return with_choices(facts, facts.graph.copy(), outcome.assignment)


def with_choices(facts: Facts, typed: Graph, assignment: Iterable[tuple[int, bool]]) -> Graph:
    """``typed`` with the ww and rw edges of the choices in ``assignment``, with their reasons
    (changed in place, and returned)."""
    for i, value in assignment:
        c = facts.choices[i]
        last, readers, first = ((c.x_last, c.x_readers, c.y_first) if value
                                else (c.y_last, c.y_readers, c.x_first))
        before = facts.values.get((last, c.key))
        after = facts.values.get((first, c.key))
        typed.add(last, first, WW, Reason(c.key, before, after))
        for r in readers:
            if r != first:
                typed.add(r, first, RW, Reason(c.key, before, after))
    return typed
