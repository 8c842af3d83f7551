"""The model protocol: a sequential specification the search replays operations against.

A model is a pure function over hashable states. ``initial()`` gives the state before any
operation; ``step(state, op)`` gives the state after ``op`` took effect in ``state``, or ``None``
when ``op`` could not have happened there with the result it returned. The search never looks
inside a state: it compares and hashes states, so they must be immutable values.

Optional hooks, each with a safe default filled in by ``resolve`` (one place, like Porcupine's
``fillDefault``):

- ``partition(op)``: a key naming the independent part ``op`` belongs to (a key-value store
  partitions by key). Linearizability is local, so each part is checked alone. Default: one part.
- ``pure(op)``: ``op`` never changes any state (a read). A pure operation that can take effect
  now is placed at once without branching: moving it earlier breaks no order and no state.
  Pure indeterminate operations constrain nothing and are dropped. Default: not pure.
- ``keep_failed(op)``: a ``fail`` operation still constrains (Porcupine's etcd model: a failed
  CAS says the expected value was not there). ``step`` then sees the ``fail`` operation and must
  return the unchanged state where the failure was possible. Default: failures are dropped.
- ``can_reach(state, op, available)``: could the pure operation ``op`` take effect after some of
  the ``available`` operations were applied to ``state``, in some order? Answer False only when
  certain (appends only lengthen a string: without a ``put`` among them, ``get v`` needs ``v``
  to start with the current value). The search uses it on the operation that must be placed
  before the window of candidates can change; False cuts the configuration. Default: no hook.
- ``describe_state(state)`` and ``describe_op(op)``: text for explanations and reports.
- ``vocabulary``: the operations the model reads (a ``histcheck.vocabulary.Vocabulary``); a
  history with any other is refused, naming its file and line, before the search starts.
  Default: none, and no operation is refused up front.

``step`` may return ``Choices(states)`` when an operation has several possible outcomes (an
indeterminate dequeue from an unordered queue removes any one element).

``step`` sees operations as the history recorded them: ``op.f``, ``op.key``, ``op.type`` (ok,
info or fail) and ``op.value`` (the result for ok operations, the argument otherwise).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import Any, Protocol, TypeVar, runtime_checkable

import msgspec

from histcheck.history import Operation
from histcheck.values import show

S = TypeVar("S", bound=Hashable)


class Choices(tuple[Any, ...]):
    """Several possible states after one step (the search tries each)."""

    __slots__ = ()


@runtime_checkable
class Model(Protocol[S]):
    """A sequential specification: ``initial`` state and a ``step`` function."""

    @property
    def name(self) -> str:
        """The model's name, for messages and results."""
        ...

    def initial(self) -> S:
        """The state before any operation."""
        ...

    def step(self, state: S, op: Operation) -> S | None:
        """The state after ``op`` in ``state``, or ``None`` when ``op`` was impossible there."""
        ...


class Resolved(msgspec.Struct, frozen=True):
    """A model with every optional hook filled in (what the searches use)."""

    model: Model[Any]
    initial: Callable[[], Any]
    step: Callable[[Any, Operation], Any]
    partition: Callable[[Operation], Hashable] | None
    pure: Callable[[Operation], bool]
    keep_failed: Callable[[Operation], bool]
    can_reach: Callable[[Any, Operation, Sequence[Operation]], bool] | None
    describe_state: Callable[[Any], str]
    describe_op: Callable[[Operation], str]

    @property
    def name(self) -> str:
        return str(getattr(self.model, "name", type(self.model).__name__))


def _never(op: Operation) -> bool:
    return False


def default_describe_op(op: Operation) -> str:
    """``write 3``, ``cas [1 2]``, ``get k0 -> "x"``: the way Jepsen users read operations."""
    key = "" if op.key is None else f" {show(op.key)}"
    silent = op.value is None and op.f in ("read", "get") and not op.ok
    value = "" if silent else f" {show(op.value)}"
    mark = {"ok": "", "info": " (info)", "fail": " (fail)"}.get(op.type.value, "")
    return f"{op.f}{key}{value}{mark}"


def _describe_state(state: Any) -> str:
    return show(state) if isinstance(state, int | str | tuple | type(None)) else repr(state)


def resolve(model: Model[Any]) -> Resolved:
    """Fill in the optional hooks of ``model`` with their defaults."""
    if not callable(getattr(model, "initial", None)) or not callable(getattr(model, "step", None)):
        from histcheck.errors import UsageError

        raise UsageError(f"{model!r} is not a model: it needs initial() and step(state, op)")
    return Resolved(
        model=model,
        initial=model.initial,
        step=model.step,
        partition=getattr(model, "partition", None),
        pure=getattr(model, "pure", _never),
        keep_failed=getattr(model, "keep_failed", _never),
        can_reach=getattr(model, "can_reach", None),
        describe_state=getattr(model, "describe_state", _describe_state),
        describe_op=getattr(model, "describe_op", default_describe_op),
    )
