"""Linearizability and sequential consistency checking (the role of Knossos and Porcupine).

The public surface: ``check_history`` for any model, the ``Model`` protocol for writing your own,
``Choices`` for nondeterministic steps, and ``BUILTIN`` models by name. See docs/linear.md.

The names are imported on first use, so that listing models (``checker.linear.spec``) stays
cheap for the command line.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from checker.linear.check import check_history
    from checker.linear.model import Choices, Model
    from checker.linear.models import BUILTIN

__all__ = ["BUILTIN", "Choices", "Model", "check_history"]

_HOMES = {"BUILTIN": "checker.linear.models", "Choices": "checker.linear.model",
          "Model": "checker.linear.model", "check_history": "checker.linear.check"}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'checker.linear' has no attribute {name!r}")
