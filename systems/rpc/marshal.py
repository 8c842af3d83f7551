"""Marshaling: typed values to bytes and back, in network byte order on the wire.

A machine keeps an integer in memory in its *host* byte order: big endian (most significant byte
first, like written numerals) or little endian (least significant first). If each side sent its
memory as it is, a big-endian and a little-endian peer would read each other's numbers
backwards. So the wire has one agreed order, network byte order (big endian): the sender converts
host to network order (``hton``), the receiver network to host (``ntoh``). ``Codec`` models a peer
with an explicit ``host_order`` and does exactly those conversions.

Types: ``int`` (32-bit signed), ``long`` (64-bit signed), ``double`` (IEEE 754), ``bool``,
``string`` (UTF-8), ``bytes``, ``void`` and arrays ``T[]``. Strings, bytes and arrays are
prefixed by a 32-bit length.
"""

from __future__ import annotations

import struct
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from histcheck.errors import HistcheckError

ByteOrder = Literal["big", "little"]
SCALARS = ("int", "long", "double", "bool")
TYPES = (*SCALARS, "string", "bytes", "void")
_WIDTH = {"int": 4, "long": 8}


class MarshalError(HistcheckError):
    """Bytes that do not decode as the expected type, or a value that does not fit its type."""


@dataclass(frozen=True, slots=True)
class Type:
    """An IDL type: a base name and whether it is an array of it."""

    name: str
    array: bool = False

    def __str__(self) -> str:
        return self.name + ("[]" if self.array else "")


class Codec:
    """One peer's marshaling: values in ``host_order`` memory to network-order bytes and back."""

    def __init__(self, host_order: ByteOrder = sys.byteorder) -> None:
        self.host_order: ByteOrder = host_order

    def _hton(self, raw: bytes) -> bytes:
        return raw if self.host_order == "big" else raw[::-1]

    _ntoh = _hton

    def _memory(self, kind: str, value: Any) -> bytes:
        """How this host lays ``value`` out in memory."""
        if kind == "double":
            return struct.pack(">d" if self.host_order == "big" else "<d", value)
        try:
            return int(value).to_bytes(_WIDTH[kind], self.host_order, signed=True)
        except OverflowError:
            raise MarshalError(f"{value} does not fit in {kind}") from None

    def _from_memory(self, kind: str, raw: bytes) -> Any:
        if kind == "double":
            return struct.unpack(">d" if self.host_order == "big" else "<d", raw)[0]
        return int.from_bytes(raw, self.host_order, signed=True)

    def pack(self, typ: Type, value: Any, out: bytearray) -> None:
        if typ.array:
            self.pack(Type("int"), len(value), out)
            for item in value:
                self.pack(Type(typ.name), item, out)
        elif typ.name in _WIDTH or typ.name == "double":
            if typ.name != "double" and (isinstance(value, bool) or not isinstance(value, int)):
                raise MarshalError(f"{value!r} is not an {typ.name}")
            out += self._hton(self._memory(typ.name, value))
        elif typ.name == "bool":
            out.append(1 if value else 0)
        elif typ.name in ("string", "bytes"):
            raw = value.encode() if typ.name == "string" else bytes(value)
            self.pack(Type("int"), len(raw), out)
            out += raw
        elif typ.name != "void":
            raise MarshalError(f"unknown type {typ}")

    def unpack(self, typ: Type, data: bytes | memoryview, at: int) -> tuple[Any, int]:
        try:
            if typ.array:
                count, at = self.unpack(Type("int"), data, at)
                items = []
                for _ in range(count):
                    item, at = self.unpack(Type(typ.name), data, at)
                    items.append(item)
                return items, at
            if typ.name in _WIDTH or typ.name == "double":
                width = _WIDTH.get(typ.name, 8)
                raw = bytes(data[at:at + width])
                if len(raw) != width:
                    raise MarshalError(f"truncated {typ.name}")
                return self._from_memory(typ.name, self._ntoh(raw)), at + width
            if typ.name == "bool":
                return data[at] != 0, at + 1
            if typ.name in ("string", "bytes"):
                length, at = self.unpack(Type("int"), data, at)
                raw = bytes(data[at:at + length])
                if length < 0 or len(raw) != length:
                    raise MarshalError(f"truncated {typ.name}")
                return (raw.decode() if typ.name == "string" else raw), at + length
            if typ.name == "void":
                return None, at
        except (IndexError, UnicodeDecodeError) as exc:
            raise MarshalError(f"cannot decode {typ}: {exc}") from None
        raise MarshalError(f"unknown type {typ}")

    def encode(self, types: Sequence[Type], values: Sequence[Any]) -> bytes:
        """Marshal ``values`` (one per type) into one buffer."""
        if len(types) != len(values):
            raise MarshalError(f"expected {len(types)} values, got {len(values)}")
        out = bytearray()
        for typ, value in zip(types, values, strict=True):
            self.pack(typ, value, out)
        return bytes(out)

    def decode(self, types: Sequence[Type], data: bytes) -> list[Any]:
        """Unmarshal one value per type; trailing bytes are an error."""
        values, at = [], 0
        for typ in types:
            value, at = self.unpack(typ, data, at)
            values.append(value)
        if at != len(data):
            raise MarshalError(f"{len(data) - at} unexpected trailing bytes")
        return values
