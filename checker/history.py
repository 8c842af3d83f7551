"""The history model: events as recorded, paired into operations.

A history is what clients saw: each operation is an ``invoke`` event and, later, a completion by
the same process: ``ok`` (it happened, with this result), ``fail`` (it certainly did not happen)
or ``info`` (indeterminate: it may have taken effect at any moment after its invocation, or never).
An invoke with no completion by the end of the history is indeterminate too.

A process runs at most one operation at a time. Processes that are not clients (Jepsen's
``nemesis``) are kept as plain events for analysis and ignored by consistency checks.

Real time: operation A precedes B when A completed before B was invoked. When every client event
carries a ``time``, times decide (equal times are concurrent: intervals are closed); otherwise the
order of events in the history is the time. Some formats record no real time at all, only each
session's order (PolySI, Cobra, dbcop, IsoVista): their histories say ``realtime=False``, their
positions order each process and nothing else, and no check may order them by real time.

``HistoryBuilder`` is the one place where events are validated and paired; every reader feeds it.
"""

from __future__ import annotations

import enum
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol, TypeAlias

import msgspec

from histcheck import speedups
from histcheck.errors import HistoryError
from histcheck.values import FrozenDict, Value, freeze

Process: TypeAlias = int | str
Extra: TypeAlias = tuple[tuple[str, Value], ...]
"""Fields of an event beyond the standard ones, in file order (kept so nothing read is lost)."""

NON_CLIENT_PROCESSES: frozenset[str] = frozenset({"nemesis"})
TXN_MICRO_OPS: frozenset[str] = frozenset({"r", "w", "append", "read", "write"})
"""Micro-operation names a ``txn`` may hold (Elle's ``r``/``w``/``append``, Knossos's
``read``/``write``); which of them a model reads is its vocabulary's business."""


class EventType(enum.Enum):
    """The four kinds of history event."""

    INVOKE = "invoke"
    OK = "ok"
    FAIL = "fail"
    INFO = "info"

    @classmethod
    def parse(cls, text: object) -> EventType:
        try:
            return _EVENT_TYPES[text]  # type: ignore[index]
        except (KeyError, TypeError):
            raise HistoryError(
                f"unknown event type {text!r} (expected invoke, ok, fail or info)"
            ) from None


_EVENT_TYPES = {t.value: t for t in EventType}

OK = EventType.OK
FAIL = EventType.FAIL
INFO = EventType.INFO
INVOKE = EventType.INVOKE


def is_client(process: Process) -> bool:
    """Jepsen's convention: every process is a client except the nemesis."""
    return not (isinstance(process, str) and process in NON_CLIENT_PROCESSES)


class Event(msgspec.Struct, frozen=True, gc=False):
    """One event as recorded: a line of a history file."""

    process: Process
    type: EventType
    f: str
    value: Value = None
    key: Value = None
    time: int | None = None
    extra: Extra = ()


class EventRecord(Protocol):
    """What ``HistoryBuilder.add_all`` reads of an event: an ``Event``, or a reader's own record
    with the same fields (decoded straight from a file, so that no ``Event`` need be made)."""

    @property
    def process(self) -> Process: ...
    @property
    def type(self) -> EventType: ...
    @property
    def f(self) -> str: ...
    @property
    def value(self) -> Value: ...
    @property
    def key(self) -> Value: ...
    @property
    def time(self) -> int | None: ...
    @property
    def extra(self) -> Extra: ...


def as_event(record: EventRecord) -> Event:
    """The ``Event`` of a record (the record itself when it is one)."""
    if record.__class__ is Event:
        return record
    return Event(record.process, record.type, record.f, record.value, record.key, record.time,
                 record.extra)


class Operation(msgspec.Struct, frozen=True, gc=False):
    """A client operation: an invocation paired with its completion.

    ``value`` is what the operation did: the completion's value when it returned ``ok`` (a read
    knows what it read), otherwise the invocation's (a failed or indeterminate write still says
    what it tried to write). ``call`` and ``ret`` are the positions of the two events in the
    history; ``ret`` is ``None`` for an invocation that never completed.

    Events and operations are frozen ``msgspec.Struct`` records rather than dataclasses: a
    million-operation history builds them twelve times faster, and they are left out of the
    cyclic garbage collector (they never form cycles), which keeps large reads quick and small.
    """

    id: int
    process: Process
    f: str
    value: Value
    type: EventType
    call: int
    ret: int | None
    key: Value = None
    invoke_value: Value = None
    call_time: int | None = None
    ret_time: int | None = None
    invoke_extra: Extra = ()
    extra: Extra = ()

    @property
    def ok(self) -> bool:
        return self.type is OK

    @property
    def failed(self) -> bool:
        return self.type is FAIL

    @property
    def indeterminate(self) -> bool:
        return self.type is INFO


class PlacedEvent(msgspec.Struct, frozen=True, gc=False):
    """An event of a non-client process, with its position in the history."""

    position: int
    event: Event


class History(msgspec.Struct, frozen=True):
    """A whole history: client operations in invocation order, and the other processes' events.

    ``lines`` maps each event position to the line of the source it came from, so that problems
    found after reading can still name a line. ``realtime`` is False for a history whose source
    records no real time (only session order): then positions order each process's operations
    and nothing else, and checks that order operations by real time refuse the history.
    ``incomplete`` is True for a recording that was cut before its end (``formats.recording``):
    its operations still open are indeterminate, as always, and readers warn.
    """

    operations: tuple[Operation, ...]
    others: tuple[PlacedEvent, ...] = ()
    source: str | None = None
    size: int = 0
    timed: bool = False
    lines: Sequence[int] = msgspec.field(default_factory=lambda: array("l"))
    realtime: bool = True
    incomplete: bool = False

    def __len__(self) -> int:
        return len(self.operations)

    def __iter__(self) -> Iterator[Operation]:
        return iter(self.operations)

    def line_of(self, position: int) -> int | None:
        """The source line of the event at ``position`` (None when not known)."""
        if 0 <= position < len(self.lines):
            return int(self.lines[position])
        return None

    def error(self, problem: str, op: Operation | None = None) -> HistoryError:
        """A ``HistoryError`` naming this history's file and the line of ``op``'s invocation."""
        line = self.line_of(op.call) if op is not None else None
        return HistoryError(problem, path=self.source, line=line)

    def events(self) -> Iterator[tuple[int, Event]]:
        """Every event in history order, with its position (invocations and completions rebuilt)."""
        placed: list[tuple[int, Event]] = [(p.position, p.event) for p in self.others]
        for op in self.operations:
            placed.append(
                (
                    op.call,
                    Event(op.process, INVOKE, op.f, op.invoke_value, op.key, op.call_time,
                          op.invoke_extra),
                )
            )
            if op.ret is not None:
                placed.append(
                    (op.ret, Event(op.process, op.type, op.f, op.value, op.key, op.ret_time,
                                   op.extra))
                )
        placed.sort(key=lambda pair: pair[0])
        return iter(placed)

    def processes(self) -> list[Process]:
        """Client processes, in order of first appearance."""
        return list(dict.fromkeys(op.process for op in self.operations))

    def interval(self, op: Operation) -> tuple[float, float]:
        """The operation's real-time interval [start, end]; an open operation ends at infinity.

        Times when the history is timed, positions otherwise. A precedes B iff
        ``interval(A)[1] < interval(B)[0]``. Without real time (``realtime`` False) positions
        still order each process, but between processes they mean nothing: callers that order
        by real time must check ``realtime`` first.
        """
        if self.timed:  # integers, exact: epoch nanoseconds are beyond a float's precision
            start: float = op.call_time  # type: ignore[assignment]
            end: float = float("inf") if op.ret_time is None or op.type is INFO else op.ret_time
        else:
            start = float(op.call)
            end = float("inf") if op.ret is None or op.type is INFO else float(op.ret)
        return start, end

    def with_operations(self, operations: Iterable[Operation]) -> History:
        """A history with the same provenance and a different set of operations."""
        return History(
            operations=tuple(operations), others=self.others, source=self.source,
            size=self.size, timed=self.timed, lines=self.lines, realtime=self.realtime,
            incomplete=self.incomplete,
        )


def looks_like_txn(value: Value) -> bool:
    """True when ``value`` is a list of micro-operations ``[f key value]`` (Elle's txn value)."""
    if not isinstance(value, tuple) or not value:
        return False
    for mop in value:
        if not isinstance(mop, tuple) or len(mop) != 3 or mop[0] not in TXN_MICRO_OPS:
            return False
    return True


class HistoryBuilder:
    """Pairs events into operations, validating as it goes: the one gate every reader uses.

    Feed events in history order with ``add`` (naming the source line), or many at once with
    ``add_all``, then call ``build``. Errors name the source and line: a completion without an
    invoke, a second invoke on a busy process, a completion whose ``f`` differs from its
    invocation or whose ``time`` is earlier than its invocation's (time runs forward; equal times
    are fine), a value of the wrong shape.

    Each invocation takes a slot in invocation order, and its completion turns that slot into
    the operation: operations come out in call order without sorting, and the events of
    completed operations are not kept.
    """

    def __init__(self, source: str | None = None,
                 client: Callable[[Process], bool] = is_client) -> None:
        self._source = source
        self._client = client
        self._open: dict[Process, tuple[int, EventRecord, int]] = {}
        """Per busy process: its invocation's position, the invocation, and its slot."""
        self._slots: list[Any] = []
        """Per invocation, in order: its operation once completed, else the invocation."""
        self._calls = array("q")
        """Per invocation, in order: its position."""
        self._others: list[PlacedEvent] = []
        self._lines = array("l")
        self._timed = True
        self._saw_client = False

    def _fail(self, problem: str, line: int) -> HistoryError:
        return HistoryError(problem, path=self._source, line=line)

    def add(self, event: Event, line: int) -> None:
        position = len(self._lines)
        self._lines.append(line)
        self._place(event, position)

    def _place(self, event: Event, position: int) -> None:
        """Take the event at ``position`` (whose line is already recorded)."""
        lines = self._lines
        line = lines[position]
        process = event.process
        kind = process.__class__
        if kind is not int and kind is not str and (
                not isinstance(process, int | str) or isinstance(process, bool)):
            raise self._fail(f"process must be an integer or a name, not {process!r}", line)
        if not self._client(process):
            self._others.append(PlacedEvent(position, event))
            return
        self._saw_client = True
        if event.time is None:
            self._timed = False
        if event.f == "txn" and not _txn_shape_ok(event.value, event.type):
            raise self._fail(f"txn value must be a list of [f key value] micro-operations with f "
                             f"in {', '.join(sorted(TXN_MICRO_OPS))}; got {event.value!r}", line)
        if event.type is INVOKE:
            busy = self._open.get(process)
            if busy is not None:
                raise self._fail(f"second invoke on busy process {process!r} (its operation "
                                 f"invoked on line {lines[busy[0]]} has not completed)", line)
            self._open[process] = (position, event, len(self._slots))
            self._slots.append(event)
            self._calls.append(position)
            return
        opened = self._open.pop(process, None)
        if opened is None:
            raise self._fail(f"{event.type.value} completion without an invoke on process "
                             f"{process!r}", line)
        invoke = opened[1]
        if invoke.f != event.f:
            raise self._fail(f"completion f {event.f!r} differs from its invoke's f "
                             f"{invoke.f!r} on process {process!r}", line)
        if event.time is not None and invoke.time is not None and event.time < invoke.time:
            raise self._fail(f"completion time {event.time} is earlier than its invocation's "
                             f"time {invoke.time} (line {lines[opened[0]]}) on process "
                             f"{process!r}", line)
        self._slots[opened[2]] = _operation(opened[2], opened[0], invoke, event, position)

    def add_all(self, events: Sequence[EventRecord], lines: Iterable[int]) -> None:
        """``add`` for each event with its line, in one loop: the common event (a client's, of
        a plain type, pairing as expected) is handled here, anything else by ``add``'s own
        steps, which raise the same error at the same event. The events may be any records
        with an ``Event``'s fields; those the history keeps as events are made ``Event``s."""
        line_of = self._lines
        base = len(line_of)
        line_of.extend(lines)
        if len(line_of) - base != len(events):
            del line_of[base:]
            raise ValueError("add_all needs one line per event")
        place = self._place
        if self._client is not is_client:
            for position, event in enumerate(events, base):
                place(as_event(event), position)
            return
        open_ops, slots, calls = self._open, self._slots, self._calls
        take, new_slot, new_call = open_ops.pop, slots.append, calls.append
        timed = self._timed
        fast = speedups.loaded
        if fast is not None and events.__class__ is not list:
            events = list(events)
        at, count = 0, len(events)
        while at < count:
            if fast is not None:  # the compiled loop takes the common events, this one the rest
                at, untimed = fast.pair(events, at, base, open_ops, slots, new_call, Operation,
                                        INVOKE, OK, INFO, NON_CLIENT_PROCESSES, _txn_shape_ok)
                timed = timed and not untimed
                if at == count:
                    break
            position, event = base + at, events[at]
            at += 1
            process = event.process
            kind = process.__class__
            if (kind is not int and (kind is not str or process in NON_CLIENT_PROCESSES)) \
                    or (event.f == "txn" and not _txn_shape_ok(event.value, event.type)):
                self._timed = timed
                place(as_event(event), position)
                timed = self._timed
                continue
            done_time = event.time
            if done_time is None:
                timed = False
            if event.type is INVOKE:
                if process in open_ops:
                    self._timed = timed
                    place(as_event(event), position)
                    continue
                open_ops[process] = (position, event, len(slots))
                new_slot(event)
                new_call(position)
                continue
            opened = take(process, None)
            if opened is None:
                self._timed = timed
                place(as_event(event), position)
                continue
            call, invoke, op_id = opened
            invoke_time = invoke.time
            if invoke.f != event.f or (done_time is not None and invoke_time is not None
                                       and done_time < invoke_time):
                open_ops[process] = opened
                self._timed = timed
                place(as_event(event), position)
                continue
            done_kind = event.type
            invoke_value = invoke.value
            # As ``_operation``: ok and an info after a blank invocation say what happened.
            value = event.value if done_kind is OK or (
                done_kind is INFO and invoke_value is None) else invoke_value
            key = invoke.key
            slots[op_id] = Operation(op_id, process, invoke.f, value, done_kind, call, position,
                                     key if key is not None else event.key, invoke_value,
                                     invoke_time, done_time, invoke.extra, event.extra)
        self._timed = timed
        if slots:
            self._saw_client = True

    def build(self) -> History:
        """The history, with every still-open invocation turned into an indeterminate operation."""
        if not self._lines:
            raise HistoryError("empty history: no events", path=self._source)
        calls = self._calls
        operations = tuple(slot if slot.__class__ is Operation else
                           _operation(i, calls[i], slot, None, None)
                           for i, slot in enumerate(self._slots))
        return History(
            operations=operations, others=tuple(self._others), source=self._source,
            size=len(self._lines), timed=self._timed and self._saw_client, lines=self._lines,
        )


def _operation(op_id: int, call: int, invoke: EventRecord, done: EventRecord | None,
               ret: int | None) -> Operation:
    if done is None:
        return Operation(op_id, invoke.process, invoke.f, invoke.value, INFO, call, None,
                         invoke.key, invoke.value, invoke.time, None, invoke.extra, ())
    kind = done.type
    value = done.value if kind is OK else invoke.value
    if kind is INFO and done.value is not None and invoke.value is None:
        value = done.value
    key = invoke.key
    return Operation(op_id, invoke.process, invoke.f, value, kind, call, ret,
                     key if key is not None else done.key, invoke.value,
                     invoke.time, done.time, invoke.extra, done.extra)


def _txn_shape_ok(value: Value, kind: EventType) -> bool:
    if value is None:
        return kind is not OK
    return isinstance(value, tuple) and (len(value) == 0 or looks_like_txn(value))


def from_events(events: Iterable[Event], source: str | None = None) -> History:
    """Build a history from events in order (each event's line is its 1-based position).

    Values are frozen on the way in, so Python data (``True``, ``1.0``, lists) built in memory
    compares exactly as the same data read from a file would.
    """
    builder = HistoryBuilder(source)
    for line, event in enumerate(events, start=1):
        builder.add(_frozen(event), line)
    return builder.build()


def _frozen(event: Event) -> Event:
    return Event(event.process, event.type, event.f, freeze(event.value), freeze(event.key),
                 event.time, tuple((name, freeze(value)) for name, value in event.extra))


def extra_dict(extra: Extra) -> FrozenDict:
    return FrozenDict(dict(extra))
