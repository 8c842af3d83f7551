"""Concurrent clients, and one thread-safe log of what each of them saw.

A recording is C client threads, each with its own connection (a ``Session``), taking operations
from one shared workload until N have been invoked. Each operation is logged twice through the
``Recorder``: its invocation just before the client sends anything, and its completion just after
the answer arrives. Times are ``time.monotonic_ns()`` since the recording began, so the real-time
order the checkers use for strict serializability and linearizability is the order clients saw.

How an operation ends decides its event type, and soundness depends on getting it right:

- ``ok``: the server confirmed it; the value holds what was read.
- ``fail``: the server certainly did not apply it (PostgreSQL aborted the transaction with a
  serialization failure or a deadlock; a Redis compare-and-set found another value; the
  connection broke before the transaction sent its COMMIT).
- ``info``: nobody knows (the connection was lost after COMMIT was sent, or the answer never
  came). The operation may have taken effect at any time after its invocation, or never. Like
  Jepsen, the client then continues under a new process id (``process + clients``) on a fresh
  connection, because the old process may still have an operation in flight.

A recording runs for a number of operations or, under faults, for a number of seconds. While
its server is down or paused, a client whose connection broke keeps trying to connect again
until the run's end.

Given a ``RecordingFile``, the recorder also writes each event to it as it is logged, so a
recording that is killed leaves every event up to the last flush, marked incomplete.

This recorder is deliberately small; a generic one can replace it without changing the sessions.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from histcheck.formats.jsonl import event_line
from histcheck.history import FAIL, INFO, INVOKE, OK, Event, EventType, History, from_events
from histcheck.recorders.databases.errors import RecorderError
from histcheck.recorders.streaming import RecordingFile
from histcheck.values import Value, freeze


@dataclass(frozen=True, slots=True)
class Op:
    """One operation to perform: ``f`` (``txn``, ``read``, ``write``, ``cas``), value and key."""

    f: str
    value: Value
    key: Value = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """How an operation ended: its event type, the completion's value, and any error code."""

    type: EventType
    value: Value
    error: str | None = None


def lost_connection(op: Op, code: str, *, commit_sent: bool) -> Outcome:
    """How a transaction ended whose connection broke: ``info`` once COMMIT was sent (it may
    have committed, unseen), else ``fail``. A transaction block commits only on COMMIT, and a
    server rolls back the open transaction of a connection it loses, so one that never sent
    COMMIT certainly did not commit."""
    return Outcome(INFO if commit_sent else FAIL, op.value, code)


class Session(Protocol):
    """One client's connection: runs one operation at a time and says how it ended.

    ``perform`` must not raise for outcomes it understands (an abort is ``fail``, a lost
    connection ``info``); an exception escaping it is a bug and stops the recording.
    ``usable`` is False once the connection cannot run another operation.
    """

    @property
    def usable(self) -> bool: ...

    def perform(self, op: Op) -> Outcome: ...

    def close(self) -> None: ...


class Recorder:
    """A thread-safe, append-only log of invocation and completion events."""

    def __init__(self, stream: RecordingFile | None = None) -> None:
        self._lock = threading.Lock()
        self._events: list[Event] = []
        self._start = time.monotonic_ns()
        self._stream = stream

    def _append(self, event: Event) -> None:
        if self._stream is not None:
            self._stream.write(event_line(len(self._events), event))
        self._events.append(event)

    def _now(self) -> int:
        return time.monotonic_ns() - self._start

    def invoke(self, process: int, op: Op) -> Event:
        """Log the invocation of ``op`` by ``process``; returns the event for ``complete``."""
        with self._lock:
            event = Event(process, INVOKE, op.f, freeze(op.value), freeze(op.key), self._now())
            self._append(event)
            return event

    def complete(self, invocation: Event, outcome: Outcome) -> None:
        """Log the completion of an invoked operation (``error`` is kept as an extra field)."""
        extra: tuple[tuple[str, Value], ...] = ()
        if outcome.error is not None:
            extra = (("error", outcome.error),)
        with self._lock:
            self._append(Event(invocation.process, outcome.type, invocation.f,
                               freeze(outcome.value), invocation.key, self._now(), extra))

    def nemesis(self, f: str, value: Value) -> None:
        """Log a fault starting or healing, as an ``info`` event of the process ``nemesis``."""
        with self._lock:
            self._append(Event("nemesis", INFO, f, freeze(value), None, self._now()))

    def events(self) -> list[Event]:
        with self._lock:
            return list(self._events)

    def history(self, source: str | None = None) -> History:
        """The events so far as a validated ``History`` (open invocations count as ``info``)."""
        return from_events(self.events(), source)


@dataclass(frozen=True)
class Tally:
    """What a recording did: operations by outcome, error codes seen, and the seconds it took."""

    ok: int
    fail: int
    info: int
    errors: tuple[tuple[str, int], ...]
    seconds: float

    @property
    def total(self) -> int:
        return self.ok + self.fail + self.info

    def describe(self) -> str:
        """One line for people: counts, throughput, and the error codes behind fail and info."""
        rate = self.total / self.seconds if self.seconds > 0 else 0.0
        codes = ", ".join(f"{code} x{count}" for code, count in self.errors)
        return (f"{self.total} operations ({self.ok} ok, {self.fail} fail, {self.info} info) in "
                f"{self.seconds:.2f} s ({rate:.0f}/s)" + (f"; errors: {codes}" if codes else ""))


@dataclass(frozen=True)
class Recording:
    """A finished recording: the history, its tally, and the server it came from."""

    history: History
    tally: Tally
    server: str


def tally(recorder: Recorder, seconds: float) -> Tally:
    counts = {OK: 0, FAIL: 0, INFO: 0}
    errors: dict[str, int] = {}
    for event in recorder.events():
        if event.type is INVOKE:
            continue
        counts[event.type] += 1
        for name, value in event.extra:
            if name == "error":
                errors[str(value)] = errors.get(str(value), 0) + 1
    return Tally(counts[OK], counts[FAIL], counts[INFO], tuple(sorted(errors.items())), seconds)


def raise_first(failures: list[BaseException]) -> None:
    """Stop the recording with the first client's failure, as a ``RecorderError``."""
    if failures:
        first = failures[0]
        if isinstance(first, RecorderError):
            raise first
        raise RecorderError(f"a client stopped the recording: {type(first).__name__}: "
                            f"{first}") from first


RECONNECT_ATTEMPTS = 10
RECONNECT_PAUSE_SECONDS = 0.2


def perform_logged(recorder: Recorder, session: Session, process: int, op: Op,
                   clients: int) -> tuple[Outcome, int]:
    """Run ``op`` on ``session`` as ``process``, logging its invocation and completion; returns
    the outcome and the process to go on as (a new one, ``process + clients``, after ``info``,
    since the old one may still have the operation in flight). An exception from the session
    is logged as ``info`` and raised."""
    invocation = recorder.invoke(process, op)
    try:
        outcome = session.perform(op)
    except BaseException as exc:
        recorder.complete(invocation, Outcome(INFO, op.value, type(exc).__name__))
        raise
    recorder.complete(invocation, outcome)
    return outcome, process + clients if outcome.type is INFO else process


def _reconnect(connect: Callable[[], Session], until: float | None) -> Session | None:
    """A fresh session after a lost connection; the server may need a moment, so retry.

    Without ``until``, about a second of retries, then the error. With it (a ``monotonic``
    time), retries go on until then, and ``None`` says the run ended first.
    """
    attempt = 0
    while True:
        attempt += 1
        try:
            return connect()
        except RecorderError:
            if until is None and attempt >= RECONNECT_ATTEMPTS:
                raise
            if until is not None and time.monotonic() >= until:
                return None
            time.sleep(min(0.02 * attempt, RECONNECT_PAUSE_SECONDS))


def run_clients(*, clients: int, total: int | None, next_op: Callable[[], Op],
                connect: Callable[[], Session], recorder: Recorder,
                seconds: float | None = None,
                on_start: Callable[[], object] | None = None) -> Tally:
    """Run ``total`` operations from ``next_op`` on ``clients`` threads; return the tally.

    Each thread connects once up front (so a bad address fails before anything is recorded),
    then all start together and loop: take a ticket, invoke, perform, complete. After ``info``
    a client reconnects under a new process id. With ``seconds``, tickets run out that long
    after the start instead (``total`` may then be ``None``: no count), and reconnecting goes
    on until then; without it, for about a second. ``on_start`` is called once every client
    is connected, just before they start (a nemesis starts then). The first unexpected
    exception in any thread stops every thread and is raised as a ``RecorderError`` once they
    have all finished; every session is closed either way.
    """
    if clients < 1 or (total is not None and total < 0) or (total is None and seconds is None):
        raise RecorderError(f"need at least one client, no negative count and a count or a "
                            f"time (clients={clients}, total={total}, seconds={seconds})")
    sessions: list[Session] = []
    try:
        for _ in range(clients):
            sessions.append(connect())
    except BaseException:
        for session in sessions:
            session.close()
        raise
    lock = threading.Lock()
    issued = 0
    stop = threading.Event()
    until: float | None = None

    def starting() -> None:
        nonlocal until
        if seconds is not None:
            until = time.monotonic() + seconds
        if on_start is not None:
            on_start()

    start_together = threading.Barrier(clients, action=starting)
    failures: list[BaseException] = []

    def ticket() -> bool:
        nonlocal issued
        with lock:
            if (total is not None and issued >= total) or stop.is_set():
                return False
            if until is not None and time.monotonic() >= until:
                return False
            issued += 1
            return True

    def client(index: int) -> None:
        process = index
        session: Session | None = sessions[index]
        try:
            start_together.wait()
            while session is not None and ticket():
                outcome, process = perform_logged(recorder, session, process, next_op(),
                                                  clients)
                if outcome.type is INFO or not session.usable:
                    session.close()
                    session = _reconnect(connect, until)
        except BaseException as exc:
            with lock:
                failures.append(exc)
            stop.set()
            start_together.abort()
        finally:
            if session is not None:
                session.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,), name=f"client-{i}", daemon=True)
               for i in range(clients)]
    for thread in threads:
        thread.start()
    try:
        for thread in threads:
            thread.join()
    except BaseException:  # Ctrl-C: clients stop at their next ticket
        stop.set()
        raise
    seconds = time.perf_counter() - started
    raise_first(failures)
    return tally(recorder, seconds)
