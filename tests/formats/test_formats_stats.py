"""history_stats counts outcomes, concurrency and latencies as its docstring says."""

from __future__ import annotations

import json
from pathlib import Path

from histcheck.formats import read_history
from histcheck.history import FAIL, INFO, INVOKE, OK, Event, from_events
from histcheck.stats import history_stats, render_stats

HISTORIES = Path(__file__).resolve().parents[2] / "histories"


def test_counts_concurrency_latency() -> None:
    events = [
        Event(0, INVOKE, "read", time=0),
        Event(1, INVOKE, "write", 1, time=10),
        Event(0, OK, "read", 1, time=20),
        Event("nemesis", INFO, "kill", time=25),
        Event(1, FAIL, "write", 1, time=40),
        Event(2, INVOKE, "write", 2, time=40),
        Event(0, INVOKE, "read", time=50),
        Event(0, INFO, "read", time=90),
    ]
    figures = history_stats(from_events(events))
    assert figures["operations"] == 4
    assert figures["by_f"] == {"read": {"total": 2, "ok": 1, "fail": 0, "info": 1},
                               "write": {"total": 2, "ok": 0, "fail": 1, "info": 1}}
    assert figures["fail_rate"] == 0.25
    assert figures["info_rate"] == 0.5
    assert figures["processes"] == {"clients": 3, "others": 1, "other_names": ["nemesis"]}
    assert figures["time_span"] == 90
    # Open: [0,20] [10,40] [40,90 (never completes: to the last time)] [50,90].
    # Closed intervals: at t=40 the second write opens before the first closes (2 open).
    assert figures["concurrency"]["peak"] == 2
    # Level 1 on [0,10), 2 on [10,20), 1 on [20,40), 1 on [40,50), 2 on [50,90): 140/90.
    assert figures["concurrency"]["mean"] == round(140 / 90, 3)
    assert figures["latency"]["read"] == {"p50": 20, "p90": 40, "p99": 40, "max": 40, "count": 2}
    json.dumps(figures)
    text = render_stats("h", figures)
    assert "4 operations" in text
    assert "nemesis" in text


def test_session_only_history_has_no_concurrency() -> None:
    """PolySI text records sessions, not time: how transactions overlapped is unknown."""
    history = read_history(HISTORIES / "txn-formats" / "polysi-text" / "galera.txt")
    figures = history_stats(history)
    assert figures["latency"] == {}
    assert figures["time_span"] is None
    assert figures["realtime"] is False
    assert figures["concurrency"]["peak"] is None
    assert "concurrency unknown" in render_stats("h", figures)


def test_untimed_concurrency_over_positions() -> None:
    """Without times, the order of events is the time: concurrency is counted over positions."""
    history = from_events([
        Event(1, INVOKE, "write", 1), Event(2, INVOKE, "read"),
        Event(1, OK, "write", 1), Event(2, OK, "read", 1),
    ])
    figures = history_stats(history)
    assert figures["realtime"] is True
    assert figures["concurrency"]["over"] == "positions"
    assert figures["concurrency"]["peak"] == 2
