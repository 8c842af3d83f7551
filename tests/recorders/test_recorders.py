"""Recorders: operations become histories (exceptions indeterminate), traces carry vector clocks."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from histcheck.formats import read_history
from histcheck.history import INFO, OK
from histcheck.recorders import MonotonicClock, OperationRecorder, TraceRecorder


def test_call_records_ok_and_exceptions_as_indeterminate(tmp_path: Path) -> None:
    ticks = iter(range(100))
    recorder = OperationRecorder(lambda: next(ticks))
    assert recorder.call(0, "write", 3, lambda: None, result=lambda _: 3) is None
    with pytest.raises(TimeoutError):
        recorder.call(1, "read", None, _timeout)
    with pytest.raises(KeyError):
        recorder.call(2, "cas", (1, 2), _missing, definite=(KeyError,))
    ops = recorder.history().operations
    assert [(op.process, op.type) for op in ops] == [(0, OK), (1, INFO), (2, ops[2].type)]
    assert ops[2].failed and ops[0].call_time == 0 and ops[0].ret_time == 1
    recorder.write(tmp_path / "h.jsonl")
    assert len(read_history(tmp_path / "h.jsonl")) == 3


def _timeout() -> None:
    raise TimeoutError


def _missing() -> None:
    raise KeyError("x")


def test_complete_twice_is_an_error() -> None:
    recorder = OperationRecorder(MonotonicClock())
    ticket = recorder.invoke(0, "read")
    recorder.complete(ticket, OK, 1)
    with pytest.raises(ValueError):
        recorder.complete(ticket, OK, 1)


def test_vector_clocks_follow_messages() -> None:
    now = [0]
    trace = TraceRecorder(lambda: now[0])
    trace.send("a", "b", "m1")
    trace.record({"node": "b", "type": "local", "what": "think"})
    trace.recv("b", "a", "m1")
    trace.broadcast("b", "x.1")
    trace.deliver("c", "x.1", "b")
    clocks = [e["vc"] for e in trace.events]
    assert clocks == [{"a": 1}, {"b": 1}, {"a": 1, "b": 2}, {"a": 1, "b": 3},
                      {"a": 1, "b": 3, "c": 1}]
    assert trace.to_bytes().count(b"\n") == 5


def test_monotonic_clock_counts_nanoseconds() -> None:
    """``time`` in histories is nanoseconds: a 20 ms sleep reads as about 20,000,000."""
    clock = MonotonicClock()
    start = clock()
    time.sleep(0.02)
    elapsed = clock() - start
    assert 20_000_000 <= elapsed < 2_000_000_000
