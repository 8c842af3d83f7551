"""Receipts before their send: message edges that the nodes' own logs rule out.

A trace records each node's log faithfully; a message edge (this receipt got that send) is the
system's claim. A claim the logs contradict is a *no-creation* violation, the protocol handing
over a message that did not yet exist, reported as ``received-before-sent`` by every model:

- plainly, when a node's own log puts the receipt before the send (n1 delivers m6, then n1
  broadcasts m6): that receipt is the culprit;
- through several nodes, when the remaining message edges and the local orders form a cycle.
  Some receipt on it came before its send, but the trace cannot tell which, so each strongly
  connected group of events is one finding, naming a cycle through it.

Happens-before leaves all these edges out (each culprit, every message edge inside a group), so
it stays a partial order and the other checks run on it as on any trace.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from histcheck.trace.findings import Findings
from histcheck.trace.model import Kind, Trace, TraceEvent

NAME = "received-before-sent"
_RECEIVED = {Kind.DELIVER: "delivered", Kind.RECV: "received", Kind.EXECUTE: "executed",
             Kind.ACK: "acknowledged"}
_SENT = {Kind.BROADCAST: "broadcast", Kind.SEND: "sent", Kind.REQUEST: "requested",
         Kind.REPLY: "sent"}


@dataclass(frozen=True)
class LeftOut:
    """The receipts whose message edge happens-before leaves out.

    ``early``: receipts whose send comes later in the same node's log. ``groups``: per cycle
    through several nodes, the receipts of the message edges inside its strongly connected group.
    """

    early: tuple[int, ...] = ()
    groups: tuple[tuple[int, ...], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.early or self.groups)

    def receipts(self) -> set[int]:
        return {*self.early, *(r for group in self.groups for r in group)}


def cycle_groups(trace: Trace, source_of: Sequence[int], done: bytearray,
                 early: Iterable[int]) -> tuple[tuple[int, ...], ...]:
    """The receipts inside each strongly connected group of the events a pass could not reach.

    Reached events are closed under happens-before predecessors, so every cycle lies among the
    unreached ones. Edges of early receipts (``early``, and those the pass never reached) are
    left out on their own and take no part.
    """
    events = trace.events
    starts = [e for e in range(len(trace)) if not done[e]]
    skipped = set(early)
    for receipt in starts:
        sent = source_of[receipt]
        if sent >= 0 and events[sent].node == events[receipt].node \
                and events[sent].index > events[receipt].index:
            skipped.add(receipt)
    successors = _successors(trace, source_of, starts, skipped)
    groups = []
    for component in _strong_components(starts, successors):
        if len(component) > 1:
            members = set(component)
            inside = sorted(r for r in component
                            if r not in skipped and source_of[r] in members)
            groups.append(tuple(inside))
    return tuple(sorted(groups, key=lambda g: min(trace.events[r].line for r in g)))


def report(trace: Trace, left_out: LeftOut, findings: Findings) -> None:
    """One ``received-before-sent`` finding per early receipt and per cycle group."""
    events, source_of = trace.events, trace.source_of
    for receipt in sorted(left_out.early, key=lambda r: events[r].line):
        if findings.skip(NAME):
            continue
        got, sent = events[receipt], events[source_of[receipt]]
        findings.add(NAME, f"{got.describe()} comes before {sent.describe()} in {got.node}'s "
                     f"own log: {got.msg!r} is {_RECEIVED[got.kind]} before it is "
                     f"{_SENT[sent.kind]}", [sent, got])
    skipped = set(left_out.early)
    for group in left_out.groups:
        if findings.skip(NAME):
            continue
        path = _witness(trace, group, skipped)
        got, sent = events[path[0]], events[path[-1]]
        hops = [f"{events[a].describe()} -> {events[b].describe()}"
                for a, b in itertools.pairwise(path) if source_of[b] == a]
        via = f" through {'; '.join(hops)}" if hops else ""
        msgs = sorted({str(events[r].msg) for r in group})
        findings.add(NAME, f"{got.describe()} happens before its own {sent.kind.value} "
                     f"({sent.describe()}){via}: local order and the messages "
                     f"{', '.join(map(repr, msgs))} form a cycle, so at least one of them was "
                     f"received before it was sent", [events[e] for e in path])


def _witness(trace: Trace, group: tuple[int, ...], skipped: set[int]) -> list[int]:
    """A shortest path from the group's first receipt (in the file) to its own send."""
    events, source_of = trace.events, trace.source_of
    start = min(group, key=lambda r: events[r].line)
    goal = source_of[start]
    successors = _successors(trace, source_of, _group_members(trace, group), skipped)
    parent = {start: start}
    queue = deque([start])
    while queue and goal not in parent:
        event_id = queue.popleft()
        for after in successors(event_id):
            if after not in parent:
                parent[after] = event_id
                queue.append(after)
    path = [goal]
    while path[-1] != start:
        path.append(parent[path[-1]])
    return path[::-1]


def _group_members(trace: Trace, group: tuple[int, ...]) -> set[int]:
    """The events of a group: each receipt and send in it, and what lies between at a node."""
    events, source_of = trace.events, trace.source_of
    ends: dict[str, list[int]] = {}
    for receipt in group:
        for event in (events[receipt], events[source_of[receipt]]):
            ends.setdefault(event.node, []).append(event.index)
    members: set[int] = set()
    for node, indices in ends.items():
        members.update(trace.timelines[node][min(indices) - 1:max(indices)])
    return members


def _successors(trace: Trace, source_of: Sequence[int], among: Iterable[int],
                skipped: set[int]) -> Callable[[int], list[int]]:
    """Happens-before's covering edges among some events (less the ``skipped`` receipts)."""
    events, timelines = trace.events, trace.timelines
    kept = set(among)
    receivers: dict[int, list[int]] = {}
    for event_id in kept:
        sent = source_of[event_id]
        if sent in kept and event_id not in skipped:
            receivers.setdefault(sent, []).append(event_id)
    for later in receivers.values():
        later.sort()

    def successors(event_id: int) -> list[int]:
        event: TraceEvent = events[event_id]
        timeline = timelines[event.node]
        after = timeline[event.index] if event.index < len(timeline) else -1
        step = [after] if after in kept else []
        return step + receivers.get(event_id, [])

    return successors


def _strong_components(starts: Iterable[int],
                       successors: Callable[[int], list[int]]) -> list[list[int]]:
    """Tarjan's strongly connected components, iteratively (a group can span a long trace)."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    stack: list[int] = []
    on_stack: set[int] = set()
    components: list[list[int]] = []
    for root in starts:
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(successors(root)))]
        while work:
            vertex, pending = work[-1]
            for after in pending:
                if after not in index:
                    index[after] = low[after] = len(index)
                    stack.append(after)
                    on_stack.add(after)
                    work.append((after, iter(successors(after))))
                    break
                if after in on_stack:
                    low[vertex] = min(low[vertex], index[after])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[vertex])
                if low[vertex] == index[vertex]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == vertex:
                            break
                    components.append(component)
    return components
