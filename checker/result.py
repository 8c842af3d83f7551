"""The one result shape every checker returns.

Verdicts are three-valued: ``True`` (the history satisfies the consistency model), ``False`` (it
does not, and ``anomalies`` say why), and ``"unknown"`` (a budget ran out first: checking is
NP-complete in general, and a guess would be worse than no answer).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeAlias

import msgspec

Validity: TypeAlias = 'bool | Literal["unknown"]'
UNKNOWN: Literal["unknown"] = "unknown"


class Anomaly(msgspec.Struct, frozen=True):
    """One reason a history is invalid: a named anomaly, the operations involved, and prose."""

    name: str
    explanation: str
    operations: tuple[int, ...] = ()
    data: Mapping[str, Any] = msgspec.field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "explanation": self.explanation,
                "operations": list(self.operations), **dict(self.data)}


class CheckResult(msgspec.Struct, frozen=True):
    """A verdict on one history for one model and consistency level."""

    valid: Validity
    model: str
    consistency: str
    anomalies: tuple[Anomaly, ...] = ()
    explanation: str = ""
    figures: Mapping[str, Any] = msgspec.field(default_factory=dict)
    details: Mapping[str, Any] = msgspec.field(default_factory=dict)
    certificate: tuple[int, ...] = ()
    """For a valid transactional verdict, the commit order found (operation ids, first
    committed first): the witness a short replay can confirm. The report writes it out."""

    @property
    def verdict(self) -> str:
        """``VALID``, ``INVALID`` or ``UNKNOWN``: the word people read first."""
        if self.valid is True:
            return "VALID"
        return "INVALID" if self.valid is False else "UNKNOWN"

    @property
    def exit_code(self) -> int:
        """0 valid, 1 invalid, 3 unknown (the CLI's contract)."""
        if self.valid is True:
            return 0
        if self.valid is False:
            return 1
        return 3

    def to_json(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "model": self.model,
            "consistency": self.consistency,
            "anomalies": [a.to_json() for a in self.anomalies],
            "anomaly_types": sorted({a.name for a in self.anomalies}),
            "explanation": self.explanation,
            **{k: v for k, v in self.figures.items()},
            **({"details": dict(self.details)} if self.details else {}),
            **({"certificate": {"kind": "commit-order", "transactions": len(self.certificate)}}
               if self.certificate else {}),
        }
