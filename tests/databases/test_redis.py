"""Recording registers from a real Redis (skipped where redis-server is absent)."""

from __future__ import annotations

import threading

import pytest
import redis

from histcheck.history import FAIL, INFO, OK
from histcheck.recorders.databases.errors import RecorderError
from histcheck.recorders.databases.redis import record_redis
from histcheck.recorders.databases.servers import RunningServer


@pytest.mark.parametrize("workload", ["register", "cas-register"])
def test_register_runs_record_every_operation(redis_server: RunningServer,
                                              workload: str) -> None:
    recording = record_redis(workload=workload, ops=300, clients=4, values=3, seed=2,
                             url=redis_server.address)
    history = recording.history
    assert len(history) == 300 == recording.tally.total
    assert recording.tally.info == 0
    assert {op.process for op in history} <= {0, 1, 2, 3}
    overlapping = sum(1 for a, b in zip(history, history.operations[1:], strict=False)
                      if a.process != b.process and b.call < (a.ret or 0))
    assert overlapping > 10, "clients did not run concurrently"
    assert all(op.key is None for op in history)
    for op in history:
        if op.f == "read":
            assert op.ok and (op.value is None or op.value in range(3))
        elif op.f == "write":
            assert op.ok and op.value in range(3)
        else:
            assert op.type in (OK, FAIL)
            assert isinstance(op.value, tuple) and len(op.value) == 2
    if workload == "cas-register":
        outcomes = {op.type for op in history if op.f == "cas"}
        assert outcomes == {OK, FAIL}, "cas should both succeed and fail over 3 values"
    assert recording.server.startswith("Redis ")


def test_reads_see_the_last_write_when_alone(redis_server: RunningServer) -> None:
    history = record_redis(workload="cas-register", ops=200, clients=1, keys=3,
                           url=redis_server.address).history
    state: dict[object, object] = {}
    for op in history:
        if op.f == "read":
            assert op.value == state.get(op.key)
        elif op.f == "write":
            state[op.key] = op.value
        elif op.ok:
            assert isinstance(op.value, tuple)
            assert state.get(op.key) == op.value[0]
            state[op.key] = op.value[1]
        else:
            assert isinstance(op.value, tuple)
            assert state.get(op.key) != op.value[0]
    assert {op.key for op in history} == {0, 1, 2}


def test_killed_connections_are_info(redis_server: RunningServer) -> None:
    stop = threading.Event()

    def kill_clients() -> None:
        admin = redis.Redis.from_url(redis_server.address)
        # Connecting is not retried (a bad address must fail at once): wait for the 4 clients.
        while len(admin.client_list(_type="normal")) < 5 and not stop.wait(0.001):
            pass
        for _ in range(15):
            if stop.wait(0.01):
                break
            admin.client_kill_filter(_type="normal", skipme=True)
        admin.close()

    killer = threading.Thread(target=kill_clients)
    killer.start()
    try:
        recording = record_redis(workload="register", ops=2000, clients=4,
                                 url=redis_server.address)
    finally:
        stop.set()
        killer.join()
    infos = [op for op in recording.history if op.type is INFO]
    assert infos, "no connection was lost; the test did not exercise info"
    assert max(op.process for op in recording.history) >= 4  # type: ignore[type-var]


def test_a_bad_url_is_one_clear_error() -> None:
    with pytest.raises(RecorderError, match="cannot connect to Redis at 'bogus://x'"):
        record_redis(workload="register", ops=10, clients=1, url="bogus://x")
