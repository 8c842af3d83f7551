"""Record Elle-style transactions against PostgreSQL, at a chosen isolation level.

One table per workload, created afresh for each recording (any table of that name is dropped):

- list-append: ``histcheck_append(k int primary key, v text)``; an append is an upsert that
  concatenates, ``INSERT ... ON CONFLICT (k) DO UPDATE SET v = t.v || ',' || excluded.v``, and a
  read parses the comma-separated list (no row is the empty list).
- rw-register: ``histcheck_register(k int primary key, v int)``; a write is an upsert that
  replaces, a read returns the value or ``None``.

Each transaction runs as ``BEGIN ISOLATION LEVEL ...``, its micro-operations in order, then
``COMMIT``, on the client's own connection. How it ends:

- ``ok`` when COMMIT succeeded; reads carry what they read.
- ``fail`` when the server rejected it with an error code on a live connection: a serialization
  failure (SQLSTATE 40001) or a deadlock (40P01), which abort the transaction, or any other
  server error (also an abort; its code is kept in the event's ``error`` field).
- when the connection broke (class 08, an administrator shutdown 57P, or no code at all):
  ``info`` once COMMIT was sent, since it may or may not have happened; ``fail`` before, since
  the server rolls back an open transaction whose connection it lost.

With a ``timeout``, a transaction that has not ended after that many seconds (its server
paused, say) has its connection cut by the client (the socket is shut down, and the waiting
call fails like any lost connection), and each statement has a server-side
``statement_timeout`` of half that, so a lock wait ends as an error (57014), not a cut.

PostgreSQL's documented levels, which the checker should find on its own: SERIALIZABLE is
serializable; REPEATABLE READ is snapshot isolation (write skew, G2-item, is possible); READ
COMMITTED allows G-single and lost updates but never G0 or G1.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg

from histcheck.history import FAIL, OK
from histcheck.recorders.databases.errors import RecorderError
from histcheck.recorders.databases.recording import (
    Op,
    Outcome,
    Recorder,
    Recording,
    lost_connection,
    run_clients,
)
from histcheck.recorders.databases.servers import throwaway_postgres
from histcheck.recorders.databases.workloads import (
    SQL_ISOLATION_LEVELS,
    TABLES,
    TxnWorkload,
    check_txn_arguments,
)
from histcheck.recorders.streaming import recording_to
from histcheck.values import Value

_SCHEMA: dict[str, str] = {"list-append": "k int PRIMARY KEY, v text NOT NULL",
                           "rw-register": "k int PRIMARY KEY, v int"}
_READ = "SELECT v FROM {table} WHERE k = %s"
_APPEND = ("INSERT INTO histcheck_append AS t (k, v) VALUES (%s, %s) "
           "ON CONFLICT (k) DO UPDATE SET v = t.v || ',' || excluded.v")
_WRITE = ("INSERT INTO histcheck_register AS t (k, v) VALUES (%s, %s) "
          "ON CONFLICT (k) DO UPDATE SET v = excluded.v")
_UNCERTAIN_CLASSES = ("08", "57P")


def _connect(dsn: str) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(dsn, autocommit=True)
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise RecorderError(f"cannot connect to PostgreSQL with DSN {dsn!r}: {reason}") from None


def prepare(dsn: str, workload: str) -> str:
    """Create the workload's table afresh; return the server's version string."""
    with _connect(dsn) as conn:
        table = TABLES[workload]
        conn.execute(f"DROP TABLE IF EXISTS {table}")
        conn.execute(f"CREATE TABLE {table} ({_SCHEMA[workload]})")
        row = conn.execute("SHOW server_version").fetchone()
        return f"PostgreSQL {row[0] if row else '?'}"


def _parse_list(text: str | None) -> tuple[int, ...]:
    return () if not text else tuple(int(item) for item in text.split(","))


@contextlib.contextmanager
def cut_after(conn: psycopg.Connection[Any], seconds: float | None) -> Iterator[None]:
    """Shut ``conn``'s socket down if the block is still running after ``seconds``."""
    if seconds is None:
        yield
        return
    timer = threading.Timer(seconds, _shut_down, (conn.fileno(),))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        timer.join()  # the socket is ours until the timer is surely done with it


def _shut_down(fd: int) -> None:
    with contextlib.suppress(OSError), socket.socket(fileno=os.dup(fd)) as sock:
        sock.shutdown(socket.SHUT_RDWR)


class PostgresSession:
    """One client's connection, running whole transactions at one isolation level."""

    def __init__(self, dsn: str, workload: str, isolation: str,
                 timeout: float | None = None) -> None:
        if isolation not in SQL_ISOLATION_LEVELS:
            raise RecorderError(f"unknown isolation level {isolation!r}; known: "
                                f"{', '.join(SQL_ISOLATION_LEVELS)}")
        self._conn = _connect(dsn)
        self._timeout = timeout
        if timeout is not None:
            with cut_after(self._conn, timeout):
                try:
                    self._conn.execute(f"SET statement_timeout = {max(1, int(timeout * 500))}")
                except psycopg.Error as exc:
                    self._conn.close()
                    raise RecorderError(f"cannot set up a PostgreSQL session: {exc}") from None
        self._begin = f"BEGIN ISOLATION LEVEL {SQL_ISOLATION_LEVELS[isolation]}"
        self._read = _READ.format(table=TABLES[workload])
        self._lists = workload == "list-append"
        self._usable = True
        self._commit_sent = False

    @property
    def usable(self) -> bool:
        return self._usable and not self._conn.broken

    def perform(self, op: Op) -> Outcome:
        """Run one transaction; see the module docstring for how outcomes are classified."""
        assert isinstance(op.value, tuple)
        conn = self._conn
        self._commit_sent = False
        try:
            with cut_after(conn, self._timeout):
                conn.execute(self._begin)
                done = tuple(self._micro_op(mop) for mop in op.value)
                self._commit_sent = True
                committed = conn.execute("COMMIT").statusmessage
        except psycopg.Error as exc:
            return self._after_error(exc, op)
        if committed != "COMMIT":
            return Outcome(FAIL, op.value, f"COMMIT answered {committed}")
        return Outcome(OK, done)

    def _micro_op(self, mop: Value) -> Value:
        assert isinstance(mop, tuple)
        f, key, value = mop
        if f == "r":
            row = self._conn.execute(self._read, (key,)).fetchone()
            found = row[0] if row else None
            return ("r", key, _parse_list(found) if self._lists else found)
        if f == "append":
            self._conn.execute(_APPEND, (key, str(value)))
        else:
            self._conn.execute(_WRITE, (key, value))
        return mop

    def _after_error(self, exc: psycopg.Error, op: Op) -> Outcome:
        code = exc.sqlstate
        if self._conn.broken or code is None or code.startswith(_UNCERTAIN_CLASSES):
            self._usable = False
            return lost_connection(op, code or type(exc).__name__,
                                   commit_sent=self._commit_sent)
        try:
            self._conn.execute("ROLLBACK")
        except psycopg.Error:
            self._usable = False
        return Outcome(FAIL, op.value, code)

    def close(self) -> None:
        self._conn.close()


def record_postgres(*, isolation: str, workload: str, txns: int, clients: int, keys: int = 5,
                    max_writes_per_key: int = 32, seed: int = 0,
                    dsn: str | None = None, stream: Path | None = None) -> Recording:
    """Record ``txns`` transactions from ``clients`` concurrent clients.

    With no ``dsn``, a throwaway server is started from the local binaries and removed after.
    With ``stream``, events are also written to that file as they happen, from the moment the
    server answers (``histcheck.recorders.streaming.recording_to``).
    """
    check_txn_arguments(workload, isolation)
    generator = TxnWorkload(workload, keys=keys, max_writes_per_key=max_writes_per_key,
                            seed=seed)
    if dsn is None:
        with throwaway_postgres() as server:
            return _record(server.address, isolation, workload, txns, clients, generator,
                           stream)
    return _record(dsn, isolation, workload, txns, clients, generator, stream)


def _record(dsn: str, isolation: str, workload: str, txns: int, clients: int,
            generator: TxnWorkload, stream: Path | None) -> Recording:
    version = prepare(dsn, workload)
    with recording_to(stream, by="histcheck record postgres") as file:
        recorder = Recorder(file)
        outcome = run_clients(clients=clients, total=txns, next_op=generator,
                              connect=lambda: PostgresSession(dsn, workload, isolation),
                              recorder=recorder)
    return Recording(recorder.history(), outcome, f"{version}, {isolation}, {workload}")
