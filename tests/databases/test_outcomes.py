"""How a transaction's end is classified when things break: fake connections, no server.

The rule that decides verdicts: a transaction whose connection breaks before its COMMIT was
sent certainly did not commit (``fail``); once COMMIT was sent it may have (``info``); an error
the server answered with on a live connection is an abort (``fail``).
"""

from __future__ import annotations

import threading
import time

import psycopg
import pymysql
import pytest

from histcheck.history import FAIL, INFO, OK
from histcheck.recorders.databases import postgres
from histcheck.recorders.databases.errors import RecorderError
from histcheck.recorders.databases.mariadb import MariaDBSession
from histcheck.recorders.databases.recording import (
    Op,
    Outcome,
    Recorder,
    lost_connection,
    run_clients,
)

TXN = Op("txn", (("append", 1, 7), ("r", 1, None)))


def test_a_lost_connection_is_info_only_once_commit_was_sent() -> None:
    assert lost_connection(TXN, "2013", commit_sent=True) == Outcome(INFO, TXN.value, "2013")
    assert lost_connection(TXN, "2013", commit_sent=False) == Outcome(FAIL, TXN.value, "2013")


class FakeCursor:
    def __init__(self, conn: FakeMySQL) -> None:
        self._conn = conn

    def __enter__(self) -> FakeCursor:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def execute(self, sql: str, args: object = None) -> None:
        self._conn.statements.append(sql)
        if self._conn.fail_on and self._conn.fail_on in sql:
            raise self._conn.error

    def fetchone(self) -> tuple[str] | None:
        return ("3,5",)


class FakeMySQL:
    """A PyMySQL connection that raises ``error`` at the first statement containing
    ``fail_on`` (``COMMIT`` for the commit itself)."""

    def __init__(self, fail_on: str | None = None, error: BaseException | None = None) -> None:
        self.fail_on = fail_on
        self.error = error or pymysql.err.OperationalError(2013, "Lost connection")
        self.statements: list[str] = []
        self.rolled_back = False

    def cursor(self) -> FakeCursor:
        return FakeCursor(self)

    def commit(self) -> None:
        self.statements.append("COMMIT")
        if self.fail_on == "COMMIT":
            raise self.error

    def rollback(self) -> None:
        self.rolled_back = True

    def close(self) -> None:
        pass


def mariadb_outcome(conn: FakeMySQL) -> tuple[Outcome, bool]:
    session = MariaDBSession(lambda: conn, "list-append", "repeatable-read")
    return session.perform(TXN), session.usable


def test_mariadb_commits_are_ok_with_what_was_read() -> None:
    outcome, usable = mariadb_outcome(FakeMySQL())
    assert outcome == Outcome(OK, (("append", 1, 7), ("r", 1, (3, 5))))
    assert usable


def test_mariadb_connection_lost_before_commit_is_fail() -> None:
    outcome, usable = mariadb_outcome(FakeMySQL(fail_on="SELECT"))
    assert (outcome.type, outcome.error, usable) == (FAIL, "2013", False)


def test_mariadb_connection_lost_in_commit_is_info() -> None:
    outcome, usable = mariadb_outcome(FakeMySQL(fail_on="COMMIT"))
    assert (outcome.type, outcome.error, usable) == (INFO, "2013", False)


def test_mariadb_server_shutting_down_in_commit_is_info() -> None:
    shutdown = pymysql.err.OperationalError(1053, "Server shutdown in progress")
    outcome, _ = mariadb_outcome(FakeMySQL(fail_on="COMMIT", error=shutdown))
    assert (outcome.type, outcome.error) == (INFO, "1053")


def test_mariadb_deadlock_is_fail_and_rolled_back() -> None:
    conn = FakeMySQL(fail_on="INSERT",
                     error=pymysql.err.OperationalError(1213, "Deadlock found"))
    outcome, usable = mariadb_outcome(conn)
    assert (outcome.type, outcome.error, usable, conn.rolled_back) == (FAIL, "1213", True, True)


def test_mariadb_server_error_answering_commit_is_fail() -> None:
    conn = FakeMySQL(fail_on="COMMIT",
                     error=pymysql.err.OperationalError(1180, "Got error during COMMIT"))
    outcome, usable = mariadb_outcome(conn)
    assert (outcome.type, outcome.error, usable) == (FAIL, "1180", True)


def test_mariadb_raw_socket_error_in_commit_is_info() -> None:
    outcome, usable = mariadb_outcome(FakeMySQL(fail_on="COMMIT", error=TimeoutError()))
    assert (outcome.type, outcome.error, usable) == (INFO, "TimeoutError", False)


class FakeResult:
    statusmessage = "COMMIT"

    def fetchone(self) -> tuple[str] | None:
        return ("3,5",)


class FakePostgres:
    """A psycopg connection that raises ``error`` at the first statement containing
    ``fail_on``, and is broken afterwards when ``breaks``."""

    def __init__(self, fail_on: str, error: psycopg.Error, breaks: bool) -> None:
        self.fail_on = fail_on
        self.error = error
        self.breaks = breaks
        self.broken = False

    def execute(self, sql: str, args: object = None) -> FakeResult:
        if self.fail_on in sql:
            self.broken = self.breaks
            raise self.error
        return FakeResult()

    def fileno(self) -> int:
        return -1

    def close(self) -> None:
        pass


def postgres_outcome(monkeypatch: pytest.MonkeyPatch, conn: FakePostgres) -> Outcome:
    monkeypatch.setattr(postgres, "_connect", lambda dsn: conn)
    return postgres.PostgresSession("fake", "list-append", "serializable").perform(TXN)


def test_postgres_connection_lost_before_commit_is_fail(monkeypatch: pytest.MonkeyPatch) -> None:
    conn = FakePostgres("INSERT", psycopg.OperationalError("server closed the connection"),
                        breaks=True)
    outcome = postgres_outcome(monkeypatch, conn)
    assert (outcome.type, outcome.error) == (FAIL, "OperationalError")


def test_postgres_connection_lost_in_commit_is_info(monkeypatch: pytest.MonkeyPatch) -> None:
    conn = FakePostgres("COMMIT", psycopg.OperationalError("server closed the connection"),
                        breaks=True)
    outcome = postgres_outcome(monkeypatch, conn)
    assert (outcome.type, outcome.error) == (INFO, "OperationalError")


def test_postgres_serialization_failure_at_commit_is_fail(
        monkeypatch: pytest.MonkeyPatch) -> None:
    conn = FakePostgres("COMMIT", psycopg.errors.SerializationFailure("could not serialize"),
                        breaks=False)
    outcome = postgres_outcome(monkeypatch, conn)
    assert (outcome.type, outcome.error) == (FAIL, "40001")


class FlakySession:
    """A session whose server is down while ``down`` is set: connecting fails, and an
    operation in flight loses its connection (as ``info``)."""

    def __init__(self, down: threading.Event) -> None:
        if down.is_set():
            raise RecorderError("connection refused")
        self._down = down
        self.usable = True

    def perform(self, op: Op) -> Outcome:
        time.sleep(0.001)
        if self._down.is_set():
            self.usable = False
            return Outcome(INFO, op.value, "lost")
        return Outcome(OK, op.value)

    def close(self) -> None:
        pass


def test_a_timed_run_waits_out_a_server_outage_and_ends_on_time() -> None:
    down = threading.Event()
    started: list[float] = []

    def outage() -> None:
        started.append(time.monotonic())
        threading.Timer(0.2, down.set).start()
        threading.Timer(0.6, down.clear).start()

    recorder = Recorder()
    tally = run_clients(clients=3, total=None, seconds=1.0, next_op=lambda: Op("write", 1),
                        connect=lambda: FlakySession(down), recorder=recorder,
                        on_start=outage)
    elapsed = time.monotonic() - started[0]
    assert 1.0 <= elapsed < 1.5
    assert tally.info >= 1 and tally.ok > 10
    events = recorder.events()
    after_outage = [e for e in events if e.time is not None and e.time > 0.7e9]
    assert after_outage, "no client came back after the outage"
    assert max(int(str(e.process)) for e in events) >= 3  # info moved clients to new processes


def test_a_run_needs_a_count_or_a_time() -> None:
    with pytest.raises(RecorderError, match="a count or a time"):
        run_clients(clients=1, total=None, next_op=lambda: Op("read", None),
                    connect=lambda: FlakySession(threading.Event()), recorder=Recorder())
