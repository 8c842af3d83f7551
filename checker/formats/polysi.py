"""PolySI's text histories: one micro-operation per line, ``r(key,value,session,txn)``.

Example (histories/txn-formats/polysi-text/galera.txt)::

    w(0,1,1,1)      session 1, transaction 1 writes 1 to key 0
    r(0,4,1,3)      session 1, transaction 3 reads 4 from key 0

Keys and values are integers; written values are unique per key. Every key implicitly starts at
0 (PolySI's initial transaction), so a read of 0 is a read of the initial state and becomes
``("r", key, None)`` (see ``histcheck.formats.sessions``); writing 0 is an error, since it would
make such reads ambiguous. Transactions keep their order of first appearance within their
session; a transaction number names one transaction, so it cannot appear in two sessions.

IsoVista and C4 write the same lines with two additions, read as they read them:

- Transaction ``-1`` marks an aborted write: the write of a transaction that did not commit.
  Each run of such lines in one session becomes one ``fail`` transaction, so that a read of its
  value is a read of an aborted write (G1a), never a read of a committed one.
- The file may open with an explicit initial transaction that writes 0 to keys (IsoVista's
  ``w(k,0,0,0)``): transaction 0, first in the file, writes only, all of 0. It is the initial
  state written out, so it is dropped, and reads of 0 still read the initial state. A write of
  0 anywhere else is still an error.

Numbers are ASCII digits, at most ``histcheck.formats.text.MAX_DIGITS`` long; the file must be
UTF-8 (``histcheck.formats.text``). The format records sessions only, never time (see
``histcheck.formats.sessions``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from histcheck.errors import FormatError
from histcheck.formats.sessions import MicroOp, Session, Txn, build
from histcheck.formats.text import text_lines, too_long
from histcheck.history import FAIL, OK, History
from histcheck.values import Value

INITIAL = 0
ABORTED = -1
"""IsoVista's and C4's transaction number for an aborted write."""
INITIAL_TXN = 0
"""IsoVista's and C4's number for their explicit initial transaction."""
_LINE = re.compile(r"^\s*([rw])\(\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*,\s*(-?\d+)\s*\)\s*$",
                   re.ASCII)


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
    aborted: bool = False


_Line = tuple[int, str, int, int, int, int]
"""A parsed line: its number, r or w, key, value, session and transaction."""


def read_polysi(path: Path) -> History:
    """Read a PolySI (or IsoVista/C4) text history; blank lines are skipped, anything else
    malformed is an error."""
    source = str(path)
    lines = _parse(path, source)
    sessions: dict[int, list[_Open]] = {}
    known: dict[int, _Open] = {}
    owner: dict[int, int] = {}
    writers: dict[tuple[int, int], int] = {}
    initial = _initial_transaction(lines)
    for number, kind, key, value, session, txn in lines:
        if txn == initial:
            continue
        if txn != ABORTED and owner.setdefault(txn, session) != session:
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
        entry = _entry(sessions.setdefault(session, []), known, txn, number)
        read: Value = None if kind == "r" and value == INITIAL else value
        entry.mops.append((kind, key, read))
        entry.end = number
    return build(
        [Session(process, tuple(Txn(tuple(t.mops), t.start, t.end, FAIL if t.aborted else OK)
                                for t in txns))
         for process, txns in sessions.items()],
        source,
    )


def _parse(path: Path, source: str) -> list[_Line]:
    parsed: list[_Line] = []
    for number, line in text_lines(path, source):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if match is None:
            raise FormatError(f"not a PolySI operation r|w(key,value,session,txn): "
                              f"{line.strip()[:80]!r}", path=source, line=number)
        try:
            key, value, session, txn = map(int, match.groups()[1:])
        except ValueError:
            raise FormatError(too_long(), path=source, line=number) from None
        parsed.append((number, match[1], key, value, session, txn))
    return parsed


def _initial_transaction(lines: list[_Line]) -> int | None:
    """0 when the file opens with transaction 0 writing only 0s (an explicit initial state)."""
    first = INITIAL_TXN
    if not lines or lines[0][5] != first:
        return None
    mine = [line for line in lines if line[5] == first]
    if all(kind == "w" and value == INITIAL for _, kind, _, value, _, _ in mine):
        return first
    return None


def _entry(session: list[_Open], known: dict[int, _Open], txn: int, number: int) -> _Open:
    """The transaction a line belongs to; aborted lines join the session's current aborted run."""
    if txn == ABORTED:
        if session and session[-1].aborted:
            return session[-1]
        session.append(_Open(start=number, aborted=True))
        return session[-1]
    entry = known.get(txn)
    if entry is None:
        entry = known[txn] = _Open(start=number)
        session.append(entry)
    return entry
