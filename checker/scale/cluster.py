"""Checking on a Dask distributed cluster (``--scheduler ADDRESS``, or ``local``).

Two kinds of task, one per independent piece of work:

* a folder: one task per history. A task carries the job (path, model, level, budget), not
  the history: the workers read the file from the path, so every worker must see the same
  files at the same absolute paths (a shared folder, or one machine);
* one history of a linearizability model: it is read here and split into key partitions, as
  for forked search workers; each partition is scattered once, straight to one worker (so a
  worker holds its share of the history, never all of it, and no task carries data), and the
  task searching it runs where it is. The first invalid partition cancels the rest.

Budgets hold per history: a whole-history task enforces its own, as a serial run does; the
partitions of one history share the time left on its deadline here, where the search waits.
A worker that dies while holding a task is replaced by Dask, which runs the task again on
another worker; a task whose workers keep dying (Dask gives up after a few, as
``KilledWorker``) gives the history no verdict, never one from the part that was done.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

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
            shipped = replace(job, path=Path(os.path.abspath(job.path)))
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
            answer = replace(answer, error=(kind, message, {**where, "path": str(job.path)}))
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
    """One key partition as a worker holds it: its operations and how to search them."""

    part: Any
    model: Any
    searcher: Any


RESENDS = 3
"""Times a partition is scattered again after the worker holding it died."""


def search_parts(client: Any, parts: list[Any], model: Any, deadline: Deadline,
                 searcher: Any) -> tuple[list[tuple[Any, Any]], int]:
    """Outcomes of the partitions searched on the cluster (stopping at the first invalid one)
    and configurations explored; ``BudgetExhausted`` when the deadline passes first, or when
    a partition's workers keep dying."""
    from distributed import as_completed

    from histcheck import progress

    budget = Budget(deadline.remaining(), deadline.budget.memory_bytes)
    token = uuid.uuid4().hex[:12]
    order = sorted(range(len(parts)), key=lambda i: -len(parts[i]))
    sent = dict(zip(order, client.scatter([Shipment(parts[i], model, searcher) for i in order],
                                          hash=False), strict=True))
    running = {client.submit(search_part, sent[i], i, budget, pure=False,
                             key=f"histcheck-part-{token}-{i}-0"): i for i in order}
    arriving = as_completed(list(running))
    resent = dict.fromkeys(order, 0)
    done: list[tuple[Any, Any]] = []
    explored = 0
    try:
        with progress.counter("parts", total=len(parts), unit="part") as tick:
            while running:
                ready = arriving.next_batch(block=False)
                deadline.check(explored)
                if not ready:
                    time.sleep(POLL_SECONDS)
                for future in ready:
                    index = running.pop(future)
                    outcome = _outcome(future)
                    if outcome is None:  # lost with its worker: send the partition again
                        resent[index] += 1
                        if resent[index] > RESENDS:
                            raise BudgetExhausted("the Dask workers searching a key partition "
                                                  "kept dying", explored=explored)
                        [sent[index]] = client.scatter(
                            [Shipment(parts[index], model, searcher)], hash=False)
                        again = client.submit(
                            search_part, sent[index], index,
                            Budget(deadline.remaining(), budget.memory_bytes), pure=False,
                            key=f"histcheck-part-{token}-{index}-{resent[index]}")
                        running[again] = index
                        arriving.add(again)
                        continue
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


def _outcome(future: Any) -> Any:
    """A partition task's outcome or reason for stopping; None when the task was lost with a
    worker (the worker running it died, or the one holding its partition or its result)."""
    from concurrent.futures import CancelledError

    from distributed.scheduler import KilledWorker

    try:
        _, outcome = future.result()
    except (KilledWorker, CancelledError, OSError):
        return None
    return outcome


def search_part(shipment: Shipment, index: int, budget: Budget) -> tuple[int, Any]:
    """A partition task, as a worker runs it: the search's outcome, or why it stopped."""
    from histcheck import progress

    progress.disable()
    started = time.monotonic()
    deadline = budget.start()
    search = shipment.searcher(shipment.part, shipment.model)
    try:
        while True:
            deadline.check(next(search))
    except StopIteration as stop:
        return index, stop.value
    except BudgetExhausted as exc:
        return index, f"{exc.reason} (after {time.monotonic() - started:.1f} s on a worker)"
