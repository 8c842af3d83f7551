"""Times as recorders write them: epoch nanoseconds, beyond what a float holds exactly.

A float has 53 bits, so around 2026's epoch nanoseconds (about 1.8e18) neighbouring floats are
256 ns apart: instants 10 ns apart would merge into one, two ordered operations would become
concurrent, and a stale read would pass. Every checker that orders by real time must keep
them apart.
"""

from __future__ import annotations

import pytest

from histcheck.api import check
from histcheck.history import Event, EventType, History, from_events

NOW = 1_764_633_600_000_000_000  # 2025-12-02 in nanoseconds since the epoch
INVOKE, OK = EventType.INVOKE, EventType.OK


def _timed(*events: tuple[int, EventType, str, object, int]) -> History:
    return from_events([Event(process, kind, f, value, time=NOW + at)
                        for process, kind, f, value, at in events])


STALE_READ = _timed((0, INVOKE, "write", 1, 0), (0, OK, "write", 1, 10),
                    (0, INVOKE, "write", 2, 20), (0, OK, "write", 2, 30),
                    (1, INVOKE, "read", None, 40), (1, OK, "read", 1, 50))


def test_instants_nanoseconds_apart_stay_ordered() -> None:
    first, second, _ = STALE_READ.operations
    assert float(NOW + 10) == float(NOW + 20)  # what a float would have made of them
    assert STALE_READ.interval(first)[1] < STALE_READ.interval(second)[0]


@pytest.mark.parametrize("engine", ["search", "smt"])
def test_a_stale_read_nanoseconds_after_the_overwrite_is_not_linearizable(engine: str) -> None:
    result = check(STALE_READ, model="register", consistency="linearizable",
                   options={"engine": engine})
    assert result.valid is False
    assert check(STALE_READ, model="register", consistency="sequential").valid is True


def test_a_history_longer_than_a_float_spans_is_still_checked_exactly() -> None:
    far = 2**60  # beyond 2^53 from the first invocation: times stay integers
    history = _timed((0, INVOKE, "write", 1, 0), (0, OK, "write", 1, 10),
                     (0, INVOKE, "write", 2, far), (0, OK, "write", 2, far + 10),
                     (1, INVOKE, "read", None, far + 20), (1, OK, "read", 1, far + 30))
    assert check(history, model="register", consistency="linearizable").valid is False


def test_real_time_order_between_transactions_nanoseconds_apart() -> None:
    history = _timed((0, INVOKE, "txn", (("append", "x", 1),), 0),
                     (0, OK, "txn", (("append", "x", 1),), 10),
                     (1, INVOKE, "txn", (("r", "x", None),), 20),
                     (1, OK, "txn", (("r", "x", ()),), 30))
    assert check(history, model="list-append", consistency="serializable").valid is True
    assert check(history, model="list-append", consistency="strict-serializable").valid is False
