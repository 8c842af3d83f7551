"""Record Elle-style transactions against MariaDB (InnoDB), at a chosen isolation level.

The tables and statements mirror PostgreSQL's (``postgres``), in MariaDB's dialect:

- list-append: ``histcheck_append(k INT PRIMARY KEY, v TEXT)``; an append is
  ``INSERT ... ON DUPLICATE KEY UPDATE v = CONCAT(v, ',', VALUES(v))``.
- rw-register: ``histcheck_register(k INT PRIMARY KEY, v INT)``; a write replaces the value.

Each session sets its isolation level once, then runs each transaction as ``START
TRANSACTION``, its micro-operations, ``COMMIT``. How it ends:

- ``ok`` when COMMIT succeeded.
- ``fail`` when the server answered with an error (a deadlock, 1213; a lock wait timeout,
  1205; ...): the client rolls back and the transaction is gone. Also ``fail`` when the
  connection broke before COMMIT was sent.
- ``info`` when the connection broke once COMMIT was sent (client error codes 2000 and up, such
  as 2013 "lost connection" after a read timeout, or the server shutting down, 1053): it may
  have committed.

InnoDB's levels, as Hermitage found them: SERIALIZABLE is serializable (reads take shared
locks); REPEATABLE READ reads from a snapshot taken at the first read but writes to the newest
version, so it allows lost updates, read skew and write skew: it is not snapshot isolation.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pymysql

from histcheck.history import FAIL, OK
from histcheck.recorders.databases.errors import RecorderError
from histcheck.recorders.databases.mariadb_server import MariaDBAddress, throwaway_mariadb
from histcheck.recorders.databases.recording import (
    Op,
    Outcome,
    Recorder,
    Recording,
    lost_connection,
    run_clients,
)
from histcheck.recorders.databases.workloads import (
    SQL_ISOLATION_LEVELS,
    TABLES,
    TxnWorkload,
    check_txn_arguments,
)
from histcheck.recorders.streaming import recording_to
from histcheck.values import Value

_SCHEMA: dict[str, str] = {"list-append": "k INT PRIMARY KEY, v TEXT NOT NULL",
                           "rw-register": "k INT PRIMARY KEY, v INT"}
_READ = "SELECT v FROM {table} WHERE k = %s"
_APPEND = ("INSERT INTO histcheck_append (k, v) VALUES (%s, %s) "
           "ON DUPLICATE KEY UPDATE v = CONCAT(v, ',', VALUES(v))")
_WRITE = ("INSERT INTO histcheck_register (k, v) VALUES (%s, %s) "
          "ON DUPLICATE KEY UPDATE v = VALUES(v)")
CLIENT_ERRORS = 2000
"""MySQL client library codes (CR_*) start here: the connection, not the server, failed."""
CONNECTION_GONE = frozenset({1053, 1077, 1927})
"""Server codes that end the connection: shutting down, normal shutdown, connection killed."""

Connect = Callable[[], Any]


def connect_to(address: MariaDBAddress, timeout: float | None = None,
               database: bool = True) -> Connect:
    """A function opening a PyMySQL connection to ``address``, with socket timeouts."""
    def connect() -> Any:
        try:
            return pymysql.connect(host=address.host, port=address.port, user=address.user,
                                   password=address.password,
                                   database=address.database if database else None,
                                   connect_timeout=timeout or 10, read_timeout=timeout,
                                   write_timeout=timeout, autocommit=False)
        except pymysql.MySQLError as exc:
            raise RecorderError(f"cannot connect to MariaDB at {address.url()}: "
                                f"{_reason(exc)}") from None
    return connect


def _reason(exc: BaseException) -> str:
    return " ".join(str(arg) for arg in exc.args) or type(exc).__name__


def error_code(exc: BaseException) -> int | None:
    """The MySQL error number of a PyMySQL error, if it carries one."""
    if exc.args and isinstance(exc.args[0], int):
        return exc.args[0]
    return None


def connection_lost(exc: BaseException) -> bool:
    """Whether an error says the connection is gone (so the server's answer may be lost)."""
    if not isinstance(exc, pymysql.MySQLError):
        return True  # a socket error that PyMySQL did not wrap
    code = error_code(exc)
    return code is None or code == 0 or code >= CLIENT_ERRORS or code in CONNECTION_GONE


def prepare(address: MariaDBAddress, workload: str) -> str:
    """Create the database and the workload's table afresh; return the server's version."""
    conn = connect_to(address, database=False)()
    try:
        with conn.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE IF NOT EXISTS `{address.database}`")
            cursor.execute(f"USE `{address.database}`")
            table = TABLES[workload]
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
            cursor.execute(f"CREATE TABLE {table} ({_SCHEMA[workload]}) ENGINE=InnoDB")
            cursor.execute("SELECT VERSION()")
            row = cursor.fetchone()
        conn.commit()
    except pymysql.MySQLError as exc:
        raise RecorderError(f"cannot prepare MariaDB at {address.url()}: {_reason(exc)}") from None
    finally:
        with contextlib.suppress(pymysql.MySQLError):
            conn.close()
    return f"MariaDB {row[0] if row else '?'}"


def _parse_list(text: str | None) -> tuple[int, ...]:
    return () if not text else tuple(int(item) for item in text.split(","))


class MariaDBSession:
    """One client's connection, running whole transactions at one isolation level.

    ``connect`` opens the connection (a PyMySQL one, or a fake in tests).
    """

    def __init__(self, connect: Connect, workload: str, isolation: str) -> None:
        if isolation not in SQL_ISOLATION_LEVELS:
            raise RecorderError(f"unknown isolation level {isolation!r}; known: "
                                f"{', '.join(SQL_ISOLATION_LEVELS)}")
        self._conn = connect()
        try:
            with self._conn.cursor() as cursor:
                cursor.execute("SET SESSION TRANSACTION ISOLATION LEVEL "
                               + SQL_ISOLATION_LEVELS[isolation])
        except (pymysql.MySQLError, OSError) as exc:
            self.close()
            raise RecorderError(f"cannot set up a MariaDB session: {_reason(exc)}") from None
        self._read = _READ.format(table=TABLES[workload])
        self._lists = workload == "list-append"
        self._usable = True

    @property
    def usable(self) -> bool:
        return self._usable

    def perform(self, op: Op) -> Outcome:
        """Run one transaction; see the module docstring for how outcomes are classified."""
        assert isinstance(op.value, tuple)
        commit_sent = False
        try:
            with self._conn.cursor() as cursor:
                cursor.execute("START TRANSACTION")
                done = tuple(self._micro_op(cursor, mop) for mop in op.value)
            commit_sent = True
            self._conn.commit()
        except (pymysql.MySQLError, OSError) as exc:
            return self._after_error(exc, op, commit_sent)
        return Outcome(OK, done)

    def _micro_op(self, cursor: Any, mop: Value) -> Value:
        assert isinstance(mop, tuple)
        f, key, value = mop
        if f == "r":
            cursor.execute(self._read, (key,))
            row = cursor.fetchone()
            found = row[0] if row else None
            return ("r", key, _parse_list(found) if self._lists else found)
        if f == "append":
            cursor.execute(_APPEND, (key, str(value)))
        else:
            cursor.execute(_WRITE, (key, value))
        return mop

    def _after_error(self, exc: BaseException, op: Op, commit_sent: bool) -> Outcome:
        code = error_code(exc)
        name = str(code) if code else type(exc).__name__
        if connection_lost(exc):
            self._usable = False
            return lost_connection(op, name, commit_sent=commit_sent)
        try:
            self._conn.rollback()
        except (pymysql.MySQLError, OSError):
            self._usable = False
        return Outcome(FAIL, op.value, name)

    def close(self) -> None:
        with contextlib.suppress(pymysql.MySQLError, OSError):
            self._conn.close()


def record_mariadb(*, isolation: str, workload: str, txns: int, clients: int, keys: int = 5,
                   max_writes_per_key: int = 32, seed: int = 0, url: str | None = None,
                   stream: Path | None = None) -> Recording:
    """Record ``txns`` transactions from ``clients`` concurrent clients.

    With no ``url``, a throwaway server is started from the local binaries and removed after.
    """
    check_txn_arguments(workload, isolation)
    generator = TxnWorkload(workload, keys=keys, max_writes_per_key=max_writes_per_key,
                            seed=seed)
    if url is None:
        with throwaway_mariadb() as server:
            return _record(MariaDBAddress.parse(server.address), isolation, workload, txns,
                           clients, generator, stream)
    return _record(MariaDBAddress.parse(url), isolation, workload, txns, clients, generator,
                   stream)


def _record(address: MariaDBAddress, isolation: str, workload: str, txns: int, clients: int,
            generator: TxnWorkload, stream: Path | None) -> Recording:
    version = prepare(address, workload)
    connect = connect_to(address)
    with recording_to(stream, by="histcheck record mariadb") as file:
        recorder = Recorder(file)
        outcome = run_clients(clients=clients, total=txns, next_op=generator,
                              connect=lambda: MariaDBSession(connect, workload, isolation),
                              recorder=recorder)
    return Recording(recorder.history(), outcome, f"{version}, {isolation}, {workload}")
