"""Recording from a real PostgreSQL: shapes, outcomes and the recorder's self-checks.

Small runs (200 transactions, 4 clients) on one throwaway server per module. The checker's
verdicts on larger runs are in test_expected_results.py.
"""

from __future__ import annotations

import threading
import time

import psycopg
import pytest

from histcheck.history import FAIL, INFO, OK, History
from histcheck.recorders.databases.errors import RecorderError
from histcheck.recorders.databases.postgres import PostgresSession, prepare, record_postgres
from histcheck.recorders.databases.recording import Op
from histcheck.recorders.databases.servers import RunningServer
from histcheck.recorders.databases.workloads import duplicate_writes, list_prefix_problems

LEVELS = ("serializable", "repeatable-read", "read-committed")
WORKLOADS = ("list-append", "rw-register")


def assert_well_formed(history: History, workload: str) -> None:
    write = "append" if workload == "list-append" else "w"
    for op in history:
        assert op.f == "txn"
        assert op.ret is not None and op.call_time is not None and op.ret_time is not None
        assert op.call_time <= op.ret_time
        assert isinstance(op.value, tuple) and 1 <= len(op.value) <= 4
        for (f, key, value), (f0, key0, value0) in zip(op.value, op.invoke_value,  # type: ignore[misc, arg-type]
                                                       strict=True):
            assert (f, key) == (f0, key0)
            assert f in ("r", write)
            if f == write:
                assert value == value0
                assert isinstance(value, int)
            elif op.ok and workload == "list-append":
                assert isinstance(value, tuple)
                assert all(isinstance(item, int) for item in value)
            elif op.ok:
                assert value is None or isinstance(value, int)
            else:
                assert value is None


@pytest.mark.parametrize("workload", WORKLOADS)
@pytest.mark.parametrize("isolation", LEVELS)
def test_small_runs_record_every_transaction_well_formed(
        postgres: RunningServer, isolation: str, workload: str) -> None:
    recording = record_postgres(isolation=isolation, workload=workload, txns=200, clients=4,
                                seed=1, dsn=postgres.address)
    history = recording.history
    assert len(history) == 200 == recording.tally.total
    assert recording.tally.ok > 100
    assert recording.tally.info == 0
    assert {op.process for op in history} == {0, 1, 2, 3}
    assert set(dict(recording.tally.errors)) <= {"40001", "40P01"}
    assert sum(op.type is FAIL for op in history) == recording.tally.fail
    assert_well_formed(history, workload)
    assert duplicate_writes(history) == []
    if workload == "list-append":
        assert list_prefix_problems(history) == []
    assert "PostgreSQL" in recording.server


def test_serializable_runs_abort_with_serialization_failures(postgres: RunningServer) -> None:
    recording = record_postgres(isolation="serializable", workload="list-append", txns=200,
                                clients=4, keys=2, dsn=postgres.address)
    assert dict(recording.tally.errors).get("40001", 0) > 0
    failed = [op for op in recording.history if op.failed]
    assert failed and all(dict(op.extra)["error"] in ("40001", "40P01") for op in failed)


def concurrent_update_outcome(dsn: str, isolation: str) -> tuple[str, object]:
    """Hold key 0 in another transaction while a session appends to it, then commit that one."""
    prepare(dsn, "list-append")
    with psycopg.connect(dsn, autocommit=True) as other:
        other.execute("INSERT INTO histcheck_append VALUES (0, '1')")
        other.execute("BEGIN")
        other.execute("UPDATE histcheck_append SET v = v || ',2' WHERE k = 0")
        session = PostgresSession(dsn, "list-append", isolation)
        result: list[object] = []
        txn = Op("txn", (("append", 0, 3), ("r", 0, None)))
        worker = threading.Thread(target=lambda: result.append(session.perform(txn)))
        worker.start()
        time.sleep(0.3)
        other.execute("COMMIT")
        worker.join(10)
        session.close()
    outcome = result[0]
    return outcome.type.value, outcome.value  # type: ignore[attr-defined]


def test_a_concurrent_update_aborts_repeatable_read_as_fail(postgres: RunningServer) -> None:
    kind, value = concurrent_update_outcome(postgres.address, "repeatable-read")
    assert (kind, value) == ("fail", (("append", 0, 3), ("r", 0, None)))


def test_read_committed_appends_to_the_new_version(postgres: RunningServer) -> None:
    kind, value = concurrent_update_outcome(postgres.address, "read-committed")
    assert (kind, value) == ("ok", (("append", 0, 3), ("r", 0, (1, 2, 3))))


def test_lost_connections_end_in_fail_or_info_and_info_moves_to_a_new_process(
        postgres: RunningServer) -> None:
    """Terminated backends: a transaction cut before its COMMIT is ``fail``, one cut in its
    COMMIT ``info``; either way the client reconnects, after ``info`` as a new process."""
    stop = threading.Event()

    def terminate_backends() -> None:
        with psycopg.connect(postgres.address, autocommit=True) as admin:
            # Connecting is not retried (a bad DSN must fail at once): wait for the 4 clients.
            while not stop.wait(0.002):
                row = admin.execute("SELECT count(*) FROM pg_stat_activity WHERE backend_type "
                                    "= 'client backend' AND pid <> pg_backend_pid()").fetchone()
                if row is not None and row[0] >= 4:
                    break
            for _ in range(100):
                if stop.wait(0.02):
                    break
                admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                              "WHERE datname = 'postgres' AND pid <> pg_backend_pid() "
                              "AND backend_type = 'client backend' AND state = 'active'")

    killer = threading.Thread(target=terminate_backends)
    killer.start()
    try:
        recording = record_postgres(isolation="read-committed", workload="list-append",
                                    txns=300, clients=4, dsn=postgres.address)
    finally:
        stop.set()
        killer.join()
    history = recording.history
    assert len(history) == 300
    lost = [op for op in history if dict(op.extra).get("error") == "57P01"]
    assert lost, "no connection was lost; the test did not exercise reconnecting"
    infos = [op for op in history if op.type is INFO]
    if infos:
        assert max(op.process for op in history) >= 4  # type: ignore[type-var]
    for op in infos:
        later = [o for o in history if o.process == op.process and o.call > op.call]
        assert later == [], f"process {op.process} ran again after its info"
    assert sum(op.type is OK for op in history) > 0
    assert list_prefix_problems(history) == []


def test_a_bad_dsn_is_one_clear_error() -> None:
    with pytest.raises(RecorderError, match="cannot connect to PostgreSQL with DSN"):
        record_postgres(isolation="serializable", workload="list-append", txns=10, clients=1,
                        dsn="host=/nonexistent-histcheck port=1 connect_timeout=1")
