"""The concurrent runner and recorder, with in-memory sessions (no server needed)."""

from __future__ import annotations

import threading

import pytest

from histcheck.history import FAIL, INFO, OK
from histcheck.recorders.databases.errors import RecorderError
from histcheck.recorders.databases.recording import Op, Outcome, Recorder, run_clients


class ScriptedSession:
    """Answers each operation by its value: 'ok', 'fail', 'info', or 'boom' (a bug)."""

    opened = 0
    closed = 0
    lock = threading.Lock()

    def __init__(self) -> None:
        with ScriptedSession.lock:
            ScriptedSession.opened += 1
        self._usable = True

    @property
    def usable(self) -> bool:
        return self._usable

    def perform(self, op: Op) -> Outcome:
        if op.value == "boom":
            raise RuntimeError("a bug in the session")
        kind = {"ok": OK, "fail": FAIL, "info": INFO}[str(op.value)]
        return Outcome(kind, op.value, None if kind is OK else f"E-{op.value}")

    def close(self) -> None:
        with ScriptedSession.lock:
            ScriptedSession.closed += 1


@pytest.fixture(autouse=True)
def _reset() -> None:
    ScriptedSession.opened = ScriptedSession.closed = 0


def cycle(values: list[str]) -> Op:
    return Op("write", values.pop(0) if values else "ok")


def test_every_ticket_is_one_operation_and_outcomes_are_kept() -> None:
    script = ["ok", "fail", "info"] * 10
    lock = threading.Lock()

    def next_op() -> Op:
        with lock:
            return cycle(script)

    recorder = Recorder()
    tally = run_clients(clients=3, total=40, next_op=next_op, connect=ScriptedSession,
                        recorder=recorder)
    history = recorder.history()
    assert len(history) == 40 == tally.total
    assert (tally.ok, tally.fail, tally.info) == (20, 10, 10)
    assert dict(tally.errors) == {"E-fail": 10, "E-info": 10}
    times = [event.time or 0 for event in recorder.events()]
    assert times == sorted(times)
    assert ScriptedSession.opened == ScriptedSession.closed == 3 + 10


def test_after_info_the_client_continues_under_a_new_process() -> None:
    script = ["info", "ok", "info", "ok"]
    recorder = Recorder()
    run_clients(clients=1, total=4, next_op=lambda: cycle(script), connect=ScriptedSession,
                recorder=recorder)
    processes = [op.process for op in recorder.history()]
    assert processes == [0, 1, 1, 2]


def test_an_unexpected_exception_stops_the_run_and_closes_every_session() -> None:
    script = ["ok", "boom"]
    recorder = Recorder()
    with pytest.raises(RecorderError, match="RuntimeError: a bug in the session"):
        run_clients(clients=2, total=100, next_op=lambda: cycle(script),
                    connect=ScriptedSession, recorder=recorder)
    history = recorder.history()
    assert len(history) < 100
    assert [op.type for op in history if op.invoke_value == "boom"] == [INFO]
    assert ScriptedSession.opened == ScriptedSession.closed


def test_a_failing_connect_closes_the_sessions_already_open() -> None:
    made: list[ScriptedSession] = []

    def connect() -> ScriptedSession:
        if len(made) == 2:
            raise RecorderError("cannot connect")
        made.append(ScriptedSession())
        return made[-1]

    with pytest.raises(RecorderError, match="cannot connect"):
        run_clients(clients=4, total=10, next_op=lambda: Op("read", None), connect=connect,
                    recorder=Recorder())
    assert ScriptedSession.closed == 2
