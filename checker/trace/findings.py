"""Collecting violations found in a trace: each names its rule and the events that show it.

A broken system can violate a rule a million times; a report needs a few witnesses and a count.
``Findings`` keeps the first ``limit`` anomalies of each name and counts them all.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from histcheck.result import Anomaly
from histcheck.trace.model import TraceEvent

LIMIT = 20


class Findings:
    """Anomalies by name, at most ``limit`` kept per name, every one counted."""

    def __init__(self, limit: int = LIMIT) -> None:
        self.limit = limit
        self.kept: list[Anomaly] = []
        self.counts: Counter[str] = Counter()

    def add(self, name: str, explanation: str, events: Iterable[TraceEvent]) -> None:
        self.counts[name] += 1
        if self.counts[name] > self.limit:
            return
        shown = list(events)
        self.kept.append(Anomaly(name, explanation, tuple(e.id for e in shown),
                                 {"lines": [e.line for e in shown],
                                  "nodes": sorted({e.node for e in shown})}))

    def skip(self, name: str) -> bool:
        """Count one more ``name`` and say True when its quota is full (no need to explain it)."""
        if self.counts[name] < self.limit:
            return False
        self.counts[name] += 1
        return True

    def __bool__(self) -> bool:
        return bool(self.counts)

    def summary(self) -> str:
        """One line per anomaly kept, then how many more of each kind were not shown."""
        lines = [f"{a.name}: {a.explanation}" for a in self.kept]
        for name, count in sorted(self.counts.items()):
            if count > self.limit:
                lines.append(f"... and {count - self.limit} more {name}")
        return "\n".join(lines)


def ordinal(n: int) -> str:
    """1 -> '1st', 2 -> '2nd', 11 -> '11th'."""
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"
