"""Forked search workers: stopped at once however the check ends, never left behind, and a
model's own error reaches the caller as it would without them."""

from __future__ import annotations

import multiprocessing
import time
from collections.abc import Hashable
from pathlib import Path

import pytest

from histcheck.budget import Budget
from histcheck.errors import UsageError
from histcheck.formats import read_history
from histcheck.history import INVOKE, OK, Event, Operation, from_events
from histcheck.linear import BUILTIN, check_history

ROOT = Path(__file__).resolve().parents[2]
QUIET = {"explain": "false", "workers": 2}


@pytest.mark.parametrize("seconds", [0.01, 0.05, 0.1, 0.2, 0.3])
def test_a_budget_running_out_stops_every_worker(seconds: float) -> None:
    history = read_history(ROOT / "histories/porcupine-kv/c50-ok.txt", None)
    started = time.monotonic()
    result = check_history(history, BUILTIN["kv"], budget=Budget(seconds=seconds),
                           options=QUIET)
    assert time.monotonic() - started < seconds + 1.0
    assert result.valid in (True, "unknown")
    assert multiprocessing.active_children() == []


def test_an_invalid_part_stops_the_other_workers() -> None:
    history = read_history(ROOT / "histories/porcupine-kv/c50-bad.txt", None)
    result = check_history(history, BUILTIN["kv"], options=QUIET)
    assert result.valid is False
    assert multiprocessing.active_children() == []


class _Refusing:
    """A register model that raises on a write of 3, as a buggy user model might."""

    name = "refusing"

    def initial(self) -> int:
        return 0

    def step(self, state: int, op: Operation) -> int | None:
        if op.value == 3:
            raise ValueError("cannot write 3")
        return state

    def partition(self, op: Operation) -> Hashable:
        return op.key


def test_a_model_error_in_a_worker_is_the_same_usage_error() -> None:
    events = []
    for key in range(4):
        events += [Event(key, INVOKE, "write", key, key), Event(key, OK, "write", key, key)]
    history = from_events(events)
    with pytest.raises(UsageError, match="cannot write 3"):
        check_history(history, _Refusing(), options=QUIET)
    assert multiprocessing.active_children() == []
