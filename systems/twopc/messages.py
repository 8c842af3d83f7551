"""The messages of the two-phase commit store, and the shape of a transaction.

A transaction is a tuple of micro-ops ``(kind, key, value)`` in Elle's vocabulary: list-append
``("append", k, v)`` and ``("r", k, [v...])``, rw-register ``("w", k, v)`` and ``("r", k, v)``.
A read is sent with value None and comes back filled in. A transaction id (``tid``) is
``"<client>.<operation number>"``: clients never resend a transaction, so an id names one
attempt.
"""

from __future__ import annotations

from dataclasses import dataclass

from histcheck.values import Value

MicroOp = tuple[str, Value, Value]
Txn = tuple[MicroOp, ...]


@dataclass(frozen=True, slots=True)
class Begin:
    """Client -> coordinator: run ``ops`` as transaction ``tid``."""

    tid: str
    ops: Txn


@dataclass(frozen=True, slots=True)
class Outcome:
    """Coordinator -> client: committed (with every read filled in) or aborted."""

    tid: str
    committed: bool
    ops: Txn = ()


@dataclass(frozen=True, slots=True)
class Prepare:
    """Coordinator -> participant: lock, execute ``ops`` (indices into the transaction), vote."""

    tid: str
    ops: tuple[tuple[int, MicroOp], ...]


@dataclass(frozen=True, slots=True)
class Vote:
    """Participant -> coordinator: yes (with the reads it did, by index) or no."""

    tid: str
    yes: bool
    reads: tuple[tuple[int, Value], ...] = ()


@dataclass(frozen=True, slots=True)
class Decide:
    """Coordinator -> participant: the decision (also the answer to an ``Inquire``)."""

    tid: str
    commit: bool


@dataclass(frozen=True, slots=True)
class Done:
    """Participant -> coordinator: the decision is applied and logged."""

    tid: str


@dataclass(frozen=True, slots=True)
class Inquire:
    """Participant -> coordinator: what became of ``tid``? (it is prepared, in doubt)"""

    tid: str
