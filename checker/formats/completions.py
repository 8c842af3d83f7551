"""Histories of completions alone: every operation recorded once, when it finished.

Elle accepts histories with no invocations at all (C4 writes its Elle files this way): each
``ok``, ``fail`` or ``info`` completion stands for a whole operation, invoked immediately before
it. ``Completing`` reads them the same way: when the whole history holds no client invocation,
each client completion is preceded by an invocation of its own, on the same line and at the
same time, whose value is what the operation tried (a transaction's reads with no value yet).
Real time then follows the file: an operation precedes every one completed after it.

A history is completion-only as a whole or not at all: as soon as one client invocation
appears, every completion needs its own, and a bare completion is an error as before.
"""

from __future__ import annotations

from collections.abc import Callable

from histcheck.history import (
    INVOKE,
    Event,
    EventRecord,
    HistoryBuilder,
    Process,
    as_event,
    is_client,
)
from histcheck.values import Value


class Completing:
    """Feeds a ``HistoryBuilder``, holding events back until it knows which kind of history
    it reads: with invocations (passed on as they are) or completions only (each given one)."""

    def __init__(self, builder: HistoryBuilder,
                 client: Callable[[Process], bool] = is_client) -> None:
        self._builder = builder
        self._client = client
        self._held: list[tuple[Event, int]] | None = []

    def add(self, record: EventRecord, line: int) -> None:
        event = as_event(record)
        held = self._held
        if held is None:
            self._builder.add(event, line)
            return
        if event.type is INVOKE and self._client(event.process):
            self._held = None
            for early, early_line in held:
                self._builder.add(early, early_line)
            self._builder.add(event, line)
            return
        held.append((event, line))

    def add_all(self, events: list[EventRecord], lines: list[int]) -> None:
        """``add`` for each event with its line (passed on in bulk once invocations are seen)."""
        start = 0
        while self._held is not None and start < len(events):
            self.add(events[start], lines[start])
            start += 1
        if start < len(events):
            self._builder.add_all(events[start:], lines[start:])

    def finish(self) -> None:
        """Feed what is still held: a history without client invocations, completed."""
        held, self._held = self._held or [], None
        for event, line in held:
            if event.type is not INVOKE and self._client(event.process):
                self._builder.add(_invocation(event), line)
            self._builder.add(event, line)


def _invocation(done: Event) -> Event:
    value: Value = done.value
    if done.f == "txn" and isinstance(value, tuple):
        value = tuple((m[0], m[1], None) if isinstance(m, tuple) and len(m) == 3 and m[0] == "r"
                      else m for m in value)
    return Event(done.process, INVOKE, done.f, value, done.key, done.time)
