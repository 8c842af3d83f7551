"""Values in histories: immutable, hashable, type-strict, and printable as they were read.

Readers turn whatever the file holds into these shapes: ``None`` (nil/null), ``Bool`` (the two
constants ``TRUE`` and ``FALSE``), ``int`` (any size, exact), ``Float``, ``str`` (EDN keywords
lose their colon), ``tuple`` (JSON arrays, EDN vectors and lists; EDN sets become sorted tuples)
and ``FrozenDict`` (maps). Everything is hashable, so models can keep values in their states and
searches can cache on them.

Values compare by type and value, as in the JSON and EDN data models: ``true`` is not ``1`` and
``1`` is not ``1.0``. Python's own ``bool`` and ``float`` would break that (``True == 1 == 1.0``,
with one hash), so booleans and floats have types of their own whose equality and hash never
meet an integer's. Integers stay plain ``int``, so integer arithmetic needs no unwrapping; a
``Bool`` is not an ``int``, so it never counts as a number.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final, TypeAlias

import msgspec

from histcheck.errors import HistoryError

Value: TypeAlias = "Bool | int | Float | str | tuple[Value, ...] | FrozenDict | None"


class Bool:
    """A history's ``true`` or ``false``: truthy as expected, but never equal to 1 or 0.

    There are exactly two, ``TRUE`` and ``FALSE`` (``Bool(x)`` returns one of them), so identity
    is equality.
    """

    __slots__ = ("_truth",)
    _truth: bool

    def __new__(cls, truth: object) -> Bool:
        return TRUE if truth else FALSE

    def __bool__(self) -> bool:
        return self._truth

    def __hash__(self) -> int:
        return _TRUE_HASH if self._truth else _FALSE_HASH

    def __repr__(self) -> str:
        return "true" if self._truth else "false"

    def __reduce__(self) -> tuple[type[Bool], tuple[bool]]:
        return Bool, (self._truth,)


def _constant(truth: bool) -> Bool:
    made = object.__new__(Bool)
    object.__setattr__(made, "_truth", truth)
    return made


_TRUE_HASH: Final = hash(("histcheck.Bool", True))
_FALSE_HASH: Final = hash(("histcheck.Bool", False))
TRUE: Final = _constant(True)
FALSE: Final = _constant(False)


class Float(float):
    """A history's floating-point number: it does arithmetic like ``float``, but equals only
    another ``Float`` (``1.0`` is not ``1``)."""

    __slots__ = ()

    def __eq__(self, other: object) -> bool:
        return other.__class__ is Float and float.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __hash__(self) -> int:
        return float.__hash__(self) ^ _FLOAT_SALT

    def __repr__(self) -> str:
        return float.__repr__(self)


_FLOAT_SALT: Final = 0x5F3759DF


class FrozenDict(Mapping[str, "Value"]):
    """An immutable, hashable mapping (the shape of maps inside values)."""

    __slots__ = ("_hash", "_items")

    def __init__(self, items: Mapping[str, Value] | None = None) -> None:
        self._items: dict[str, Value] = dict(items or {})
        self._hash: int | None = None

    def __getitem__(self, key: str) -> Value:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        if self._hash is None:
            self._hash = hash(frozenset(self._items.items()))
        return self._hash

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FrozenDict):
            return self._items == other._items
        if isinstance(other, Mapping):
            return self._items == dict(other)
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenDict({self._items!r})"


_SCALARS = (int, str, Bool, Float)
_FROZEN_SCALARS: Final = frozenset({int, str, Bool, Float, type(None)})
"""Element types a list may hold to become a tuple as it is (its elements already frozen)."""

MAX_DEPTH: Final = 100
"""The most collections a value may nest (``[[1]]`` nests two). Readers refuse deeper values
with their line. Within the limit every function here, every writer, and comparing and hashing
(which Python does recursively, a few stack levels per map) stay far from Python's recursion
limit of 1000, wherever in a program they are called; real histories nest a handful deep."""


def too_deep() -> str:
    """The problem of a value nested beyond ``MAX_DEPTH``."""
    return (f"value nested more than {MAX_DEPTH} collections deep, the deepest histcheck reads "
            f"(no writer could print it)")


def freeze(raw: Any) -> Value:
    """Turn parsed JSON or Python data (lists, dicts, ``bool``, ``float``) into the shapes above.

    Already frozen values come back unchanged, so freezing twice is harmless. A value nested
    deeper than ``MAX_DEPTH`` is a ``HistoryError``.
    """
    return _freeze(raw, MAX_DEPTH)


def _freeze(raw: Any, room: int) -> Value:
    kind = raw.__class__
    if kind is list or kind is tuple:
        if not room:
            raise HistoryError(too_deep())
        if _FROZEN_SCALARS.issuperset(map(type, raw)):
            return tuple(raw)
        items = []
        for item in raw:
            items.append(_freeze(item, room - 1))
        return tuple(items)
    if kind is dict or kind is FrozenDict:
        if not room:
            raise HistoryError(too_deep())
        fields: dict[str, Value] = {}
        for k, v in raw.items():
            fields[str(k)] = _freeze(v, room - 1)
        return FrozenDict(fields)
    if kind is bool:
        return TRUE if raw else FALSE
    if kind is float:
        return Float(raw)
    if raw is None or kind in _SCALARS:
        return raw  # type: ignore[no-any-return]
    raise TypeError(f"not a history value: {raw!r}")


def thaw(value: Value) -> Any:
    """The JSON-ready form of a value: tuples become lists, maps dicts, and ``Bool`` and ``Float``
    Python's ``bool`` and ``float`` (which JSON encoders print as ``true`` and ``1.0``)."""
    kind = value.__class__
    if kind is tuple:
        items = []
        for item in value:  # type: ignore[union-attr]
            items.append(thaw(item))
        return items
    if kind is FrozenDict:
        fields = {}
        for k, v in value.items():  # type: ignore[union-attr]
            fields[k] = thaw(v)
        return fields
    if kind is Bool:
        return bool(value)
    if kind is Float:
        return float(value)  # type: ignore[arg-type]
    return value


def json_default(value: Any) -> Any:
    """The JSON form of what an encoder cannot encode itself: values as JSON, the rest as text."""
    if isinstance(value, Bool | Float | FrozenDict):
        return thaw(value)
    return str(value)


_ENCODER = msgspec.json.Encoder(enc_hook=json_default)


def to_json(data: Any) -> bytes:
    """Compact JSON for data holding values: integers of any size exact (unlike orjson's 64-bit
    limit), ``true`` and ``1.0`` as they were read."""
    return _ENCODER.encode(data)


def sort_key(value: Value) -> tuple[Any, ...]:
    """A total order over mixed values, for sets and for stable output (``1`` before ``1.0``)."""
    if value is None:
        return (0, 0)
    if isinstance(value, Bool):
        return (1, bool(value))
    if isinstance(value, int):
        return (2, value, 0)
    if isinstance(value, Float):
        return (2, float(value), 1)
    if isinstance(value, str):
        return (3, value)
    if isinstance(value, tuple):
        keys = []
        for item in value:
            keys.append(sort_key(item))
        return (4, tuple(keys))
    fields = []
    for k, v in value.items():
        fields.append((k, sort_key(v)))
    return (5, tuple(sorted(fields)))


def show(value: Value) -> str:
    """Render a value compactly, EDN style: ``nil``, ``true``, ``1.0``, ``[1 4]``, ``{k v}``."""
    if value is None:
        return "nil"
    if isinstance(value, str):
        return value if value.isidentifier() else repr(value)
    if isinstance(value, tuple):
        items = []
        for item in value:
            items.append(show(item))
        return "[" + " ".join(items) + "]"
    if isinstance(value, FrozenDict):
        fields = []
        for k, v in value.items():
            fields.append(f"{show(k)} {show(v)}")
        return "{" + ", ".join(fields) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return repr(value)
