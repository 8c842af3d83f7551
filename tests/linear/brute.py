"""A brute-force oracle and random small histories for the differential tests.

The oracle shares nothing with the engines beyond the models' ``step``: it tries every subset of
the indeterminate operations and every order of the chosen operations that respects real-time
order (linearizable) or program order (sequential), replaying the model.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from histcheck.history import FAIL, INFO, Event, EventType, History, Operation, from_events
from histcheck.linear.model import Choices, Model
from histcheck.values import Value


def _after(model: Model[Any], state: Any, op: Operation) -> list[Any]:
    result = model.step(state, op)
    if result is None:
        return []
    return list(result) if isinstance(result, Choices) else [result]


def brute_force(history: History, model: Model[Any], consistency: str) -> bool:
    """True when some order of the operations satisfies the model (see the module docstring);
    ``consistency`` "unordered" allows every order (real time and program order erased)."""
    keep_failed = getattr(model, "keep_failed", lambda op: False)
    partition = getattr(model, "partition", None)
    ops = [op for op in history if op.type is not FAIL or keep_failed(op)]
    required = [op for op in ops if op.type is not INFO]
    optional = [op for op in ops if op.type is INFO]

    def precedes(a: Operation, b: Operation) -> bool:
        if consistency == "unordered":
            return False
        if consistency == "sequential":
            return a.process == b.process and a.call < b.call
        return history.interval(a)[1] < history.interval(b)[0]

    def replay(order: tuple[Operation, ...]) -> bool:
        states: list[Any] = [{} if partition is not None else model.initial()]
        for op in order:
            following = []
            for state in states:
                if partition is None:
                    following.extend(_after(model, state, op))
                    continue
                key = partition(op)
                for sub in _after(model, state.get(key, model.initial()), op):
                    following.append({**state, key: sub})
            if not following:
                return False
            states = following
        return True

    for size in range(len(optional) + 1):
        for chosen in itertools.combinations(optional, size):
            group = required + list(chosen)
            for order in itertools.permutations(group):
                if any(precedes(order[j], order[i])
                       for i in range(len(order)) for j in range(i + 1, len(order))):
                    continue
                if replay(order):
                    return True
    return False


OpMaker = Callable[[st.DrawFn], tuple[str, Value, Value]]
"""Draws (f, key, invocation value) for one model."""
ResultMaker = Callable[[st.DrawFn, str, Value], Value]


@st.composite
def histories(draw: st.DrawFn, invoke: Any, result: Any, max_ops: int = 6,
              processes: int = 3) -> History:
    """A random concurrent history: processes invoke, then complete with ok, info or fail."""
    count = draw(st.integers(1, max_ops))
    events: list[Event] = []
    busy: dict[int, tuple[str, Value, Value]] = {}
    names = list(range(processes))
    next_name = processes
    started = 0
    while started < count or busy:
        lane = draw(st.integers(0, len(names) - 1))
        process = names[lane]
        if process in busy:
            f, key, value = busy.pop(process)
            kind = draw(st.sampled_from([EventType.OK, EventType.OK, EventType.OK,
                                         EventType.INFO, EventType.FAIL]))
            out = draw(result(f, value)) if kind is EventType.OK else value
            events.append(Event(process, kind, f, out, key))
            if kind is EventType.INFO:
                names[lane] = next_name
                next_name += 1
        elif started < count:
            f, key, value = draw(invoke)
            busy[process] = (f, key, value)
            events.append(Event(process, EventType.INVOKE, f, value, key))
            started += 1
    if draw(st.booleans()) and events[-1].type is not EventType.INVOKE:
        # leave one operation open: an invocation never completed is indeterminate
        last = next_name
        f, key, value = draw(invoke)
        events.append(Event(last, EventType.INVOKE, f, value, key))
    return from_events(events)


def plain_search(history: History, model: Model[Any]) -> bool:
    """Wing & Gong with a (placed set, state) cache and no other reduction: the reference for
    medium histories, where trying every order is too slow. Linearizability only."""
    keep_failed = getattr(model, "keep_failed", lambda op: False)
    ops = [op for op in history if op.type is not FAIL or keep_failed(op)]
    bounds = [history.interval(op) for op in ops]
    required = frozenset(i for i, op in enumerate(ops) if op.type is not INFO)
    partition = getattr(model, "partition", None)
    failed: set[tuple[frozenset[int], Any]] = set()

    def after(state: Any, op: Operation) -> list[Any]:
        if partition is None:
            return _after(model, state, op)
        key = partition(op)
        current = dict(state)
        return [tuple(sorted({**current, key: sub}.items(), key=repr))
                for sub in _after(model, current.get(key, model.initial()), op)]

    def walk(placed: frozenset[int], state: Any) -> bool:
        if required <= placed:
            return True
        if (placed, state) in failed:
            return False
        deadline = min(bounds[i][1] for i in range(len(ops)) if i not in placed)
        for i in range(len(ops)):
            if i in placed or bounds[i][0] > deadline:
                continue
            for nxt in after(state, ops[i]):
                if walk(placed | {i}, nxt):
                    return True
        failed.add((placed, state))
        return False

    return walk(frozenset(), () if partition is not None else model.initial())
