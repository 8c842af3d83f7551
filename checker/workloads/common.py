"""What the workload checkers share: building a result from the anomalies found."""

from __future__ import annotations

from histcheck.result import UNKNOWN, Anomaly, CheckResult, Validity


def result(model: str, consistency: str, anomalies: list[Anomaly], *, checked: int,
           summary: str, unknown: bool = False, limit: int = 50) -> CheckResult:
    """Valid when there are no anomalies (unknown when nothing could be checked)."""
    valid: Validity = UNKNOWN if unknown and not anomalies else not anomalies
    names = sorted({a.name for a in anomalies})
    text = summary if not anomalies else f"{consistency} violated: {', '.join(names)}"
    return CheckResult(valid=valid, model=model, consistency=consistency,
                       anomalies=tuple(anomalies[:limit]), explanation=text,
                       figures={"checked": checked, "anomaly_count": len(anomalies)})
