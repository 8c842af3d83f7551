"""Brute-force oracles for the storage systems' histories, independent of histcheck's checkers.

``linearizable`` is Wing and Gong's search with a cache of (linearized set, state): small
histories only, which is what the tests record. ``sequential`` drops real time and keeps each
process's order. Models are plain step functions: ``step(state, op) -> new state`` or None when
the operation cannot happen in that state. Indeterminate operations may take effect or not;
indeterminate reads are left out (they constrain nothing).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from histcheck.history import INFO, OK, History, Operation

Step = Callable[[Any, Operation], Any]


NIL = "<nil>"
"""The state of a register that holds nil (None means "impossible" to the search)."""


def register_step(state: Any, op: Operation) -> Any:
    """Registers start at ``NIL``; a nil read needs nil."""
    if op.f == "read":
        return state if _held(op.value) == state else None
    if op.f == "write":
        return _held(op.value)
    if op.f == "cas":
        old, new = op.value  # type: ignore[misc]
        return _held(new) if state == _held(old) else None
    raise ValueError(op.f)


def _held(value: Any) -> Any:
    return NIL if value is None else value


def kv_step(state: Any, op: Operation) -> Any:
    value = "" if op.value is None else op.value
    if op.f == "get":
        return state if value == state else None
    if op.f == "put":
        return value
    if op.f == "append":
        return state + value
    raise ValueError(op.f)


def multi_register_step(state: Any, op: Operation) -> Any:
    """One-micro-op txns ``[r k v]``/``[w k v]`` over sorted (key, value) pairs; nil reads pass."""
    held = dict(state)
    for kind, key, value in op.value:  # type: ignore[union-attr, misc]
        if kind == "r" and value is not None and held.get(key) != value:
            return None
        if kind == "w":
            held[key] = value
    return tuple(sorted(held.items()))


def _relevant(history: History, key: Hashable | None = None) -> list[Operation]:
    ops = []
    for op in history:
        if op.failed or (op.indeterminate and op.f in ("read", "get")):
            continue
        if op.indeterminate and op.f == "txn" and all(m[0] == "r" for m in op.value):  # type: ignore[union-attr, index]
            continue
        if key is None or op.key == key:
            ops.append(op)
    return ops


def linearizable(history: History, step: Step, initial: Any, *, by_key: bool = False,
                 real_time: bool = True) -> bool:
    """Whether some order of the operations, legal for ``step``, respects real time
    (or, with ``real_time=False``, each process's order: sequential consistency)."""
    if by_key:
        keys = list(dict.fromkeys(op.key for op in history))
        return all(_search(_relevant(history, k), step, initial, real_time) for k in keys)
    return _search(_relevant(history), step, initial, real_time)


def _search(ops: list[Operation], step: Step, initial: Any, real_time: bool) -> bool:
    n = len(ops)
    inf = float("inf")
    calls = [float(op.call_time if op.call_time is not None else op.call) for op in ops]
    rets = [inf if op.type is INFO or op.ret_time is None else float(op.ret_time) for op in ops]
    required = sum(1 << i for i, op in enumerate(ops) if op.type is OK)
    previous = [-1] * n  # the same process's previous operation, for sequential order
    last: dict[Any, int] = {}
    for i in sorted(range(n), key=lambda i: calls[i]):
        previous[i] = last.get(ops[i].process, -1)
        last[ops[i].process] = i
    seen: set[tuple[int, Any]] = set()
    stack: list[tuple[int, Any]] = [(0, initial)]
    while stack:
        done, state = stack.pop()
        if done & required == required:
            return True
        if (done, state) in seen:
            continue
        seen.add((done, state))
        pending = [i for i in range(n) if not done >> i & 1]
        horizon = min(rets[i] for i in pending)
        for i in pending:
            if real_time and calls[i] > horizon:
                continue
            if not real_time and previous[i] >= 0 and not done >> previous[i] & 1:
                continue
            after = step(state, ops[i])
            if after is not None:
                stack.append((done | 1 << i, after))
    return False
