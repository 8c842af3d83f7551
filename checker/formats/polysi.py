"""PolySI's text histories: one micro-operation per line, ``r(key,value,session,txn)``.

Example (histories/txn-formats/polysi-text/galera.txt)::

    w(0,1,1,1)      session 1, transaction 1 writes 1 to key 0
    r(0,4,1,3)      session 1, transaction 3 reads 4 from key 0

Keys and values are integers; written values are unique per key. Every key implicitly starts at
0 (PolySI's initial transaction), so a read of 0 is a read of the initial state and becomes
``("r", key, None)`` (see ``histcheck.formats.sessions``); writing 0 is an error, since it would
make such reads ambiguous. Transactions keep their order of first appearance within their
session; a transaction number names one transaction, so it cannot appear in two sessions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from histcheck.errors import FormatError
from histcheck.formats.sessions import MicroOp, Session, Txn, build
from histcheck.history import History
from histcheck.values import Value

INITIAL = 0
_LINE = re.compile(r"^\s*([rw])\(\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*\)\s*$")


def looks_like_polysi(head: bytes) -> bool:
    """True when the first non-blank line is a PolySI micro-operation."""
    for line in head.splitlines():
        if line.strip():
            return _LINE.match(line.decode("utf-8", "replace")) is not None
    return False


@dataclass
class _Open:
    mops: list[MicroOp] = field(default_factory=list)
    start: int = 0
    end: int = 0


def read_polysi(path: Path) -> History:
    """Read a PolySI text history; blank lines are skipped, anything else malformed is an error."""
    source = str(path)
    sessions: dict[int, dict[int, _Open]] = {}
    owner: dict[int, int] = {}
    writers: dict[tuple[int, int], int] = {}
    with path.open(encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            match = _LINE.match(line)
            if match is None:
                raise FormatError(f"not a PolySI operation r|w(key,value,session,txn): "
                                  f"{line.strip()[:80]!r}", path=source, line=number)
            kind, key, value, session, txn = (match[1], *map(int, match.groups()[1:]))
            if owner.setdefault(txn, session) != session:
                raise FormatError(f"transaction {txn} appears in sessions {owner[txn]} and "
                                  f"{session}", path=source, line=number)
            if kind == "w":
                if value == INITIAL:
                    raise FormatError(f"write of {INITIAL}, the implicit initial value, to key "
                                      f"{key}", path=source, line=number)
                first = writers.setdefault((key, value), number)
                if first != number:
                    raise FormatError(f"value {value} written to key {key} twice (first on line "
                                      f"{first}); values must be unique per key",
                                      path=source, line=number)
            read: Value = None if kind == "r" and value == INITIAL else value
            entry = sessions.setdefault(session, {}).setdefault(txn, _Open(start=number))
            entry.mops.append((kind, key, read))
            entry.end = number
    return build(
        [Session(process, tuple(Txn(tuple(t.mops), t.start, t.end) for t in txns.values()))
         for process, txns in sessions.items()],
        source,
    )
