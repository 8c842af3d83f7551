"""Jepsen's set and set-full: acknowledged adds must not be lost.

``set``: adds, then a final read. Every ``ok`` add must be in the final read (else *lost*) and
every element read must have been attempted (else *unexpected*). No read: unknown.

``set-full``: reads throughout. An element becomes *known* when its add completes ok or a read
first shows it. A read invoked after that which misses it is *stale* if a later read shows it
again, *lost* if none does. Stale reads are anomalies only with ``linearizable=true``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from histcheck.budget import Deadline
from histcheck.history import History, Operation
from histcheck.options import flag
from histcheck.result import Anomaly, CheckResult
from histcheck.values import Value, show
from histcheck.workloads.common import result


def _reads(history: History) -> list[Operation]:
    return [op for op in history.operations
            if op.f == "read" and op.ok and isinstance(op.value, tuple)]


def check_set(history: History, *, model: str, consistency: str, deadline: Deadline,
              options: Mapping[str, Any]) -> CheckResult:
    reads = _reads(history)
    adds = [op for op in history.operations if op.f == "add"]
    if not reads:
        return result(model, consistency, [], checked=0, unknown=True,
                      summary="no successful read: nothing to check")
    final = reads[-1]
    seen = set(final.value)  # type: ignore[arg-type]
    attempted = {op.value for op in adds}
    lost = sorted((op.value for op in adds if op.ok and op.value not in seen), key=str)
    unexpected = sorted((v for v in seen if v not in attempted), key=str)
    found: list[Anomaly] = []
    if lost:
        found.append(Anomaly("lost", f"{len(lost)} acknowledged adds missing from the final "
                             f"read (op {final.id}): {show(tuple(lost[:20]))}", (final.id,),
                             {"count": len(lost)}))
    if unexpected:
        found.append(Anomaly("unexpected", f"the final read (op {final.id}) holds "
                             f"{len(unexpected)} elements nobody added: "
                             f"{show(tuple(unexpected[:20]))}", (final.id,),
                             {"count": len(unexpected)}))
    return result(model, consistency, found, checked=len(adds),
                  summary=f"all {sum(op.ok for op in adds)} acknowledged adds read")


def check_set_full(history: History, *, model: str, consistency: str, deadline: Deadline,
                   options: Mapping[str, Any]) -> CheckResult:
    linearizable = flag(options, "linearizable")
    reads = _reads(history)
    adds = [op for op in history.operations if op.f == "add"]
    known: dict[Value, float] = {}
    for op in adds:
        if op.ok:
            known[op.value] = min(known.get(op.value, float("inf")), history.interval(op)[1])
    attempted = {op.value for op in adds}
    found: list[Anomaly] = []
    for r in reads:
        end = history.interval(r)[1]
        for v in r.value:  # type: ignore[union-attr]
            known[v] = min(known.get(v, float("inf")), end)
            if v not in attempted:
                found.append(Anomaly("unexpected", f"op {r.id} read {show(v)}, which nobody "
                                     "added", (r.id,)))
    contents = [(history.interval(r)[0], r, set(r.value)) for r in reads]  # type: ignore[arg-type]
    lost: list[Value] = []
    for v, since in known.items():
        missing = [r for start, r, items in contents if start > since and v not in items]
        if not missing:
            continue
        last_miss = history.interval(missing[-1])[0]
        back = any(start > last_miss and v in items for start, _, items in contents)
        if not back:
            lost.append(v)
        elif linearizable:
            found.append(Anomaly("stale", f"op {missing[0].id} missed {show(v)}, known since "
                                 "before it began, though a later read shows it",
                                 (missing[0].id,)))
    if lost:
        found.append(Anomaly("lost", f"{len(lost)} known elements missing from every later "
                             f"read: {show(tuple(sorted(lost, key=str)[:20]))}", (),
                             {"count": len(lost)}))
    return result(model, consistency, found, checked=len(known), unknown=not reads,
                  summary=f"{len(known)} elements, none lost")
