"""A watchdog that makes a budget hold everywhere, not only where a search loop looks at it.

Searches call ``Deadline.check()`` between steps, but reading a file, inferring version
orders, partitioning, or shrinking an explanation run for seconds without looking. So while a
budgeted block runs, a watchdog thread watches the clock and the resident memory of this process
and its child processes (forked search workers). When either runs out it raises an exception
*in the checking thread* (CPython's ``PyThreadState_SetAsyncExc``, delivered at the next bytecode
boundary), and asks any native solver running there (z3, CaDiCaL) to stop, through the
callbacks registered with ``interruptible``. In the main thread a CPU-time timer signal also
looks at the budget between bytecodes, because a waiting watchdog thread can be starved of the
GIL (see ``_start_ticking``). The block ends with ``BudgetExhausted``.

The exception raised asynchronously is a private ``BaseException`` made for that one block, so
a model's ``except Exception`` cannot swallow it and a nested block (an explanation with a
smaller share of the budget) never mistakes its parent's expiry for its own. Where CPython
cannot raise it (it arrives inside a gc callback or a ``__del__``, which report it as
"unraisable" and carry on), the unraisable hook notices and the expiry is raised again.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType

from histcheck.budget import Deadline, statm_rss
from histcheck.errors import BudgetExhausted

SAMPLE_SECONDS = 0.02
"""How often time and memory are looked at (a Python process grows at most a few tens of MiB in
this time)."""

_local = threading.local()


class _Expired(BaseException):
    """Base of the exceptions a watchdog raises in the thread it guards."""


def _raise_in(thread_id: int, exc_type: type[BaseException] | None) -> None:
    import ctypes  # imported before any watch starts (see ``enforced``): this never waits

    target = None if exc_type is None else ctypes.py_object(exc_type)
    ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(thread_id), target)


def resident_bytes() -> int:
    """Resident memory now of this process and its children (forked workers count too)."""
    total = statm_rss(f"/proc/{os.getpid()}/statm") or 0
    for pid in _children():
        total += statm_rss(f"/proc/{pid}/statm") or 0
    return total


def _children() -> list[str]:
    pids: list[str] = []
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return pids
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/children", "rb") as fh:
                pids.extend(fh.read().decode().split())
        except OSError:
            continue
    return pids


class _Watch(threading.Thread):
    """Watches one deadline for one thread; fires once, and again only when the expiry it
    raised was lost (see ``lost``)."""

    def __init__(self, deadline: Deadline, thread_id: int) -> None:
        super().__init__(name="histcheck-watchdog", daemon=True)
        self.deadline = deadline
        self.thread_id = thread_id
        self.signal: type[BaseException] = type("BudgetExpired", (_Expired,), {})
        self.reason: str | None = None
        self.interrupters: list[Callable[[], object]] = []
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._lost = False
        self._pending = False  # fired, and not yet raised in the thread
        self._async = False  # raised as an asynchronous exception (which stopping withdraws)

    def run(self) -> None:
        memory = self.deadline.budget.memory_bytes
        while True:
            left = self.deadline.remaining()
            wait = SAMPLE_SECONDS if memory is not None else left
            if wait is not None and left is not None:
                wait = min(wait, max(left, 0.0))
            if self._stopped.wait(wait):
                return
            reason = self._exceeded(memory)
            if reason is not None:
                self._fire(reason)
                break
        while not self._stopped.wait(SAMPLE_SECONDS):
            with self._lock:
                if (self._lost or self._pending) and not self._stopped.is_set():
                    self._lost = False
                    self._deliver()

    def _deliver(self) -> None:
        """Raise the expiry in the watched thread (holding the lock), never inside the
        watchdog's own code: a block that is ending there would let it escape unconverted.
        The main thread is told through its timer signal (``tick`` raises it, and looks at
        where it lands); another thread is sent an asynchronous exception unless it is in the
        watchdog's code right now (then this is tried again shortly)."""
        if _ticking and self.thread_id == threading.main_thread().ident:
            self._pending = True
            signal.pthread_kill(self.thread_id, signal.SIGVTALRM)
            return
        frame = sys._current_frames().get(self.thread_id)
        if frame is not None and _in_watchdog(frame):
            self._pending = True
            return
        self._pending = False
        self._async = True
        _raise_in(self.thread_id, self.signal)

    def lost(self) -> None:
        """The expiry was raised where CPython drops exceptions: raise it again, soon."""
        with self._lock:
            self._lost = not self._stopped.is_set()

    def _exceeded(self, memory: int | None) -> str | None:
        if self.deadline.expired():
            return f"time budget of {self.deadline.budget.seconds:g} s ran out"
        if memory is not None and resident_bytes() > memory:
            return f"memory budget of {memory // 2**20} MiB ran out"
        return None

    def _fire(self, reason: str) -> None:
        with self._lock:
            if self._stopped.is_set():
                return
            self.reason = reason
            self._deliver()
            callbacks = list(self.interrupters)
        for interrupt in callbacks:
            interrupt()

    def tick(self) -> None:
        """The main thread's own look at the budget (from its timer signal): raise the expiry
        right here when it has run out. Skipped while the watch is busy elsewhere."""
        if not self._lock.acquire(blocking=False):
            return
        try:
            if self._stopped.is_set():
                return
            if self.reason is not None:
                if not (self._lost or self._pending):
                    return
                self._lost = self._pending = False
                raise self.signal
            reason = self._exceeded(self.deadline.budget.memory_bytes)
            if reason is None:
                return
            self.reason = reason
            callbacks = list(self.interrupters)
        finally:
            self._lock.release()
        for interrupt in callbacks:
            interrupt()
        raise self.signal

    def stop(self, outer: list[_Watch]) -> None:
        """Stop watching. An expiry fired but not yet raised is withdrawn; withdrawing an
        asynchronous one clears whatever is pending in the thread, so an enclosing watch that
        raised its own that way raises it again. (One told through the timer signal stays
        pending on its own watch and needs nothing.)"""
        with self._lock:
            self._stopped.set()
            self._lost = self._pending = False
            _unregister(self)
            if not self._async:
                return
            _raise_in(self.thread_id, None)
        for watch in reversed(outer):
            if watch.reason is not None and watch._async:
                _raise_in(self.thread_id, watch.signal)
                return


_live: dict[type[BaseException], _Watch] = {}
"""Every watch not yet stopped, by the expiry it raises (read by ``_on_unraisable``)."""
_live_lock = threading.Lock()
_hook: list[Callable[[sys.UnraisableHookArgs], object]] = []
"""The unraisable hook that was in place before ours, while ours is installed."""


def _register(watch: _Watch) -> None:
    with _live_lock:
        _live[watch.signal] = watch
        if not _hook:
            _hook.append(sys.unraisablehook)
            sys.unraisablehook = _on_unraisable


def _unregister(watch: _Watch) -> None:
    with _live_lock:
        _live.pop(watch.signal, None)
        if _live or not _hook:
            return
        previous = _hook.pop()
        if sys.unraisablehook is _on_unraisable:  # someone else's hook since stays theirs
            sys.unraisablehook = previous


def _on_unraisable(unraisable: sys.UnraisableHookArgs) -> None:
    """An expiry dropped as unraisable is raised again; anything else goes to the hook that
    was there before."""
    kind = unraisable.exc_type
    if kind is not None and issubclass(kind, _Expired):
        watch = _live.get(kind)
        if watch is not None:
            watch.lost()
        return
    previous = _hook[0] if _hook else sys.__unraisablehook__
    previous(unraisable)


_ticking: list[bool] = []
"""Whether the main thread's timer signal is set up (it is while the main thread has watches)."""


def _start_ticking() -> None:
    """A thread that waits for the GIL can starve behind a main thread that keeps releasing it
    for short reads (each release resets the waiter's claim), so the watchdog thread may look
    at the clock seconds late. In the main thread a CPU-time timer (SIGVTALRM, which profilers
    and pytest-timeout leave alone) runs ``tick`` between bytecodes instead; it needs no GIL
    hand-over. Left alone when something else owns that signal."""
    if _ticking or threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGVTALRM) not in (signal.SIG_DFL, None):
        return
    signal.signal(signal.SIGVTALRM, _on_tick)
    signal.setitimer(signal.ITIMER_VIRTUAL, SAMPLE_SECONDS, SAMPLE_SECONDS)
    _ticking.append(True)


def _stop_ticking() -> None:
    if not _ticking or threading.current_thread() is not threading.main_thread():
        return
    signal.setitimer(signal.ITIMER_VIRTUAL, 0)
    signal.signal(signal.SIGVTALRM, signal.SIG_DFL)
    _ticking.clear()


def _on_tick(signum: int, frame: FrameType | None) -> None:
    if frame is not None and _in_watchdog(frame):
        return  # the next tick (or the watch's next delivery) raises it, if still needed
    for watch in list(_stack()):  # outermost first: its running out ends everything
        watch.tick()


_OWN_FILES = frozenset({__file__, contextlib.__file__})


def _in_watchdog(frame: FrameType) -> bool:
    """Whether ``frame`` is the watchdog's own code (entering or leaving a block), where an
    expiry raised would escape the block that should turn it into ``BudgetExhausted``."""
    return frame.f_code.co_filename in _OWN_FILES


def _stack() -> list[_Watch]:
    stack: list[_Watch] | None = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    return stack


_abandoned: list[BaseException] = []
"""Expiries whose tracebacks still hold the stopped work's data (see ``release``)."""
_deferred: list[Callable[[], object]] = []
"""Clean-up put off until the answer is out (see ``after_answer``)."""


def release() -> None:
    """Free what stopped checks left behind, and run the clean-up they put off.

    A stopped check's data (graphs, indexes: millions of objects) is referenced by the expiry's
    traceback; freeing it can take a second on its own. So it is kept until the answer is out:
    the CLI calls this between histories, and every new budgeted block calls it first.
    """
    _abandoned.clear()
    while _deferred:
        _deferred.pop()()


def after_answer(cleanup: Callable[[], object]) -> None:
    """Run ``cleanup`` at the next ``release``, once the stopped check's answer is out."""
    _deferred.append(cleanup)


def stopping(exc: BaseException) -> bool:
    """Whether ``exc`` is a watchdog stopping the work (it is on its way to ``enforced``)."""
    return isinstance(exc, _Expired)


def abandoned() -> bool:
    """True while a stopped check's data or clean-up is still held (see ``release``)."""
    return bool(_abandoned or _deferred)


@contextmanager
def enforced(deadline: Deadline) -> Iterator[Deadline]:
    """Run the block under ``deadline``: when its time or memory runs out, wherever the block
    is, it stops with ``BudgetExhausted``. An unlimited deadline costs nothing."""
    release()
    budget = deadline.budget
    if budget.seconds is None and budget.memory_bytes is None:
        yield deadline
        return
    import ctypes  # noqa: F401  (a watch that fires must not stop to import it)

    watch = _Watch(deadline, threading.get_ident())
    _register(watch)
    stack = _stack()
    stack.append(watch)
    try:
        try:
            watch.start()
            _start_ticking()
            yield deadline
        finally:
            stack.remove(watch)
            watch.stop(stack)
            if not stack:
                _stop_ticking()
    except watch.signal as expired:
        # the watch is stopped by now, so nothing more of its own can arrive while this runs
        if watch in stack:
            stack.remove(watch)
        watch.stop(stack)
        if not stack:
            _stop_ticking()
        _abandoned.append(expired)
        raise BudgetExhausted(watch.reason or "budget ran out") from None


@contextmanager
def interruptible(interrupt: Callable[[], object]) -> Iterator[None]:
    """While the block runs native code that never returns to Python (a SAT or SMT solver),
    a watchdog that fires also calls ``interrupt`` (from its own thread) to stop it."""
    stack = list(_stack())
    for watch in stack:
        with watch._lock:
            watch.interrupters.append(interrupt)
            fired = watch.reason is not None
        if fired:
            interrupt()
    try:
        yield
    finally:
        for watch in stack:
            with watch._lock:
                if interrupt in watch.interrupters:
                    watch.interrupters.remove(interrupt)
