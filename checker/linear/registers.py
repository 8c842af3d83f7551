"""The register family: plain registers and compare-and-set registers, in their variants.

The variants differ in small rules that flip verdicts on real histories (docs/semantics.md);
each is a named model in ``models.BUILTIN`` rather than a hidden switch. Register states are the
value held, with ``NIL`` standing for nil (``None`` is how ``step`` says "impossible").
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import msgspec

from histcheck.history import FAIL, INFO, Operation
from histcheck.linear.spec import CAS_REGISTER, REGISTER
from histcheck.values import Value, show
from histcheck.vocabulary import Vocabulary


class Register(msgspec.Struct, frozen=True):
    """A read/write register starting at nil. ``read v`` requires the register to hold ``v``.

    Operations with a ``key`` address independent registers (one per key), so store buffering
    (two keys) can be written down; without keys there is one register.
    """

    name: str = "register"
    nil_reads_match_anything: bool = False

    @property
    def vocabulary(self) -> Vocabulary:
        return REGISTER

    def initial(self) -> Any:
        return NIL

    def step(self, state: Any, op: Operation) -> Any:
        after = _read_or_write(state, op, self.nil_reads_match_anything)
        if after is _NEITHER:
            raise ValueError(f"{self.name} has no operation {op.f!r} (expected read or write)")
        return after

    def pure(self, op: Operation) -> bool:
        return op.f == "read"

    def partition(self, op: Operation) -> Hashable:
        return op.key

    def can_reach(self, state: Any, op: Operation, available: Sequence[Operation]) -> bool:
        return _read_reachable(self.nil_reads_match_anything, state, op, available)

    def describe_state(self, state: Any) -> str:
        return _register_state(state)


class _Nil:
    """The state of a register holding nil (``None`` is how ``step`` says "impossible")."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "nil"

    def __reduce__(self) -> str:
        return "NIL"


NIL: Any = _Nil()
"""The register state standing for nil."""


def _held(value: Value) -> Any:
    return NIL if value is None else value


_NEITHER: Any = object()
"""What ``_read_or_write`` returns for an operation that is neither a read nor a write."""


def _read_or_write(state: Any, op: Operation, nil_reads_match_anything: bool) -> Any:
    """The register step every register model shares: a read needs its value, a write sets it.

    ``None`` means impossible; an indeterminate read constrains nothing.
    """
    f = op.f
    if f == "read":
        if _held(op.value) == state or (op.value is None and nil_reads_match_anything):
            return state
        return None if op.type is not INFO else state
    if f == "write":
        return _held(op.value)
    return _NEITHER


def _register_state(state: Any) -> str:
    return "nil" if state is NIL else show(state)


class CasRegister(msgspec.Struct, frozen=True):
    """A register with compare-and-set: ``cas [old new]`` succeeds only when it holds ``old``.

    The state is the value held (nil at first). Note that a state of nil and "the register held
    nil" are the same thing here; with ``nil_reads_match_anything`` a read of nil says nothing.
    With ``failed_cas_constrains`` (etcd) a failed CAS is a read that the value was not ``old``.

    Like ``Register``, operations with a ``key`` address independent registers: linearizability
    is local (Herlihy and Wing's locality; Porcupine's P-compositionality), so each key is
    checked alone, and a multi-key history (Redis, etcd with several keys) is not read as one
    register whose CAS sees the other keys' writes.
    """

    name: str = "cas-register"
    nil_reads_match_anything: bool = False
    failed_cas_constrains: bool = False

    @property
    def vocabulary(self) -> Vocabulary:
        return CAS_REGISTER

    def initial(self) -> Any:
        return NIL

    def step(self, state: Any, op: Operation) -> Any:
        after = _read_or_write(state, op, self.nil_reads_match_anything)
        if after is not _NEITHER:
            return after
        f = op.f
        if f == "cas":
            old, new = _cas_pair(op.value)
            if op.type is FAIL:
                return state if state != _held(old) else None
            return _held(new) if state == _held(old) else None
        raise ValueError(f"{self.name} has no operation {f!r} (expected read, write or cas)")

    def pure(self, op: Operation) -> bool:
        if op.f == "read":
            return True
        if op.f == "cas":
            if op.type is FAIL:
                return True
            old, new = _cas_pair(op.value)
            return bool(old == new)
        return False

    def partition(self, op: Operation) -> Hashable:
        return op.key

    def keep_failed(self, op: Operation) -> bool:
        return self.failed_cas_constrains and op.f == "cas"

    def can_reach(self, state: Any, op: Operation, available: Sequence[Operation]) -> bool:
        return _read_reachable(self.nil_reads_match_anything, state, op, available)

    def describe_state(self, state: Any) -> str:
        return _register_state(state)


def _read_reachable(wildcard: bool, state: Any, op: Operation,
                    available: Sequence[Operation]) -> bool:
    """A read of ``v`` can still succeed when the register holds ``v`` or some available
    operation writes ``v`` (a write, or a CAS to ``v``)."""
    if op.f != "read" or (wildcard and op.value is None):
        return True
    wanted = _held(op.value)
    if state == wanted:
        return True
    for other in available:
        if other.f == "write" and _held(other.value) == wanted:
            return True
        if other.f == "cas" and isinstance(other.value, tuple) and len(other.value) == 2 \
                and _held(other.value[1]) == wanted:
            return True
    return False


def _cas_pair(value: Value) -> tuple[Value, Value]:
    if isinstance(value, tuple) and len(value) == 2:
        return value[0], value[1]
    raise ValueError(f"a cas value must be [old new], not {show(value)}")
