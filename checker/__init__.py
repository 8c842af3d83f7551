"""histcheck's checker: histories, models, every consistency checker, and the CLI.

The public surface is small: read a history, check it, look at the result.

    >>> from checker import read_history, check
    >>> result = check(read_history("run.jsonl"), model="cas-register")
    >>> result.valid
    True
"""

from histcheck.api import check
from histcheck.budget import Budget
from histcheck.errors import BudgetExhausted, FormatError, HistcheckError, HistoryError, UsageError
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
