"""Jepsen workload checkers on small hand-made histories, each both ways."""

from __future__ import annotations

from histcheck.api import check
from histcheck.history import INFO, INVOKE, OK, Event, from_events
from histcheck.values import FrozenDict


def _ops(*pairs: tuple) -> object:
    events = []
    for process, f, invoke_value, kind, value in pairs:
        events.append(Event(process, INVOKE, f, invoke_value))
        events.append(Event(process, kind, f, value))
    return from_events(events)


def test_bank_total_and_negative_balances() -> None:
    good = _ops((0, "read", None, OK, FrozenDict({"a": 5, "b": 5})),
                (0, "read", None, OK, FrozenDict({"a": 12, "b": -2})))
    assert check(good, model="bank", options={"negative-balances": "true"}).valid is True
    bad = check(good, model="bank")
    assert bad.valid is False and {a.name for a in bad.anomalies} == {"negative-value"}
    lost = _ops((0, "read", None, OK, FrozenDict({"a": 5, "b": 5})),
                (0, "read", None, OK, FrozenDict({"a": 4, "b": 5})))
    assert check(lost, model="bank").valid is False
    assert check(lost, model="bank", options={"total": "9"}).valid is False


def test_counter_bounds() -> None:
    ok = _ops((0, "add", 1, OK, 1), (1, "add", 2, INFO, 2), (0, "read", None, OK, 3))
    assert check(ok, model="counter").valid is True
    bad = _ops((0, "add", 1, OK, 1), (0, "read", None, OK, 0))
    assert check(bad, model="counter").valid is False


def test_set_lost_and_unexpected() -> None:
    ok = _ops((0, "add", 1, OK, 1), (0, "add", 2, INFO, 2), (0, "read", None, OK, (1,)))
    assert check(ok, model="set").valid is True
    bad = _ops((0, "add", 1, OK, 1), (0, "read", None, OK, (7,)))
    names = {a.name for a in check(bad, model="set").anomalies}
    assert names == {"lost", "unexpected"}


def test_set_full_lost_versus_stale() -> None:
    stale = _ops((0, "add", 1, OK, 1), (0, "read", None, OK, ()), (0, "read", None, OK, (1,)))
    assert check(stale, model="set-full").valid is True
    assert check(stale, model="set-full", options={"linearizable": "true"}).valid is False
    lost = _ops((0, "add", 1, OK, 1), (0, "read", None, OK, (1,)), (0, "read", None, OK, ()))
    assert check(lost, model="set-full").valid is False


def test_long_fork() -> None:
    fork = _ops((0, "read", None, OK, (("r", 0, 1), ("r", 1, None))),
                (1, "read", None, OK, (("r", 0, None), ("r", 1, 1))))
    assert check(fork, model="long-fork", options={"group-size": "2"}).valid is False
    ordered = _ops((0, "read", None, OK, (("r", 0, 1), ("r", 1, None))),
                   (1, "read", None, OK, (("r", 0, 1), ("r", 1, 1))))
    assert check(ordered, model="long-fork", options={"group-size": "2"}).valid is True
