"""Broadcast orders: reliable, FIFO, causal, total order and FIFO-total order.

Every level includes reliability (Cachin, Guerraoui and Rodrigues' reliable broadcast):

- no creation: a node delivers only messages that were broadcast, from their real sender;
- no duplication: no node delivers a message twice;
- agreement: a message broadcast by a correct node, or delivered by any correct node, is
  delivered by every correct node (the sender included).

The orders, each checked at every node that delivers, crashed nodes included:

- FIFO: if one node broadcast m1 before m2, a node that delivers m2 has delivered m1 before it;
- causal: if broadcast(m1) -> broadcast(m2), a node that delivers m2 has delivered m1 before it;
- total order: two nodes that both deliver m1 and m2 deliver them in the same order.

FIFO and causal are checked in one pass per node: a node's deliveries from each sender must
cover a prefix of that sender's broadcasts, and the prefix needed before delivering m2 is read off
the vector clock of broadcast(m2) (how many of the sender's broadcasts happen before it).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import pairwise

from checker.trace.clocks import VectorClocks
from checker.trace.findings import Findings, ordinal
from checker.trace.model import Kind, Trace, TraceEvent

LEVELS = ("reliable", "fifo", "causal", "total-order", "fifo-total-order")


def check_broadcast(trace: Trace, level: str, clocks: VectorClocks | None,
                    findings: Findings) -> None:
    """Add every violation of ``level`` to ``findings`` (``clocks`` is needed for causal)."""
    broadcasts = _broadcasts(trace)
    reliable(trace, broadcasts, findings)
    if level == "causal":
        assert clocks is not None
        ordered(trace, broadcasts, findings, clocks)
    elif level in ("fifo", "fifo-total-order"):
        ordered(trace, broadcasts, findings, None)
    if level in ("total-order", "fifo-total-order"):
        total_order(trace, findings)


def _broadcasts(trace: Trace) -> dict[str, list[TraceEvent]]:
    """Each node's broadcast events in its local order."""
    return {node: [e for e in trace.timeline(node) if e.kind is Kind.BROADCAST]
            for node in trace.nodes}


def _deliveries(trace: Trace, node: str) -> Iterable[TraceEvent]:
    return (e for e in trace.timeline(node) if e.kind is Kind.DELIVER)


def reliable(trace: Trace, broadcasts: dict[str, list[TraceEvent]], findings: Findings) -> None:
    correct = trace.correct()
    delivered: dict[str, dict[str, TraceEvent]] = {}
    for node in trace.nodes:
        seen: dict[str, TraceEvent] = {}
        for event in _deliveries(trace, node):
            msg = event.msg
            assert msg is not None
            origin = trace.sender(msg)
            if origin is None:
                findings.add("unknown-message", f"{event.describe()} delivers {msg!r}, which no "
                             f"node broadcast", [event])
                continue
            if event.peer is not None and event.peer != origin.node:
                findings.add("wrong-sender", f"{event.describe()} says {msg!r} came from "
                             f"{event.peer}, but {origin.describe()} broadcast it",
                             [origin, event])
            if msg in seen:
                findings.add("duplicate-delivery", f"{node} delivers {msg!r} twice: "
                             f"{seen[msg].describe()} and again on line {event.line}",
                             [origin, seen[msg], event])
                continue
            seen[msg] = event
        delivered[node] = seen
    required: dict[str, TraceEvent] = {}
    for node in correct:
        for event in broadcasts[node]:
            required.setdefault(event.msg, event)  # type: ignore[arg-type]
        for msg, event in delivered[node].items():
            required.setdefault(msg, event)
    for msg, witness in required.items():
        missing = [n for n in correct if msg not in delivered[n]]
        if not missing:
            continue
        origin = trace.sender(msg)
        assert origin is not None
        why = ("was broadcast by correct node " + origin.node if witness.kind is Kind.BROADCAST
               else f"was delivered by correct node {witness.node} (line {witness.line})")
        findings.add("lost-delivery", f"{msg!r} ({origin.describe()}) {why}, but correct "
                     f"node{'s' if len(missing) > 1 else ''} {', '.join(missing)} never "
                     f"deliver{'' if len(missing) > 1 else 's'} it",
                     [origin] if witness is origin else [origin, witness])


def ordered(trace: Trace, broadcasts: dict[str, list[TraceEvent]], findings: Findings,
            clocks: VectorClocks | None) -> None:
    """FIFO (``clocks`` None) or causal order: each delivery must follow the deliveries it needs."""
    nodes = trace.nodes
    rank = {e.msg: (node, k) for node, sent in broadcasts.items() for k, e in enumerate(sent)}
    needs = _causal_needs(trace, broadcasts, clocks) if clocks is not None else None
    for node in nodes:
        prefix = dict.fromkeys(nodes, 0)
        early: dict[str, set[int]] = {n: set() for n in nodes}
        seen: set[str] = set()
        for event in _deliveries(trace, node):
            msg = event.msg
            if msg not in rank or msg in seen:
                continue  # unknown messages and duplicates are reliability findings
            seen.add(msg)  # type: ignore[arg-type]
            sender, k = rank[msg]
            wanted = {sender: k} if needs is None else needs[msg]  # type: ignore[index]
            for other, count in wanted.items():
                if prefix[other] < count:
                    _report(trace, findings, broadcasts[other][prefix[other]],
                            broadcasts[sender][k], event, clocks is not None)
            if k == prefix[sender]:
                prefix[sender] += 1
                pending = early[sender]
                while prefix[sender] in pending:
                    pending.discard(prefix[sender])
                    prefix[sender] += 1
            else:
                early[sender].add(k)


def _causal_needs(trace: Trace, broadcasts: dict[str, list[TraceEvent]],
                  clocks: VectorClocks) -> dict[str, dict[str, int]]:
    """For each broadcast m: sender -> how many of its broadcasts happen before broadcast(m)."""
    nodes = trace.nodes
    upto: list[list[int]] = []  # upto[c][i]: broadcasts among node c's first i events
    for node in nodes:
        counts = [0]
        for event in trace.timeline(node):
            counts.append(counts[-1] + (event.kind is Kind.BROADCAST))
        upto.append(counts)
    needs: dict[str, dict[str, int]] = {}
    for node, sent in broadcasts.items():
        for event in sent:
            clock = clocks.clock(event.id)
            wanted = {n: upto[c][clock[c]] for c, n in enumerate(nodes) if clock[c]}
            wanted[node] -= 1  # the broadcast itself
            needs[event.msg] = {n: k for n, k in wanted.items() if k}  # type: ignore[index]
    return needs


def _report(trace: Trace, findings: Findings, first: TraceEvent, second: TraceEvent,
            delivery: TraceEvent, causal: bool) -> None:
    name = "fifo-order" if first.node == second.node else "causal-order"
    if findings.skip(name):
        return
    later = next((e for e in _deliveries(trace, delivery.node)
                  if e.msg == first.msg and e.index > delivery.index), None)
    when = f"only later (line {later.line})" if later else "never"
    if name == "fifo-order":
        count = sum(1 for e in trace.timeline(first.node)
                    if e.kind is Kind.BROADCAST and e.index <= first.index)
        rule = (f"{first.node} broadcast {first.msg!r} ({ordinal(count)}, line {first.line}) "
                f"before {second.msg!r} (line {second.line})")
    else:
        rule = (f"broadcast({first.msg!r}) at {first.node} (line {first.line}) happens before "
                f"broadcast({second.msg!r}) at {second.node} (line {second.line})")
    note = " (causal order includes FIFO)" if causal and name == "fifo-order" else ""
    findings.add(name, f"{rule}, but {delivery.node} delivers {second.msg!r} (line "
                 f"{delivery.line}) and {first.msg!r} {when}{note}",
                 [first, second, delivery, *([later] if later else [])])


def total_order(trace: Trace, findings: Findings) -> None:
    """Any two nodes deliver the messages they have in common in the same order."""
    positions: dict[str, dict[str, TraceEvent]] = {}
    for node in trace.nodes:
        firsts: dict[str, TraceEvent] = {}
        for event in _deliveries(trace, node):
            firsts.setdefault(event.msg, event)  # type: ignore[arg-type]
        positions[node] = firsts
    nodes = trace.nodes
    for i, a in enumerate(nodes):
        for b in nodes[i + 1:]:
            mine, theirs = positions[a], positions[b]
            common = [(e.index, theirs[m].index, m) for m, e in mine.items() if m in theirs]
            common.sort()
            for (_, pb1, m1), (_, pb2, m2) in pairwise(common):
                if pb2 < pb1:
                    findings.add("total-order", f"{a} delivers {m1!r} (line {mine[m1].line}) "
                                 f"before {m2!r} (line {mine[m2].line}), but {b} delivers "
                                 f"{m2!r} (line {theirs[m2].line}) before {m1!r} (line "
                                 f"{theirs[m1].line})",
                                 [mine[m1], mine[m2], theirs[m2], theirs[m1]])
                    break
