"""JUnit XML for CI systems: each history checked becomes one test case.

A valid history passes, an invalid one is a ``failure`` carrying the explanation, an unreadable
one is an ``error``, and one whose budget ran out is ``skipped`` with the reason, so a CI page
shows at a glance which histories broke which promise.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from histcheck.result import CheckResult


@dataclass(frozen=True)
class Case:
    """One history's outcome: a result, or the error that kept it from being checked."""

    path: str
    result: CheckResult | None = None
    error: str | None = None


def write_junit(cases: list[Case], target: Path, suite: str = "histcheck") -> None:
    """Write ``cases`` as one JUnit ``testsuite`` to ``target``."""
    import xml.etree.ElementTree as ET

    failures = sum(1 for c in cases if c.result is not None and c.result.valid is False)
    errors = sum(1 for c in cases if c.result is None)
    skipped = sum(1 for c in cases if c.result is not None and c.result.valid == "unknown")
    seconds = sum(float(c.result.figures.get("seconds", 0)) for c in cases if c.result)
    root = ET.Element("testsuite", name=suite, tests=str(len(cases)), failures=str(failures),
                      errors=str(errors), skipped=str(skipped), time=f"{seconds:.3f}")
    for case in cases:
        result = case.result
        classname = "histcheck" if result is None else f"{result.model}.{result.consistency}"
        element = ET.SubElement(root, "testcase", name=case.path, classname=classname,
                                time=f"{0 if result is None else result.figures.get('seconds', 0)}")
        if result is None:
            ET.SubElement(element, "error", message=case.error or "unreadable").text = case.error
        elif result.valid is False:
            names = sorted({a.name for a in result.anomalies}) or ["invalid"]
            failure = ET.SubElement(element, "failure", message=", ".join(names))
            failure.text = result.explanation
        elif result.valid == "unknown":
            ET.SubElement(element, "skipped", message=result.explanation or "unknown")
    ET.ElementTree(root).write(target, encoding="utf-8", xml_declaration=True)
