"""dbcop's JSON histories: sessions of transactions of reads and writes of versions.

Two shapes (rnbguy/dbcop, docs/history-format.md): the raw array of sessions, or the CLI's
wrapper object whose ``data`` field holds it. A session is an array of transactions; a
transaction is ``{"events": [...], "committed": bool}``; an event is
``{"Write": {"variable": k, "version": v}}`` or ``{"Read": {"variable": k, "version": v}}``.

Session i (0-based in the file) becomes process i + 1 (dbcop numbers sessions from 1 and keeps 0
for its synthetic root). Versions are unique across the history and become the values: writes
``("w", k, v)``, reads ``("r", k, v)``; a read of version ``null`` read the uninitialised variable
and becomes ``("r", k, None)`` (see ``histcheck.formats.sessions``). A transaction with
``committed: false`` becomes a ``fail`` operation. Errors name the line the transaction starts on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec

from histcheck.errors import FormatError, UsageError
from histcheck.formats.json_positions import OPEN_ARRAY, load_document, object_start_lines
from histcheck.formats.sessions import MicroOp, Session, Txn, build
from histcheck.history import FAIL, INFO, OK, History
from histcheck.values import Value, to_json


def looks_like_dbcop(head: bytes) -> bool:
    """True for a JSON document whose first objects are dbcop transactions or its wrapper."""
    start = head.lstrip()
    if start.startswith(b"{"):
        return b'"data"' in head and (b'"params"' in head or b'"events"' in head)
    compact = b"".join(start[:200].split())
    return compact.startswith(b"[[{\"events\"") or compact.startswith(b"[[{\"committed\"") or \
        compact.startswith(b"[[]")


def read_dbcop(path: Path) -> History:
    source = str(path)
    data, doc = load_document(path)
    if isinstance(doc, dict):
        doc = doc.get("data")
    if not isinstance(doc, list) or not all(isinstance(s, list) for s in doc):
        raise FormatError("expected an array of sessions (arrays of transactions), or an "
                          "object whose data field holds one", path=source, line=1)
    lines = iter(_transaction_lines(data))
    sessions = []
    for number, raw_session in enumerate(doc, start=1):
        txns = []
        for index, raw in enumerate(raw_session, start=1):
            line = next(lines, 1)
            where = f"session {number}, transaction {index}"
            mops = _mops(raw, where, source, line)
            txns.append(Txn(mops, line, line, FAIL if raw.get("committed") is False else OK))
        sessions.append(Session(number, tuple(txns)))
    return build(sessions, source)


def _mops(raw: Any, where: str, source: str, line: int) -> tuple[MicroOp, ...]:
    def fail(problem: str) -> FormatError:
        return FormatError(f"{where}: {problem}", path=source, line=line)

    if not isinstance(raw, dict) or not isinstance(raw.get("events"), list):
        raise fail('expected {"events": [...], "committed": true|false}')
    if not isinstance(raw.get("committed", True), bool):
        raise fail("committed must be true or false")
    mops: list[MicroOp] = []
    for event in raw["events"]:
        if not isinstance(event, dict) or len(event) != 1:
            raise fail(f'expected {{"Read"|"Write": {{...}}}}, got {event!r}'[:160])
        ((kind, body),) = event.items()
        if kind not in ("Read", "Write") or not isinstance(body, dict):
            raise fail(f"unknown event {kind!r} (expected Read or Write)")
        key, version = body.get("variable"), body.get("version")
        if not _scalar(key) or not (_scalar(version) or (kind == "Read" and version is None)):
            raise fail(f"{kind} needs a variable and a version, got {body!r}"[:160])
        mops.append(("r" if kind == "Read" else "w", key, version))
    return tuple(mops)


def _scalar(value: Any) -> bool:
    return isinstance(value, int | str) and not isinstance(value, bool)


def _transaction_lines(data: bytes) -> list[int]:
    """The line each transaction object starts on: a '{' directly inside a session array."""
    return object_start_lines(data, lambda stack: stack[-2:] == [OPEN_ARRAY, OPEN_ARRAY])


def write_dbcop(history: History, path: Path) -> None:
    """Write the raw sessions array: one session per client process, transactions in order."""
    sessions: dict[object, list[dict[str, Any]]] = {}
    for op in history.operations:
        if op.f != "txn" or op.type is INFO:
            raise UsageError(f"dbcop holds only completed transactions; operation {op.id} is "
                             f"{op.type.value} {op.f}")
        events = [_event(mop) for mop in op.value or ()]  # type: ignore[union-attr]
        sessions.setdefault(op.process, []).append(
            {"events": events, "committed": op.type is OK})
    path.write_bytes(msgspec.json.format(to_json(list(sessions.values())), indent=2) + b"\n")


def _event(mop: Value) -> dict[str, Any]:
    if not isinstance(mop, tuple) or len(mop) != 3 or mop[0] not in ("r", "w"):
        raise UsageError(f"dbcop holds only r and w micro-operations, not {mop!r}")
    kind = "Read" if mop[0] == "r" else "Write"
    return {kind: {"variable": mop[1], "version": mop[2]}}
