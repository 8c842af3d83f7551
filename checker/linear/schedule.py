"""Running the search over independent parts: interleaved in one process, or in several.

A history is invalid as soon as one part is, so parts are searched round-robin in slices of a
few thousand configurations: a cheap invalid part ends the check before an expensive valid-looking
part has eaten the budget (on Porcupine's c50-bad every key is invalid, some in 3,000
configurations, some only after millions).

When the history is large and the machine has spare cores, parts go to worker processes
(forked, so user-defined models need not be picklable); the first invalid part stops the pool.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator
from typing import Any

from histcheck.budget import Budget, Deadline
from histcheck.linear.model import Resolved
from histcheck.linear.parts import Part
from histcheck.linear.search import Outcome

Searcher = Callable[[Part, Resolved], Generator[int, None, Outcome]]

PARALLEL_MIN_OPERATIONS = 20_000
"""Below this many operations, forking workers costs more than it saves."""
POLL_SECONDS = 0.05


def run_parts(parts: list[Part], model: Resolved, deadline: Deadline, searcher: Searcher,
              workers: int | None = None) -> tuple[list[tuple[Part, Outcome]], int]:
    """Outcomes of the parts searched (stopping at the first invalid one), and configurations
    explored. Raises ``BudgetExhausted`` when the deadline passes first."""
    size = sum(len(p) for p in parts)
    if workers is None:
        workers = min(len(parts), os.cpu_count() or 1) if size >= PARALLEL_MIN_OPERATIONS else 1
    if workers > 1 and len(parts) > 1:
        return _in_processes(parts, model, deadline, searcher, workers)
    return _interleaved(parts, model, deadline, searcher)


def _interleaved(parts: list[Part], model: Resolved, deadline: Deadline,
                 searcher: Searcher) -> tuple[list[tuple[Part, Outcome]], int]:
    active: list[tuple[Part, Generator[int, None, Outcome], list[int]]] = [
        (p, searcher(p, model), [0]) for p in sorted(parts, key=len)]
    done: list[tuple[Part, Outcome]] = []
    finished = 0
    while active:
        still: list[tuple[Part, Generator[int, None, Outcome], list[int]]] = []
        for part, search, progress in active:
            try:
                progress[0] = next(search)
            except StopIteration as stop:
                outcome: Outcome = stop.value
                done.append((part, outcome))
                finished += outcome.explored
                if not outcome.valid:
                    return done, finished + sum(p[0] for _, _, p in still)
                continue
            still.append((part, search, progress))
        active = still
        deadline.check(finished + sum(p[0] for _, _, p in active))
    return done, finished


_WORK: list[tuple[list[Part], Resolved, Searcher, Budget]] = []
"""The work of forked workers, inherited through fork (so nothing needs pickling)."""


def _work(index: int) -> tuple[int, Outcome | str]:
    from histcheck.errors import BudgetExhausted

    parts, model, searcher, budget = _WORK[0]
    deadline = budget.start()
    search = searcher(parts[index], model)
    try:
        while True:
            deadline.check(next(search))
    except StopIteration as stop:
        return index, stop.value
    except BudgetExhausted as exc:
        return index, exc.reason


def _in_processes(parts: list[Part], model: Resolved, deadline: Deadline, searcher: Searcher,
                  workers: int) -> tuple[list[tuple[Part, Outcome]], int]:
    import multiprocessing

    from histcheck.errors import BudgetExhausted

    seconds = deadline.budget.seconds
    remaining = None if seconds is None else max(0.0, seconds - deadline.elapsed())
    _WORK[:] = [(parts, model, searcher, Budget(remaining, deadline.budget.memory_bytes))]
    order = sorted(range(len(parts)), key=lambda i: -len(parts[i]))
    done: list[tuple[Part, Outcome]] = []
    explored = 0
    context = multiprocessing.get_context("fork")
    pool = context.Pool(workers)
    try:
        results = pool.imap_unordered(_work, order)
        for _ in order:
            index, result = _next_result(results, deadline, explored)
            if isinstance(result, str):
                raise BudgetExhausted(result, explored=explored)
            done.append((parts[index], result))
            explored += result.explored
            if not result.valid:
                break
    finally:
        pool.terminate()
        pool.join()
        _WORK.clear()
    return done, explored


def _next_result(results: Any, deadline: Deadline, explored: int) -> tuple[int, Outcome | str]:
    """The next worker's answer, waiting in short slices so the budget (and the watchdog,
    which cannot interrupt a thread blocked in a lock) keeps its hold on the wait."""
    import multiprocessing

    while True:
        try:
            answer: tuple[int, Outcome | str] = results.next(timeout=POLL_SECONDS)
            return answer
        except multiprocessing.TimeoutError:
            deadline.check(explored)


def first_invalid(done: list[tuple[Part, Any]]) -> tuple[Part, Outcome] | None:
    """The invalid part among outcomes, if any."""
    for part, outcome in done:
        if not outcome.valid:
            return part, outcome
    return None
