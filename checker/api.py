"""The library's entry point: ``check(history, model=..., consistency=...) -> CheckResult``."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from histcheck.budget import UNLIMITED, Budget, Deadline, peak_rss_bytes
from histcheck.errors import BudgetExhausted
from histcheck.history import History
from histcheck.registry import get_model
from histcheck.result import UNKNOWN, CheckResult


def check(history: History, *, model: str, consistency: str | None = None,
          budget: Budget = UNLIMITED, options: Mapping[str, Any] | None = None,
          deadline: Deadline | None = None) -> CheckResult:
    """Check ``history`` against ``model`` at ``consistency`` (the model's default when None).

    Names are checked first: an unknown model, level (matched in any case) or option is a
    ``UsageError`` that suggests the closest known name. Then the history must be one the model
    can read (``ModelSpec.admit``): an operation of another workload is a ``HistoryError``
    naming its file and line, never a verdict. A budget that runs out gives
    ``valid == "unknown"``, never a guess, wherever the check is when it runs out: a watchdog
    stops it (``histcheck.watchdog``). Pass ``deadline`` instead of ``budget`` to continue a
    budget that is already running (the CLI starts it before reading the file).
    """
    from histcheck.watchdog import enforced

    spec = get_model(model)
    level = spec.consistency(consistency)
    spec.check_options(options or {})
    spec.admit(history)
    deadline = deadline or budget.start()
    started = time.perf_counter()
    try:
        with enforced(deadline):
            result = spec.check_function()(history, model=spec.name, consistency=level,
                                           deadline=deadline, options=dict(options or {}))
    except BudgetExhausted as exc:
        result = CheckResult(valid=UNKNOWN, model=spec.name, consistency=level,
                             explanation=f"no verdict: {exc.reason}",
                             figures={"explored": exc.explored})
    figures = {"operations": len(history), **dict(result.figures),
               "seconds": round(time.perf_counter() - started, 6),
               "peak_rss_mb": round(peak_rss_bytes() / 2**20, 1)}
    if getattr(history, "incomplete", False):
        figures["incomplete"] = True
    return msgspec.structs.replace(result, figures=figures)


def check_file(path: str | Path, *, model: str, consistency: str | None = None,
               fmt: str | None = None, budget: Budget = UNLIMITED,
               options: Mapping[str, Any] | None = None) -> tuple[Any, CheckResult]:
    """Read ``path`` and check it, both under one budget: what the model read (None when the
    budget ran out while reading) and the result.

    Reading counts against the budget because a user's ``--timeout`` is the time of the whole
    command; a budget that runs out while reading gives ``unknown``, never a verdict on the part
    read so far.
    """
    from histcheck.watchdog import enforced

    spec = get_model(model)
    level = spec.consistency(consistency)
    spec.check_options(options or {})
    deadline = budget.start()
    try:
        with enforced(deadline):
            subject = spec.read(path, fmt)
    except BudgetExhausted as exc:
        return None, CheckResult(valid=UNKNOWN, model=spec.name, consistency=level,
                                 explanation=f"no verdict: {exc.reason} while reading",
                                 figures={"seconds": round(deadline.elapsed(), 6),
                                          "peak_rss_mb": round(peak_rss_bytes() / 2**20, 1)})
    read_seconds = round(deadline.elapsed(), 6)
    result = check(subject, model=spec.name, consistency=level, options=options,
                   deadline=deadline)
    return subject, msgspec.structs.replace(
        result, figures={**result.figures, "read_seconds": read_seconds})
