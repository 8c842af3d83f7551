"""Linearizability and sequential consistency checking (the role of Knossos and Porcupine).

The public surface: ``check_history`` for any model, the ``Model`` protocol for writing your own,
``Choices`` for nondeterministic steps, and ``BUILTIN`` models by name. See docs/linear.md.

The names are imported on first use, so that listing models (``histcheck.linear.spec``) stays
cheap for the command line.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from histcheck.linear.check import check_history
    from histcheck.linear.model import Choices, Model
    from histcheck.linear.models import BUILTIN

__all__ = ["BUILTIN", "Choices", "Model", "check_history"]

_HOMES = {"BUILTIN": "histcheck.linear.models", "Choices": "histcheck.linear.model",
          "Model": "histcheck.linear.model", "check_history": "histcheck.linear.check"}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'histcheck.linear' has no attribute {name!r}")
