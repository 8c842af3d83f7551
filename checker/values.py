"""Values in histories: immutable, hashable, and printable the way Jepsen users read them.

Readers turn whatever the file holds into these shapes: ``None`` (nil/null), ``bool``, ``int``,
``float``, ``str`` (EDN keywords lose their colon), ``tuple`` (JSON arrays, EDN vectors and lists;
EDN sets become sorted tuples) and ``FrozenDict`` (maps). Everything is hashable, so models can
keep values in their states and searches can cache on them.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, TypeAlias

Value: TypeAlias = "bool | int | float | str | tuple[Value, ...] | FrozenDict | None"


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


def freeze(raw: Any) -> Value:
    """Turn a parsed JSON value (lists, dicts) into the immutable shapes above."""
    kind = type(raw)
    if kind is list or kind is tuple:
        return tuple(freeze(item) for item in raw)
    if kind is dict:
        return FrozenDict({str(k): freeze(v) for k, v in raw.items()})
    if raw is None or kind in (int, str, bool, float):
        return raw  # type: ignore[no-any-return]
    if isinstance(raw, FrozenDict):
        return raw
    raise TypeError(f"not a history value: {raw!r}")


def thaw(value: Value) -> Any:
    """The JSON-ready form of a value (tuples become lists, maps become dicts)."""
    if isinstance(value, tuple):
        return [thaw(item) for item in value]
    if isinstance(value, FrozenDict):
        return {k: thaw(v) for k, v in value.items()}
    return value


def sort_key(value: Value) -> tuple[int, Any]:
    """A total order over mixed values, for sets and for stable output."""
    if value is None:
        return (0, 0)
    if isinstance(value, bool):
        return (1, value)
    if isinstance(value, int | float):
        return (2, value)
    if isinstance(value, str):
        return (3, value)
    if isinstance(value, tuple):
        return (4, tuple(sort_key(item) for item in value))
    return (5, tuple(sorted((k, sort_key(v)) for k, v in value.items())))


def show(value: Value) -> str:
    """Render a value compactly, EDN style: ``nil``, ``[1 4]``, ``{k v}``."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if value.isidentifier() else repr(value)
    if isinstance(value, tuple):
        return "[" + " ".join(show(item) for item in value) + "]"
    if isinstance(value, FrozenDict):
        return "{" + ", ".join(f"{show(k)} {show(v)}" for k, v in value.items()) + "}"
    return str(value)
