"""The history model: pairing, indeterminate operations, non-client processes, real time."""

from __future__ import annotations

import pytest

from histcheck.errors import HistoryError
from histcheck.history import (
    FAIL,
    INFO,
    INVOKE,
    OK,
    Event,
    EventType,
    HistoryBuilder,
    from_events,
)
from histcheck.values import freeze


def ev(process: int | str, kind: str, f: str, value: object = None,
       time: int | None = None) -> Event:
    return Event(process, EventType(kind), f, freeze(value), None, time)


def test_pairs_invocations_with_completions_in_call_order() -> None:
    h = from_events([ev(1, "invoke", "write", 1), ev(2, "invoke", "read"),
                     ev(2, "ok", "read", 1), ev(1, "ok", "write", 1)])
    assert [(op.process, op.f, op.value, op.call, op.ret) for op in h] == [
        (1, "write", 1, 0, 3), (2, "read", 1, 1, 2)]
    assert [op.id for op in h] == [0, 1]


def test_open_invocation_becomes_indeterminate() -> None:
    h = from_events([ev(1, "invoke", "write", 3)])
    (op,) = h.operations
    assert op.type is INFO and op.ret is None and op.value == 3
    assert h.interval(op) == (0.0, float("inf"))


def test_fail_keeps_the_invocation_value_and_info_is_open_ended() -> None:
    h = from_events([ev(1, "invoke", "cas", [1, 2]), ev(1, "fail", "cas", [1, 2]),
                     ev(2, "invoke", "write", 4), ev(2, "info", "write", 4)])
    cas, write = h.operations
    assert cas.type is FAIL and cas.value == (1, 2)
    assert write.type is INFO and h.interval(write)[1] == float("inf")


def test_nemesis_events_are_kept_but_not_operations() -> None:
    h = from_events([ev("nemesis", "info", "start"), ev(0, "invoke", "read"),
                     ev("nemesis", "info", "start", "partitioned"), ev(0, "ok", "read", 1)])
    assert len(h) == 1
    assert [p.position for p in h.others] == [0, 2]
    assert [pos for pos, _ in h.events()] == [0, 1, 2, 3]


def test_timed_histories_use_times_and_closed_intervals() -> None:
    h = from_events([ev(0, "invoke", "write", 1, time=10), ev(0, "ok", "write", 1, time=20),
                     ev(1, "invoke", "read", None, time=20), ev(1, "ok", "read", 1, time=30)])
    assert h.timed
    a, b = h.operations
    assert not h.interval(a)[1] < h.interval(b)[0]  # equal times: concurrent


@pytest.mark.parametrize(
    ("events", "problem"),
    [
        ([ev(0, "ok", "read", 1)], "completion without an invoke"),
        ([ev(0, "invoke", "read"), ev(0, "invoke", "read")], "second invoke on busy process"),
        ([ev(0, "invoke", "read"), ev(0, "ok", "write", 1)], "differs from its invoke"),
        ([ev(0, "invoke", "txn", [["x", 1, 2]])], "txn value must be"),
    ],
)
def test_malformed_histories_name_the_line(events: list[Event], problem: str) -> None:
    with pytest.raises(HistoryError) as info:
        from_events(events, source="h.jsonl")
    assert problem in str(info.value)
    assert str(info.value).startswith(f"h.jsonl:{len(events)}:")


def test_empty_history_is_an_error() -> None:
    with pytest.raises(HistoryError, match="empty history"):
        HistoryBuilder("h.jsonl").build()


def test_events_round_trip_through_operations() -> None:
    events = [ev(1, "invoke", "write", 1), ev(2, "invoke", "read"), ev(2, "ok", "read", 1),
              ev(1, "info", "write", 1), ev(3, "invoke", "cas", [1, 2])]
    h = from_events(events)
    assert [e for _, e in h.events()] == events
    assert {e.type for _, e in h.events()} == {INVOKE, OK, INFO}
