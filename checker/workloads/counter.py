"""Jepsen's counter: a read must lie between what was surely added and what may have been.

For a read invoked at s and completed at e: the lower bound sums ``ok`` increments completed
before s; the upper bound sums every increment (ok or indeterminate) invoked before e. Failed
increments count for neither. Reads outside the window are anomalies.

Sums of integers are exact, however large; a float amount makes its sums floats. An increment
that is not a number (``true`` included: a boolean is not 1) is bad input.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from histcheck.budget import Deadline
from histcheck.history import History
from histcheck.result import Anomaly, CheckResult
from histcheck.values import Float, Value, show
from histcheck.workloads.common import result


def check(history: History, *, model: str, consistency: str, deadline: Deadline,
          options: Mapping[str, Any]) -> CheckResult:
    adds = [op for op in history.operations if op.f in ("add", "increment") and not op.failed]
    for op in adds:
        if not isinstance(op.value, int | Float):
            raise history.error(f"counter adds numbers, not {show(op.value)}", op)
    done = sorted(((history.interval(op)[1], op.value) for op in adds if op.ok),
                  key=_by_time)
    started = sorted(((history.interval(op)[0], op.value) for op in adds), key=_by_time)
    found: list[Anomaly] = []
    checked = 0
    for op in history.operations:
        if op.f != "read" or not op.ok or not isinstance(op.value, int | float):
            continue
        checked += 1
        start, end = history.interval(op)
        low = _total(v for t, v in done if t < start)
        high = _total(v for t, v in started if t <= end)
        if not low <= op.value <= high:
            found.append(Anomaly("out-of-bounds", f"op {op.id} (process {show(op.process)}) "
                                 f"read {show(op.value)}, outside [{low}, {high}]",
                                 (op.id,), {"lower": low, "upper": high}))
    total = _total(v for _, v in done)
    return result(model, consistency, found, checked=checked,
                  summary=f"{checked} reads within bounds; {len(adds)} increments "
                          f"(acknowledged total {total})")


def _by_time(pair: tuple[float, Value]) -> float:
    return pair[0]


def _total(amounts: Iterable[Value]) -> int | float:
    """The sum of increments: exact while they are integers (a float makes it a float)."""
    return sum(amounts, 0)  # type: ignore[arg-type]
