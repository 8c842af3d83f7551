"""Running the search over independent parts: interleaved in one process, or in several.

A history is invalid as soon as one part is, so parts are searched round-robin in slices of a
few thousand configurations: a cheap invalid part ends the check before an expensive valid-looking
part has eaten the budget (on Porcupine's c50-bad every key is invalid, some in 3,000
configurations, some only after millions).

When the history is large and spare cores are there (``histcheck.scale.cores``: the machine's,
``--workers`` for one history, one inside a worker that checks a whole history), parts go to
worker processes (forked, so user-defined models need not be picklable); the first invalid part
stops the pool. While one history is checked on a Dask cluster, they go to its workers instead
(``histcheck.scale.fan_out``).
"""

from __future__ import annotations

import sys
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
    from histcheck.scale import cores, fan_out

    size = sum(len(p) for p in parts)
    cluster = fan_out()
    if cluster is not None and workers is None and len(parts) > 1 \
            and size >= PARALLEL_MIN_OPERATIONS:
        answer: tuple[list[tuple[Part, Outcome]], int] = cluster(parts, model, deadline,
                                                                 searcher)
        return answer
    if workers is None:
        workers = min(len(parts), cores()) if size >= PARALLEL_MIN_OPERATIONS else 1
    if workers > 1 and len(parts) > 1:
        return _in_processes(parts, model, deadline, searcher, workers)
    return _interleaved(parts, model, deadline, searcher)


def _interleaved(parts: list[Part], model: Resolved, deadline: Deadline,
                 searcher: Searcher) -> tuple[list[tuple[Part, Outcome]], int]:
    from histcheck import progress

    with progress.counter("configurations", unit="config", scale=True) as tick:
        return _interleave(parts, model, deadline, searcher, tick)


def _interleave(parts: list[Part], model: Resolved, deadline: Deadline, searcher: Searcher,
                tick: Callable[[int], None]) -> tuple[list[tuple[Part, Outcome]], int]:
    active: list[tuple[Part, Generator[int, None, Outcome], list[int]]] = [
        (p, searcher(p, model), [0]) for p in sorted(parts, key=len)]
    done: list[tuple[Part, Outcome]] = []
    finished = 0
    shown = 0
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
        explored = finished + sum(p[0] for _, _, p in active)
        deadline.check(explored)
        tick(explored - shown)
        shown = explored
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
    """Parts dealt out to forked workers, largest first to the least loaded; each worker sends
    every outcome down its own pipe as it comes. Nothing is shared but the pipes, so stopping
    is a SIGKILL to each worker and cannot deadlock (a pool's shared queue locks can, when a
    worker dies holding one)."""
    import multiprocessing

    from histcheck import progress

    _WORK[:] = [(parts, model, searcher, Budget(deadline.remaining(),
                                                deadline.budget.memory_bytes))]
    context = multiprocessing.get_context("fork")
    running = []
    for stream in (sys.stdout, sys.stderr):  # a child would write out the parent's buffer again
        stream.flush()
    try:
        for share in _deal(parts, workers):
            receiver, sender = context.Pipe(duplex=False)
            worker = context.Process(target=_serve, args=(share, sender), daemon=True)
            worker.start()
            sender.close()
            running.append((worker, receiver))
        done: list[tuple[Part, Outcome]] = []
        open_pipes = [receiver for _, receiver in running]
        with progress.counter("parts", total=len(parts), unit="part") as tick:
            return _gather(parts, deadline, open_pipes, done, tick)
    finally:
        for worker, receiver in running:
            worker.kill()
            receiver.close()
        for worker, _ in running:
            worker.join(1.0)
        _WORK.clear()


def _gather(parts: list[Part], deadline: Deadline, open_pipes: list[Any],
            done: list[tuple[Part, Outcome]], tick: Callable[[int], None],
            ) -> tuple[list[tuple[Part, Outcome]], int]:
    """The workers' outcomes as they come, until every part has one or one is invalid."""
    from multiprocessing.connection import wait

    from histcheck.errors import BudgetExhausted

    explored = 0
    while open_pipes and len(done) < len(parts):
        ready = wait(open_pipes, timeout=POLL_SECONDS)
        deadline.check(explored)
        for pipe in [p for p in open_pipes if p in ready]:
            try:
                answer: tuple[int, Outcome | str | BaseException] = pipe.recv()
            except EOFError:
                open_pipes.remove(pipe)
                continue
            index, result = answer
            if isinstance(result, str):
                raise BudgetExhausted(result, explored=explored)
            if isinstance(result, BaseException):
                raise result
            done.append((parts[index], result))
            tick(1)
            explored += result.explored
            if not result.valid:
                return done, explored
    if len(done) < len(parts):
        raise BudgetExhausted("a search worker died before answering", explored=explored)
    return done, explored


def _deal(parts: list[Part], workers: int) -> list[list[int]]:
    """Part indices per worker: each part, largest first, to the worker with least to do."""
    shares: list[list[int]] = [[] for _ in range(workers)]
    loads = [0] * workers
    for index in sorted(range(len(parts)), key=lambda i: -len(parts[i])):
        least = loads.index(min(loads))
        shares[least].append(index)
        loads[least] += len(parts[index])
    return [share for share in shares if share]


def _serve(share: list[int], sender: Any) -> None:
    """A worker's life: search its parts in turn, sending each outcome; stop after an invalid
    part or a budget that ran out."""
    for index in share:
        try:
            _, result = _work(index)
        except Exception as exc:  # the model's own error: the parent raises it
            from histcheck.scale import picklable

            sender.send((index, picklable(exc)))
            break
        sender.send((index, result))
        if isinstance(result, str) or not result.valid:
            break
    sender.close()


def first_invalid(done: list[tuple[Part, Any]]) -> tuple[Part, Outcome] | None:
    """The invalid part among outcomes, if any."""
    for part, outcome in done:
        if not outcome.valid:
            return part, outcome
    return None
