"""Two tiny but real checkers used to test the CLI contract without depending on any family.

``no-fail`` is valid when no operation failed; ``slow`` spins until its budget runs out (it
stands for a search too large to finish), so the CLI's "unknown" path can be tested.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from histcheck.budget import Deadline
from histcheck.history import History
from histcheck.registry import ModelSpec
from histcheck.result import Anomaly, CheckResult

MODELS = (
    ModelSpec("no-fail", "valid when no operation failed", ("no-fail",),
              "tests.contract_models:check_no_fail"),
    ModelSpec("slow", "a search that never finishes on its own", ("forever",),
              "tests.contract_models:check_slow"),
)


def check_no_fail(history: History, *, model: str, consistency: str, deadline: Deadline,
                  options: Mapping[str, Any]) -> CheckResult:
    failed = [op for op in history if op.failed]
    anomalies = tuple(Anomaly("failed-op", f"operation {op.id} failed", (op.id,)) for op in failed)
    return CheckResult(valid=not failed, model=model, consistency=consistency,
                       anomalies=anomalies)


def check_slow(history: History, *, model: str, consistency: str, deadline: Deadline,
               options: Mapping[str, Any]) -> CheckResult:
    explored = 0
    while True:
        explored += 1
        deadline.check(explored)
