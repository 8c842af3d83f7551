"""Which models histcheck can check, and which checker serves each.

Checker families (linearizability, transactions, traces, ...) each declare a ``MODELS`` tuple of
``ModelSpec`` in a light module listed in ``FAMILIES``; the checker itself is imported only when a
history is checked, so listing models stays cheap. Models from other installed packages
(``histcheck.plugins``) join the linearizability family under their own names; they are looked
for only when a name is not built in, or when every model is listed.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import msgspec

from histcheck import names
from histcheck.errors import PluginWarning, UsageError

if TYPE_CHECKING:
    from histcheck.budget import Deadline
    from histcheck.history import History
    from histcheck.result import CheckResult
    from histcheck.vocabulary import Vocabulary

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


class ModelSpec(msgspec.Struct, frozen=True):
    """A model users can name with ``--model``, the levels it can be checked for, and its code.

    ``loader`` is for families whose input is not a ``History`` (message traces): a
    ``"module:function"`` taking ``(path, fmt)`` and returning the object the checker wants. When
    it is set, ``read`` uses it instead of ``histcheck.formats.read_history``, and the
    CheckFunction's ``history`` parameter receives that object. ``options`` names every option
    the checker reads; ``origin`` says where the model comes from (a plugin's package).
    ``vocabulary`` declares the operations the model understands (``histcheck.vocabulary``):
    ``admit`` refuses a history with any other before it is checked. A model without one (a
    trace model, whose input is not a history; a plugin that declares none) is not gated.
    """

    name: str
    summary: str
    consistencies: tuple[str, ...]
    checker: str
    reporter: str | None = None
    options: tuple[str, ...] = ()
    loader: str | None = None
    origin: str = "built in"
    vocabulary: Vocabulary | None = None

    @property
    def default_consistency(self) -> str:
        return self.consistencies[0]

    def check_function(self) -> CheckFunction:
        return _resolve(self.checker)

    def report_function(self) -> ReportFunction | None:
        return None if self.reporter is None else _resolve(self.reporter)

    def read(self, path: str | Path, fmt: str | None = None) -> Any:
        """What this model's checker reads from ``path``: a history, or its loader's object."""
        if self.loader is None:
            from histcheck.formats import read_history

            return read_history(path, fmt)
        return _resolve(self.loader)(path, fmt)

    def consistency(self, name: str | None) -> str:
        """The level ``name`` as this model spells it (any case), or the model's default."""
        if name is None:
            return self.default_consistency
        return names.resolve("consistency", name, self.consistencies, case_insensitive=True,
                             where=f"for model {self.name}")

    def admit(self, history: Any) -> None:
        """Refuse (``HistoryError`` naming file and line) a history this model cannot read."""
        from histcheck.history import History

        if self.vocabulary is not None and isinstance(history, History):
            from histcheck.vocabulary import admit

            admit(history, self.vocabulary, self.name)

    def check_options(self, options: Mapping[str, Any]) -> None:
        """Refuse an option this model does not read (a misspelt one would be ignored)."""
        for option in options:
            if option not in self.options:
                known = ", ".join(self.options) if self.options else "none"
                hint = names.closest(option, self.options)
                guess = f"did you mean {hint}? " if hint else ""
                raise UsageError(f"model {self.name!r} has no option {option!r}; {guess}"
                                 f"its options: {known}")


def _resolve(target: str) -> Callable[..., Any]:
    module, _, name = target.partition(":")
    target_function: Callable[..., Any] = getattr(importlib.import_module(module), name)
    return target_function


def builtin_models() -> dict[str, ModelSpec]:
    """The models of histcheck's own families, by name."""
    found: dict[str, ModelSpec] = {}
    for family in FAMILIES:
        for spec in importlib.import_module(family).MODELS:
            found[spec.name] = spec
    return found


def plugin_models(builtin: Mapping[str, ModelSpec]) -> dict[str, ModelSpec]:
    """The models installed packages offer, less any that would take a built-in name."""
    from histcheck.linear.spec import plugin_spec
    from histcheck.plugins import plugin_models as installed

    found: dict[str, ModelSpec] = {}
    for name, plugin in installed().items():
        if name in builtin:
            warnings.warn(f"plugin model {name!r} from {plugin.origin} left out: histcheck "
                          f"has a built-in model of that name", PluginWarning, stacklevel=2)
            continue
        found[name] = plugin_spec(plugin)
    return found


def models() -> dict[str, ModelSpec]:
    """Every known model by name: the built-in ones, then those of plugins."""
    builtin = builtin_models()
    return {**builtin, **plugin_models(builtin)}


def get_model(name: str) -> ModelSpec:
    """The model called ``name`` (plugins are looked at only when it is not built in)."""
    builtin = builtin_models()
    if name in builtin:
        return builtin[name]
    known = {**builtin, **plugin_models(builtin)}
    if name not in known:
        raise names.unknown("model", name, known)
    return known[name]
