"""Small independent test oracles over trace events, so mechanisms are tested without checkers.

They read the same events the real checkers read (dicts from ``TraceRecorder.events``) and
return a list of problems (empty when the property holds).
"""

from __future__ import annotations

from collections import Counter
from itertools import combinations
from typing import Any

Events = list[dict[str, Any]]


def deliveries(events: Events) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for event in events:
        if event["type"] == "deliver":
            out.setdefault(event["node"], []).append(event["msg"])
    return out


def reliable(events: Events, nodes: list[str]) -> list[str]:
    crashed = {e["node"] for e in events if e["type"] == "crash"}
    sent = [e["msg"] for e in events if e["type"] == "broadcast" and e["node"] not in crashed]
    every = {e["msg"] for e in events if e["type"] == "broadcast"}
    got = deliveries(events)
    problems = []
    for node in nodes:
        counts = Counter(got.get(node, []))
        problems += [f"{node} delivered {m} {c} times" for m, c in counts.items() if c > 1]
        problems += [f"{node} delivered unknown {m}" for m in counts if m not in every]
        if node not in crashed:
            problems += [f"{node} never delivered {m}" for m in sent if m not in counts]
    return problems


def fifo(events: Events) -> list[str]:
    order = [e["msg"] for e in events if e["type"] == "broadcast"]
    rank = {m: i for i, m in enumerate(order)}
    problems = []
    for node, msgs in deliveries(events).items():
        last: dict[str, int] = {}
        for m in msgs:
            origin = m.split(".")[0]
            if rank[m] < last.get(origin, -1):
                problems.append(f"{node} delivered {m} after a later message from {origin}")
            last[origin] = rank[m]
    return problems


def _leq(a: dict[str, int], b: dict[str, int]) -> bool:
    return all(b.get(k, 0) >= v for k, v in a.items())


def causal(events: Events) -> list[str]:
    clocks = {e["msg"]: e["vc"] for e in events if e["type"] == "broadcast"}
    problems = []
    for node, msgs in deliveries(events).items():
        position = {m: i for i, m in enumerate(msgs)}
        for m1, m2 in combinations(list(clocks), 2):
            for a, b in ((m1, m2), (m2, m1)):
                if (_leq(clocks[a], clocks[b]) and a in position and b in position
                        and position[b] < position[a]):
                    problems.append(f"{node} delivered {b} before its cause {a}")
    return problems


def total(events: Events) -> list[str]:
    got = deliveries(events)
    problems = []
    for n1, n2 in combinations(sorted(got), 2):
        common = set(got[n1]) & set(got[n2])
        first = [m for m in got[n1] if m in common]
        second = [m for m in got[n2] if m in common]
        if first != second:
            problems.append(f"{n1} and {n2} deliver in different orders")
    return problems


def executions(events: Events) -> Counter[str]:
    """How many times the server executed each RPC request id."""
    return Counter(e["rpc"] for e in events if e["type"] == "execute")


def channel_reliable(events: Events) -> list[str]:
    sent = Counter(e["msg"] for e in events if e["type"] == "send")
    got = Counter(e["msg"] for e in events if e["type"] == "recv")
    return [f"{m} sent {sent[m]} times, received {got[m]} times"
            for m in sorted(set(sent) | set(got)) if sent[m] != got[m]]


def channel_fifo(events: Events) -> list[str]:
    rank = {e["msg"]: i for i, e in enumerate(e for e in events if e["type"] == "send")}
    last: dict[tuple[str, str], int] = {}
    problems = []
    for e in events:
        if e["type"] == "recv":
            link = (e["from"], e["node"])
            if rank[e["msg"]] < last.get(link, -1):
                problems.append(f"{e['msg']} overtaken on {link}")
            last[link] = rank[e["msg"]]
    return problems


def rpc(events: Events, semantics: str) -> list[str]:
    executed = executions(events)
    requests = [e["rpc"] for e in events if e["type"] == "request"]
    replies = {e["rpc"] for e in events if e["type"] == "ack"}
    problems = []
    if semantics in ("at-most-once", "exactly-once"):
        problems += [f"{r} executed {executed[r]} times" for r in requests if executed[r] > 1]
    if semantics in ("at-least-once", "exactly-once"):
        problems += [f"{r} answered but never executed" for r in replies if executed[r] == 0]
    return problems
