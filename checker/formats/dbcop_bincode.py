"""dbcop's binary histories (PolySI's ``history.bincode``): the JSON wrapper's fields, in bincode.

dbcop saves its ``History`` with serde and bincode 1.x's default configuration: little-endian,
every integer (``usize``) a u64, a string or sequence a u64 length then its items, a bool one
byte (0 or 1), struct fields in declaration order with no names or padding::

    params   id, n_node, n_variable, n_transaction, n_event       5 x u64
    info     string                                                  e.g. "PostgreSQL"
    start    string, end string                                      RFC 3339 times of the run
    data     sessions: [[transaction]]
             transaction = events: [event], success: bool
             event       = write: bool, variable: u64, value: u64, success: bool

The meaning is dbcop's verifier's. Session i (0-based) becomes process i + 1, as in the JSON
reader (``histcheck.formats.dbcop``). A transaction with ``success`` false aborted: it becomes a
``fail`` operation that tried its writes. In a committed transaction only the events that
succeeded happened; the others are dropped. Every variable starts at 0, so a read of 0 reads the
initial state (``("r", k, None)``) and a write of 0 is an error; written values are unique per
variable. The run's start and end times bound the whole run, not its transactions: the history
records sessions only, never real time (see ``histcheck.formats.sessions``).

Errors name the file and the byte offset of the problem; the history's ``lines`` hold each
transaction's number in the file (1-based, session by session).
"""

from __future__ import annotations

import re
import struct
from pathlib import Path

from histcheck.errors import FormatError
from histcheck.formats.sessions import MicroOp, Session, Txn, build
from histcheck.history import FAIL, OK, History
from histcheck.values import Value

INITIAL = 0
_U64 = struct.Struct("<Q")
_EVENT = struct.Struct("<BQQB")
_PARAMS = 5
_TIME = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d")
MAX_TEXT = 1 << 16
"""A longer info or time string is taken for a garbled file rather than read."""


def looks_like_dbcop_bincode(head: bytes) -> bool:
    """True when the bytes hold dbcop's params, a short info string and an RFC 3339 start time."""
    at = 8 * _PARAMS
    if len(head) < at + 8:
        return False
    info = _U64.unpack_from(head, at)[0]
    at += 8 + info
    if info > 1024 or len(head) < at + 8:
        return False
    size = _U64.unpack_from(head, at)[0]
    return 16 <= size <= 64 and _TIME.match(head, at + 8) is not None


class _Reader:
    """A cursor over the file's bytes that fails with the file and byte offset."""

    def __init__(self, data: bytes, source: str) -> None:
        self.data = data
        self.at = 0
        self.source = source

    def fail(self, problem: str, at: int | None = None) -> FormatError:
        return FormatError(f"byte {self.at if at is None else at}: {problem}", path=self.source)

    def need(self, size: int, what: str) -> None:
        if self.at + size > len(self.data):
            raise self.fail(f"truncated: {what} needs {size} bytes, {len(self.data) - self.at} "
                            f"left (not a complete dbcop bincode history)")

    def u64(self, what: str) -> int:
        self.need(8, what)
        value: int = _U64.unpack_from(self.data, self.at)[0]
        self.at += 8
        return value

    def length(self, what: str, item_size: int) -> int:
        """A sequence length, checked against the bytes left (a garbled length is an error)."""
        start = self.at
        count = self.u64(f"the length of {what}")
        if count * item_size > len(self.data) - self.at:
            raise self.fail(f"{what} claims {count} items, more than the {len(self.data)} bytes "
                            f"of the file can hold (garbled or truncated)", start)
        return count

    def text(self, what: str) -> str:
        size = self.length(what, 1)
        if size > MAX_TEXT:
            raise self.fail(f"{what} is {size} bytes long (garbled)", self.at - 8)
        raw = self.data[self.at:self.at + size]
        try:
            value = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise self.fail(f"{what} is not UTF-8 text") from None
        self.at += size
        return value

    def flag(self, what: str) -> bool:
        self.need(1, what)
        byte = self.data[self.at]
        if byte > 1:
            raise self.fail(f"{what} must be a bool (0 or 1), not {byte}")
        self.at += 1
        return byte == 1


def read_dbcop_bincode(path: Path) -> History:
    source = str(path)
    reader = _Reader(path.read_bytes(), source)
    for field in ("id", "n_node", "n_variable", "n_transaction", "n_event"):
        reader.u64(f"params.{field}")
    reader.text("info")
    reader.text("start")
    reader.text("end")
    sessions = []
    writers: dict[tuple[int, int], int] = {}
    number = 0
    for index in range(reader.length("data (the sessions)", 8)):
        txns = []
        for _ in range(reader.length(f"session {index + 1}", 9)):
            number += 1
            mops, committed = _transaction(reader, number, writers)
            txns.append(Txn(mops, number, number, OK if committed else FAIL))
        sessions.append(Session(index + 1, tuple(txns)))
    if reader.at != len(reader.data):
        raise reader.fail(f"{len(reader.data) - reader.at} bytes after the last session")
    if number == 0:
        raise FormatError("empty history: no transactions", path=source)
    return build(sessions, source)


def _transaction(reader: _Reader, number: int,
                 writers: dict[tuple[int, int], int]) -> tuple[tuple[MicroOp, ...], bool]:
    """One transaction's micro-operations (those that happened) and whether it committed."""
    events: list[tuple[int, bool, int, int, bool]] = []
    for _ in range(reader.length(f"transaction {number}'s events", _EVENT.size)):
        at = reader.at
        reader.need(_EVENT.size, "an event")
        write, variable, value, success = _EVENT.unpack_from(reader.data, at)
        if write > 1 or success > 1:
            raise reader.fail(f"transaction {number}: an event's write and success must be "
                              f"bools (0 or 1), not {write} and {success}", at)
        reader.at += _EVENT.size
        events.append((at, write == 1, variable, value, success == 1))
    committed = reader.flag(f"transaction {number}'s success")
    mops: list[MicroOp] = []
    for at, write, variable, value, success in events:
        if write:
            if value == INITIAL:
                raise reader.fail(f"transaction {number} writes {INITIAL}, the initial value, "
                                  f"to variable {variable}", at)
            first = writers.setdefault((variable, value), at)
            if first != at:
                raise reader.fail(f"value {value} written to variable {variable} twice (first "
                                  f"at byte {first}); values must be unique per variable", at)
            if success or not committed:
                mops.append(("w", variable, value))
        elif success or not committed:
            read: Value = None if value == INITIAL else value
            mops.append(("r", variable, read))
    return tuple(mops), committed
