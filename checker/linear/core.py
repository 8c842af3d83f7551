"""A small subset of an invalid part that is impossible on its own, found within a time share.

The culprit (the operation the search could not place) is where the trouble is, so the hunt
starts there. First from a few seeds read off the longest linearizable prefix (``seeds.py``):
when one is telling (below), only it is shrunk, a handful of searches. Otherwise it looks
outwards: on a small part from all operations invoked before the culprit returned, on a large
one from windows of the operations nearest the culprit in real time, doubled in size until one
is proven invalid and telling. Only that window is shrunk (deleting chunks while it stays
invalid, as ddmin does), so the cost follows the size of the answer, not of the part. Every
subset tried is decided by a search with a small budget of its own (``trials.py``), and the
whole hunt stops at its share of the deadline with the smallest proven subset found so far;
``Core.complete`` says whether the hunt ran to its end (no single operation left to delete)
before the share ran out.

A subset is preferred when it is *telling*: some order of it satisfies the model once real time
is erased, so it shows an ordering problem. Without that condition "a read of 1" wins on its
own (nobody wrote 1 in it); when no telling subset turns up, the plain smallest invalid subset
is given: at once when the culprit alone is impossible and even all operations invoked before
it returned cannot be ordered with real time erased.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from histcheck.budget import Budget
from histcheck.errors import BudgetExhausted
from histcheck.history import History, Operation
from histcheck.linear.model import Resolved
from histcheck.linear.parts import Part
from histcheck.linear.schedule import Searcher
from histcheck.linear.trials import Trials

DIRECT_LIMIT = 256
"""Up to this many operations (invoked before the culprit returned), the shrink starts from all
of them at once: growing windows pays only on large parts."""
WINDOW_LIMIT = 1024
"""The largest window tried: beyond it, deciding and shrinking a window costs more than an
explanation is worth, and the plain smallest invalid subset is given. Up to this many
operations in all, the hunt needs no watchdog (each of its steps asks the clock)."""


@dataclass(frozen=True, slots=True)
class Core:
    """The subset found, whether the shrink finished (else its share ran out first), and the
    configurations its searches explored."""

    operations: tuple[Operation, ...]
    complete: bool
    explored: int = 0


class _Clock:
    """The time share: a subset search asks it before each step."""

    def __init__(self, seconds: float) -> None:
        self.until = time.monotonic() + seconds

    def left(self) -> bool:
        return time.monotonic() < self.until

    def half(self) -> _Clock:
        """A clock for half of the time left."""
        return _Clock(max(0.0, self.until - time.monotonic()) / 2)


def find_core(history: History, model: Resolved, part: Part, searcher: Searcher,
              start: Sequence[Operation], culprit: Operation | None, seconds: float,
              prefix: Sequence[tuple[Operation, Any]] = ()) -> Core:
    """A small proven-invalid subset of ``start`` (the part's operations, or an engine's proof),
    keeping ``culprit``; ``prefix`` is the search's longest linearizable prefix, as (operation,
    state after it) pairs. See the module docstring. Never runs much past ``seconds``."""
    from histcheck.watchdog import enforced

    clock = _Clock(seconds)
    trials = Trials(part, model, searcher, clock.until)
    best: list[tuple[Operation, ...]] = [tuple(start)]

    def proven(ops: Sequence[Operation]) -> None:
        if len(ops) < len(best[-1]):
            best.append(tuple(ops))

    starts: list[list[Operation]] = []
    if culprit is not None and prefix and trials.realtime:
        from histcheck.linear.seeds import seeds

        members = {op.id for op in start}
        starts = [seed for seed in seeds(history, model, prefix, culprit)
                  if all(op.id in members for op in seed)]
    if len(start) <= WINDOW_LIMIT:
        # each step asks the clock and each search stops by it, so a watchdog thread (which
        # costs more than a small hunt) is needed only where one step can be long
        found = _hunt(history, list(start), culprit, starts, clock, trials, proven)
    else:
        try:
            with enforced(Budget(seconds=seconds).start()):
                found = _hunt(history, list(start), culprit, starts, clock, trials, proven)
        except BudgetExhausted:
            found = Core(best[-1], False)
    return Core(found.operations, found.complete, trials.explored)


def _hunt(history: History, start: list[Operation], culprit: Operation | None,
          seeds: list[list[Operation]], clock: _Clock, trials: Trials,
          proven: Callable[[Sequence[Operation]], None]) -> Core:
    invalid, orderable = trials.invalid, trials.orderable

    def telling(ops: Sequence[Operation]) -> bool:
        # order first: a subset that lost the write its read needs is the usual rejection,
        # and that search fails at once
        return orderable(ops) is not False and invalid(ops)

    window: list[Operation] | None = None
    plain: list[Operation] | None = None
    widest = start
    finished = True  # no step below was stopped by the clock
    if culprit is not None and culprit in start:
        if invalid([culprit]):
            plain = [culprit]
            proven(plain)
        for seed in seeds:
            if clock.left() and telling(seed):
                proven(seed)
                core, complete = shrink(seed, telling, clock.half(), culprit, proven)
                if orderable(core) is True:
                    return Core(tuple(core), complete)
        windows = _windows(history, start, culprit)
        nearest = {op.id for op in windows[-1]}
        # in invocation order, without the operations invoked after the culprit returned
        # (they rarely matter): deleting early and late halves suits the shrink best
        horizon = history.interval(culprit)[1]
        widest = [op for op in start
                  if op.id in nearest and history.interval(op)[0] <= horizon]
        direct = len(widest) <= DIRECT_LIMIT
        if direct:
            windows = [widest, start]
        for candidate in windows:
            if not clock.left():
                finished = False
                break
            if invalid(candidate):
                proven(candidate)
                plain = plain or candidate
                # the shrink asks for itself whether smaller subsets are telling
                if direct or orderable(candidate) is not False:
                    window = candidate
                    break
    else:
        window = start
    if window is not None:
        # half of what is left, so that the plain shrink below still has time if this fails
        core, complete = shrink(window, telling, clock.half(), culprit, proven)
        if orderable(core) is True:
            if len(core) > 2 and window is not widest and clock.left():
                # the nearest window gives a local minimum; from the widest one, deleting
                # large chunks first often reaches a smaller one
                other, complete = shrink(widest, telling, clock, culprit, proven)
                if len(other) < len(core) and orderable(other) is True:
                    core = other
            return Core(tuple(core), complete)
        if culprit is not None and plain == [culprit] and orderable(widest) is False:
            # not even all of them can be ordered once real time is erased: there is no
            # ordering problem to show, and the culprit alone is impossible
            return Core((culprit,), True)
        finished = finished and complete
    core, complete = shrink(plain or window or start, invalid, clock, culprit, proven)
    return Core(tuple(core), complete and finished)


def _windows(history: History, ops: list[Operation], culprit: Operation) -> list[list[Operation]]:
    """The culprit with its 0, 1, 3, 7, ... nearest operations in real time (those overlapping
    it first, then those that returned before it, latest first, then the later ones), up to
    ``WINDOW_LIMIT`` operations."""
    lo, hi = history.interval(culprit)

    def distance(op: Operation) -> tuple[int, float]:
        a, b = history.interval(op)
        if b >= lo and a <= hi:
            return 0, 0.0
        return (1, lo - b) if b < lo else (2, a - hi)

    others = sorted((op for op in ops if op is not culprit), key=distance)[:WINDOW_LIMIT - 1]
    sizes = []
    size = 0
    while size < len(others):
        sizes.append(size)
        size = 2 * size + 1
    sizes.append(len(others))
    return [[culprit, *others[:size]] for size in sizes]


def shrink(ops: Sequence[Operation], still_invalid: Callable[[list[Operation]], bool],
           clock: _Clock | float = 1.0, keep: Operation | None = None,
           progress: Callable[[list[Operation]], object] | None = None,
           ) -> tuple[list[Operation], bool]:
    """A subset of ``ops`` that ``still_invalid`` accepts, made small by deleting chunks, and
    whether the deleting ran to its end (no single operation could go) before the clock ran out.

    ``still_invalid(ops)`` must return True only when it proved the subset invalid (a search that
    ran out of its own small budget answers False, so the result is always a proven subset).
    ``keep`` (the operation that cannot be placed) is never deleted, so the subset explains it.
    ``progress`` hears of each smaller proven subset, so a caller that is stopped mid-way still
    has the best one found.
    """
    if not isinstance(clock, _Clock):
        clock = _Clock(clock)
    pinned = [keep] if keep is not None and keep in ops else []
    current = [op for op in ops if op is not keep] if pinned else list(ops)
    chunk = max(1, len(current) // 2)
    while current and clock.left():
        i = 0
        removed = False
        while i < len(current) and clock.left():
            trial = current[:i] + current[i + chunk:]
            if (trial or pinned) and still_invalid(pinned + trial):
                current = trial
                removed = True
                if progress is not None:
                    progress(pinned + current)
            else:
                i += chunk
        if not clock.left():
            break
        if chunk == 1:
            if not removed:
                return pinned + current, True
        else:  # halve, and keep the chunk within half of what is left
            chunk = max(1, min(chunk // 2, len(current) // 2))
    return pinned + current, not current
