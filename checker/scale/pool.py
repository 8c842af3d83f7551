"""Whole histories in local worker processes, answers in the order of the jobs.

Each worker is forked (so user-defined models and plugins need no pickling) and talks to this
process over its own pipe: it receives one job, checks it under the job's budget, and sends the
answer back. One job per worker at a time means a worker that dies (SIGKILL, a segfault in a
native solver, ``MemoryError``) is known to have held exactly one history: that history's
verdict is unknown, saying why, and a fresh worker takes the next job. Nothing is shared but
the pipes, so stopping is a SIGKILL to each worker and cannot deadlock.

A worker that outlives its time budget by ``KILL_GRACE`` seconds (stuck in native code the
watchdog cannot interrupt) is killed, and its history is unknown too.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

from histcheck.result import CheckResult
from histcheck.scale import Answer, Finished, Job, finished, no_verdict, picklable, set_cores

POLL_SECONDS = 0.05
KILL_GRACE = 5.0
"""Seconds past its time budget after which a worker is killed rather than waited for."""
AHEAD = 4
"""Only jobs within this many per worker of the oldest unanswered one are handed out (which
bounds the answers held), the largest file among them first."""


@dataclass(frozen=True)
class Raising:
    """A worker's unexpected error (a bug, not bad input): raised here, in order, as a serial
    run would have raised it."""

    error: BaseException

    def get(self) -> tuple[Any, CheckResult]:
        raise self.error


@dataclass
class _Worker:
    process: BaseProcess
    pipe: Connection

    def stop(self) -> None:
        self.process.kill()
        self.pipe.close()
        self.process.join(1.0)


def in_pool(jobs: list[Job], count: int) -> Iterator[Answer]:
    """Answers to ``jobs`` in their order, checked by ``count`` worker processes."""
    context = multiprocessing.get_context("fork")
    idle: list[_Worker] = []
    busy: dict[Connection, tuple[_Worker, int, float]] = {}
    answers: dict[int, Answer] = {}
    waiting = set(range(len(jobs)))
    sizes = [_size(job) for job in jobs]
    shown = 0
    try:
        while shown < len(jobs):
            while waiting and len(busy) < count:
                window = [i for i in range(shown, min(len(jobs), shown + AHEAD * count))
                          if i in waiting]
                if not window:
                    break
                index = max(window, key=lambda i: (sizes[i], -i))  # the longest work first
                waiting.discard(index)
                worker = _handed(idle.pop() if idle else _start(context), jobs[index],
                                 context)
                busy[worker.pipe] = (worker, index, time.monotonic())
            if shown in answers:
                yield answers.pop(shown)
                shown += 1
                continue
            for pipe in wait(list(busy), timeout=POLL_SECONDS):
                assert isinstance(pipe, Connection)
                worker, index, _ = busy.pop(pipe)
                answer = _receive(worker, jobs[index])
                answers[index] = answer
                if worker.process.is_alive() and not worker.pipe.closed:
                    idle.append(worker)
            _stop_overdue(jobs, busy, answers)
    finally:
        for worker in [*idle, *(w for w, _, _ in busy.values())]:
            worker.stop()


def _size(job: Job) -> int:
    """How much reading a job holds, to hand out the longest first (0 when unknown)."""
    try:
        return job.path.stat().st_size if job.path.is_file() else 0
    except OSError:
        return 0


def _start(context: Any) -> _Worker:
    for stream in (sys.stdout, sys.stderr):  # a child would write out the parent's buffer again
        stream.flush()
    receiver, sender = context.Pipe(duplex=True)
    process = context.Process(target=_serve, args=(sender,), daemon=True)
    process.start()
    sender.close()
    return _Worker(process, receiver)


def _handed(worker: _Worker, job: Job, context: Any) -> _Worker:
    """``worker`` once it has ``job``; a fresh one if it died while idle."""
    try:
        worker.pipe.send(job)
    except OSError:
        worker.stop()
        worker = _start(context)
        worker.pipe.send(job)
    return worker


def _receive(worker: _Worker, job: Job) -> Answer:
    try:
        kind, payload = worker.pipe.recv()
    except (EOFError, OSError):
        worker.process.join(1.0)
        worker.stop()
        return no_verdict(job, f"the worker process checking it {_death(worker.process)}")
    if kind == "lost":
        worker.stop()
        return no_verdict(job, payload)
    if kind == "bug":
        return Raising(payload)
    answer: Finished = payload
    return answer


def _death(process: BaseProcess) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return "died" if code is None else f"exited with status {code} before answering"


def _stop_overdue(jobs: list[Job], busy: dict[Connection, tuple[_Worker, int, float]],
                  answers: dict[int, Answer]) -> None:
    now = time.monotonic()
    for pipe, (worker, index, started) in list(busy.items()):
        limit = jobs[index].budget.seconds
        if limit is not None and now - started > limit + KILL_GRACE:
            del busy[pipe]
            worker.stop()
            answers[index] = no_verdict(
                jobs[index], f"time budget of {limit:g} s ran out (its worker did not stop "
                             "in time and was killed)")


def _serve(pipe: Connection) -> None:
    """A worker's life: check each job it is sent, send back the answer."""
    from histcheck import progress
    from histcheck.watchdog import release

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    progress.disable()
    set_cores(1)  # the other workers have the other cores
    while True:
        try:
            job: Job = pipe.recv()
        except (EOFError, OSError):
            return
        try:
            reply: tuple[str, Any] = ("ok", finished(job))
        except MemoryError:
            reply = ("lost", "its worker ran out of memory (MemoryError)")
        except Exception as exc:
            reply = ("bug", picklable(exc))
        try:
            pipe.send(reply)
        except Exception as exc:  # an answer that cannot be pickled
            pipe.send(("bug", RuntimeError(f"the answer could not be sent back: {exc}")))
        reply = ("", None)
        release()
