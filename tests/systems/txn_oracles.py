"""Independent oracles for transactional histories (list-append and rw-register).

- ``serial(history, lists=..., real_time=...)``: brute-force search for a serial order of the
  transactions (strict serializability with ``real_time``, serializability without); built on
  ``storage_oracles.linearizable`` with transactions as the operations. Small histories only.
- ``dependency_cycle(history, lists=...)``: Adya's dependency graph as far as the values prove
  it (wr from unique values; for lists ww and rw from the longest read of each key; for
  registers rw from reads of nil, which precede every write). A cycle proves the history is not
  serializable; no cycle proves nothing. Reading a value no committed or indeterminate
  transaction wrote, or lists that are not prefixes of one another, are reported the same way.
- ``atomicity_violations(history, lists=...)``: once any write of a transaction has been seen,
  or the transaction has committed, every read that starts afterwards must see all its writes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import networkx as nx

from histcheck.history import History, Operation
from tests.systems.storage_oracles import linearizable


def txn_step(lists: bool) -> Callable[[Any, Operation], Any]:
    """Apply a transaction to a state (sorted key/value pairs); None if one of its reads fails.

    Reads of an indeterminate transaction are not known (nil) and match anything."""
    empty = () if lists else None

    def step(state: Any, op: Operation) -> Any:
        held = dict(state)
        for kind, key, value in op.value:  # type: ignore[union-attr, misc]
            if kind == "r":
                if (op.ok or value is not None) and held.get(key, empty) != value:
                    return None
            elif kind == "append":
                held[key] = (*held.get(key, ()), value)
            else:
                held[key] = value
        return tuple(sorted(held.items()))

    return step


def serial(history: History, *, lists: bool, real_time: bool = True) -> bool:
    return linearizable(history, txn_step(lists), (), real_time=real_time)


def _writes(op: Operation) -> list[tuple[Any, Any]]:
    return [(key, value) for kind, key, value in op.value if kind != "r"]  # type: ignore[union-attr, misc]


def _reads(op: Operation) -> list[tuple[Any, Any]]:
    return [(key, value) for kind, key, value in op.value if kind == "r"]  # type: ignore[union-attr, misc]


def dependency_cycle(history: History, *, lists: bool) -> list[str]:
    """Problems that prove ``history`` not serializable (empty when none is found)."""
    ops = [op for op in history if not op.failed]
    aborted = {(k, v) for op in history if op.failed for k, v in _writes(op)}
    writer = {(k, v): op.id for op in ops for k, v in _writes(op)}
    graph = nx.DiGraph()
    problems: list[str] = []
    reads = [(op, k, v) for op in ops if op.ok for k, v in _reads(op)]

    def edge(a: int, b: int) -> None:
        if a != b:
            graph.add_edge(a, b)

    if lists:
        longest: dict[Any, tuple[Any, ...]] = {}
        for _, k, v in reads:
            if len(v) > len(longest.get(k, ())):
                longest[k] = v
        for op, k, v in reads:
            if longest[k][:len(v)] != v:
                problems.append(f"key {k}: reads {v} and {longest[k]} are not one history")
                continue
            for element in v:
                if (k, element) not in writer:
                    kind = "aborted" if (k, element) in aborted else "unwritten"
                    problems.append(f"key {k}: read of {kind} element {element}")
            if v and (k, v[-1]) in writer:
                edge(writer[(k, v[-1])], op.id)
            if len(v) < len(longest[k]) and (k, longest[k][len(v)]) in writer:
                edge(op.id, writer[(k, longest[k][len(v)])])
        for k, order in longest.items():
            known = [writer[(k, e)] for e in order if (k, e) in writer]
            for a, b in itertools.pairwise(known):
                edge(a, b)
    else:
        for op, k, v in reads:
            if v is None:
                for other in ops:
                    if any(key == k for key, _ in _writes(other)):
                        edge(op.id, other.id)
            elif (k, v) in writer:
                edge(writer[(k, v)], op.id)
            else:
                kind = "aborted" if (k, v) in aborted else "unwritten"
                problems.append(f"key {k}: read of {kind} value {v}")
    try:
        cycle = nx.find_cycle(graph)
        problems.append(f"dependency cycle through transactions {[a for a, _ in cycle]}")
    except nx.NetworkXNoCycle:
        pass
    return problems


def atomicity_violations(history: History, *, lists: bool) -> list[str]:
    """Reads that see part of a transaction after the whole of it had to be visible."""
    ops = [op for op in history if not op.failed]
    reads = [(op, k, v) for op in ops if op.ok for k, v in _reads(op)]

    def shows(v: Any, value: Any) -> bool:  # the read saw exactly this write
        return value in v if lists else v == value

    def reflects(v: Any, value: Any) -> bool:  # the read is not older than this write
        return value in v if lists else v is not None

    problems = []
    for txn in ops:
        writes = _writes(txn)
        if not writes:
            continue
        seen_at = [r.ret_time for r, k, v in reads for key, value in writes
                   if r.id != txn.id and key == k and shows(v, value)]
        visible_from = min([t for t in seen_at if t is not None] +
                           ([txn.ret_time] if txn.ok and txn.ret_time is not None else []),
                           default=None)
        if visible_from is None:
            continue
        for r, k, v in reads:
            if r.id == txn.id or r.call_time is None or r.call_time <= visible_from:
                continue
            for key, value in writes:
                if key == k and not reflects(v, value):
                    problems.append(f"op {r.id} read {k}={v} without txn {txn.id}'s write "
                                    f"{value}, visible since {visible_from}")
    return problems
