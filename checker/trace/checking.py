"""The check function the trace models register: one trace, one model, one level.

Recorded vector clocks (``vc``) are compared with the clocks derived from the trace; a
difference is a finding (``clock-mismatch``), not an input error, because it is something the
system did wrong. ``--opt clocks=ignore`` leaves recorded clocks out of the verdict. So is a
receipt placed before its own send (``received-before-sent``, in every model; see ``early``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from histcheck.budget import Deadline
from histcheck.errors import UsageError
from histcheck.options import choice
from histcheck.result import CheckResult
from histcheck.trace import early
from histcheck.trace.broadcast import check_broadcast
from histcheck.trace.clocks import clock_mismatches, vector_clocks
from histcheck.trace.findings import Findings
from histcheck.trace.links import check_channel, check_rpc
from histcheck.trace.model import Trace


def check_trace(history: Trace, *, model: str, consistency: str, deadline: Deadline,
                options: Mapping[str, Any]) -> CheckResult:
    """Check a trace (the registry's ``CheckFunction`` for broadcast, channel and rpc)."""
    trace = history
    if not isinstance(trace, Trace):
        raise UsageError(f"model {model!r} checks message traces, not {type(trace).__name__}")
    check_clocks = choice(options, "clocks", ("check", "ignore"), "check") == "check"
    findings = Findings()
    clocks = vector_clocks(trace)  # leaves out receipts placed before their own send
    deadline.check()
    early.report(trace, clocks.left_out, findings)
    if model == "broadcast":
        check_broadcast(trace, consistency, clocks, findings)
    elif model == "channel":
        check_channel(trace, consistency, findings)
    elif model == "rpc":
        check_rpc(trace, consistency, findings)
    else:
        raise UsageError(f"no trace model {model!r}")
    if check_clocks:
        for event, gap in clock_mismatches(trace, clocks):
            if not findings.skip("clock-mismatch"):
                findings.add("clock-mismatch", f"{event.describe()} recorded vc "
                             f"{dict(event.vc or ())} but happens-before gives "
                             f"{clocks.as_dict(event.id)}: {gap}", [event])
    figures = {"events": len(trace), "nodes": len(trace.nodes),
               "messages": len(trace.senders), "crashed": sorted(trace.crashed())}
    valid = not findings
    head = (f"{model} {consistency} holds" if valid else
            f"{model} {consistency} is violated ({sum(findings.counts.values())} findings)")
    explanation = head if valid else f"{head}\n{findings.summary()}"
    return CheckResult(valid=valid, model=model, consistency=consistency,
                       anomalies=tuple(findings.kept), explanation=explanation,
                       figures=figures, details={"counts": dict(findings.counts)})
