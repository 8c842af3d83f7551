"""The trace events histcheck's message checks read, built in one place.

Every event is a plain dict written as one JSON line. Keys come in a fixed order so the same run
writes the same bytes. Changing the trace format means changing only this module.

Point-to-point: ``send`` (``to``, ``msg``) and ``recv`` (``from``, ``msg``). Broadcast:
``broadcast`` (``msg``) and ``deliver`` (``msg``, ``from`` = the original broadcaster). RPC
(docs/trace.md): ``request`` (``rpc``, ``to``) and ``ack`` (``rpc``: the answer arrived) at the
client, ``execute`` (``rpc``) at the server; ``rpc`` is the logical request id retries share.
Failures: ``crash``; a restart is ``recover``.
"""

from __future__ import annotations

from typing import Any

TraceEvent = dict[str, Any]


def send(node: str, to: str, msg: str) -> TraceEvent:
    return {"node": node, "type": "send", "to": to, "msg": msg}


def recv(node: str, sender: str, msg: str) -> TraceEvent:
    return {"node": node, "type": "recv", "from": sender, "msg": msg}


def broadcast(node: str, msg: str) -> TraceEvent:
    return {"node": node, "type": "broadcast", "msg": msg}


def deliver(node: str, msg: str, origin: str) -> TraceEvent:
    return {"node": node, "type": "deliver", "msg": msg, "from": origin}


def local(node: str, what: str, **fields: Any) -> TraceEvent:
    return {"node": node, "type": "local", "what": what, **fields}


def crash(node: str) -> TraceEvent:
    return {"node": node, "type": "crash"}


def recover(node: str) -> TraceEvent:
    return {"node": node, "type": "recover"}


def request(node: str, request_id: str, to: str, method: str) -> TraceEvent:
    return {"node": node, "type": "request", "rpc": request_id, "to": to, "method": method}


def execute(node: str, request_id: str) -> TraceEvent:
    return {"node": node, "type": "execute", "rpc": request_id}


def ack(node: str, request_id: str) -> TraceEvent:
    return {"node": node, "type": "ack", "rpc": request_id}
