"""What a model can read: the operations it understands, and the gate every history passes.

A checker only knows the operations of its own workload: a list-append checker that meets a
register's ``read`` and ``write`` has nothing to look at, and would call the history valid. So
each model declares its ``Vocabulary``: every ``f`` it understands and the shape of the value;
for transactions (``f = txn``), every micro-operation ``[f key value]`` a transaction may hold
and the shape of its value. ``admit`` checks every client operation against it (ok, fail and
info alike: a failed operation of another workload is as foreign as an acknowledged one) before
any checking starts, and refuses the first one the model cannot read with a ``HistoryError``
naming the file and the line of its invocation. A history of another model's operations is
bad input, never a verdict. Non-client processes (the nemesis) are not looked at.

The shape applies to the operation's value as ``Operation.value`` holds it: the completion's
for ok operations, the invocation's otherwise, so a read's shape allows nil (what it was
invoked with).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from functools import cached_property
from typing import TYPE_CHECKING, Any

import msgspec

from histcheck.values import FrozenDict, Value, show

if TYPE_CHECKING:
    from histcheck.history import History, Operation


class Shape(msgspec.Struct, frozen=True):
    """What a value may be: ``accepts`` tells, ``name`` says it in words (``a list or nil``)."""

    name: str
    accepts: Callable[[Value], bool]


def _number(value: Value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


ANY = Shape("any value", lambda value: True)
NUMBER = Shape("a number", _number)
NUMBER_OR_NIL = Shape("a number or nil", lambda value: value is None or _number(value))
STRING_OR_NIL = Shape("a string or nil", lambda value: value is None or isinstance(value, str))
LIST_OR_NIL = Shape("a list or nil", lambda value: value is None or isinstance(value, tuple))
MAP_OR_NIL = Shape("a map or nil", lambda value: value is None or isinstance(value, FrozenDict))
PAIR = Shape("a pair [old new]", lambda value: isinstance(value, tuple) and len(value) == 2)


class Txn(msgspec.Struct, frozen=True, dict=True):
    """A transaction's value: a list of ``[f key value]`` micro-operations.

    ``micro_ops`` pairs each micro-operation name with the shape of its value; ``most`` bounds
    how many micro-operations one transaction holds (None: any number). A transaction that is
    not ok may carry nil (an invocation that named nothing).
    """

    micro_ops: tuple[tuple[str, Shape], ...]
    most: int | None = None

    @property
    def name(self) -> str:
        return "a list of " + ", ".join(f"[{f} k v]" for f, _ in self.micro_ops)

    @cached_property
    def by_name(self) -> dict[str, Shape]:
        return dict(self.micro_ops)


class Vocabulary(msgspec.Struct, frozen=True, dict=True):
    """The operations a model understands: each ``f`` with the shape of its value."""

    operations: tuple[tuple[str, Shape | Txn], ...]

    @classmethod
    def of(cls, operations: Mapping[str, Shape | Txn]) -> Vocabulary:
        """A vocabulary from ``{f: shape}``."""
        return cls(tuple(operations.items()))

    @cached_property
    def by_name(self) -> dict[str, Shape | Txn]:
        return dict(self.operations)


def admit(history: History, vocabulary: Vocabulary, model: str) -> None:
    """Refuse, naming file and line, the first client operation ``model`` cannot read."""
    shapes = vocabulary.by_name
    for op in history.operations:
        problem = _problem(shapes, op)
        if problem is not None:
            raise history.error(f"model {model} cannot read this operation: {problem}", op)


def _problem(shapes: Mapping[str, Shape | Txn], op: Operation) -> str | None:
    shape = shapes.get(op.f)
    if shape is None:
        known = ", ".join(shapes)
        return f"it has no operation {op.f!r} (its operations: {known})"
    if isinstance(shape, Txn):
        return _txn_problem(shape, op)
    if shape is not ANY and not shape.accepts(op.value):
        return f"the value of {op.f!r} must be {shape.name}, not {show(op.value)}"
    return None


def _txn_problem(txn: Txn, op: Operation) -> str | None:
    value = op.value
    if value is None and not op.ok:
        return None
    if not isinstance(value, tuple):
        return f"the value of {op.f!r} must be {txn.name}, not {show(value)}"
    if txn.most is not None and len(value) > txn.most:
        return (f"a {op.f!r} holds at most {txn.most} micro-operation"
                f"{'s' if txn.most != 1 else ''}, not {len(value)}")
    micro: Mapping[Any, Shape] = txn.by_name
    for mop in value:
        if not isinstance(mop, tuple) or len(mop) != 3:
            return f"a micro-operation is [f k v], not {show(mop)}"
        f, _, argument = mop
        shape = micro.get(f)
        if shape is None:
            known = ", ".join(micro)
            name = repr(f) if isinstance(f, str) else show(f)
            return f"it has no micro-operation {name} (its micro-operations: {known})"
        if shape is not ANY and not shape.accepts(argument):
            return (f"the value of a {f!r} micro-operation must be {shape.name}, not "
                    f"{show(argument)}")
    return None

