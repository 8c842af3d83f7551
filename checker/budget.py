"""Budgets: how long and how much memory a check may use before it answers unknown."""

from __future__ import annotations

import resource
import time
from dataclasses import dataclass

from histcheck.errors import BudgetExhausted


@dataclass(frozen=True)
class Budget:
    """Limits for one check. ``None`` means unlimited."""

    seconds: float | None = None
    memory_bytes: int | None = None

    def start(self) -> Deadline:
        return Deadline(self)


UNLIMITED = Budget()


def peak_rss_bytes() -> int:
    """Peak resident memory of this process so far (Linux reports kilobytes)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


class Deadline:
    """A running budget. Searches call ``check()`` now and then; it raises ``BudgetExhausted``."""

    __slots__ = ("_counter", "_until", "budget", "started")

    def __init__(self, budget: Budget) -> None:
        self.budget = budget
        self.started = time.monotonic()
        self._until = None if budget.seconds is None else self.started + budget.seconds
        self._counter = 0

    def elapsed(self) -> float:
        return time.monotonic() - self.started

    def remaining(self) -> float | None:
        """Seconds left, or None when time is unlimited."""
        return None if self._until is None else self._until - time.monotonic()

    def expired(self) -> bool:
        return self._until is not None and time.monotonic() > self._until

    def check(self, explored: int = 0) -> None:
        """Raise ``BudgetExhausted`` when time or memory has run out."""
        if self._until is not None and time.monotonic() > self._until:
            raise BudgetExhausted(f"time budget of {self.budget.seconds:g} s ran out",
                                  explored=explored)
        mem = self.budget.memory_bytes
        if mem is not None:
            self._counter += 1
            if self._counter % 64 == 0 and _current_rss_bytes() > mem:
                raise BudgetExhausted(f"memory budget of {mem // 2**20} MiB ran out",
                                      explored=explored)


def statm_rss(path: str) -> int | None:
    """Resident bytes from a ``/proc/<pid>/statm`` file, or None when it cannot be read."""
    try:
        with open(path, "rb") as fh:
            return int(fh.read().split()[1]) * resource.getpagesize()
    except (OSError, IndexError, ValueError):
        return None


def _current_rss_bytes() -> int:
    rss = statm_rss("/proc/self/statm")
    return peak_rss_bytes() if rss is None else rss
