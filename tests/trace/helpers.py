"""Building traces in tests, and a brute-force checker that follows the definitions literally."""

from __future__ import annotations

import itertools
from typing import Any

import networkx as nx

from histcheck.trace.builder import TraceBuilder
from histcheck.trace.jsonl import event_from_mapping
from histcheck.trace.model import Kind, Trace


def make_trace(rows: list[dict[str, Any]]) -> Trace:
    builder = TraceBuilder("test")
    for line, row in enumerate(rows, start=1):
        builder.add(event_from_mapping(dict(row), builder, line))
    return builder.build()


def is_acyclic(trace: Trace) -> bool:
    return bool(nx.is_directed_acyclic_graph(covering(trace)))


def closure(trace: Trace) -> nx.DiGraph:
    return nx.transitive_closure_dag(covering(trace))


def covering(trace: Trace) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(trace)))
    for timeline in trace.timelines.values():
        graph.add_edges_from(itertools.pairwise(timeline))
    for event in trace.events:
        if trace.source_of[event.id] >= 0:
            graph.add_edge(trace.source_of[event.id], event.id)
    return graph


def brute_broadcast(trace: Trace, level: str) -> bool:
    """The definitions of docs/trace.md, pair by pair, with no cleverness."""
    hb = closure(trace)
    crashed = trace.crashed()
    correct = [n for n in trace.nodes if n not in crashed]
    bcast = {e.msg: e for e in trace.events if e.kind is Kind.BROADCAST}
    dels = {n: [e for e in trace.timeline(n) if e.kind is Kind.DELIVER] for n in trace.nodes}
    for ds in dels.values():
        msgs = [d.msg for d in ds]
        if len(msgs) != len(set(msgs)):
            return False
        for d in ds:
            if d.msg not in bcast or (d.peer is not None and d.peer != bcast[d.msg].node):
                return False
    must = {m for m, e in bcast.items() if e.node in correct}
    must |= {d.msg for n in correct for d in dels[n]}
    if any(m not in [d.msg for d in dels[n]] for m in must for n in correct):
        return False
    position = {n: {d.msg: i for i, d in enumerate(ds)} for n, ds in dels.items()}
    if level in ("fifo", "causal", "fifo-total-order"):
        for m1, m2 in itertools.permutations(bcast, 2):
            b1, b2 = bcast[m1], bcast[m2]
            if level == "causal":
                related = hb.has_edge(b1.id, b2.id)
            else:
                related = b1.node == b2.node and b1.index < b2.index
            if related:
                for n in trace.nodes:
                    seen = position[n]
                    if m2 in seen and (m1 not in seen or seen[m1] > seen[m2]):
                        return False
    if level in ("total-order", "fifo-total-order"):
        for a, b in itertools.combinations(trace.nodes, 2):
            for m1, m2 in itertools.permutations(bcast, 2):
                pa, pb = position[a], position[b]
                if all(m in pa and m in pb for m in (m1, m2)) and \
                        (pa[m1] < pa[m2]) != (pb[m1] < pb[m2]):
                    return False
    return True


def brute_order_counts(trace: Trace, causal: bool) -> dict[str, int]:
    """How many order findings the definitions give: one per (first delivery of m2 at a node,
    sender q) such that some broadcast of q that must precede m2 is not delivered before it
    (``fifo-order`` when q sent m2, else ``causal-order``; FIFO only looks at m2's sender)."""
    hb = closure(trace)
    bcast = {e.msg: e for e in trace.events if e.kind is Kind.BROADCAST}
    counts = {"fifo-order": 0, "causal-order": 0}
    for node in trace.nodes:
        before: set[str | None] = set()
        for d in (e for e in trace.timeline(node) if e.kind is Kind.DELIVER):
            if d.msg in bcast and d.msg not in before:
                b2 = bcast[d.msg]
                for q in trace.nodes:
                    if not causal and q != b2.node:
                        continue
                    if any(b1.node == q and b1.msg not in before and
                           (hb.has_edge(b1.id, b2.id) if causal else b1.index < b2.index)
                           for b1 in bcast.values()):
                        counts["fifo-order" if q == b2.node else "causal-order"] += 1
            before.add(d.msg)
    return counts
