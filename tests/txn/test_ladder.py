"""A ladder of hand-made histories: each passes one level and fails the next.

Written as rw-register transactions (values unique per key, nil = the initial state); processes
are distinct unless the example needs session order.
"""

from __future__ import annotations

import pytest

from histcheck.api import check
from histcheck.history import FAIL, INVOKE, OK, Event, from_events


def _history(*txns: tuple, processes: tuple[int, ...] = (), failed: tuple[int, ...] = ()):
    events = []
    for i, t in enumerate(txns):
        p = processes[i] if processes else i
        events.append(Event(p, INVOKE, "txn", t))
        events.append(Event(p, FAIL if i in failed else OK, "txn", t))
    return from_events(events)


DIRTY_READ = _history(((("w", "x", 1)),), (("r", "x", 1),), failed=(0,))
NON_REPEATABLE = _history((("w", "x", 1),), (("w", "x", 2),), (("r", "x", 1), ("r", "x", 2)))
FRACTURED = _history((("w", "x", 1), ("w", "y", 1)), (("r", "x", 1), ("r", "y", None)))
CAUSALITY = _history((("w", "x", 1),), (("r", "x", 1), ("w", "y", 1)),
                     (("r", "y", 1), ("r", "x", None)))
LOST_UPDATE = _history((("r", "x", None), ("w", "x", 1)), (("r", "x", None), ("w", "x", 2)))
WRITE_SKEW = _history((("r", "x", None), ("r", "y", None), ("w", "x", 1)),
                      (("r", "x", None), ("r", "y", None), ("w", "y", 1)))
STALE_SESSION = _history((("w", "x", 1),), (("r", "x", None),), processes=(0, 0))
STALE_REALTIME = _history((("w", "x", 1),), (("r", "x", None),))

LADDER = [
    # (history, a level it satisfies, a level it violates, an anomaly it names)
    (DIRTY_READ, "read-uncommitted", "read-committed", "G1a"),
    (NON_REPEATABLE, "read-committed", "monotonic-atomic-view", "fractured-read"),
    (FRACTURED, "read-committed", "read-atomic", "G-single"),
    (CAUSALITY, "read-atomic", "causal", "G-single"),
    (LOST_UPDATE, "causal", "snapshot-isolation", "lost-update"),
    (WRITE_SKEW, "snapshot-isolation", "serializable", "G2-item"),
    (STALE_SESSION, "serializable", "strong-session-serializable", "G-single-process"),
    (STALE_REALTIME, "serializable", "strict-serializable", "G-single-realtime"),
]


@pytest.mark.parametrize(("history", "passes", "fails", "anomaly"), LADDER,
                         ids=[row[2] for row in LADDER])
def test_ladder_rung(history, passes: str, fails: str, anomaly: str) -> None:
    good = check(history, model="rw-register", consistency=passes)
    assert good.valid is True, good.explanation
    bad = check(history, model="rw-register", consistency=fails)
    assert bad.valid is False
    assert anomaly in {a.name for a in bad.anomalies}, bad.anomalies
    assert all(a.explanation for a in bad.anomalies)


def test_write_skew_is_repeatable_read_violation_but_si() -> None:
    result = check(WRITE_SKEW, model="rw-register", consistency="repeatable-read")
    assert result.valid is False
    assert "repeatable-read" in result.details["weakest_violated"]
    assert any("snapshot-isolation" in n for n in result.details["strongest_possible"])


def test_list_append_fractured_read() -> None:
    history = _history((("append", "x", 1), ("append", "y", 2)),
                       (("r", "x", (1,)), ("r", "y", None)))
    assert check(history, model="list-append", consistency="read-committed").valid is True
    bad = check(history, model="list-append", consistency="read-atomic")
    assert bad.valid is False
    assert "G-single" in {a.name for a in bad.anomalies}


def test_list_append_reads_between_own_appends_are_internal_consistent() -> None:
    txn = (("append", "x", 1), ("r", "x", (1,)), ("append", "x", 2), ("r", "x", (1, 2)))
    assert check(_history(txn), model="list-append").valid is True
    wrong = (("append", "x", 1), ("r", "x", (1,)), ("append", "x", 2), ("r", "x", (2,)))
    bad = check(_history(wrong), model="list-append", consistency="read-atomic")
    assert bad.valid is False and "internal" in {a.name for a in bad.anomalies}


def test_non_repeatable_read_inside_a_transaction_is_read_committed() -> None:
    """PostgreSQL READ COMMITTED: a read, an append, and a second read showing another commit.

    Elle calls it ``internal`` and forbids that from read-atomic up, not at read committed.
    """
    history = _history((("append", "x", 20),), (("append", "x", 23),),
                       (("r", "x", (20,)), ("append", "x", 25), ("r", "x", (20, 23, 25))))
    good = check(history, model="list-append", consistency="read-committed")
    assert good.valid is True, good.explanation
    assert "internal" in {a.name for a in good.anomalies}
    bad = check(history, model="list-append", consistency="read-atomic")
    assert bad.valid is False and "internal" in {a.name for a in bad.anomalies}
    # The two reads saw different snapshots: not atomic visibility either, which the check
    # decides at every polynomial level whatever level was asked.
    assert good.details["weakest_violated"] == ["monotonic-atomic-view"]
    assert good.details["strongest_possible"] == ["strong-session-read-committed"]
    assert "fractured-read" in {a.name for a in good.anomalies}
