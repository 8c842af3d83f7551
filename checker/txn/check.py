"""The transactional checker's entry point: infer, decide the level, name and explain anomalies."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from histcheck.budget import Deadline
from histcheck.collector import paused_collector
from histcheck.errors import HistoryError
from histcheck.history import History
from histcheck.result import Anomaly, CheckResult
from histcheck.txn import levels
from histcheck.txn.cycles import Cycle, acyclic, anomalies, classify
from histcheck.txn.decide import Decision, decide, extras
from histcheck.txn.explain import describe, edges, explain
from histcheck.txn.facts import Facts
from histcheck.txn.model import DATA, PROCESS, REALTIME, WR, WW, Graph, add_session_edges


def infer(history: History, model: str, *, defer_realtime: bool = False) -> Facts:
    """Facts for ``model`` (list-append or rw-register), with process and real-time edges.

    A history that records no real time (``History.realtime`` False) gets no real-time edge.
    ``defer_realtime`` leaves real-time edges out until ``Facts.complete`` adds them: a level
    that does not order real time needs them only to name cycles, and a history without
    such cycles never needs them (``cycles.acyclic`` sees that without them).
    """
    if model == "list-append":
        from histcheck.txn.list_append import infer as infer_list
        facts = infer_list(history)
    else:
        from histcheck.txn.rw_register import infer as infer_register
        facts = infer_register(history)
    realtime = history.realtime and not defer_realtime
    add_session_edges(facts.graph, history, facts.txns, realtime=realtime)
    if history.realtime and defer_realtime:
        facts.deferred = history
    return facts


def check(history: History, *, model: str, consistency: str, deadline: Deadline,
          options: Mapping[str, Any]) -> CheckResult:
    if levels.orders_realtime(consistency) and not history.realtime:
        raise HistoryError(f"{consistency} orders transactions by real time, which this history "
                           "does not record (its format records sessions only)",
                           path=history.source)
    from histcheck import progress

    with paused_collector(), progress.counter(
            f"{model} {consistency}", total=len(levels.NAMES) + 1, unit="step") as advance:
        return _check(history, model, consistency, deadline, advance)


def _check(history: History, model: str, consistency: str, deadline: Deadline,
           advance: Callable[[int], None] = lambda steps: None) -> CheckResult:
    """The check; ``advance`` hears of each step done (inferring, then each level settled)."""
    facts = infer(history, model, defer_realtime=not levels.orders_realtime(consistency))
    deadline.check()
    advance(1)
    forbidden = levels.forbidden(consistency)
    # Anomalies seen without any cycle (a lost update, a garbage read...) already settle the
    # level: the solver is not asked to prove it again.
    if any(a.name in forbidden for a in facts.anomalies):
        decision = Decision(False, "anomalies")
    else:
        decision = decide(facts, consistency, model, deadline)
    found: list[Anomaly] = list(facts.anomalies)
    graph = facts.graph
    # One test of the whole graph usually settles every graph question asked after it.
    if not acyclic(facts, DATA | PROCESS | REALTIME):
        facts.complete()
        for cycle in anomalies(graph, PROCESS | REALTIME, assumed=facts.assumed):
            found.append(cycle_anomaly(facts, graph, cycle, model))
    broken = [a for a in found if a.name in forbidden]
    valid = decision.valid and not broken
    if not valid and not broken:
        found.append(_decision_anomaly(facts, decision, consistency, model))
    advance(1)
    verdicts = _verdicts(facts, model, consistency, valid, found, deadline, advance)
    violated = {n for n, ok in verdicts.items() if not ok}
    ordered = [n for n in levels.NAMES if n in violated]
    # Without real time, a level that orders by real time is not offered as possible.
    possible = [n for n in levels.NAMES if n not in violated
                and (history.realtime or not levels.orders_realtime(n))]
    details = {"weakest_violated": levels.weakest(ordered),
               "strongest_possible": levels.strongest(possible),
               "decided": [n for n in levels.NAMES if n in verdicts],
               "forbidden": sorted({a.name for a in found if a.name in forbidden}),
               "method": decision.method, **dict(decision.figures)}
    names = {a.name for a in found}
    if valid:
        text = f"no anomaly forbidden by {consistency} ({decision.method})"
    else:
        worst = sorted({a.name for a in found if a.name in forbidden} or names)
        text = f"{consistency} violated: {', '.join(worst)}"
    return CheckResult(valid=valid, model=model, consistency=consistency,
                       anomalies=tuple(found), explanation=text,
                       figures={"transactions": len(facts.txns) - 1}, details=details,
                       certificate=_certificate(facts, decision) if valid else ())


def _certificate(facts: Facts, decision: Decision) -> tuple[int, ...]:
    """The decision's commit order as operation ids: every committed transaction, and the
    indeterminate ones someone observed, read from or ordered among a key's versions (the
    others may never have taken effect)."""
    txns = facts.txns
    pending = {n for n in decision.order if txns[n].op is not None and not txns[n].aborted
               and not txns[n].committed}
    observed: set[int] = set()
    if pending:
        for a, outs in enumerate(facts.graph.out):
            if a in pending and any(kind & (WR | WW) for kind in outs.values()):
                observed.add(a)
            if not pending.isdisjoint(outs):
                observed.update(b for b in pending.intersection(outs) if outs[b] & WW)
    order: list[int] = []
    for node in decision.order:
        txn = txns[node]
        if txn.op is not None and not txn.aborted and (txn.committed or node in observed):
            order.append(txn.op.id)
    return tuple(order)


def _verdicts(facts: Facts, model: str, consistency: str, valid: bool, found: list[Anomaly],
              deadline: Deadline, advance: Callable[[int], None] = lambda steps: None,
              ) -> dict[str, bool]:
    """A verdict for every level that the anomalies or a cheap decision bear on.

    - the level asked for, decided exactly; when it holds, so does every level it implies;
    - a level that forbids an anomaly found is violated, and so is every level implying it;
    - every other polynomial level (read-uncommitted up to causal, and their strong-session
      variants: graphs and saturation) is decided here, weakest first; when one fails, its
      own anomaly (G0, G1c, fractured-read, causality-violation) joins ``found``.

    Levels left out (repeatable read, snapshot isolation, serializable and their variants,
    when not asked for and not ruled out) are not decided: deciding them needs the solver.
    """
    names = {a.name for a in found}
    verdicts: dict[str, bool] = {consistency: valid}
    if valid:
        verdicts.update((n, True) for n in levels.implied(consistency))

    def rule_out(level: str) -> None:
        for n in levels.NAMES:
            if level in levels.implied(n):
                verdicts[n] = False

    for n in levels.violated_by(names):
        rule_out(n)
    if not valid:
        rule_out(consistency)
    for n in levels.NAMES:
        if n in verdicts or levels.implied(n) & POLYGRAPH:
            continue
        decision = decide(facts, n, model, deadline)
        advance(1)
        verdicts[n] = decision.valid
        if not decision.valid:
            found.append(_decision_anomaly(facts, decision, n, model))
            rule_out(n)
    return verdicts


def _refuted(facts: Facts, decision: Decision, name: str, model: str) -> Anomaly:
    """No single cycle: every way of ordering the writes the solver could not settle closes
    one of a few cycles. Each is explained under the write orders it needs."""
    from histcheck.txn.decide import with_choices

    assert decision.graph is not None
    txns = facts.txns
    cases: list[str] = []
    rings: list[dict[str, Any]] = []
    involved: list[int] = []
    for lits, nodes in decision.refutation:
        graph = with_choices(facts, decision.graph.copy(), lits)
        cycle = classify(graph, list(nodes))
        orders = [_choice_text(facts, i, value) for i, value in lits]
        cases.append(f"if {' and '.join(orders)}: "
                     + explain(graph, txns, cycle, model).rstrip("."))
        rings.append({"if": orders, "cycle": [txns[n].name for n in cycle.nodes],
                      "edges": edges(graph, txns, cycle, model), "shape": cycle.name})
        involved.extend(n for n in cycle.nodes if n not in involved)
    ops = tuple(txns[n].op.id for n in involved if txns[n].op is not None)  # type: ignore[union-attr]
    keys = sorted({str(facts.choices[i].key) for lits, _ in decision.refutation
                   for i, _ in lits})
    return Anomaly(name, f"every version order of {', '.join(keys)} closes a cycle "
                   f"({len(cases)} cases cover them all): " + "; ".join(cases), ops,
                   {"cases": rings, "transactions": describe(txns, tuple(involved))})


def _choice_text(facts: Facts, choice: int, x_first: bool) -> str:
    c = facts.choices[choice]
    before, after = (c.x_last, c.y_first) if x_first else (c.y_last, c.x_first)
    return f"{facts.txns[before].name}'s write of {c.key} precedes {facts.txns[after].name}'s"


POLYGRAPH = {"serializable", "repeatable-read", "snapshot-isolation"}
"""Levels decided by the polygraph solver, and every level implying one of them."""


def cycle_anomaly(facts: Facts, graph: Graph, cycle: Cycle, model: str) -> Anomaly:
    txns = facts.txns
    ops = tuple(txns[n].op.id for n in cycle.nodes if txns[n].op is not None)  # type: ignore[union-attr]
    return Anomaly(cycle.name, explain(graph, txns, cycle, model), ops,
                   {"cycle": [txns[n].name for n in cycle.nodes],
                    "edges": edges(graph, txns, cycle, model),
                    "transactions": describe(txns, cycle.nodes)})


def _decision_anomaly(facts: Facts, decision: Decision, level: str, model: str) -> Anomaly:
    txns = facts.txns
    nodes = decision.cycle
    ops = tuple(txns[n].op.id for n in nodes if txns[n].op is not None)  # type: ignore[union-attr]
    if decision.method == "graph":
        mask = (WW | WR) & ~facts.assumed if "read-committed" in levels.implied(level) \
            else WW & ~facts.assumed
        cycle = classify(facts.graph, list(nodes), mask | extras(level), mask | extras(level))
        return cycle_anomaly(facts, facts.graph, cycle, model)
    if decision.method.startswith("saturation"):
        name = "causality-violation" if "causal" in levels.implied(level) else "fractured-read"
        if decision.method == "saturation-process":
            name += "-process"
        names = ", ".join(txns[n].name for n in nodes)
        return Anomaly(name, f"no commit order of {names} lets every transaction see whole "
                       "transactions: each read that saw a writer of a key must come after "
                       "it, and these constraints form a cycle", ops,
                       {"cycle": [txns[n].name for n in nodes],
                        "transactions": describe(txns, nodes)})
    # Edges the solver forced hold only under this level's assumptions, so the cycle is named
    # after the level's own anomaly (G2 or GSI), its shape given beside it.
    name = "GSI" if decision.method == "polygraph-si" else "G2"
    if levels.orders_realtime(level):
        name += "-realtime"
    elif levels.orders_sessions(level):
        name += "-process"
    if nodes and decision.graph is not None:
        graph = decision.graph
        ring = list(nodes)
        if all(graph.kinds(a, b) for a, b in zip(ring, ring[1:] + ring[:1], strict=False)):
            cycle = classify(graph, ring)
            shaped = cycle_anomaly(facts, graph, cycle, model)
            return Anomaly(name, "version orders forced by the other constraints give the "
                           f"cycle: {shaped.explanation}", ops,
                           {**dict(shaped.data), "shape": cycle.name})
    if decision.refutation and decision.graph is not None:
        return _refuted(facts, decision, name, model)
    return Anomaly(name, f"no version order of the written keys makes the dependency graph "
                   f"acyclic for {level} (decided by {decision.method}: "
                   f"{dict(decision.figures)})", ops, {})
