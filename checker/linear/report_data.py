"""What the report page draws, as plain data: operations, partitions, orders and model states.

The page is drawn in the browser from one JSON document built here. Operations are stored
once, column by column (compact for 100,000 of them); each partition names its operations and
carries its verdict; each order (the linearization found, or the longest partial one) lists
its steps with a linearization point inside each operation's interval and the model state after
the step. States come from the checker's result; replaying the built-in model along the order
adds the state before the first step and confirms the steps (a step the replay cannot confirm
keeps the checker's text alone).
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

from histcheck.history import FAIL, INFO, History, Operation
from histcheck.linear.model import Choices, Resolved, resolve
from histcheck.linear.search import FURTHEST
from histcheck.result import CheckResult
from histcheck.values import show, sort_key

ALL = "all"
"""The name of the one partition of a model that does not partition."""
TYPES = {"ok": 0, "info": 1, "fail": 2}
STATE_SHOWN = 300
"""Characters of a state the page keeps (an append-only kv value grows with every step)."""


@dataclass(frozen=True)
class Step:
    """One step of an order: the operation, where it took effect, the state after it."""

    op: Operation
    point: float
    after: str


@dataclass(frozen=True)
class Order:
    """A linearization (or the longest partial one) of one partition."""

    partition: str
    title: str
    initial: str
    steps: tuple[Step, ...]


def _model(result: CheckResult) -> Resolved | None:
    from histcheck.linear.models import BUILTIN

    model = BUILTIN.get(result.model)
    return None if model is None else resolve(model)


def _partition_of(model: Resolved | None, result: CheckResult) -> Any:
    """How operations map to partition names, as the checker split them."""
    if result.consistency != "linearizable":
        return None
    if model is not None:
        return model.partition
    return lambda op: op.key


def _name(key: Hashable) -> str:
    return ALL if key is None else show(key)  # type: ignore[arg-type]


def points(history: History, ops: Sequence[Operation]) -> list[float]:
    """A point inside each interval, non-decreasing along ``ops`` (exists for a legal order).

    Each point is as near its interval's middle as the order allows: between the earliest
    point (after the previous one) and the latest (before every later operation's return).
    """
    bounds = [history.interval(op) for op in ops]
    earliest: list[float] = []
    last = float("-inf")
    for start, end in bounds:
        last = min(max(start, last), end)
        earliest.append(last)
    latest = [0.0] * len(bounds)
    bound = float("inf")
    for k in range(len(bounds) - 1, -1, -1):
        start, end = bounds[k]
        bound = max(min(end, bound), earliest[k])
        latest[k] = bound
    placed: list[float] = []
    last = float("-inf")
    for (start, end), low, high in zip(bounds, earliest, latest, strict=True):
        middle = start if end == float("inf") else (start + end) / 2
        last = max(last, min(max(middle, low), high))
        placed.append(last)
    return placed


def replay_initial(model: Resolved | None, ops: Sequence[Operation],
                   recorded: Sequence[str]) -> str:
    """The state before the first step, when replaying the model along ``ops`` gives the
    checker's states (an unknown model, or other options than the defaults, gives ``?``)."""
    if model is None:
        return "?"
    try:
        state = model.initial()
        initial = model.describe_state(state)
        for op, text in zip(ops, recorded, strict=True):
            after = model.step(state, op)
            options = list(after) if isinstance(after, Choices) else [after]
            matching = [s for s in options if s is not None and model.describe_state(s) == text]
            if not matching:
                return "?"
            state = matching[0]
    except (ValueError, TypeError):
        return "?"
    return initial


def refused_after(model: Resolved | None, order: Order, culprit: Operation) -> bool:
    """True when the replayed model confirms that ``culprit`` cannot follow ``order``."""
    if model is None:
        return False
    try:
        state = model.initial()
        for step in order.steps:
            after = model.step(state, step.op)
            options = list(after) if isinstance(after, Choices) else [after]
            matching = [s for s in options
                        if s is not None and model.describe_state(s) == step.after]
            if not matching:
                return False
            state = matching[0]
        return model.step(state, culprit) is None
    except (ValueError, TypeError):
        return False


def _orders(history: History, result: CheckResult, model: Resolved | None) -> list[Order]:
    by_id = {op.id: op for op in history.operations}
    found: list[Order] = []
    seen: set[tuple[str, tuple[int, ...]]] = set()
    sources: list[tuple[Any, list[Any]]] = [
        (part.get("key"), part.get("steps", [])) for part in result.details.get("parts", [])]
    sources += [(a.data.get("key"), a.data.get("longest-prefix", [])) for a in result.anomalies
                if "longest-prefix" in a.data]
    sources += [(a.data.get("key"), other) for a in result.anomalies
                for other in a.data.get("furthest", ())]
    for key, raw in sources:
        steps = [(by_id[i], str(state)) for i, state in raw if i in by_id]
        name = ALL if key is None else str(key)
        signature = (name, tuple(op.id for op, _ in steps))
        if signature in seen:
            continue
        seen.add(signature)
        ops = [op for op, _ in steps]
        texts = [text for _, text in steps]
        title = "linearization" if result.valid is True else "longest partial linearization"
        found.append(Order(
            partition=name, title=title, initial=replay_initial(model, ops, texts),
            steps=tuple(Step(op, p, text) for op, text, p
                        in zip(ops, texts, points(history, ops), strict=True))))
    return found


def _lanes(history: History) -> list[Any]:
    return sorted(dict.fromkeys(op.process for op in history.operations),
                  key=lambda p: (not isinstance(p, int), sort_key(p)))


def _time(t: float) -> float | None:
    return None if t == float("inf") else t


def page_data(history: History, result: CheckResult) -> dict[str, Any]:
    """The JSON document the page script draws."""
    model = _model(result)
    partition = _partition_of(model, result)
    lanes = _lanes(history)
    lane_of = {p: i for i, p in enumerate(lanes)}
    ops = history.operations
    index = {op.id: i for i, op in enumerate(ops)}
    members: dict[str, list[int]] = {}
    for i, op in enumerate(ops):
        try:
            key = ALL if partition is None else _name(partition(op))
        except (ValueError, TypeError):
            key = ALL
        members.setdefault(key, []).append(i)
    orders = _orders(history, result, model)
    culprit = result.details.get("culprit")
    core = [index[i] for i in result.details.get("core", []) if i in index]
    failing = {o.partition for o in orders} if result.valid is False else set()
    if result.valid is False and not failing and culprit in index:
        failing = {next(k for k, m in members.items() if index[culprit] in m)}
    reported = {str(p.get("key")) if p.get("key") is not None else ALL: p.get("valid")
                for p in result.details.get("parts", [])}

    def verdict(name: str) -> str:
        if name in failing:
            return "invalid"
        if result.valid is True:
            return "valid"
        if result.valid is False:
            return "not reported" if reported.get(name) is None else \
                ("valid" if reported[name] is True else "invalid")
        return "unknown"

    names = sorted(members, key=lambda n: (n not in failing, sort_key(n)))
    refused = False
    if culprit in index and orders:
        refused = refused_after(model, orders[0], ops[index[culprit]])
    bounds = [history.interval(op) for op in ops]
    return {
        "source": history.source or "history",
        "verdict": result.verdict,
        "model": result.model,
        "consistency": result.consistency,
        "count": len(ops),
        "explanation": result.explanation,
        "timed": history.timed,
        "lanes": [show(p) for p in lanes],
        "ops": {
            "id": [op.id for op in ops],
            "lane": [lane_of[op.process] for op in ops],
            "call": [start for start, _ in bounds],
            "ret": [_time(end) for _, end in bounds],
            "type": [TYPES.get(op.type.value, 0) for op in ops],
            "f": [op.f for op in ops],
            "key": [None if op.key is None else show(op.key) for op in ops],
            "value": [_value(op) for op in ops],
        },
        "partitions": [{"name": n, "verdict": verdict(n), "ops": members[n]} for n in names],
        "orders": [{"partition": o.partition, "title": o.title, "initial": _cut(o.initial),
                    "steps": [[index[s.op.id], s.point, _cut(s.after)] for s in o.steps]}
                   for o in orders],
        "culprit": index.get(culprit) if culprit is not None else None,
        "culpritRefused": refused,
        "core": core,
        "notes": _notes(history, result, orders),
    }


def _cut(state: str) -> str:
    if len(state) <= STATE_SHOWN:
        return state
    return f"{state[:STATE_SHOWN]}… ({len(state)} characters)"


def _value(op: Operation) -> str:
    if op.type is FAIL or op.type is INFO:
        return show(op.value) + ("" if op.value is None else " (argument)")
    return show(op.value)


def _notes(history: History, result: CheckResult, orders: list[Order]) -> list[str]:
    notes: list[str] = []
    if result.valid is False:
        notes.append("One partial linearization reaches furthest (the deepest configuration "
                     "the search reached); it is shown, numbered."
                     if len(orders) == 1 else
                     f"{len(orders)} partial linearizations reach furthest"
                     f"{' (the first ones found)' if len(orders) >= FURTHEST else ''}; "
                     "choose one below.")
    if not orders and result.valid is True:
        notes.append("The checker did not keep the linearization of a history this long: the "
                     "page shows the operations only.")
    if not history.timed:
        notes.append("This history records no times: the axis counts events.")
    return notes
