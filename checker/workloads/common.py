"""Small helpers the workload checkers share: option parsing and result building."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from histcheck.errors import UsageError
from histcheck.result import UNKNOWN, Anomaly, CheckResult, Validity


def flag(options: Mapping[str, Any], name: str, default: bool = False) -> bool:
    """A boolean option: true/false/yes/no/1/0 (strings from ``--opt``) or a bool."""
    raw = options.get(name, default)
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in ("true", "yes", "1", "on"):
        return True
    if text in ("false", "no", "0", "off"):
        return False
    raise UsageError(f"option {name} must be true or false, not {raw!r}")


def integer(options: Mapping[str, Any], name: str, default: int | None) -> int | None:
    raw = options.get(name, default)
    if raw is None:
        return None
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise UsageError(f"option {name} must be an integer, not {raw!r}") from None


def result(model: str, consistency: str, anomalies: list[Anomaly], *, checked: int,
           summary: str, unknown: bool = False, limit: int = 50) -> CheckResult:
    """Valid when there are no anomalies (unknown when nothing could be checked)."""
    valid: Validity = UNKNOWN if unknown and not anomalies else not anomalies
    names = sorted({a.name for a in anomalies})
    text = summary if not anomalies else f"{consistency} violated: {', '.join(names)}"
    return CheckResult(valid=valid, model=model, consistency=consistency,
                       anomalies=tuple(anomalies[:limit]), explanation=text,
                       figures={"checked": checked, "anomaly_count": len(anomalies)})
