"""What clients ask for: Elle-style transactions and Knossos-style register operations.

Transactions (Elle's convention, ``f = "txn"``) are 1 to 4 micro-operations on a few keys:

- list-append: ``["append", k, v]`` adds ``v`` to the end of the list at ``k``; ``["r", k, None]``
  reads it (the completion fills in the list). Every appended value is unique per key, so a read
  says exactly which appends came before it, in which order: Elle recovers each key's version
  order from the longest read and infers ww, wr and rw dependencies from it.
- rw-register: ``["w", k, v]`` writes, ``["r", k, None]`` reads. Written values are unique per
  key, so a read names the one transaction it read from.

Like Elle's generator, a small pool of ``keys`` keys is active at a time; a key that has taken
``max_writes_per_key`` writes retires and a fresh key replaces it (0 never retires). This keeps
lists short and the checker's version orders small, while keeping contention high.

Register operations (for Redis, checked for linearizability) are ``read`` (value ``None``,
filled in on completion), ``write v`` and, for the cas-register, ``cas [old new]``, with values
drawn from ``range(values)`` as in Knossos's tests, so that compare-and-set often succeeds.

Generators are seeded and thread-safe: clients on many threads draw from one generator.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable

from histcheck.history import Operation
from histcheck.recorders.databases.errors import RecorderError
from histcheck.recorders.databases.recording import Op
from histcheck.values import Value

TXN_WORKLOADS: tuple[str, ...] = ("list-append", "rw-register")
REGISTER_WORKLOADS: tuple[str, ...] = ("register", "cas-register")
SQL_ISOLATION_LEVELS: dict[str, str] = {
    "serializable": "SERIALIZABLE",
    "repeatable-read": "REPEATABLE READ",
    "read-committed": "READ COMMITTED",
}
"""Each level's name as SQL's ``SET TRANSACTION ISOLATION LEVEL`` takes it."""
TABLES: dict[str, str] = {"list-append": "histcheck_append", "rw-register": "histcheck_register"}
"""The table each transactional workload keeps its keys in."""


def check_txn_arguments(workload: str, isolation: str) -> None:
    """``RecorderError`` for a workload or an isolation level no SQL recorder runs."""
    if workload not in TABLES:
        raise RecorderError(f"unknown workload {workload!r}; known: {', '.join(TABLES)}")
    if isolation not in SQL_ISOLATION_LEVELS:
        raise RecorderError(f"unknown isolation level {isolation!r}; known: "
                            f"{', '.join(SQL_ISOLATION_LEVELS)}")
MAX_TXN_LENGTH = 4


class TxnWorkload:
    """Random Elle-style transactions with unique written values per key."""

    def __init__(self, workload: str, *, keys: int = 5, max_writes_per_key: int = 32,
                 seed: int = 0) -> None:
        if workload not in TXN_WORKLOADS:
            raise RecorderError(f"unknown transactional workload {workload!r}; "
                                f"known: {', '.join(TXN_WORKLOADS)}")
        if keys < 1 or max_writes_per_key < 0:
            raise RecorderError("need at least one key and a non-negative max writes per key")
        self.workload = workload
        self._write = "append" if workload == "list-append" else "w"
        self._max_writes = max_writes_per_key
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._active = list(range(keys))
        self._next_key = keys
        self._writes: dict[int, int] = {}

    def __call__(self) -> Op:
        """The next transaction, as the invocation's value (reads carry ``None``)."""
        with self._lock:
            length = self._random.randint(1, MAX_TXN_LENGTH)
            return Op("txn", tuple(self._micro_op() for _ in range(length)))

    def _micro_op(self) -> tuple[str, int, int | None]:
        slot = self._random.randrange(len(self._active))
        key = self._active[slot]
        if self._random.random() < 0.5:
            return ("r", key, None)
        count = self._writes.get(key, 0) + 1
        self._writes[key] = count
        if self._max_writes and count >= self._max_writes:
            self._active[slot] = self._next_key
            self._next_key += 1
        return (self._write, key, count)


class RegisterWorkload:
    """Random reads, writes and (for cas-register) compare-and-sets over a few registers."""

    def __init__(self, workload: str, *, keys: int = 1, values: int = 5, seed: int = 0) -> None:
        if workload not in REGISTER_WORKLOADS:
            raise RecorderError(f"unknown register workload {workload!r}; "
                                f"known: {', '.join(REGISTER_WORKLOADS)}")
        if keys < 1 or values < 1:
            raise RecorderError("need at least one key and one value")
        self.workload = workload
        self._functions = ("read", "write", "cas") if workload == "cas-register" \
            else ("read", "write")
        self._keys = keys
        self._values = values
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def __call__(self) -> Op:
        """The next operation; with one key the event carries no key (a single register)."""
        with self._lock:
            f = self._random.choice(self._functions)
            key = self._random.randrange(self._keys) if self._keys > 1 else None
            value: Value = None
            if f == "write":
                value = self._random.randrange(self._values)
            elif f == "cas":
                value = (self._random.randrange(self._values),
                         self._random.randrange(self._values))
            return Op(f, value, key)


def list_prefix_problems(operations: Iterable[Operation]) -> list[str]:
    """Cheap self-check of a list-append history: per key, every committed read is a prefix of
    the longest one, and no read holds a value twice.

    This holds under any isolation level that forbids dirty writes and lost appends, which
    PostgreSQL's upsert guarantees at every level; a problem here points at the recorder (or a
    badly broken database) before any checker runs. Returns one line per problem.
    """
    reads: dict[Value, list[tuple[int, tuple[Value, ...]]]] = {}
    for op in operations:
        if not op.ok or op.f != "txn" or not isinstance(op.value, tuple):
            continue
        for mop in op.value:
            if isinstance(mop, tuple) and mop[0] == "r" and isinstance(mop[2], tuple):
                reads.setdefault(mop[1], []).append((op.id, mop[2]))
    problems: list[str] = []
    for key, seen in reads.items():
        longest = max((values for _, values in seen), key=len)
        for op_id, values in seen:
            if tuple(longest[: len(values)]) != values:
                problems.append(f"key {key!r}: operation {op_id} read {list(values)}, not a "
                                f"prefix of {list(longest)}")
            if len(set(values)) != len(values):
                problems.append(f"key {key!r}: operation {op_id} read a duplicate in "
                                f"{list(values)}")
    return problems


def duplicate_writes(operations: Iterable[Operation]) -> list[tuple[Value, Value]]:
    """(key, value) pairs written by more than one invocation (should be none: values are
    unique per key, which is what lets a read name its writer)."""
    seen: set[tuple[Value, Value]] = set()
    duplicates: list[tuple[Value, Value]] = []
    for op in operations:
        if op.f != "txn" or not isinstance(op.invoke_value, tuple):
            continue
        for mop in op.invoke_value:
            if isinstance(mop, tuple) and mop[0] in ("append", "w"):
                pair = (mop[1], mop[2])
                if pair in seen:
                    duplicates.append(pair)
                seen.add(pair)
    return duplicates
