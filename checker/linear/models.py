"""The built-in sequential specifications.

Each model is a small frozen class following the ``Model`` protocol of ``model.py``. The register
family differs in small rules that flip verdicts (see docs/semantics.md); each rule set is a named
model rather than a hidden switch:

- ``register`` / ``cas-register``: registers start at nil; a read of nil means the register held
  nil; failed operations constrain nothing; an indeterminate CAS takes effect only where it
  could succeed.
- ``knossos-cas-register``: as ``cas-register``, but a read of nil matches any state (Knossos's
  own rule: a nil read is an unknown read).
- ``etcd``: Porcupine's etcd model: the key starts absent (nil), a read of nil requires the absent
  state, and a failed CAS is kept: it says the current value differed from the expected one.
- ``multi-register``: Knossos's transactions over several registers; the ``initial`` option
  sets the registers' starting values.

Each model's ``vocabulary`` is the one ``spec.VOCABULARIES`` declares for its name.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import msgspec

from histcheck.history import INFO, OK, Operation
from histcheck.linear.model import Choices, Model
from histcheck.linear.registers import CasRegister, Register
from histcheck.linear.spec import VOCABULARIES
from histcheck.options import mapping
from histcheck.values import Value, show, sort_key
from histcheck.vocabulary import Vocabulary


class Mutex(msgspec.Struct, frozen=True):
    """A lock: ``acquire`` needs it free, ``release`` needs it held. The state is held or not."""

    name: str = "mutex"

    @property
    def vocabulary(self) -> Vocabulary:
        return VOCABULARIES["mutex"]

    def initial(self) -> bool:
        return False

    def step(self, state: bool, op: Operation) -> bool | None:
        if op.f == "acquire":
            return True if not state else None
        if op.f == "release":
            return False if state else None
        raise ValueError(f"mutex has no operation {op.f!r} (expected acquire or release)")

    def describe_state(self, state: bool) -> str:
        return "held" if state else "free"


class KeyValue(msgspec.Struct, frozen=True):
    """Porcupine's kv store: ``get``, ``put``, ``append`` of strings; every key starts empty.

    Partitioned by key: each key is an independent register of strings.
    """

    name: str = "kv"

    @property
    def vocabulary(self) -> Vocabulary:
        return VOCABULARIES["kv"]

    def initial(self) -> str:
        return ""

    def step(self, state: str, op: Operation) -> str | None:
        f = op.f
        value = "" if op.value is None else op.value
        if f == "get":
            return state if value == state or op.type is INFO else None
        if not isinstance(value, str):
            raise ValueError(f"kv values are strings, not {show(op.value)}")
        if f == "put":
            return value
        if f == "append":
            return state + value
        raise ValueError(f"kv has no operation {f!r} (expected get, put or append)")

    def partition(self, op: Operation) -> Hashable:
        return op.key

    def pure(self, op: Operation) -> bool:
        return op.f == "get" or (op.f == "append" and not op.value)

    def can_reach(self, state: str, op: Operation, available: Sequence[Operation]) -> bool:
        """Appends only lengthen the string: without a put, ``get v`` needs ``v`` to be the
        current value followed by available appended pieces (each usable at most once; this
        check lets them repeat, which only makes it more permissive, hence sound)."""
        wanted = "" if op.value is None else op.value
        if not isinstance(wanted, str):
            return True
        if not wanted.startswith(state):  # only a put can take back what is there already
            for other in available:  # noqa: SIM110 (a generator costs more in this hot path)
                if other.f == "put":
                    return True
            return False
        pieces: set[str] = set()
        for other in available:  # one pass: a put anywhere makes any value reachable
            f = other.f
            if f == "put":
                return True
            if f == "append":
                piece = other.value
                if isinstance(piece, str) and piece:
                    pieces.add(piece)
        rest = wanted[len(state):]
        reached = {0}
        frontier = [0]
        while frontier:
            at = frontier.pop()
            if at == len(rest):
                return True
            for piece in pieces:
                end = at + len(piece)
                if end not in reached and rest.startswith(piece, at):
                    reached.add(end)
                    frontier.append(end)
        return False

    def describe_state(self, state: str) -> str:
        return repr(state)


class GrowSet(msgspec.Struct, frozen=True):
    """A set of values: ``add v``, and ``read`` returning the whole set (order ignored)."""

    name: str = "grow-set"

    @property
    def vocabulary(self) -> Vocabulary:
        return VOCABULARIES["grow-set"]

    def initial(self) -> frozenset[Value]:
        return frozenset()

    def step(self, state: frozenset[Value], op: Operation) -> frozenset[Value] | None:
        if op.f == "add":
            return state | {op.value}
        if op.f == "read":
            if op.type is not OK:
                return state
            seen = frozenset(op.value) if isinstance(op.value, tuple) else frozenset()
            return state if seen == state else None
        raise ValueError(f"grow-set has no operation {op.f!r} (expected add or read)")

    def pure(self, op: Operation) -> bool:
        return op.f == "read"

    def describe_state(self, state: frozenset[Value]) -> str:
        return "#{" + " ".join(show(v) for v in sorted(state, key=sort_key)) + "}"


class FifoQueue(msgspec.Struct, frozen=True):
    """A FIFO queue: ``enqueue v``; ``dequeue`` returns the head, or nil when empty."""

    name: str = "fifo-queue"

    @property
    def vocabulary(self) -> Vocabulary:
        return VOCABULARIES["fifo-queue"]

    def initial(self) -> tuple[Value, ...]:
        return ()

    def step(self, state: tuple[Value, ...], op: Operation) -> tuple[Value, ...] | None:
        if op.f == "enqueue":
            return (*state, op.value)
        if op.f == "dequeue":
            if op.type is INFO:
                return state[1:]
            if op.value is None:
                return state if not state else None
            return state[1:] if state and state[0] == op.value else None
        raise ValueError(f"fifo-queue has no operation {op.f!r} (expected enqueue or dequeue)")

    def pure(self, op: Operation) -> bool:
        return op.f == "dequeue" and op.type is OK and op.value is None


class UnorderedQueue(msgspec.Struct, frozen=True):
    """A bag: ``enqueue v``; ``dequeue`` returns any element present, or nil when empty.

    The state is a sorted tuple (a multiset). An indeterminate dequeue removes any one element.
    """

    name: str = "unordered-queue"

    @property
    def vocabulary(self) -> Vocabulary:
        return VOCABULARIES["unordered-queue"]

    def initial(self) -> tuple[Value, ...]:
        return ()

    def step(self, state: tuple[Value, ...], op: Operation) -> Any:
        if op.f == "enqueue":
            return tuple(sorted((*state, op.value), key=sort_key))
        if op.f == "dequeue":
            if op.type is INFO:
                if not state:
                    return state
                return Choices(dict.fromkeys(_remove(state, v) for v in state))
            if op.value is None:
                return state if not state else None
            return _remove(state, op.value) if op.value in state else None
        raise ValueError(f"unordered-queue has no operation {op.f!r} (expected enqueue or "
                         f"dequeue)")

    def pure(self, op: Operation) -> bool:
        return op.f == "dequeue" and op.type is OK and op.value is None


def _remove(state: tuple[Value, ...], value: Value) -> tuple[Value, ...]:
    i = state.index(value)
    return state[:i] + state[i + 1:]


class Counter(msgspec.Struct, frozen=True):
    """A counter starting at 0: ``add n`` (``increment`` adds 1), ``read`` returns the total."""

    name: str = "lin-counter"

    @property
    def vocabulary(self) -> Vocabulary:
        return VOCABULARIES["lin-counter"]

    def initial(self) -> int:
        return 0

    def step(self, state: int, op: Operation) -> int | None:
        if op.f in ("add", "increment"):
            amount = 1 if op.value is None else op.value
            if not isinstance(amount, int):
                raise ValueError(f"counter adds integers, not {show(op.value)}")
            return state + amount
        if op.f == "read":
            return state if op.value == state or op.type is not OK else None
        raise ValueError(f"lin-counter has no operation {op.f!r} (expected add or read)")

    def pure(self, op: Operation) -> bool:
        return op.f == "read" or (op.f == "add" and op.value == 0)


class MultiRegister(msgspec.Struct, frozen=True):
    """Knossos's multi-register: ``txn`` of reads and writes of several registers, applied at once.

    Micro-operations are ``[r k v]`` and ``[w k v]``, or ``[read k v]`` and ``[write k v]`` as
    Knossos writes them. The state is a sorted tuple of (key, value) pairs; ``start`` holds the
    registers' initial values (Knossos's ``(multi-register {:x 0 :y 0})``; the ``initial``
    option), every other key starts at nil. A read of nil matches anything (Knossos's rule).
    """

    name: str = "multi-register"
    start: tuple[tuple[Value, Value], ...] = ()

    @classmethod
    def starting_at(cls, values: Mapping[Value, Value]) -> MultiRegister:
        """The multi-register whose registers start at ``values``."""
        return cls(start=_sorted_pairs(values))

    @property
    def vocabulary(self) -> Vocabulary:
        return VOCABULARIES["multi-register"]

    def initial(self) -> tuple[tuple[Value, Value], ...]:
        return self.start

    def step(self, state: tuple[tuple[Value, Value], ...], op: Operation) -> Any:
        if op.f != "txn" or not isinstance(op.value, tuple):
            raise ValueError(f"multi-register takes txn operations, not {op.f!r}")
        held = dict(state)
        wrote = False
        for mop in op.value:
            if not isinstance(mop, tuple) or len(mop) != 3:
                raise ValueError(f"a micro-operation is [f k v], not {show(mop)}")
            kind, key, value = mop
            if kind in _READS:
                if value is not None and held.get(key) != value and op.type is OK:
                    return None
            elif kind in _WRITES:
                held[key] = value
                wrote = True
            else:
                raise ValueError(f"multi-register micro-operations are r and w, not {kind!r}")
        if not wrote:
            return state
        return _sorted_pairs(held)

    def pure(self, op: Operation) -> bool:
        return isinstance(op.value, tuple) and all(
            isinstance(m, tuple) and len(m) == 3 and m[0] in _READS for m in op.value)

    def describe_state(self, state: tuple[tuple[Value, Value], ...]) -> str:
        return "{" + ", ".join(f"{show(k)} {show(v)}" for k, v in state) + "}"


_READS = frozenset({"r", "read"})
_WRITES = frozenset({"w", "write"})


def _sorted_pairs(values: Mapping[Value, Value]) -> tuple[tuple[Value, Value], ...]:
    return tuple(sorted(values.items(), key=lambda kv: sort_key(kv[0])))


BUILTIN: dict[str, Model[Any]] = {
    "register": Register(),
    "cas-register": CasRegister(),
    "knossos-cas-register": CasRegister(name="knossos-cas-register",
                                        nil_reads_match_anything=True),
    "etcd": CasRegister(name="etcd", failed_cas_constrains=True),
    "mutex": Mutex(),
    "kv": KeyValue(),
    "grow-set": GrowSet(),
    "fifo-queue": FifoQueue(),
    "unordered-queue": UnorderedQueue(),
    "lin-counter": Counter(),
    "multi-register": MultiRegister(),
}
"""Every built-in model by the name users give to ``--model``."""


def builtin_model(name: str, options: Mapping[str, Any]) -> Model[Any]:
    """The built-in model ``name`` as ``options`` set it up (``initial`` of multi-register)."""
    if name == "multi-register":
        initial = mapping(options, "initial")
        if initial is not None:
            return MultiRegister.starting_at(initial)
    return BUILTIN[name]
