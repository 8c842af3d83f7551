"""A participant of two-phase commit: strict two-phase locking and a write-ahead log.

Each participant owns a partition of the keys. When the coordinator asks it to prepare its part
of a transaction it takes every lock that part needs at once (shared for reads, exclusive for
writes; all or nothing, retried for ``lock_wait`` and then refused, which also breaks deadlocks
between participants), runs the micro-ops against its committed data (a transaction reads its own
writes), **logs a prepare record** (the writes, the locks and the reads) and votes yes. Writes are
applied only when the commit decision arrives; the commit (or abort) is logged, then the locks
are released: locks are held from before the first read until after the decision (strict 2PL),
which is what makes the store strict-serializable.

Recovery: a restarted participant replays its log. Committed writes are applied again in log
order; a transaction with a prepare record and no outcome is **in doubt**: its locks are taken
again and the participant asks the coordinator (``Inquire``) until it hears the decision. It may
not decide alone: the coordinator may have committed it. A prepared transaction whose decision
does not come for ``inquire_after`` is in doubt the same way (the coordinator may have crashed),
and stays blocked, holding its locks, for as long as the coordinator is down.

Buggy flavours (``Flavour``):
- ``early_release``: locks are released as soon as the participant has voted, before the
  decision. Another transaction can then read what this one read and overwrite it, or read a
  key before this one's write lands: dependency cycles, not serializable.
- ``unlocked_reads``: reads take no lock and read the committed data: a transaction can see one
  key before a concurrent commit and another after it (read committed at best).
- ``forget_prepared``: the prepare record is not logged. A participant that crashes after voting
  yes forgets the transaction, and when the commit decision arrives it acknowledges without
  applying anything: the other participants apply their part, so part of a committed
  transaction is visible and part is lost (atomicity broken).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from histcheck.systems.sim.models import MS
from histcheck.systems.sim.node import Node
from histcheck.systems.twopc.messages import Decide, Done, Inquire, MicroOp, Prepare, Vote
from histcheck.values import Value

Lock = tuple[Value, bool]
"""A key and whether the lock is exclusive."""


@dataclass(frozen=True, slots=True)
class Flavour:
    """Which classic bug, if any, the participant has (see the module docstring)."""

    early_release: bool = False
    unlocked_reads: bool = False
    forget_prepared: bool = False


@dataclass(frozen=True, slots=True)
class Prepared:
    """A transaction this participant voted yes for and whose decision it has not applied."""

    tid: str
    writes: tuple[MicroOp, ...]
    locks: tuple[Lock, ...]
    reads: tuple[tuple[int, Value], ...]
    since: int


class Participant(Node):
    def __init__(self, name: str, *, coordinator: str, flavour: Flavour = Flavour(),
                 lists: bool = True, lock_wait: int = 30 * MS,
                 inquire_after: int = 100 * MS) -> None:
        super().__init__(name)
        self.coordinator = coordinator
        self.lists = lists
        """List-append data (a missing key reads as []) rather than registers (it reads nil)."""
        self.flavour = flavour
        self.lock_wait, self.inquire_after = lock_wait, inquire_after
        self.data: dict[Value, Value] = {}
        self.shared: dict[Value, dict[str, None]] = {}
        self.exclusive: dict[Value, str] = {}
        self.prepared: dict[str, Prepared] = {}
        self.waiting: dict[str, None] = {}
        self.finished: dict[str, bool] = {}
        """Transactions refused or decided here (a late, duplicated Prepare must not revive one)."""
        self.log_length = 0

    # -- the write-ahead log -------------------------------------------------------------------
    def _log(self, record: tuple[Any, ...]) -> None:
        self.storage.put(f"wal/{self.log_length:09d}", record)
        self.log_length += 1

    def start(self) -> None:
        records = self.storage.prefixed("wal/")
        self.log_length = len(records)
        in_doubt: dict[str, Prepared] = {}
        for kind, tid, writes, locks, reads in records.values():
            if kind == "prepare":
                in_doubt[tid] = Prepared(tid, tuple(writes), tuple(locks), tuple(reads),
                                         self.now - self.inquire_after)
            else:
                in_doubt.pop(tid, None)
                self.finished[tid] = kind == "commit"
                if kind == "commit":
                    self._apply(writes)
        for tid, txn in in_doubt.items():  # blocked until the coordinator answers
            self._take(tid, txn.locks)
            self.prepared[tid] = txn
        self.set_timer(self.inquire_after // 2, self._inquire)

    def _apply(self, writes: tuple[MicroOp, ...]) -> None:
        for kind, key, value in writes:
            if kind == "append":
                current = self.data.get(key, ())
                assert isinstance(current, tuple)
                self.data[key] = (*current, value)
            else:
                self.data[key] = value

    # -- locks ---------------------------------------------------------------------------------
    def _needs(self, ops: tuple[tuple[int, MicroOp], ...]) -> tuple[Lock, ...]:
        needs: dict[Value, bool] = {}
        for _, (kind, key, _value) in ops:
            if kind == "r" and self.flavour.unlocked_reads:
                continue
            needs[key] = needs.get(key, False) or kind != "r"
        return tuple(needs.items())

    def _free(self, tid: str, locks: tuple[Lock, ...]) -> bool:
        for key, exclusive in locks:
            if self.exclusive.get(key, tid) != tid:
                return False
            if exclusive and any(holder != tid for holder in self.shared.get(key, {})):
                return False
        return True

    def _take(self, tid: str, locks: tuple[Lock, ...]) -> None:
        for key, exclusive in locks:
            if exclusive:
                self.exclusive[key] = tid
            else:
                self.shared.setdefault(key, {})[tid] = None

    def _release(self, tid: str, locks: tuple[Lock, ...]) -> None:
        for key, _ in locks:
            if self.exclusive.get(key) == tid:
                del self.exclusive[key]
            self.shared.get(key, {}).pop(tid, None)

    # -- the protocol --------------------------------------------------------------------------
    def receive(self, src: str, msg: Any) -> None:
        if isinstance(msg, Prepare):
            if msg.tid in self.prepared:
                txn = self.prepared[msg.tid]
                self.send(src, Vote(msg.tid, True, txn.reads))
            elif msg.tid in self.finished:
                self.send(src, Vote(msg.tid, self.finished[msg.tid]))
            elif msg.tid not in self.waiting:
                self.waiting[msg.tid] = None
                self._try_prepare(msg, self.now + self.lock_wait)
        elif isinstance(msg, Decide):
            self._decide(msg)
            self.send(src, Done(msg.tid))

    def _try_prepare(self, msg: Prepare, deadline: int) -> None:
        if msg.tid not in self.waiting:  # aborted while waiting for locks
            return
        locks = self._needs(msg.ops)
        if not self._free(msg.tid, locks):
            if self.now >= deadline:
                del self.waiting[msg.tid]
                self.finished[msg.tid] = False
                self.send(self.coordinator, Vote(msg.tid, False))
            else:
                self.set_timer(2 * MS, partial(self._try_prepare, msg, deadline))
            return
        del self.waiting[msg.tid]
        self._take(msg.tid, locks)
        view: dict[Value, Value] = {}
        reads: list[tuple[int, Value]] = []
        writes: list[MicroOp] = []
        for index, (kind, key, value) in msg.ops:
            current = view[key] if key in view else self.data.get(key)
            if kind == "r":
                reads.append((index, () if current is None and self.lists else current))
            elif kind == "append":
                view[key] = (*(current or ()), value)  # type: ignore[misc]
                writes.append((kind, key, value))
            else:
                view[key] = value
                writes.append((kind, key, value))
        txn = Prepared(msg.tid, tuple(writes), locks, tuple(reads), self.now)
        if not self.flavour.forget_prepared:
            self._log(("prepare", msg.tid, txn.writes, txn.locks, txn.reads))
        self.prepared[msg.tid] = txn
        if self.flavour.early_release:
            self._release(msg.tid, locks)
        self.send(self.coordinator, Vote(msg.tid, True, txn.reads))

    def _decide(self, msg: Decide) -> None:
        self.waiting.pop(msg.tid, None)
        txn = self.prepared.pop(msg.tid, None)
        if txn is None:  # decided before (a repeated Decide), refused, or forgotten
            self.finished.setdefault(msg.tid, False)
            return
        if msg.commit:
            self._apply(txn.writes)
        self._log(("commit" if msg.commit else "abort", msg.tid, txn.writes, (), ()))
        self.finished[msg.tid] = msg.commit
        self._release(msg.tid, txn.locks)

    def _inquire(self) -> None:
        for tid, txn in self.prepared.items():
            if self.now - txn.since >= self.inquire_after:
                self.send(self.coordinator, Inquire(tid))
        self.set_timer(self.inquire_after // 2, self._inquire)
