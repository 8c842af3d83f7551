"""An oracle for the trace checks: every property decided by brute force from its definition.

Nothing here shares code with ``histcheck.trace`` beyond reading the trace: happens-before is the
transitive closure networkx builds, order properties compare every pair of messages, and every
finding is counted the way docs/semantics.md words its rule (one per offending event, message,
link or pair, as said beside each rule below). ``expected(trace, model, level)`` gives the
anomaly counts a correct checker reports.
"""

from __future__ import annotations

import itertools
from collections import Counter

import networkx as nx

from histcheck.trace.model import Kind, Trace, TraceEvent


def local_edges(trace: Trace) -> list[tuple[int, int]]:
    return [edge for timeline in trace.timelines.values()
            for edge in itertools.pairwise(timeline)]


def message_edges(trace: Trace) -> dict[int, int]:
    """receipt -> its send, for every message edge the trace records."""
    return {r: s for r, s in enumerate(trace.source_of) if s >= 0}


def left_out(trace: Trace) -> tuple[set[int], int]:
    """The receipts placed before their own send, and how many findings they make.

    A receipt after which its own node's log records the send is one finding. Of the rest, the
    message edges that lie on a cycle with the local orders are left out, one finding per
    strongly connected group.
    """
    events, edges = trace.events, message_edges(trace)
    early = {r for r, s in edges.items()
             if events[r].node == events[s].node and events[r].index < events[s].index}
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(events)))
    graph.add_edges_from(local_edges(trace))
    graph.add_edges_from((s, r) for r, s in edges.items() if r not in early)
    cut, groups = set(early), 0
    for group in nx.strongly_connected_components(graph):
        if len(group) > 1:
            groups += 1
            cut |= {r for r, s in edges.items() if r in group and s in group}
    return cut, len(early) + groups


def happens_before(trace: Trace) -> nx.DiGraph:
    """Lamport's relation over local order and the message edges not left out."""
    cut, _ = left_out(trace)
    graph = nx.DiGraph()
    graph.add_nodes_from(range(len(trace)))
    graph.add_edges_from(local_edges(trace))
    graph.add_edges_from((s, r) for r, s in message_edges(trace).items() if r not in cut)
    return nx.transitive_closure_dag(graph)


def correct(trace: Trace) -> set[str]:
    """Nodes of the trace (they record an event) whose last crash, if any, has a recovery after."""
    up = set()
    for node in trace.nodes:
        state = True
        for event in trace.timeline(node):
            if event.kind is Kind.CRASH:
                state = False
            elif event.kind is Kind.RECOVER:
                state = True
        if state:
            up.add(node)
    return up


def expected(trace: Trace, model: str, level: str) -> Counter[str]:
    found: Counter[str] = Counter()
    _, early = left_out(trace)
    if early:
        found["received-before-sent"] = early  # no creation, in every model and level
    if model == "broadcast":
        found.update(_broadcast(trace, level))
    elif model == "channel":
        found.update(_channel(trace, level))
    else:
        found.update(_rpc(trace, level))
    return +found


def _of(trace: Trace, node: str, kind: Kind) -> list[TraceEvent]:
    return [e for e in trace.timeline(node) if e.kind is kind]


def _broadcast(trace: Trace, level: str) -> Counter[str]:
    found: Counter[str] = Counter()
    up = correct(trace)
    bcast = {e.msg: e for e in trace.events if e.kind is Kind.BROADCAST}
    dels = {n: _of(trace, n, Kind.DELIVER) for n in trace.nodes}
    for ds in dels.values():
        for i, d in enumerate(ds):
            if d.msg not in bcast:  # no creation: one per delivery
                found["unknown-message"] += 1
            elif d.peer is not None and d.peer != bcast[d.msg].node:
                found["wrong-sender"] += 1
            if any(e.msg == d.msg for e in ds[:i]):  # no duplication: one per repeat
                found["duplicate-delivery"] += 1
    # agreement: one per message broadcast by a correct node or delivered by one, that some
    # correct node never delivers
    must = {m for m, e in bcast.items() if e.node in up} | {d.msg for n in up for d in dels[n]}
    found["lost-delivery"] = sum(1 for m in must
                                 if any(m not in {d.msg for d in dels[n]} for n in up))
    hb = happens_before(trace)
    if level in ("fifo", "causal", "fifo-total-order"):
        # one per (first delivery of m2 at a node, sender q) with a broadcast of q that must
        # come before m2 and is not delivered before it; fifo-order when q sent m2
        for ds in dels.values():
            for i, d in enumerate(ds):
                if d.msg not in bcast or any(e.msg == d.msg for e in ds[:i]):
                    continue
                b2, before = bcast[d.msg], {e.msg for e in ds[:i]}
                for q in trace.nodes:
                    if level != "causal" and q != b2.node:
                        continue
                    if any(b1.node == q and b1 is not b2 and b1.msg not in before and
                           (hb.has_edge(b1.id, b2.id) if level == "causal"
                            else b1.index < b2.index) for b1 in bcast.values()):
                        found["fifo-order" if q == b2.node else "causal-order"] += 1
    if level in ("total-order", "fifo-total-order"):
        # one per pair of nodes that deliver two common messages in opposite orders (each
        # message's first delivery; messages never broadcast count too)
        first = {n: {} for n in trace.nodes}  # type: dict[str, dict[str | None, int]]
        for n, ds in dels.items():
            for i, d in enumerate(ds):
                first[n].setdefault(d.msg, i)
        for a, b in itertools.combinations(trace.nodes, 2):
            common = [m for m in first[a] if m in first[b]]
            if any((first[a][m1] < first[a][m2]) != (first[b][m1] < first[b][m2])
                   for m1, m2 in itertools.combinations(common, 2)):
                found["total-order"] += 1
    return found


def _channel(trace: Trace, level: str) -> Counter[str]:
    found: Counter[str] = Counter()
    up = correct(trace)
    sends = [e for e in trace.events if e.kind is Kind.SEND]
    recvs = [e for e in trace.events if e.kind is Kind.RECV]
    for s in sends:
        got = [r for r in recvs if r.msg == s.msg]
        found["misdelivered"] += sum(1 for r in got if r.node != s.peer)  # one per receipt
        found["wrong-sender"] += sum(1 for r in got if r.peer is not None and r.peer != s.node)
        found["duplicate-receipt"] += len(got) > 1  # one per message received twice or more
        if s.node in up and s.peer in up and not any(r.node == s.peer for r in got):
            found["lost-message"] += 1  # correct to correct, never received by its addressee
    if level == "fifo":
        # one per first receipt of a message by its addressee while an earlier message of the
        # same link is not yet received there
        for q in trace.nodes:
            mine = [r for r in trace.timeline(q) if r.kind is Kind.RECV]
            for i, r in enumerate(mine):
                s2 = trace.sender(r.msg or "")
                if s2 is None or s2.kind is not Kind.SEND or s2.peer != q or \
                        any(e.msg == r.msg for e in mine[:i]):
                    continue
                before = {e.msg for e in mine[:i]}
                if any(s1.node == s2.node and s1.peer == q and s1.index < s2.index
                       and s1.msg not in before for s1 in sends):
                    found["fifo-order"] += 1
    return found


def _rpc(trace: Trace, level: str) -> Counter[str]:
    found: Counter[str] = Counter()
    up = correct(trace)
    by_rpc: dict[str, dict[Kind, list[TraceEvent]]] = {}
    for e in trace.events:
        if e.rpc is not None:
            by_rpc.setdefault(e.rpc, {}).setdefault(e.kind, []).append(e)
    for kinds in by_rpc.values():
        runs, acks, tries = (kinds.get(k, []) for k in (Kind.EXECUTE, Kind.ACK, Kind.REQUEST))
        if level in ("at-most-once", "exactly-once") and len(runs) > 1:
            found["duplicate-execution"] += 1  # one per request executed twice or more
        if level in ("at-least-once", "exactly-once"):
            if acks and not runs:
                found["acked-not-executed"] += 1
            # a request of a correct client, some attempt to a correct server, neither
            # executed nor acknowledged (that is acked-not-executed)
            if tries and not runs and not acks and tries[0].node in up and \
                    any(t.peer in up for t in tries):
                found["never-executed"] += 1
    return found
