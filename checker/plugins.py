"""Models from other installed packages, found through the entry point group ``histcheck.models``.

A package offers a model by naming, in its own metadata, an object that follows the model
protocol of ``histcheck.linear.model`` (``name``, ``initial()``, ``step(state, op)`` and the
optional hooks)::

    [project.entry-points."histcheck.models"]
    max-register = "maxreg:MaxRegister"

The object may be a model or a class whose instances are models (built with no arguments). Each
is registered under its ``name`` for linearizability and sequential consistency, beside the
built-in models; a built-in name cannot be taken over. A model may declare the operations it
reads as a ``vocabulary`` attribute (a ``histcheck.vocabulary.Vocabulary``): histories with any
other operation are then refused before checking; a model without one is not gated. A plugin
that cannot be loaded, or that is not a model, is named in one ``PluginWarning`` and left out:
one broken package never hides the other models. Plugins are loaded only when a model name is
not built in, or when every model is listed.
"""

from __future__ import annotations

import functools
import warnings
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any

from histcheck.errors import PluginWarning
from histcheck.vocabulary import Vocabulary

GROUP = "histcheck.models"

@dataclass(frozen=True)
class PluginModel:
    """A model some installed package offers, and where it came from."""

    name: str
    model: Any
    summary: str
    origin: str
    vocabulary: Vocabulary | None = None


def origin_of(entry: EntryPoint) -> str:
    """``maxreg 1.0 (max-register = maxreg:MaxRegister)``: the package and the entry point."""
    dist = entry.dist
    package = f"{dist.name} {dist.version} " if dist is not None else ""
    return f"{package}({entry.name} = {entry.value})"


@functools.cache
def plugin_models() -> dict[str, PluginModel]:
    """Every loadable plugin model by name (each broken one named in a ``PluginWarning``)."""
    found: dict[str, PluginModel] = {}
    for entry in sorted(entry_points(group=GROUP), key=lambda e: (e.name, e.value)):
        origin = origin_of(entry)
        try:
            plugin = _load(entry, origin)
        except Exception as exc:  # a plugin's own bug: name it and go on with the others
            warnings.warn(f"plugin model from {origin} left out: {in_one_line(exc)}",
                          PluginWarning, stacklevel=2)
            continue
        if plugin.name in found:
            warnings.warn(f"plugin model {plugin.name!r} from {origin} left out: "
                          f"{found[plugin.name].origin} already offers it", PluginWarning,
                          stacklevel=2)
            continue
        found[plugin.name] = plugin
    return found


def in_one_line(exc: BaseException) -> str:
    """``ZeroDivisionError: division by zero``: an exception as a warning or error can say it."""
    lines = str(exc).splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def _load(entry: EntryPoint, origin: str) -> PluginModel:
    loaded = entry.load()
    model = loaded() if isinstance(loaded, type) else loaded
    name = getattr(model, "name", None)
    if not isinstance(name, str) or not name.strip() or name != name.strip():
        raise TypeError(f"its name must be a non-empty string without surrounding blanks, "
                        f"not {name!r}")
    for hook in ("initial", "step"):
        if not callable(getattr(model, hook, None)):
            raise TypeError(f"{name!r} is not a model: it has no {hook}()")
    vocabulary = getattr(model, "vocabulary", None)
    if vocabulary is not None and not isinstance(vocabulary, Vocabulary):
        raise TypeError(f"{name!r} has a vocabulary that is not a histcheck.vocabulary."
                        f"Vocabulary: {vocabulary!r}")
    return PluginModel(name=name, model=model, summary=_summary(model), origin=origin,
                       vocabulary=vocabulary)


def _summary(model: Any) -> str:
    doc = model.__doc__ if isinstance(model, ModuleType) else type(model).__doc__
    first = (doc or "").strip().splitlines()
    return first[0].strip() if first else "a model from a plugin"
