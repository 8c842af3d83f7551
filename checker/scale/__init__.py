"""Checking many histories, or the parts of one, on several processes or a Dask cluster.

A command builds one ``Job`` per history and reads the answers from ``checked`` in the order
of the jobs, whatever order they finish in, so its output is the serial run's. Where the work
runs is decided here:

* one history, no options: in this process, as ever (its key partitions may still fan out to
  forked search workers, up to ``cores()``);
* a folder: whole histories in local worker processes (``histcheck.scale.pool``), as many as
  the machine has cores unless ``--workers`` says otherwise;
* ``--scheduler``: on a Dask cluster (``histcheck.scale.cluster``), whole histories of a folder,
  or the key partitions of one history.

A worker that dies holding a history never yields a verdict from what it did: the history's
verdict is unknown, saying so. Every check goes through this module, so it imports nothing a
plain check does not load anyway.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from histcheck.budget import UNLIMITED, Budget
from histcheck.errors import HistcheckError, HistoryError

if TYPE_CHECKING:
    from histcheck.result import CheckResult


class Job(msgspec.Struct, frozen=True):
    """One history to check, with everything a worker needs to check it alone."""

    path: Path
    model: str
    consistency: str | None = None
    fmt: str | None = None
    budget: Budget = UNLIMITED
    options: Mapping[str, Any] = msgspec.field(default_factory=dict)
    keep_history: bool = False
    """Send what was read back with the verdict (the report pages need it)."""


class Answer(Protocol):
    """A history's answer: ``get()`` gives what was read and the result, or raises the
    ``HistcheckError`` the check raised."""

    def get(self) -> tuple[Any, CheckResult]: ...


class Later(msgspec.Struct, frozen=True):
    """An answer computed in this process when it is asked for (the serial run)."""

    job: Job

    def get(self) -> tuple[Any, CheckResult]:
        return check_job(self.job)


class Finished(msgspec.Struct, frozen=True):
    """An answer computed elsewhere: the result or the error, and the warnings raised on the
    way (raised again here, when the answer is read, so they come out in order)."""

    history: Any = None
    result: CheckResult | None = None
    error: tuple[type[HistcheckError], str, dict[str, Any]] | None = None
    warned: tuple[tuple[type[Warning], str], ...] = ()

    def get(self) -> tuple[Any, CheckResult]:
        for category, message in self.warned:
            warnings.warn(category(message), stacklevel=2)
        if self.error is not None:
            raise rebuilt(self.error)
        assert self.result is not None
        return self.history, self.result


def check_job(job: Job) -> tuple[Any, CheckResult]:
    """Read and check one job's history (``histcheck.api.check_file``)."""
    from histcheck.api import check_file

    return check_file(job.path, model=job.model, consistency=job.consistency, fmt=job.fmt,
                      budget=job.budget, options=job.options)


def finished(job: Job) -> Finished:
    """Check ``job`` here and package the answer to travel back to the process that asked."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            history, result = check_job(job)
        except HistcheckError as exc:
            return Finished(error=portable(exc), warned=_warned(caught))
    return Finished(history if job.keep_history else None, result, warned=_warned(caught))


def _warned(caught: list[warnings.WarningMessage]) -> tuple[tuple[type[Warning], str], ...]:
    return tuple((w.category, str(w.message)) for w in caught)


def portable(exc: HistcheckError) -> tuple[type[HistcheckError], str, dict[str, Any]]:
    """An error as plain values: pickling would call ``HistoryError``'s constructor wrongly."""
    if isinstance(exc, HistoryError):
        return type(exc), exc.problem, {"path": exc.path, "line": exc.line}
    return type(exc), str(exc), {}


def picklable(exc: Exception) -> Exception:
    """``exc`` if it survives pickling (to go back to the parent process), else a
    ``RuntimeError`` that names it."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        return RuntimeError(f"{type(exc).__name__}: {exc}")
    return exc


def rebuilt(error: tuple[type[HistcheckError], str, dict[str, Any]]) -> HistcheckError:
    kind, message, where = error
    try:
        return kind(message, **where)
    except TypeError:
        return HistcheckError(message)


def no_verdict(job: Job, why: str) -> Finished:
    """The answer for a history whose worker died: unknown, never a verdict from part of it."""
    from histcheck.registry import get_model
    from histcheck.result import UNKNOWN, CheckResult

    spec = get_model(job.model)
    return Finished(result=CheckResult(
        valid=UNKNOWN, model=spec.name, consistency=spec.consistency(job.consistency),
        explanation=f"no verdict: {why}", figures={"worker-lost": True}))


_cores: list[int] = []
"""The processes a check may fan out to, when something above it decided (see ``cores``)."""

FanOut = Callable[..., Any]
_fan_out: list[FanOut] = []
"""Where the linearizability search sends its key partitions instead of forked workers."""


def cores() -> int:
    """How many processes the check running here may use for its parts: ``--workers`` for one
    history, 1 inside a worker (its siblings have the other cores), else the machine's."""
    return _cores[-1] if _cores else os.cpu_count() or 1


def set_cores(count: int) -> None:
    _cores[:] = [max(1, count)]


def fan_out() -> FanOut | None:
    """The cluster's part runner while one history's parts go to a cluster, else None."""
    return _fan_out[-1] if _fan_out else None


def default_workers(jobs: int) -> int:
    """Serial for one history; for more, one worker per core (never more than jobs)."""
    return 1 if jobs <= 1 else max(1, min(jobs, os.cpu_count() or 1))


def checked(jobs: list[Job], *, workers: int | None = None,
            scheduler: str | None = None) -> Iterator[Answer]:
    """The answer for each job, in the order of ``jobs``, from wherever they are checked."""
    if scheduler is not None:
        from histcheck.scale.cluster import on_cluster

        yield from on_cluster(jobs, scheduler)
        return
    if len(jobs) == 1 and workers is not None:  # one history: its parts use the workers
        before = list(_cores)
        set_cores(workers)
        try:
            yield Later(jobs[0])
        finally:
            _cores[:] = before
        return
    count = default_workers(len(jobs)) if workers is None else workers
    if count <= 1 or len(jobs) <= 1:
        yield from (Later(job) for job in jobs)
        return
    from histcheck.scale.pool import in_pool

    yield from in_pool(jobs, count)
