"""RPC messages on the wire: a request names its call, a reply carries the result.

Request: kind 1, client id, sequence number, method number, then the marshaled arguments.
Reply: kind 2, client id, sequence number, status (0 ok, 1 error), then the marshaled result
(or, for an error, a UTF-8 message). Headers are in network byte order. (client, sequence)
identifies a request across retries: that is what de-duplication keys on.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from histcheck.systems.rpc.marshal import MarshalError

_REQUEST = struct.Struct("!BIIH")
_REPLY = struct.Struct("!BIIB")
REQUEST, REPLY = 1, 2
OK, ERROR = 0, 1


@dataclass(frozen=True, slots=True)
class Request:
    client: int
    seq: int
    method: int
    payload: bytes

    @property
    def key(self) -> tuple[int, int]:
        return self.client, self.seq

    def encode(self) -> bytes:
        return _REQUEST.pack(REQUEST, self.client, self.seq, self.method) + self.payload


@dataclass(frozen=True, slots=True)
class Reply:
    client: int
    seq: int
    status: int
    payload: bytes

    @property
    def key(self) -> tuple[int, int]:
        return self.client, self.seq

    def encode(self) -> bytes:
        return _REPLY.pack(REPLY, self.client, self.seq, self.status) + self.payload


def decode(data: bytes) -> Request | Reply:
    if not data:
        raise MarshalError("empty RPC message")
    if data[0] == REQUEST and len(data) >= _REQUEST.size:
        _, client, seq, method = _REQUEST.unpack_from(data)
        return Request(client, seq, method, data[_REQUEST.size:])
    if data[0] == REPLY and len(data) >= _REPLY.size:
        _, client, seq, status = _REPLY.unpack_from(data)
        return Reply(client, seq, status, data[_REPLY.size:])
    raise MarshalError(f"not an RPC message (kind {data[0]}, {len(data)} bytes)")
