"""Session and real-time edges come out as the straightforward construction makes them: the
same edges, kinds and reasons, added in the same order (which decides the cycles found)."""

from __future__ import annotations

import random

from histcheck.history import History
from histcheck.txn.model import PROCESS, REALTIME, Graph, Reason, Txn, add_session_edges
from histcheck.txn.model import transactions as txns_of
from tests.txn.axiom_gen import seeded
from tests.txn.test_list_append_fast import crude


def reference(graph: Graph, history: History, txns: list[Txn]) -> None:
    last: dict[object, int] = {}
    for txn in txns[1:]:
        if txn.aborted or txn.op is None:
            continue
        previous = last.get(txn.op.process)
        if previous is not None:
            graph.add(previous, txn.node, PROCESS, Reason(txn.op.process))
        last[txn.op.process] = txn.node
    events: list[tuple[float, int, int]] = []
    for txn in txns[1:]:
        if txn.aborted or txn.op is None:
            continue
        start, end = history.interval(txn.op)
        events.append((start, 1, txn.node))
        if end != float("inf"):
            events.append((end, 0, txn.node))
    events.sort(key=lambda e: (e[0], -e[1]))
    frontier: dict[int, float] = {}
    starts: dict[int, float] = {}
    for when, is_start, node in events:
        if is_start:
            starts[node] = when
            for done in frontier:
                graph.add(done, node, REALTIME)
        else:
            frontier = {n: t for n, t in frontier.items() if t >= starts[node]}
            frontier[node] = when


def edges(history: History, build: object) -> tuple[object, ...]:
    txns = txns_of(history)
    graph = Graph(len(txns))
    build(graph, history, txns)  # type: ignore[operator]
    return [list(e.items()) for e in graph.out], list(graph.reasons.items())


def test_session_and_realtime_edges_match_the_reference() -> None:
    from bench.txn_gen import elle_history

    histories = [s.history() for s in seeded("list-append", 1500, first=40_000)]
    histories += [crude(random.Random(seed)) for seed in range(1500)]
    histories += [elle_history(400, mode, seed=1) for mode in ("serializable", "snapshot")]
    for h in histories:
        fast = edges(h, lambda g, hh, t: add_session_edges(g, hh, t, realtime=True))
        assert fast == edges(h, reference)
