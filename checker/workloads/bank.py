"""Jepsen's bank: transfers move money between accounts, so every read must see the same total.

A read (``f = read``, value ``{account balance}``) is a snapshot of all accounts. Under snapshot
isolation or stronger it must sum to the total (the ``total`` option, else the first read's sum)
and, unless ``negative-balances=true``, show no negative balance. Failed and indeterminate reads
say nothing; transfers are not checked on their own (their effects show in reads).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from histcheck.budget import Deadline
from histcheck.history import History
from histcheck.options import flag, integer
from histcheck.result import Anomaly, CheckResult
from histcheck.values import FrozenDict, show
from histcheck.workloads.common import result


def check(history: History, *, model: str, consistency: str, deadline: Deadline,
          options: Mapping[str, Any]) -> CheckResult:
    negatives = flag(options, "negative-balances")
    total = integer(options, "total", None)
    found: list[Anomaly] = []
    checked = 0
    for op in history.operations:
        if op.f != "read" or not op.ok or not isinstance(op.value, FrozenDict):
            continue
        checked += 1
        balances = op.value
        nums = [v for v in balances.values() if isinstance(v, int | float)]
        if len(nums) != len(balances):
            found.append(Anomaly("unexpected-read", f"op {op.id} read {show(balances)}, "
                                 "which has a balance that is not a number", (op.id,)))
            continue
        amount = sum(nums)
        if total is None:
            total = int(amount)
        if amount != total:
            found.append(Anomaly("wrong-total", f"op {op.id} (process {show(op.process)}) read "
                                 f"balances {show(balances)} summing to {amount:g}, not "
                                 f"{total}", (op.id,), {"total": amount, "expected": total}))
        negative = {k: v for k, v in balances.items() if isinstance(v, int | float) and v < 0}
        if negative and not negatives:
            found.append(Anomaly("negative-value", f"op {op.id} read negative balances "
                                 f"{show(FrozenDict(negative))}", (op.id,)))
    return result(model, consistency, found, checked=checked, unknown=checked == 0,
                  summary=f"{checked} reads all sum to {total}")
