"""Which models histcheck can check, and which checker serves each.

Checker families (linearizability, transactions, traces, ...) each declare a ``MODELS`` tuple of
``ModelSpec`` in a light module listed in ``FAMILIES``; the checker itself is imported only when a
history is checked, so listing models stays cheap.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from histcheck.budget import Deadline
from histcheck.errors import UsageError
from histcheck.history import History
from histcheck.result import CheckResult

FAMILIES: tuple[str, ...] = (
    "histcheck.linear.spec",
    "histcheck.txn.spec",
    "histcheck.workloads.spec",
    "histcheck.trace.spec",
    "histcheck.causal.spec",
)
"""Modules that declare ``MODELS: tuple[ModelSpec, ...]``."""


class CheckFunction(Protocol):
    """What a checker family provides: one history, one model, one consistency level."""

    def __call__(self, history: History, *, model: str, consistency: str, deadline: Deadline,
                 options: Mapping[str, Any]) -> CheckResult: ...


class ReportFunction(Protocol):
    """Writes a report for a result into a folder and returns the files written."""

    def __call__(self, history: History, result: CheckResult, directory: Path) -> list[Path]: ...


@dataclass(frozen=True)
class ModelSpec:
    """A model users can name with ``--model``, the levels it can be checked for, and its code.

    ``loader`` is for families whose input is not a ``History`` (message traces): a
    ``"module:function"`` taking ``(path, fmt)`` and returning the object the checker wants. When
    it is set, ``histcheck check`` reads files with it instead of
    ``histcheck.formats.read_history``, and the CheckFunction's ``history`` parameter receives that
    object.
    """

    name: str
    summary: str
    consistencies: tuple[str, ...]
    checker: str
    reporter: str | None = None
    options: tuple[str, ...] = ()
    loader: str | None = None

    @property
    def default_consistency(self) -> str:
        return self.consistencies[0]

    def check_function(self) -> CheckFunction:
        return _resolve(self.checker)

    def report_function(self) -> ReportFunction | None:
        return None if self.reporter is None else _resolve(self.reporter)

    def load(self, path: Path, fmt: str | None) -> Any:
        """Read ``path`` with this model's loader (only for models that have one)."""
        if self.loader is None:
            raise UsageError(f"model {self.name!r} reads ordinary histories, not with a loader")
        return _resolve(self.loader)(path, fmt)


def _resolve(target: str) -> Callable[..., Any]:
    module, _, name = target.partition(":")
    target_function: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return target_function


def models() -> dict[str, ModelSpec]:
    """Every known model by name."""
    found: dict[str, ModelSpec] = {}
    for family in FAMILIES:
        for spec in importlib.import_module(family).MODELS:
            found[spec.name] = spec
    return found


def get_model(name: str) -> ModelSpec:
    known = models()
    if name not in known:
        listing = ", ".join(sorted(known)) or "none"
        raise UsageError(f"unknown model {name!r}; known models: {listing}")
    return known[name]


def resolve_consistency(spec: ModelSpec, consistency: str | None) -> str:
    if consistency is None:
        return spec.default_consistency
    if consistency not in spec.consistencies:
        raise UsageError(f"model {spec.name!r} has no consistency {consistency!r}; known: "
                         f"{', '.join(spec.consistencies)}")
    return consistency
