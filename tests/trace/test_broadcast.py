"""Broadcast checks against the brute-force definitions, on generated and mutated traces."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from histcheck.api import check
from histcheck.trace.broadcast import LEVELS
from tests.trace import oracle
from tests.trace.helpers import (
    brute_broadcast,
    brute_order_counts,
    is_acyclic,
    make_trace,
)

Rows = list[dict[str, Any]]


@st.composite
def broadcast_runs(draw: st.DrawFn, discipline: str) -> Rows:
    """A run where deliveries follow ``discipline``, then everything pending is delivered."""
    nodes = [f"n{i}" for i in range(draw(st.integers(2, 4)))]
    rows: Rows = []
    order: list[str] = []  # global broadcast order (the total order)
    deps: dict[str, set[str]] = {}
    seen = {n: set[str]() for n in nodes}  # messages in each node's causal past
    delivered: dict[str, list[str]] = {n: [] for n in nodes}
    sender: dict[str, str] = {}

    def allowed(node: str) -> list[str]:
        done = delivered[node]
        if discipline in ("total-order", "fifo-total-order"):
            return order[len(done):len(done) + 1]
        options = [m for m in order if m not in done]
        if discipline == "causal":
            return [m for m in options if deps[m] <= set(done)]
        if discipline == "fifo":
            return [m for m in options
                    if all(p in done for p in order[:order.index(m)] if sender[p] == sender[m])]
        return options

    def deliver(node: str, msg: str) -> None:
        rows.append({"node": node, "type": "deliver", "msg": msg, "from": sender[msg]})
        delivered[node].append(msg)
        seen[node] |= deps[msg] | {msg}

    for step in range(draw(st.integers(1, 12))):
        node = draw(st.sampled_from(nodes))
        choices = allowed(node)
        if choices and draw(st.booleans()):
            deliver(node, draw(st.sampled_from(choices)))
        else:
            msg = f"m{step}"
            deps[msg], sender[msg] = set(seen[node]), node
            order.append(msg)
            seen[node].add(msg)
            rows.append({"node": node, "type": "broadcast", "msg": msg})
    for node in nodes:
        while allowed(node):
            deliver(node, allowed(node)[0])
    return rows


@st.composite
def mutated(draw: st.DrawFn, rows: Rows) -> Rows:
    """One mutation: a lost delivery, a duplicate, two deliveries swapped, or a crash."""
    rows = [dict(r) for r in rows]
    deliveries = [i for i, r in enumerate(rows) if r["type"] == "deliver"]
    kind = draw(st.sampled_from(["none", "lose", "duplicate", "swap", "crash"]))
    if kind == "lose" and deliveries:
        del rows[draw(st.sampled_from(deliveries))]
    elif kind == "duplicate" and deliveries:
        i = draw(st.sampled_from(deliveries))
        rows.insert(draw(st.integers(i + 1, len(rows))), dict(rows[i]))
    elif kind == "swap" and len(deliveries) > 1:
        i = draw(st.sampled_from(deliveries))
        same = [j for j in deliveries if j > i and rows[j]["node"] == rows[i]["node"]]
        if same:
            j = draw(st.sampled_from(same))
            rows[i], rows[j] = rows[j], rows[i]
    elif kind == "crash":
        node = draw(st.sampled_from(sorted({r["node"] for r in rows})))
        mine = [i for i, r in enumerate(rows) if r["node"] == node]
        cut = draw(st.integers(0, len(mine)))
        dropped = set(mine[cut:])
        rows = [r for i, r in enumerate(rows) if i not in dropped]
        rows.append({"node": node, "type": "crash"})
        # a broadcast that no longer exists cannot be delivered by anyone: keep input well formed
        sent = {r["msg"] for r in rows if r["type"] == "broadcast"}
        rows = [r for r in rows if r["type"] != "deliver" or r["msg"] in sent]
    return rows


def verdicts(rows: Rows) -> None:
    trace = make_trace(rows)
    for level in LEVELS:
        result = check(trace, model="broadcast", consistency=level)  # type: ignore[arg-type]
        assert Counter(result.details["counts"]) == oracle.expected(trace, "broadcast", level)
        if not is_acyclic(trace):  # e.g. a delivery swapped before its own broadcast
            assert "received-before-sent" in result.details["counts"]
            continue
        expected = brute_broadcast(trace, level)
        assert result.valid is expected, (level, rows, result.explanation)
        if level in ("fifo", "causal"):  # and every violating (delivery, sender) is counted
            counts = result.details["counts"]
            assert brute_order_counts(trace, level == "causal") == {
                name: counts.get(name, 0) for name in ("fifo-order", "causal-order")}, rows


@pytest.mark.parametrize("discipline", LEVELS)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_generated_runs_hold_their_level(discipline: str, data: st.DataObject) -> None:
    rows = data.draw(broadcast_runs(discipline))
    trace = make_trace(rows)
    result = check(trace, model="broadcast", consistency=discipline)  # type: ignore[arg-type]
    assert result.valid is True, result.explanation
    verdicts(rows)


@pytest.mark.parametrize("discipline", ["reliable", "causal", "total-order"])
@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_mutated_runs_match_brute_force(discipline: str, data: st.DataObject) -> None:
    rows = data.draw(mutated(data.draw(broadcast_runs(discipline))))
    try:
        make_trace(rows)
    except Exception:  # a mutation that makes the input unreadable is not the point here
        return
    verdicts(rows)


def test_each_mutation_is_named() -> None:
    base: Rows = [
        {"node": "a", "type": "broadcast", "msg": "m1"},
        {"node": "a", "type": "deliver", "msg": "m1", "from": "a"},
        {"node": "b", "type": "deliver", "msg": "m1", "from": "a"},
    ]
    lost = [*base[:2], {"node": "b", "type": "local"}]  # b is present but never delivers
    dup = [*base, {"node": "b", "type": "deliver", "msg": "m1", "from": "a"}]
    liar = [*base[:2], {"node": "b", "type": "deliver", "msg": "m1", "from": "c"}]
    ghost = [*base, {"node": "b", "type": "deliver", "msg": "m9"},  # every node owes it, too
             {"node": "a", "type": "deliver", "msg": "m9"}]
    for rows, name in ((lost, "lost-delivery"), (dup, "duplicate-delivery"),
                       (liar, "wrong-sender"), (ghost, "unknown-message")):
        result = check(make_trace(rows), model="broadcast",  # type: ignore[arg-type]
                       consistency="reliable")
        assert {a.name for a in result.anomalies} == {name}
    crashed = [*lost, {"node": "b", "type": "crash"}]  # b crashed: it need not deliver
    assert check(make_trace(crashed), model="broadcast",  # type: ignore[arg-type]
                 consistency="reliable").valid is True
