"""histcheck: did a distributed system or database keep its consistency promises?

The public surface is small: read a history, check it, look at the result.

    >>> from histcheck import read_history, check
    >>> result = check(read_history("run.jsonl"), model="cas-register")
    >>> result.valid
    True

The names below are imported on first use, so that ``import histcheck`` (and the command line's
start-up) stays cheap. Beneath this package: the checker families (``histcheck.linear``,
``histcheck.txn``, ``histcheck.trace``, ``histcheck.causal``, ``histcheck.workloads``), the
readers (``histcheck.formats``), the recorders (``histcheck.recorders``) and the instrumented
reference systems (``histcheck.systems``).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from histcheck.api import check
    from histcheck.budget import Budget
    from histcheck.errors import (
        BudgetExhausted,
        FormatError,
        HistcheckError,
        HistoryError,
        UsageError,
    )
    from histcheck.formats import read_history, write_history
    from histcheck.history import Event, EventType, History, HistoryBuilder, Operation, from_events
    from histcheck.result import Anomaly, CheckResult

__all__ = [
    "Anomaly",
    "Budget",
    "BudgetExhausted",
    "CheckResult",
    "Event",
    "EventType",
    "FormatError",
    "HistcheckError",
    "History",
    "HistoryBuilder",
    "HistoryError",
    "Operation",
    "UsageError",
    "check",
    "from_events",
    "read_history",
    "write_history",
]

_HOMES = {
    "Anomaly": "histcheck.result",
    "Budget": "histcheck.budget",
    "BudgetExhausted": "histcheck.errors",
    "CheckResult": "histcheck.result",
    "Event": "histcheck.history",
    "EventType": "histcheck.history",
    "FormatError": "histcheck.errors",
    "HistcheckError": "histcheck.errors",
    "History": "histcheck.history",
    "HistoryBuilder": "histcheck.history",
    "HistoryError": "histcheck.errors",
    "Operation": "histcheck.history",
    "UsageError": "histcheck.errors",
    "check": "histcheck.api",
    "from_events": "histcheck.history",
    "read_history": "histcheck.formats",
    "write_history": "histcheck.formats",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'histcheck' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
