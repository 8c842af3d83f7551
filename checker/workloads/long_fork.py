"""Jepsen's long-fork: two reads that saw writes to different keys in incompatible orders.

Writes insert one key each; a read reads a group of keys (``group-size`` consecutive keys:
group = key // size). Under snapshot isolation (and parallel SI's stronger cousins) every two
reads of a group are ordered: one saw every write the other saw. A *long fork* is two reads
where each saw a write the other did not: there is no single order the writes took effect in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from histcheck.budget import Deadline
from histcheck.history import History
from histcheck.options import integer
from histcheck.result import Anomaly, CheckResult
from histcheck.values import Value, show
from histcheck.workloads.common import result


def _group(key: Value, size: int | None) -> Value:
    if size and isinstance(key, int):
        return key // size
    return 0


def check(history: History, *, model: str, consistency: str, deadline: Deadline,
          options: Mapping[str, Any]) -> CheckResult:
    size = integer(options, "group-size", None)
    groups: dict[Value, list[tuple[int, dict[Value, bool]]]] = {}
    for op in history.operations:
        if not op.ok or not isinstance(op.value, tuple):
            continue
        seen: dict[Value, dict[Value, bool]] = {}
        for mop in op.value:
            if isinstance(mop, tuple) and len(mop) == 3 and mop[0] == "r":
                seen.setdefault(_group(mop[1], size), {})[mop[1]] = mop[2] is not None
        for g, view in seen.items():
            groups.setdefault(g, []).append((op.id, view))
    found: list[Anomaly] = []
    reads = 0
    for g, views in groups.items():
        reads += len(views)
        for i, (a, va) in enumerate(views):
            deadline.check()
            for b, vb in views[i + 1:]:
                common = va.keys() & vb.keys()
                a_only = [k for k in common if va[k] and not vb[k]]
                b_only = [k for k in common if vb[k] and not va[k]]
                if a_only and b_only:
                    found.append(Anomaly(
                        "long-fork", f"op {a} saw the write of {show(a_only[0])} but not of "
                        f"{show(b_only[0])}; op {b} saw {show(b_only[0])} but not "
                        f"{show(a_only[0])}: no order of the two writes explains both",
                        (a, b), {"group": show(g)}))
    return result(model, consistency, found, checked=reads,
                  summary=f"{reads} group reads, all ordered")
