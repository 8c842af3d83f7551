"""From a history to the operations a search must place, split into independent parts.

What each operation means to the search:

- ``ok``: required. It took effect exactly once, somewhere inside its interval.
- ``info`` (or never completed): optional. It may take effect at any moment after its invocation,
  or never; its interval is open to the end of time. An info operation the model calls pure
  (a read) can only say "nothing" and is dropped.
- ``fail``: dropped, unless the model keeps it (``keep_failed``); then it is required and the
  model's ``step`` says where the failure was possible.

Interchangeable operations: two info operations with the same function, key and argument have
the same effect and both stay open forever, so any linearization that uses the later one and
not the earlier can swap them. The search therefore places the members of such a class in
invocation order (``before[j]`` names the previous member): every subset of k members collapses
to the first k. This is what makes Porcupine's hard etcd cases (many open info writes) easy.

P-compositionality: linearizability is local, so when the model partitions (by key) each part
is checked alone; the history is linearizable iff every part is.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import msgspec

from histcheck.history import FAIL, INFO, History, Operation
from histcheck.linear.model import Choices, Resolved
from histcheck.values import show

INFINITY = float("inf")
EXACT_FLOATS = 2**53
"""Every integer below this is a float exactly."""


class Part(msgspec.Struct, frozen=True):
    """Operations of one independent part, sorted by invocation.

    ``calls``/``rets`` are real-time bounds (``ret`` is infinite for info operations);
    ``required[i]`` is false for optional (info) operations; ``before[i]`` is the index of the
    previous interchangeable operation (or -1); ``pure[i]`` says the operation never changes state.
    """

    key: Hashable
    ops: tuple[Operation, ...]
    calls: tuple[float, ...]
    rets: tuple[float, ...]
    required: tuple[bool, ...]
    before: tuple[int, ...]
    pure: tuple[bool, ...]

    def __len__(self) -> int:
        return len(self.ops)

    @property
    def required_count(self) -> int:
        return sum(self.required)


def relevant(history: History, model: Resolved) -> list[Operation]:
    """The operations that constrain the model (see the module docstring for the rules)."""
    kept: list[Operation] = []
    for op in history.operations:
        if op.type is FAIL:
            if model.keep_failed(op):
                kept.append(op)
        elif op.type is INFO:
            if not model.pure(op):
                kept.append(op)
        else:
            kept.append(op)
    return kept


def build_part(key: Hashable, ops: list[Operation], history: History,
               model: Resolved) -> Part:
    """A part from its operations (in any order), with interchangeable classes linked."""
    calls, ends = _bounds(history, ops)
    ids = [op.id for op in ops]
    if not all(a < b or (a == b and i < j)
               for a, b, i, j in zip(calls, calls[1:], ids, ids[1:], strict=False)):
        order = sorted(range(len(ops)), key=lambda i: (calls[i], ids[i]))
        ops = [ops[i] for i in order]
        calls = [calls[i] for i in order]
        ends = [ends[i] for i in order]
    info = [op.type is INFO for op in ops]
    rets = tuple(INFINITY if open_ else end for open_, end in zip(info, ends, strict=True))
    required = tuple(not open_ for open_ in info)
    pure = model.pure
    return Part(key, tuple(ops), tuple(calls), rets, required, linked(interchangeable(ops)),
                tuple([bool(pure(op)) for op in ops]))


def interchangeable(ops: Sequence[Operation]) -> list[Hashable | None]:
    """Each operation's interchangeable class (function, key, argument) if it is info, else
    None."""
    return [(op.f, op.key, op.value) if op.type is INFO else None for op in ops]


def linked(classes: Sequence[Hashable | None]) -> tuple[int, ...]:
    """``Part.before``: for each member of a class, the index of the previous member."""
    last: dict[Hashable, int] = {}
    before: list[int] = []
    for i, cls in enumerate(classes):
        if cls is None:
            before.append(-1)
        else:
            before.append(last.get(cls, -1))
            last[cls] = i
    return tuple(before)


def _bounds(history: History, ops: list[Operation]) -> tuple[list[float], list[float]]:
    """Invocation and return instants of ``ops`` (``History.interval``, in bulk), as floats,
    which the search compares fastest. Times are counted from the earliest invocation, so they
    stay exact (a float holds every integer below 2^53: 104 days of nanoseconds, where epoch
    nanoseconds would already merge instants 256 ns apart); a longer span stays in integers."""
    if not history.timed:
        calls = [float(op.call) for op in ops]
        ends = [INFINITY if op.ret is None else float(op.ret) for op in ops]
        return calls, ends
    starts: list[int] = [op.call_time for op in ops]  # type: ignore[misc]
    finishes = [op.ret_time for op in ops]
    if not starts:
        return [], []
    origin, last_start = min(starts), max(starts)
    last_end = max((t for t in finishes if t is not None), default=last_start)
    if max(last_start, last_end) - origin >= EXACT_FLOATS:
        return list(starts), [INFINITY if t is None else t for t in finishes]
    calls = [float(t - origin) for t in starts]
    ends = [INFINITY if t is None else float(t - origin) for t in finishes]
    return calls, ends


def split(history: History, model: Resolved, *, by_key: bool = True) -> list[Part]:
    """The parts to check: one per partition key when the model partitions and ``by_key``."""
    ops = relevant(history, model)
    if model.partition is None or not by_key:
        return [build_part(None, ops, history, model)]
    groups: dict[Hashable, list[Operation]] = {}
    for op in ops:
        groups.setdefault(model.partition(op), []).append(op)
    return [build_part(key, group, history, model) for key, group in groups.items()]


def lift(model: Resolved, part: Part) -> tuple[Resolved, dict[Hashable, int]]:
    """The model of the whole unsplit history: its state is the tuple of every key's state.

    Sequential consistency is not local, so its engines need this view of a partitioned model.
    Returns the lifted model and the slot of each key (empty when the model does not partition).
    """
    partition = model.partition
    if partition is None:
        return model, {}
    slots: dict[Hashable, int] = {}
    for op in part.ops:
        slots.setdefault(partition(op), len(slots))
    base_initial, base_step, describe = model.initial, model.step, model.describe_state
    keys: list[Any] = list(slots)

    def initial() -> tuple[Any, ...]:
        start = base_initial()
        return tuple(start for _ in slots)

    def step(state: tuple[Any, ...], op: Operation) -> Any:
        k = slots[partition(op)]
        result = base_step(state[k], op)
        if result is None:
            return None
        if type(result) is Choices:
            return Choices((*state[:k], s, *state[k + 1:]) for s in result)
        return (*state[:k], result, *state[k + 1:])

    def describe_state(state: tuple[Any, ...]) -> str:
        return "{" + ", ".join(f"{show(keys[i])} {describe(s)}" for i, s in enumerate(state)) + "}"

    lifted = Resolved(model=model.model, initial=initial, step=step, partition=None,
                      pure=model.pure, keep_failed=model.keep_failed, can_reach=None,
                      describe_state=describe_state, describe_op=model.describe_op)
    return lifted, slots
