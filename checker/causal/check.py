"""The check function of the storage causal-consistency models (causal-register, causal-kv)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from histcheck.budget import Deadline
from histcheck.causal.cm import cm_patterns
from histcheck.causal.memory import memory_of
from histcheck.causal.patterns import Pattern, cc_patterns, ccv_patterns
from histcheck.history import History
from histcheck.result import Anomaly, CheckResult

LIMIT = 20


def causal_patterns(history: History, *, keyed: bool, consistency: str,
                    deadline: Deadline) -> list[Pattern]:
    """Every bad pattern of ``consistency`` (CC, CM or CCv) the history shows."""
    memory = memory_of(history, keyed=keyed)
    found, co = cc_patterns(memory)
    deadline.check()
    if co is None or found:
        return found  # not CC, so neither CM nor CCv: the CC patterns say why
    if consistency == "CCv":
        found += ccv_patterns(memory, co)
    elif consistency == "CM":
        found += cm_patterns(memory, co, deadline)
    return found


def check_causal(history: History, *, model: str, consistency: str, deadline: Deadline,
                 options: Mapping[str, Any]) -> CheckResult:
    """Check CC, CM or CCv by looking for their bad patterns (polynomial time)."""
    memory = memory_of(history, keyed=model == "causal-kv")
    found = causal_patterns(history, keyed=model == "causal-kv", consistency=consistency,
                            deadline=deadline)
    anomalies = tuple(
        Anomaly(p.name, p.explanation, tuple(memory.ops[i].op.id for i in p.positions))
        for p in found[:LIMIT])
    if found:
        names = ", ".join(sorted({p.name for p in found}))
        explanation = "\n".join([f"not {consistency}: {names}",
                                 *(f"{a.name}: {a.explanation}" for a in anomalies)])
    else:
        explanation = f"{consistency} holds: no bad pattern"
    return CheckResult(valid=not found, model=model, consistency=consistency,
                       anomalies=anomalies, explanation=explanation,
                       figures={"reads_writes": len(memory.ops),
                                "sessions": len(memory.sessions)})
