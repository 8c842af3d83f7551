"""The watchdog stops budgeted work wherever it is, and only the work it was set on."""

from __future__ import annotations

import gc
import os
import signal
import sys
import threading
import time

import pytest

from histcheck import watchdog
from histcheck.budget import Budget
from histcheck.errors import BudgetExhausted
from histcheck.watchdog import enforced, interruptible, release, resident_bytes


def _spin(seconds: float) -> int:
    """Pure Python that never looks at a budget."""
    until = time.monotonic() + seconds
    n = 0
    while time.monotonic() < until:
        n += 1
    return n


def test_a_loop_that_never_checks_its_budget_is_stopped_on_time() -> None:
    started = time.monotonic()
    with pytest.raises(BudgetExhausted, match=r"time budget of 0\.2 s ran out"), \
            enforced(Budget(seconds=0.2).start()):
        _spin(10)
    assert time.monotonic() - started < 1.0


def test_a_broad_except_in_the_work_cannot_swallow_the_stop() -> None:
    swallowed = []
    with pytest.raises(BudgetExhausted), enforced(Budget(seconds=0.1).start()):
        for _ in range(100):
            try:
                _spin(0.05)
            except Exception as exc:  # what a careless model might do
                swallowed.append(exc)
    assert swallowed == []


def test_work_that_finishes_in_time_is_never_interrupted_later() -> None:
    with enforced(Budget(seconds=0.1).start()):
        done = _spin(0.01)
    _spin(0.3)
    assert done > 0


def test_a_nested_block_with_a_smaller_share_ends_alone() -> None:
    outer = Budget(seconds=5).start()
    with enforced(outer):
        with pytest.raises(BudgetExhausted), enforced(Budget(seconds=0.1).start()):
            _spin(10)
        assert _spin(0.2) > 0
    assert outer.elapsed() < 2


def test_the_enclosing_budget_running_out_inside_a_nested_block_stops_both() -> None:
    reached_after_inner = []
    started = time.monotonic()
    with pytest.raises(BudgetExhausted, match=r"0\.2 s"), enforced(Budget(seconds=0.2).start()):
        try:
            with enforced(Budget(seconds=30).start()):
                _spin(10)
        except BudgetExhausted:  # the inner block must not take the outer stop as its own
            reached_after_inner.append(True)
        _spin(10)
    assert reached_after_inner == []
    assert time.monotonic() - started < 1.5


def test_memory_beyond_the_ceiling_stops_the_work() -> None:
    ceiling = resident_bytes() + 150 * 2**20
    hoard: list[bytes] = []
    with pytest.raises(BudgetExhausted, match="memory budget"), \
            enforced(Budget(memory_bytes=ceiling).start()):
        for _ in range(4000):
            hoard.append(b"\x01" * 2**20)  # touched pages: resident
            time.sleep(0.0005)
    assert len(hoard) * 2**20 < 400 * 2**20
    hoard.clear()
    release()


def test_native_waits_are_woken_through_their_interrupt() -> None:
    woken = threading.Event()
    started = time.monotonic()
    with pytest.raises(BudgetExhausted), enforced(Budget(seconds=0.2).start()), \
            interruptible(woken.set):
        woken.wait(30)  # a blocking call the stop cannot reach by itself
        _spin(10)
    assert woken.is_set()
    assert time.monotonic() - started < 1.5


def test_work_in_another_thread_is_stopped_in_that_thread() -> None:
    outcome: list[str] = []

    def work() -> None:
        try:
            with enforced(Budget(seconds=0.2).start()):
                _spin(10)
            outcome.append("finished")
        except BudgetExhausted as exc:
            outcome.append(exc.reason)

    worker = threading.Thread(target=work)
    worker.start()
    mine = _spin(0.6)
    worker.join(5)
    assert outcome == ["time budget of 0.2 s ran out"]
    assert mine > 0


def test_an_unlimited_budget_starts_no_watchdog() -> None:
    before = threading.active_count()
    with enforced(Budget().start()):
        assert threading.active_count() == before


def test_the_main_threads_timer_alone_stops_the_work(monkeypatch: pytest.MonkeyPatch) -> None:
    """A main thread that keeps handing the GIL back and forth for short reads can starve the
    watchdog thread for seconds; its own timer signal must then stop the work on time. Here the
    watchdog thread never runs at all."""
    monkeypatch.setattr(watchdog._Watch, "start", lambda self: None)
    fd = os.open("/dev/zero", os.O_RDONLY)
    started = time.monotonic()
    try:
        with pytest.raises(BudgetExhausted, match="time budget"), \
                enforced(Budget(seconds=0.2).start()):
            until = time.monotonic() + 10
            while time.monotonic() < until:
                os.read(fd, 64)
    finally:
        os.close(fd)
    assert time.monotonic() - started < 0.6


def test_the_main_threads_timer_watches_memory_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(watchdog._Watch, "start", lambda self: None)
    ceiling = resident_bytes() + 100 * 2**20
    hoard: list[bytes] = []
    with pytest.raises(BudgetExhausted, match="memory budget"), \
            enforced(Budget(memory_bytes=ceiling).start()):
        for _ in range(4000):
            hoard.append(b"\x01" * 2**20)
            _spin(0.001)
    assert len(hoard) < 200
    hoard.clear()


def test_the_timer_signal_is_given_back_when_the_block_ends() -> None:
    with enforced(Budget(seconds=5).start()):
        assert signal.getsignal(signal.SIGVTALRM) not in (signal.SIG_DFL, None)
    assert signal.getsignal(signal.SIGVTALRM) == signal.SIG_DFL
    assert signal.getitimer(signal.ITIMER_VIRTUAL) == (0.0, 0.0)


def test_a_timer_signal_owned_by_someone_else_is_left_alone() -> None:
    def theirs(signum: int, frame: object) -> None:
        pass

    signal.signal(signal.SIGVTALRM, theirs)
    try:
        with pytest.raises(BudgetExhausted), enforced(Budget(seconds=0.1).start()):
            assert signal.getsignal(signal.SIGVTALRM) is theirs
            _spin(5)
    finally:
        signal.signal(signal.SIGVTALRM, signal.SIG_DFL)


def _expiry_lost_in_a_gc_callback(seconds: float) -> None:
    """A gc callback (hypothesis and profilers install them) that runs while the budget runs
    out: CPython reports an exception raised there as unraisable and carries on."""
    def slow_callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            _spin(seconds)

    gc.callbacks.append(slow_callback)
    try:
        gc.collect()
    finally:
        gc.callbacks.remove(slow_callback)


def test_an_expiry_swallowed_by_a_gc_callback_is_raised_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    swallowed: list[type[BaseException] | None] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: swallowed.append(u.exc_type))
    started = time.monotonic()
    with pytest.raises(BudgetExhausted, match="time budget"), \
            enforced(Budget(seconds=0.1).start()):
        _expiry_lost_in_a_gc_callback(0.4)
        _spin(5)
    assert time.monotonic() - started < 1.5
    assert swallowed == []  # the expiry is not reported as an unraisable error either


def test_an_expiry_swallowed_in_another_thread_is_raised_again() -> None:
    outcome: list[str] = []

    def work() -> None:
        try:
            with enforced(Budget(seconds=0.1).start()):
                _expiry_lost_in_a_gc_callback(0.4)
                _spin(5)
            outcome.append("finished")
        except BudgetExhausted as exc:
            outcome.append(exc.reason)

    worker = threading.Thread(target=work)
    started = time.monotonic()
    worker.start()
    worker.join(6)
    assert outcome == ["time budget of 0.1 s ran out"]
    assert time.monotonic() - started < 1.5


def test_an_expiry_is_never_raised_inside_the_watchdogs_own_code(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A block that ends right at its deadline is leaving through the watchdog's (and
    contextlib's) code; an expiry raised there would escape the block unconverted. The timer's
    look at the budget lets it be, and raises it once the thread is back in the work."""
    import contextlib
    from types import SimpleNamespace

    monkeypatch.setattr(watchdog._Watch, "start", lambda self: None)
    monkeypatch.setattr(watchdog, "_start_ticking", lambda: None)
    leaving = SimpleNamespace(f_code=SimpleNamespace(co_filename=contextlib.__file__))
    reached = []
    with pytest.raises(BudgetExhausted), enforced(Budget(seconds=0.01).start()) as deadline:
        while not deadline.expired():
            pass
        watchdog._on_tick(signal.SIGVTALRM, leaving)  # type: ignore[arg-type]
        reached.append(True)
        watchdog._on_tick(signal.SIGVTALRM, sys._getframe())
    assert reached == [True]


def test_blocks_ending_around_their_deadline_stop_cleanly(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Many short blocks that end just before, at or after their deadline: each either
    finishes or ends with ``BudgetExhausted``, and nothing of the watchdog outlives them."""
    import random

    monkeypatch.setattr(watchdog, "SAMPLE_SECONDS", 0.0005)
    rng = random.Random(7)
    stopped = 0
    for _ in range(600):
        try:
            with enforced(Budget(seconds=0.001).start()) as deadline:
                until = deadline.started + 0.001 * rng.uniform(0.5, 6.0)
                while time.monotonic() < until:
                    pass
        except BudgetExhausted:
            stopped += 1
    assert stopped > 0
    assert signal.getsignal(signal.SIGVTALRM) == signal.SIG_DFL
    assert not watchdog._stack()
