"""Minimal histories no database could produce, and the reads that prove a transaction committed.

Each case is a class of wrong verdict: the history, the levels at which it holds (none, for a
read no execution produces), and the anomaly that must name it.
"""

from __future__ import annotations

import pytest

from histcheck.api import check
from histcheck.history import FAIL, INFO, INVOKE, OK, Event, History, from_events
from histcheck.txn.levels import NAMES

Mop = tuple[str, str, object]


def _history(*txns: tuple[str, tuple[Mop, ...]], processes: tuple[int, ...] = ()) -> History:
    """Transactions one after another, each ``(status, micro-operations)``."""
    events = []
    for i, (status, mops) in enumerate(txns):
        process = processes[i] if processes else i
        invoked = tuple((f, k, None if f == "r" else v) for f, k, v in mops)
        events.append(Event(process, INVOKE, "txn", invoked))
        if status == "ok":
            events.append(Event(process, OK, "txn", mops))
        elif status == "fail":
            events.append(Event(process, FAIL, "txn", invoked))
        elif status == "info":
            events.append(Event(process, INFO, "txn", invoked))
    return from_events(events)


def _valid_at(history: History, model: str) -> list[str]:
    return [level for level in NAMES
            if check(history, model=model, consistency=level).valid]


NOWHERE: list[tuple[str, str, History, str]] = [
    ("list-append own later append", "list-append",
     _history(("ok", (("r", "x", (1,)), ("append", "x", 1)))), "future-read"),
    ("list-append own later append, seen by another", "list-append",
     _history(("ok", (("r", "x", (1,)), ("append", "x", 1))), ("ok", (("r", "x", (1,)),))),
     "future-read"),
    ("rw-register own later write", "rw-register",
     _history(("ok", (("r", "x", 1), ("w", "x", 1)))), "future-read"),
    ("a writer's later append without its earlier one", "list-append",
     _history(("ok", (("append", "x", 1),)), ("ok", (("append", "x", 2), ("append", "x", 3))),
              ("ok", (("r", "x", (1, 3)),))), "incompatible-order"),
    ("a writer's appends out of program order", "list-append",
     _history(("ok", (("append", "x", 1),)), ("ok", (("append", "x", 2), ("append", "x", 3))),
              ("ok", (("r", "x", (1, 3, 2)),))), "incompatible-order"),
    ("out of order after a failed writer", "list-append",
     _history(("fail", (("append", "x", 1),)), ("ok", (("append", "x", 2), ("append", "x", 3))),
              ("ok", (("r", "x", (3, 2)),))), "incompatible-order"),
    ("interleaved appends of two transactions", "list-append",
     _history(("ok", (("append", "x", 1), ("append", "x", 3))), ("ok", (("append", "x", 2),)),
              ("ok", (("r", "x", (1, 2, 3)),))), "incompatible-order"),
    ("garbage behind an own append", "list-append",
     _history(("ok", (("append", "x", 1), ("r", "x", (1, 2))))), "garbage-read"),
    ("garbage behind an own write", "rw-register",
     _history(("ok", (("w", "x", 1), ("r", "x", 2)))), "garbage-read"),
    ("duplicates behind an own append", "list-append",
     _history(("ok", (("append", "x", 1),)), ("ok", (("append", "x", 2), ("r", "x", (1, 1))))),
     "duplicate-elements"),
    ("garbage duplicates behind an own append", "list-append",
     _history(("ok", (("append", "x", 1), ("r", "x", (2, 2))))), "duplicate-elements"),
]


@pytest.mark.parametrize(("model", "history", "anomaly"),
                         [case[1:] for case in NOWHERE], ids=[case[0] for case in NOWHERE])
def test_impossible_reads_are_invalid_at_every_level(model: str, history: History,
                                                     anomaly: str) -> None:
    assert _valid_at(history, model) == []
    found = {a.name for a in check(history, model=model, consistency="read-uncommitted").anomalies}
    assert anomaly in found


PARTLY_OBSERVED = {
    "rw-register": _history(("info", (("w", "x", 1), ("w", "y", 1))),
                            ("ok", (("r", "y", 1), ("r", "x", None)))),
    "list-append": _history(("info", (("append", "x", 1), ("append", "y", 1))),
                            ("ok", (("r", "y", (1,)), ("r", "x", None)))),
}


@pytest.mark.parametrize("model", sorted(PARTLY_OBSERVED))
def test_a_partly_observed_indeterminate_transaction_committed_whole(model: str) -> None:
    history = PARTLY_OBSERVED[model]
    assert _valid_at(history, model) == ["read-uncommitted", "read-committed",
                                         "strong-session-read-uncommitted",
                                         "strong-session-read-committed"]
    result = check(history, model=model, consistency="read-atomic")
    assert "fractured-read" in {a.name for a in result.anomalies}


@pytest.mark.parametrize("model", ["rw-register", "list-append"])
def test_an_unobserved_indeterminate_transaction_may_never_have_happened(model: str) -> None:
    write = ("w", "x", 1) if model == "rw-register" else ("append", "x", 1)
    history = _history(("info", (write,)), ("ok", (("r", "x", None),)))
    assert _valid_at(history, model) == list(NAMES)


def test_a_read_after_an_own_write_is_still_a_read_of_that_version() -> None:
    """Below read atomic it reads T2's value: an aborted writer is still a dirty read."""
    history = _history(("fail", (("w", "x", 2),)), ("ok", (("w", "x", 1), ("r", "x", 2))))
    assert _valid_at(history, "rw-register") == ["read-uncommitted",
                                                 "strong-session-read-uncommitted"]
    found = {a.name for a in check(history, model="rw-register").anomalies}
    assert {"G1a", "internal"} <= found


SESSION_STALE = from_events([
    Event(0, INVOKE, "txn", (("w", "x", 1),)), Event(0, OK, "txn", (("w", "x", 1),)),
    Event(0, INVOKE, "txn", (("r", "x", None),)), Event(0, OK, "txn", (("r", "x", None),)),
])


def test_read_atomic_without_and_with_session_order() -> None:
    """One process writes x, then reads x as never written: only session order forbids it."""
    valid = _valid_at(SESSION_STALE, "rw-register")
    assert {"read-atomic", "snapshot-isolation", "serializable"} <= set(valid)
    assert not {"strong-session-read-atomic", "causal", "strong-session-snapshot-isolation",
                "strong-session-serializable", "strict-serializable"} & set(valid)
    result = check(SESSION_STALE, model="rw-register", consistency="strong-session-read-atomic")
    assert "fractured-read-process" in {a.name for a in result.anomalies}
    plain = check(SESSION_STALE, model="rw-register", consistency="monotonic-atomic-view")
    assert plain.valid is True


def test_a_failed_writer_seen_by_a_dirty_read_has_all_its_appends() -> None:
    """Read uncommitted lets T1's aborted append 1 be read; then its append 2 existed too, and
    must follow T2's 4 in y (the read [4] did not show it) while 1 precedes T2's 3 in x."""
    history = _history(("fail", (("append", "x", 1), ("append", "y", 2))),
                       ("ok", (("append", "x", 3), ("append", "y", 4))),
                       ("ok", (("r", "x", (1, 3)), ("r", "y", (4,)))))
    assert _valid_at(history, "list-append") == []
    found = {a.name for a in check(history, model="list-append",
                                   consistency="read-uncommitted").anomalies}
    assert {"G0", "G1a"} <= found
