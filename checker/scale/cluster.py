"""Checking on a Dask distributed cluster (``--scheduler ADDRESS``, or ``local``).

Two kinds of task, one per independent piece of work:

* a folder: one task per history. A task carries the job (path, model, level, budget), not
  the history: the workers read the file from the path, so every worker must see the same
  files at the same absolute paths (a shared folder, or one machine);
* one history of a linearizability model: it is read here and split into key partitions, as
  for forked search workers; the partitions, in a few batches of about equal size, are each
  scattered once, straight to one worker (so a worker holds its share of the history, never
  all of it, and no task carries data), and the task searching a batch runs where it is. The
  first invalid partition cancels the rest.

Budgets hold per history: a whole-history task enforces its own, as a serial run does; the
batches of one history share the time left on its deadline here, where the search waits, and
each enforces the memory budget in its worker. When a worker dies, Dask runs its whole-history
tasks again on another worker (and gives up, as ``KilledWorker``, after a few deaths: the
history's verdict is then unknown, never one from the part that was done); a batch lost with
its worker (its data lives there) is scattered again from here and searched afresh.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec

from histcheck.budget import Budget, Deadline
from histcheck.errors import BudgetExhausted
from histcheck.scale import Answer, Finished, Job, Later, _fan_out, finished, no_verdict, set_cores

POLL_SECONDS = 0.02
CONNECT_SECONDS = 10


def on_cluster(jobs: list[Job], scheduler: str) -> Iterator[Answer]:
    """Answers to ``jobs`` in their order, checked on the cluster at ``scheduler``."""
    import importlib.util

    if importlib.util.find_spec("distributed") is None:
        import click

        raise click.BadParameter("needs Dask: pip install 'histcheck[dask]'",
                                 param_hint="'--scheduler'")
    client, close = _connect(scheduler)
    try:
        if len(jobs) == 1 and _by_parts(jobs[0]):
            yield from _parts_of_one(client, jobs[0])
        else:
            yield from _whole_histories(client, jobs)
    finally:
        close()


def _connect(scheduler: str) -> tuple[Any, Callable[[], None]]:
    import logging

    from distributed import Client, LocalCluster

    # a lost worker is handled here, and its answer is still whole: Dask's warnings about it
    # would only interleave with the answers
    logging.getLogger("distributed").setLevel(logging.ERROR)
    if scheduler == "local":
        cluster = LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1,
                               processes=True, dashboard_address=None)
        client = Client(cluster)

        def close_both() -> None:
            client.close()
            cluster.close()

        return client, close_both
    try:
        client = Client(scheduler, timeout=CONNECT_SECONDS)
    except (OSError, TimeoutError) as exc:
        raise ConnectionError(f"{scheduler}: no Dask scheduler answered ({exc})") from None
    return client, client.close


def _by_parts(job: Job) -> bool:
    """Whether one history is best split here (a linearizability model's key partitions)."""
    from histcheck.formats.source import is_stdin
    from histcheck.registry import get_model

    return is_stdin(job.path) or get_model(job.model).checker.startswith("histcheck.linear.")


def _whole_histories(client: Any, jobs: list[Job]) -> Iterator[Answer]:
    from histcheck import progress
    from histcheck.formats.source import is_stdin

    futures: list[Any] = []
    with progress.counter("tasks", total=len(jobs), unit="task") as tick:
        for job in jobs:
            if is_stdin(job.path):
                futures.append(None)  # standard input is this process's to read
                continue
            shipped = msgspec.structs.replace(job, path=Path(os.path.abspath(job.path)))
            future = client.submit(check_on_worker, shipped, pure=False)
            future.add_done_callback(lambda _: tick(1))
            futures.append(future)
        try:
            for job, future in zip(jobs, futures, strict=True):
                yield Later(job) if future is None else _collected(job, future)
        finally:
            client.cancel([f for f in futures if f is not None])


def check_on_worker(job: Job) -> Finished:
    """A whole-history task, as a worker runs it: the job checked in this worker alone."""
    from histcheck import progress

    progress.disable()
    set_cores(1)  # the worker's other threads and its siblings have the other cores
    try:
        return finished(job)
    except MemoryError:
        return no_verdict(job, "its Dask worker ran out of memory (MemoryError)")


def _collected(job: Job, future: Any) -> Answer:
    from distributed.scheduler import KilledWorker

    try:
        answer: Finished = future.result()
    except KilledWorker:
        return no_verdict(job, "the Dask workers checking it kept dying")
    if answer.error is not None:  # name the file as it was given, not as it was shipped
        kind, message, where = answer.error
        if where.get("path") == os.path.abspath(job.path):
            answer = msgspec.structs.replace(
                answer, error=(kind, message, {**where, "path": str(job.path)}))
    return answer


def _parts_of_one(client: Any, job: Job) -> Iterator[Answer]:
    """One history, checked here, its key partitions searched on the cluster."""
    def on_the_cluster(parts: list[Any], model: Any, deadline: Deadline,
                       searcher: Any) -> tuple[list[tuple[Any, Any]], int]:
        return search_parts(client, parts, model, deadline, searcher)

    _fan_out.append(on_the_cluster)
    try:
        yield Later(job)
    finally:
        _fan_out.remove(on_the_cluster)


@dataclass(frozen=True)
class Shipment:
    """A batch of key partitions as a worker holds it: their indices among the history's
    partitions, their operations, and how to search them."""

    indices: tuple[int, ...]
    parts: tuple[Any, ...]
    model: Any
    searcher: Any


RESENDS = 3
"""Times a batch is scattered again after the worker holding it died."""
BATCHES_PER_THREAD = 4
"""Batches of partitions per worker thread, at least: enough to even out the load, few enough
that the scheduler's cost per task (about a millisecond) stays small beside the search."""
BATCH_OPERATIONS = 200_000
"""Operations per batch, at most (where partitions allow): a worker holds the batches it is
searching and the next ones, so this bounds its memory whatever the history's size."""
IN_FLIGHT_PER_THREAD = 2
"""Batches sent ahead per worker thread: one searched, one waiting, the rest still here."""


def batches(parts: list[Any], count: int) -> list[list[int]]:
    """Partition indices in ``count`` batches of about equal size: each partition, largest
    first, to the batch with fewest operations so far."""
    shares: list[list[int]] = [[] for _ in range(max(1, min(count, len(parts))))]
    loads = [0] * len(shares)
    for index in sorted(range(len(parts)), key=lambda i: -len(parts[i])):
        least = loads.index(min(loads))
        shares[least].append(index)
        loads[least] += len(parts[index])
    return shares


def search_parts(client: Any, parts: list[Any], model: Any, deadline: Deadline,
                 searcher: Any) -> tuple[list[tuple[Any, Any]], int]:
    """Outcomes of the partitions searched on the cluster (stopping at the first invalid one)
    and configurations explored; ``BudgetExhausted`` when the deadline passes first, or when
    a batch's workers keep dying."""
    from distributed import as_completed

    from histcheck import progress

    threads = max(1, sum(w.get("nthreads", 1)
                         for w in client.scheduler_info()["workers"].values()))
    size = sum(len(part) for part in parts)
    shares = batches(parts, max(BATCHES_PER_THREAD * threads, -(-size // BATCH_OPERATIONS)))
    token = uuid.uuid4().hex[:12]

    def send(number: int, attempt: int) -> Any:
        share = shares[number]
        sent[number] = _scatter(client, Shipment(tuple(share), tuple(parts[i] for i in share),
                                                 model, searcher))
        future = client.submit(search_batch, sent[number],
                               Budget(deadline.remaining(), deadline.budget.memory_bytes),
                               pure=False, key=f"histcheck-parts-{token}-{number}-{attempt}")
        running[future] = number
        arriving.add(future)

    sent: dict[int, Any] = {}
    running: dict[Any, int] = {}
    arriving = as_completed()
    waiting = list(range(len(shares)))[::-1]  # largest batches first
    resent = dict.fromkeys(range(len(shares)), 0)
    done: list[tuple[Any, Any]] = []
    explored = 0
    try:
        with progress.counter("parts", total=len(parts), unit="part") as tick:
            while running or waiting:
                while waiting and len(running) < IN_FLIGHT_PER_THREAD * threads:
                    send(waiting.pop(), 0)
                ready = arriving.next_batch(block=False)
                deadline.check(explored)
                if not ready:
                    time.sleep(POLL_SECONDS)
                for future in ready:
                    number = running.pop(future)
                    outcomes = _outcomes(future)
                    if outcomes is None:  # lost with its worker: send the batch again
                        resent[number] += 1
                        if resent[number] > RESENDS:
                            raise BudgetExhausted("the Dask workers searching a batch of key "
                                                  "partitions kept dying", explored=explored)
                        send(number, resent[number])
                        continue
                    client.cancel([sent.pop(number)])  # its worker may let the batch go
                    for index, outcome in outcomes:
                        if isinstance(outcome, str):
                            raise BudgetExhausted(outcome, explored=explored)
                        done.append((parts[index], outcome))
                        explored += outcome.explored
                        tick(1)
                        if not outcome.valid:
                            return done, explored
        return done, explored
    finally:
        client.cancel([*running, *sent.values()])


def _scatter(client: Any, shipment: Shipment) -> Any:
    """``shipment`` on one worker; tried again when the worker chosen dies meanwhile."""
    for attempt in range(RESENDS + 1):
        try:
            [future] = client.scatter([shipment], hash=False)
            return future
        except OSError:
            if attempt == RESENDS:
                raise
            time.sleep(0.1 * (attempt + 1))
    raise AssertionError("unreachable")


def _outcomes(future: Any) -> Any:
    """A batch task's outcomes; None when the task was lost with a worker (the worker running
    it died, or the one holding its batch or its result)."""
    from concurrent.futures import CancelledError

    from distributed.scheduler import KilledWorker

    try:
        return future.result()
    except (KilledWorker, CancelledError, OSError):
        return None


def search_batch(shipment: Shipment, budget: Budget) -> list[tuple[int, Any]]:
    """A batch task, as a worker runs it: each partition's outcome in turn (a reason string
    for one whose budget ran out), stopping after the first invalid one."""
    from histcheck import progress

    progress.disable()
    started = time.monotonic()
    deadline = budget.start()
    outcomes: list[tuple[int, Any]] = []
    for index, part in zip(shipment.indices, shipment.parts, strict=True):
        search = shipment.searcher(part, shipment.model)
        try:
            while True:
                deadline.check(next(search))
        except StopIteration as stop:
            outcomes.append((index, stop.value))
            if not stop.value.valid:
                break
        except BudgetExhausted as exc:
            outcomes.append((index, f"{exc.reason} (after {time.monotonic() - started:.1f} s "
                                    "on a worker)"))
            break
    return outcomes
