"""Fragmentation of large messages into datagrams, and reassembly in any order.

A datagram carries at most ``mtu`` bytes. The sender splits a message into numbered fragments,
each with a header in network byte order: message id (64 bits), fragment index and fragment count
(16 bits each). The receiver collects fragments per (sender, message id) in whatever order they
arrive, ignores duplicates, and hands the message up once, when the last missing piece arrives.
A lost fragment loses the message; retrying is the layer above's job. Late duplicates of a
message already reassembled are recognised and dropped.
"""

from __future__ import annotations

import struct
from collections import OrderedDict
from collections.abc import Hashable

from histcheck.systems.rpc.marshal import MarshalError

HEADER = struct.Struct("!QHH")
MAX_FRAGMENTS = 0xFFFF


def fragment(message_id: int, data: bytes, mtu: int) -> list[bytes]:
    """Split ``data`` into datagrams of at most ``mtu`` bytes, header included."""
    room = mtu - HEADER.size
    if room <= 0:
        raise ValueError(f"mtu {mtu} leaves no room after the {HEADER.size}-byte header")
    chunks = [data[i:i + room] for i in range(0, len(data), room)] or [b""]
    if len(chunks) > MAX_FRAGMENTS:
        raise ValueError(f"message of {len(data)} bytes needs more than {MAX_FRAGMENTS} fragments")
    return [HEADER.pack(message_id, i, len(chunks)) + chunk for i, chunk in enumerate(chunks)]


class Reassembler:
    """Collects fragments; ``accept`` returns a whole message once, when it is complete."""

    def __init__(self, max_partial: int = 1024, remember: int = 4096) -> None:
        self._partial: OrderedDict[tuple[Hashable, int], dict[int, bytes]] = OrderedDict()
        self._counts: dict[tuple[Hashable, int], int] = {}
        self._done: OrderedDict[tuple[Hashable, int], None] = OrderedDict()
        self._max_partial = max_partial
        self._remember = remember

    def accept(self, sender: Hashable, datagram: bytes) -> tuple[int, bytes] | None:
        """(message id, message) when ``datagram`` completes a message, else None."""
        if len(datagram) < HEADER.size:
            raise MarshalError(f"datagram of {len(datagram)} bytes has no fragment header")
        message_id, index, count = HEADER.unpack_from(datagram)
        if count == 0 or index >= count:
            raise MarshalError(f"fragment {index} of {count} is impossible")
        key = (sender, message_id)
        if key in self._done:
            return None
        parts = self._partial.setdefault(key, {})
        self._counts[key] = count
        parts[index] = datagram[HEADER.size:]
        if len(parts) < count:
            if len(self._partial) > self._max_partial:
                old, _ = self._partial.popitem(last=False)
                self._counts.pop(old, None)
            return None
        del self._partial[key], self._counts[key]
        self._done[key] = None
        if len(self._done) > self._remember:
            self._done.popitem(last=False)
        return message_id, b"".join(parts[i] for i in range(count))

    @property
    def pending(self) -> int:
        return len(self._partial)
