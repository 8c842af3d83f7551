"""Read/write histories as the causal checks see them: sessions of reads and writes, and reads-from.

A session is a client process; program order (po) is its operations in invocation order. Written
values are unique per key, so each read names the write it reads from (wr), and a read of nil
reads the initial value. Causal order is co = (po | wr)+.

What is kept: ``ok`` reads and writes; an indeterminate write only when some read returns its
value (then it certainly happened; otherwise it may never have, and leaving it out is the only
choice that cannot invent a violation). Failed operations and indeterminate reads are dropped.

Operations are ``read``/``write`` (or ``r``/``w``) with a ``key`` field (or a single register),
a ``txn`` of exactly one ``[r k v]`` or ``[w k v]`` micro-op, or for key-value models a value
``[k v]`` (Jepsen's independent keys).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from histcheck.errors import HistoryError
from histcheck.history import FAIL, INFO, History, Operation
from histcheck.values import Value

READS = frozenset({"read", "r"})
WRITES = frozenset({"write", "w"})


@dataclass(frozen=True, slots=True)
class MemOp:
    """One read or write: ``session`` and 1-based ``index`` place it in program order."""

    position: int
    op: Operation
    session: int
    index: int
    write: bool
    key: Value
    value: Value

    def describe(self, history: History) -> str:
        verb = "write" if self.write else "read"
        key = "" if self.key is None else f"{self.key!r}, "
        value = "nil" if self.value is None else repr(self.value)
        line = history.line_of(self.op.call)
        where = f", line {line}" if line is not None else ""
        return f"{verb}({key}{value}) by process {self.op.process!r} (op {self.op.id}{where})"


@dataclass(frozen=True)
class Memory:
    """Sessions of operations with reads-from resolved.

    ``source[i]`` is the position of the write read by read ``i``: -1 for the initial value,
    -2 for a value nobody wrote (a thin-air read), and -3 for writes.
    ``writes_at[(session, key)]`` lists the indices of that session's writes to key, ascending.
    """

    history: History
    ops: tuple[MemOp, ...]
    sessions: tuple[tuple[int, ...], ...]
    source: tuple[int, ...]
    writes_at: dict[tuple[int, Value], list[int]] = field(default_factory=dict)

    def last_write(self, session: int, key: Value, upto: int) -> int | None:
        """Position of ``session``'s last write to ``key`` among its first ``upto`` operations."""
        indices = self.writes_at.get((session, key))
        if not indices:
            return None
        k = bisect.bisect_right(indices, upto)
        return None if k == 0 else self.sessions[session][indices[k - 1] - 1]

    def describe(self, position: int) -> str:
        return self.ops[position].describe(self.history)


def _parse(op: Operation, keyed: bool, history: History) -> tuple[bool, Value, Value]:
    f: Value = op.f
    key, value = op.key, op.value
    if f == "txn":
        if not (isinstance(value, tuple) and len(value) == 1 and isinstance(value[0], tuple)
                and len(value[0]) == 3):
            raise history.error("causal checks take txn operations of exactly one micro-op", op)
        f, key, value = value[0]
    elif keyed and key is None and isinstance(value, tuple) and len(value) == 2:
        key, value = value
    if f in READS:
        write = False
    elif f in WRITES:
        write = True
    else:
        raise history.error(f"causal checks take reads and writes, not f={f!r}", op)
    if keyed and key is None:
        raise history.error("a causal-kv operation needs a key (a key field, a [k v] value or "
                            "a one-micro-op txn)", op)
    return write, (key if keyed else None), value


def memory_of(history: History, *, keyed: bool) -> Memory:
    """The read/write view of ``history`` (``keyed`` for key-value models)."""
    candidates: list[tuple[Operation, bool, Value, Value]] = []
    for op in history.operations:
        if op.type is FAIL:
            continue
        write, key, value = _parse(op, keyed, history)
        if not write and op.type is INFO:
            continue
        if write and value is None:
            raise history.error("a write of nil cannot be told from the initial value", op)
        candidates.append((op, write, key, value))
    read_values = {(k, v) for _, w, k, v in candidates if not w}
    ops: list[MemOp] = []
    columns: dict[object, int] = {}
    sessions: list[list[int]] = []
    writer: dict[tuple[Value, Value], int] = {}
    for op, write, key, value in candidates:
        if write and op.type is INFO and (key, value) not in read_values:
            continue
        col = columns.setdefault(op.process, len(columns))
        if col == len(sessions):
            sessions.append([])
        position = len(ops)
        sessions[col].append(position)
        ops.append(MemOp(position, op, col, len(sessions[col]), write, key, value))
        if write:
            first = writer.setdefault((key, value), position)
            if first != position:
                raise history.error(f"causal checks need unique written values: {value!r} is "
                                    f"written to {key!r} twice ({ops[first].describe(history)} "
                                    f"first)", op)
    source = tuple(-3 if m.write else (-1 if m.value is None else writer.get((m.key, m.value), -2))
                   for m in ops)
    writes_at: dict[tuple[int, Value], list[int]] = {}
    for m in ops:
        if m.write:
            writes_at.setdefault((m.session, m.key), []).append(m.index)
    if not ops:
        raise HistoryError("no reads or writes to check", path=history.source)
    return Memory(history, tuple(ops), tuple(tuple(s) for s in sessions), source, writes_at)
