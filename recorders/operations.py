"""Record client operations as a history: an invocation, then a completion.

Wrap any client call with ``OperationRecorder.call``: it records ``invoke`` before the call and
``ok`` with the result after it. A call that raises (a timeout, a lost connection) did not
certainly fail: it may have taken effect, so it is recorded ``info`` (indeterminate), which is
what the checkers need to stay sound. Only an exception the caller names in ``definite`` (the
server said no) is recorded ``fail``. In the simulator, where calls complete in callbacks, use
``invoke`` and ``complete`` directly.

Times come from a clock, a function returning an integer: the simulator passes its virtual clock
(``Simulator.recorded_time``), real threads use ``MonotonicClock``. Either way ``time`` is in
nanoseconds, the unit histories use (Jepsen's convention), so latencies and time spans read
the same whatever recorded them.

``stream_to(path)`` writes every event to a file as it is recorded (``RecordingFile``), so a
recorder that is killed still leaves what it saw, marked incomplete; ``close`` completes it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from histcheck.formats import write_history
from histcheck.formats.jsonl import event_line
from histcheck.history import FAIL, INFO, INVOKE, OK, Event, EventType, History, from_events
from histcheck.recorders.streaming import RecordingFile
from histcheck.values import Value, freeze

T = TypeVar("T")


class MonotonicClock:
    """Nanoseconds since the clock was made, from the monotonic clock (never goes back)."""

    def __init__(self) -> None:
        self._start = time.monotonic_ns()

    def __call__(self) -> int:
        return time.monotonic_ns() - self._start


@dataclass(frozen=True, slots=True)
class Ticket:
    """An open operation: who invoked what, to be completed exactly once."""

    process: int | str
    f: str
    key: Value
    number: int


class OperationRecorder:
    """Collects invoke/complete events (thread-safe) and builds a ``History`` from them."""

    def __init__(self, clock: Callable[[], int]) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._events: list[Event] = []
        self._open: dict[int, Ticket] = {}
        self._count = 0
        self._stream: RecordingFile | None = None

    def stream_to(self, path: str | Path, **header: Value) -> RecordingFile:
        """From now on, write each event to ``path`` as it is recorded (those so far first)."""
        with self._lock:
            if self._stream is not None:
                raise ValueError(f"already recording to {self._stream.path}")
            self._stream = RecordingFile(path, **header)
            for position, event in enumerate(self._events):
                self._stream.write(event_line(position, event))
            return self._stream

    def close(self) -> None:
        """Complete the recording file, if there is one (its end record, flushed and synced)."""
        if self._stream is not None:
            self._stream.close()

    def _append(self, event: Event) -> None:
        if self._stream is not None:
            self._stream.write(event_line(len(self._events), event))
        self._events.append(event)

    def invoke(self, process: int | str, f: str, value: Value = None, *,
               key: Value = None) -> Ticket:
        with self._lock:
            self._count += 1
            ticket = Ticket(process, f, freeze(key), self._count)
            self._open[ticket.number] = ticket
            self._append(Event(process, INVOKE, f, freeze(value), ticket.key, self._clock()))
            return ticket

    def complete(self, ticket: Ticket, kind: EventType, value: Value = None) -> None:
        """Complete ``ticket`` as ``ok``, ``fail`` or ``info`` (once; later calls are errors)."""
        if kind is INVOKE:
            raise ValueError("a completion cannot be an invoke")
        with self._lock:
            if self._open.pop(ticket.number, None) is None:
                raise ValueError(f"operation {ticket} already completed")
            self._append(Event(ticket.process, kind, ticket.f, freeze(value), ticket.key,
                               self._clock()))

    def call(self, process: int | str, f: str, value: Value, fn: Callable[[], T], *,
             key: Value = None, result: Callable[[T], Value] | None = None,
             definite: tuple[type[BaseException], ...] = ()) -> T:
        """Run ``fn`` as one recorded operation; exceptions are re-raised after recording."""
        ticket = self.invoke(process, f, value, key=key)
        try:
            out = fn()
        except definite:
            self.complete(ticket, FAIL, value)
            raise
        except BaseException:
            self.complete(ticket, INFO, value)
            raise
        self.complete(ticket, OK, result(out) if result else out)  # type: ignore[arg-type]
        return out

    def events(self) -> list[Event]:
        with self._lock:
            return list(self._events)

    def history(self, source: str | None = None) -> History:
        """The history so far; operations still open count as indeterminate."""
        return from_events(self.events(), source)

    def write(self, path: str | Path) -> None:
        write_history(self.history(str(path)), path)
