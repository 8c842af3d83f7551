"""Point-to-point channels and RPC retry semantics.

Channels (``send``/``recv``), what TCP promises over IP:

- reliable: a message is received only by its addressee and from its real sender, at most once,
  and every message a correct node sends to a correct node is received;
- fifo: reliable, and the messages one node sends to another are received in the order sent
  (a receiver that gets m2 has already received every earlier message of that sender to it).

RPC (``request``/``execute``/``reply``/``ack``, grouped by ``rpc`` id; retries are further
``request`` events with the same id), the three retry semantics:

- at-most-once: no request is executed more than once (no retries, or de-duplication);
- at-least-once: every acknowledged request was executed, and every request of a correct client
  is executed (it retries until acknowledged);
- exactly-once: both.
"""

from __future__ import annotations

from collections import defaultdict

from histcheck.trace.findings import Findings, ordinal
from histcheck.trace.model import Kind, Trace, TraceEvent

CHANNEL_LEVELS = ("reliable", "fifo")
RPC_LEVELS = ("exactly-once", "at-most-once", "at-least-once")


def check_channel(trace: Trace, level: str, findings: Findings) -> None:
    crashed = trace.crashed()
    received: dict[str, list[TraceEvent]] = defaultdict(list)
    for event in trace.events:
        if event.kind is Kind.RECV and event.msg is not None:
            received[event.msg].append(event)
    for msg, position in trace.senders.items():
        sent = trace.events[position]
        if sent.kind is not Kind.SEND:
            continue
        receipts = received.get(msg, [])
        for event in receipts:
            if event.node != sent.peer:
                findings.add("misdelivered", f"{event.describe()} receives {msg!r}, which "
                             f"{sent.describe()} addressed to {sent.peer}", [sent, event])
            if event.peer is not None and event.peer != sent.node:
                findings.add("wrong-sender", f"{event.describe()} says {msg!r} came from "
                             f"{event.peer}, but {sent.describe()} sent it", [sent, event])
        if len(receipts) > 1:
            findings.add("duplicate-receipt", f"{msg!r} ({sent.describe()}) is received "
                         f"{len(receipts)} times: "
                         f"{', '.join(e.describe() for e in receipts)}", [sent, *receipts])
        if sent.node not in crashed and sent.peer not in crashed and \
                sent.peer in trace.timelines and all(e.node != sent.peer for e in receipts):
            findings.add("lost-message", f"{sent.describe()}: correct node {sent.node} sends "
                         f"{msg!r} to correct node {sent.peer}, which never receives it", [sent])
    if level == "fifo":
        _channel_fifo(trace, findings)


def _channel_fifo(trace: Trace, findings: Findings) -> None:
    """Per (sender, receiver): each receipt needs every earlier message on that link first."""
    rank: dict[str, tuple[str, str, int]] = {}
    links: dict[tuple[str, str], list[TraceEvent]] = defaultdict(list)
    for node in trace.nodes:
        for event in trace.timeline(node):
            if event.kind is Kind.SEND and event.msg is not None and event.peer is not None:
                link = links[(node, event.peer)]
                rank[event.msg] = (node, event.peer, len(link))
                link.append(event)
    for node in trace.nodes:
        prefix: dict[str, int] = defaultdict(int)
        early: dict[str, set[int]] = defaultdict(set)
        receipts = [e for e in trace.timeline(node) if e.kind is Kind.RECV]
        for event in receipts:
            place = rank.get(event.msg)  # type: ignore[arg-type]
            if place is None:
                continue  # an RPC attempt or reply: not a channel message
            sender, to, k = place
            if to != node:
                continue  # misdelivered: a reliability finding
            missing = prefix[sender]
            if k == missing:
                pending = early[sender]
                prefix[sender] += 1
                while prefix[sender] in pending:
                    pending.discard(prefix[sender])
                    prefix[sender] += 1
                continue
            if k < missing or k in early[sender]:
                continue  # a duplicate: a reliability finding
            early[sender].add(k)
            if findings.skip("fifo-order"):
                continue
            first, second = links[(sender, node)][missing], links[(sender, node)][k]
            later = next((e for e in receipts if e.msg == first.msg and e.index > event.index),
                         None)
            when = f"only later (line {later.line})" if later else "never"
            findings.add("fifo-order", f"{sender} sends {first.msg!r} to {node} "
                         f"({ordinal(missing + 1)} on that link, line {first.line}) before "
                         f"{second.msg!r} (line {second.line}), but {node} receives "
                         f"{second.msg!r} (line {event.line}) and {first.msg!r} {when}",
                         [first, second, event, *([later] if later else [])])


def check_rpc(trace: Trace, level: str, findings: Findings) -> None:
    requests: dict[str, list[TraceEvent]] = defaultdict(list)
    executions: dict[str, list[TraceEvent]] = defaultdict(list)
    acks: dict[str, list[TraceEvent]] = defaultdict(list)
    kinds = {Kind.REQUEST: requests, Kind.EXECUTE: executions, Kind.ACK: acks}
    for event in trace.events:
        table = kinds.get(event.kind)
        if table is not None:
            table[event.rpc].append(event)  # type: ignore[index]
    if level in ("at-most-once", "exactly-once"):
        for rpc, runs in executions.items():
            if len(runs) > 1:
                tries = requests.get(rpc, [])
                findings.add("duplicate-execution", f"rpc {rpc!r} is executed {len(runs)} times "
                             f"({', '.join(e.describe() for e in runs)}) after {len(tries)} "
                             f"request{'s' if len(tries) != 1 else ''}", [*tries, *runs])
    if level in ("at-least-once", "exactly-once"):
        for rpc, got in acks.items():
            if rpc not in executions:
                findings.add("acked-not-executed", f"{got[0].describe()} acknowledges rpc "
                             f"{rpc!r}, which no server ever executes",
                             [*requests.get(rpc, []), got[0]])
        up = set(trace.correct())
        for rpc, tries in requests.items():
            client = tries[0].node
            if rpc not in executions and rpc not in acks and client in up \
                    and any(t.peer in up for t in tries):
                findings.add("never-executed", f"correct client {client} requests rpc {rpc!r} "
                             f"({len(tries)} attempt{'s' if len(tries) != 1 else ''}, first "
                             f"line {tries[0].line}) and it is never executed", tries)
