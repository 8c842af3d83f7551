"""Checking a valid verdict's witness: a commit order, by replaying the history along it.

A polygraph answer "valid" comes with the order the solver found: the operation ids of the
transactions that took effect, first committed first. This module re-checks such an order from
the operations alone, without any of the checker's graphs, so that tests (and sceptical users)
can confirm a "valid" independently:

- serializable and its variants: run the transactions one after another in that order on an
  empty store; every read must show exactly the store as it is then (its own earlier writes
  included). Strong-session variants also need each process's transactions in history order,
  strict ones each transaction after every one that completed before it was invoked.
- snapshot isolation: each transaction must have a snapshot, a prefix of the order no later
  than itself, such that its reads show that prefix's state overlaid with its own writes, and
  the prefix holds every earlier transaction that wrote a key it also writes (first committer
  wins). A read of key k from the version written at position p allows snapshots after p and
  no later than the next write of k; the snapshot exists when these intervals meet.

Every ``ok`` transaction must be in the order, no ``fail`` one; ``info`` ones may be.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

from histcheck.history import History, Operation
from histcheck.txn import levels
from histcheck.values import Value


@dataclass(frozen=True)
class Certificate:
    """A commit order (operation ids) witnessing ``level``."""

    level: str
    order: tuple[int, ...]

    def to_json(self) -> dict[str, object]:
        return {"kind": "commit-order", "level": self.level, "commit_order": list(self.order)}


def problem(history: History, certificate: Certificate) -> str | None:
    """None when the order witnesses the level, else the first reason it does not."""
    ops = {op.id: op for op in history if op.f == "txn" or isinstance(op.value, tuple)}
    order = [ops.get(i) for i in certificate.order]
    missing = next((i for i, op in zip(certificate.order, order, strict=True) if op is None), None)
    if missing is not None:
        return f"operation {missing} is not a transaction of the history"
    placed: list[Operation] = [op for op in order if op is not None]
    if len({op.id for op in placed}) != len(placed):
        return "a transaction appears twice in the order"
    for op in ops.values():
        if op.type.value == "ok" and op.id not in certificate.order:
            return f"committed transaction {op.id} is missing from the order"
        if op.type.value == "fail" and op.id in certificate.order:
            return f"failed transaction {op.id} is in the order"
    level = certificate.level
    implied = levels.implied(level)
    if levels.orders_sessions(level):
        found = _sessions(placed)
        if found:
            return found
    if levels.orders_realtime(level):
        found = _realtime(placed)
        if found:
            return found
    if implied & {"serializable", "repeatable-read"}:
        return _serial(placed)
    if "snapshot-isolation" in implied:
        return _snapshots(placed)
    return f"no commit-order check for {level}"


def _reads_shown(op: Operation) -> bool:
    return op.type.value == "ok"


def _serial(placed: list[Operation]) -> str | None:
    store: dict[Value, Value] = {}
    for op in placed:
        for f, k, v in _mops(op):
            if f == "r":
                if _reads_shown(op) and _shape(v) != store.get(k, _empty(v)):
                    return (f"transaction {op.id} read {k!r} = {v!r} but the order leaves "
                            f"{store.get(k, _empty(v))!r} there")
            elif f == "append":
                store[k] = (*_list(store.get(k, ())), v)
            else:
                store[k] = v
    return None


def _snapshots(placed: list[Operation]) -> str | None:
    """For each transaction, the snapshot points its reads allow, intersected."""
    positions: dict[Value, list[int]] = {}
    versions: dict[Value, list[Value]] = {}
    for position, op in enumerate(placed, start=1):
        after: dict[Value, Value] = {}
        for f, k, v in _mops(op):
            if f == "append":
                current = after[k] if k in after else (versions[k][-1] if k in versions else ())
                after[k] = (*_list(current), v)
            elif f == "w":
                after[k] = v
        for k, v in after.items():
            positions.setdefault(k, []).append(position)
            versions.setdefault(k, []).append(v)
    for position, op in enumerate(placed, start=1):
        low = 0
        for k in {k for f, k, _ in _mops(op) if f != "r"}:
            earlier = positions[k][:bisect_right(positions[k], position - 1)]
            if earlier:
                low = max(low, earlier[-1])  # first committer wins
        allowed = [(low, position - 1)]
        if _reads_shown(op):
            own: dict[Value, list[Value]] = {}
            for f, k, v in _mops(op):
                if f != "r":
                    own.setdefault(k, []).append(v)
                    continue
                seen = _shape(v)
                mine = own.get(k, [])
                if mine and not isinstance(seen, tuple):
                    if seen != mine[-1]:
                        return f"transaction {op.id} read {k!r} = {v!r} after writing {mine[-1]!r}"
                    continue
                if mine:
                    tail = tuple(mine)
                    shown = _list(seen)
                    if len(shown) < len(tail) or shown[len(shown) - len(tail):] != tail:
                        return (f"transaction {op.id} read {k!r} = {v!r} without its own "
                                f"appends {list(tail)!r} at the end")
                    seen = shown[:len(shown) - len(tail)]
                spans = _spans(positions.get(k, []), versions.get(k, []), seen, position)
                allowed = [(max(a, c), min(b, d)) for a, b in allowed for c, d in spans
                           if max(a, c) <= min(b, d)]
                if not allowed:
                    return f"transaction {op.id} has no snapshot that shows all its reads"
        if not allowed:
            return f"transaction {op.id} has no snapshot after its key's earlier writers"
    return None


def _spans(positions: list[int], values: list[Value], seen: Value, before: int,
           ) -> list[tuple[int, int]]:
    """The snapshot points (prefix lengths) at which the key holds ``seen``."""
    spans: list[tuple[int, int]] = []
    if seen == _empty(seen) and not (values and values[0] == seen and positions[0] == 0):
        spans.append((0, (positions[0] if positions else before) - 1))
    for index, (position, value) in enumerate(zip(positions, values, strict=True)):
        if value == seen and position < before:
            following = positions[index + 1] if index + 1 < len(positions) else before
            spans.append((position, min(following, before) - 1))
    return spans


def _sessions(placed: list[Operation]) -> str | None:
    last: dict[object, Operation] = {}
    for op in placed:
        prior = last.get(op.process)
        if prior is not None and prior.call > op.call:
            return f"transactions {prior.id} and {op.id} of one process are out of order"
        last[op.process] = op
    return None


def _realtime(placed: list[Operation]) -> str | None:
    position = {op.id: p for p, op in enumerate(placed)}
    done = sorted((op for op in placed if op.ret is not None), key=lambda op: op.ret or 0)
    index, latest = 0, -1
    latest_id = -1
    for op in sorted(placed, key=lambda o: o.call):
        while index < len(done) and (done[index].ret or 0) < op.call:
            if position[done[index].id] > latest:
                latest, latest_id = position[done[index].id], done[index].id
            index += 1
        if latest > position[op.id]:
            return f"transaction {latest_id} completed before {op.id} began but comes after it"
    return None


def _mops(op: Operation) -> Sequence[tuple[str, Value, Value]]:
    value = op.value if isinstance(op.value, tuple) else ()
    return [(str(m[0]), m[1], m[2]) for m in value if isinstance(m, tuple) and len(m) == 3]


def _shape(v: Value) -> Value:
    return tuple(v) if isinstance(v, list) else v


def _list(v: Value) -> tuple[Value, ...]:
    return tuple(v) if isinstance(v, tuple | list) else ()


def _empty(v: Value) -> Value:
    return () if isinstance(v, tuple | list) else None
