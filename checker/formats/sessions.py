"""Session-based transactional logs (PolySI, Cobra, dbcop) turned into ordinary ``txn`` operations.

These tools record, per session (one client connection), the transactions it committed and the
micro-operations inside each: ``("r", key, value)`` and ``("w", key, value)``. Each session
becomes one client process and each transaction one ``invoke`` + ``ok`` pair (``fail`` for a
transaction the log marks as aborted; an ``invoke`` alone for one that never finished), so one
transactional checker serves every format.

The initial state. Each of these tools says a read saw "the initial value" in its own way
(PolySI: the value 0; Cobra: writer ``0xbebeebee``; dbcop: version ``null``). Readers map all of
them to a read of ``None``: Elle's rw-register convention, where every key starts as ``nil``
and a read of ``nil`` reads the initial state. A read of a value that no transaction wrote keeps
that value, so it stays distinguishable from a read of the initial state.

Real time. The logs record session order only, never when a transaction ran, so every history
built here says ``realtime=False``: no real-time edge, anomaly or sentence comes from it, and a
level that orders by real time (strict serializability, linearizability) refuses it. Events are
laid out round by round (every session's first transaction, then every session's second, ...);
positions respect session order and mean nothing between sessions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import msgspec

from histcheck.history import FAIL, INVOKE, OK, Event, EventType, History, HistoryBuilder, Process
from histcheck.values import Value

MicroOp = tuple[str, Value, Value]


@dataclass(frozen=True, slots=True)
class Txn:
    """One logged transaction: its micro-operations and where it sits in the source.

    ``status`` is ``OK`` (committed), ``FAIL`` (aborted) or ``INVOKE`` (never finished: the
    operation stays open, hence indeterminate). ``start`` and ``end`` are source line (or record)
    numbers for the invocation and the completion.
    """

    mops: tuple[MicroOp, ...]
    start: int
    end: int
    status: EventType = OK


@dataclass(frozen=True, slots=True)
class Session:
    """One client session: a process id and its transactions in session order."""

    process: Process
    txns: tuple[Txn, ...]


def invoked(mops: Sequence[MicroOp]) -> tuple[MicroOp, ...]:
    """The micro-operations as invoked: reads do not know their value yet."""
    return tuple((f, k, None) if f == "r" else (f, k, v) for f, k, v in mops)


def build(sessions: Sequence[Session], source: str) -> History:
    """Lay sessions out round by round and pair them through the ``HistoryBuilder``.

    The history records no real time (``realtime=False``): see the module's docstring.
    """
    builder = HistoryBuilder(source)
    rounds = max((len(s.txns) for s in sessions), default=0)
    for index in range(rounds):
        live = [(s.process, s.txns[index]) for s in sessions if index < len(s.txns)]
        for process, txn in live:
            builder.add(Event(process, INVOKE, "txn", invoked(txn.mops)), txn.start)
        for process, txn in live:
            if txn.status is OK:
                builder.add(Event(process, OK, "txn", txn.mops), txn.end)
            elif txn.status is FAIL:
                builder.add(Event(process, FAIL, "txn", invoked(txn.mops)), txn.end)
    return msgspec.structs.replace(builder.build(), realtime=False)
