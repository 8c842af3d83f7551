"""Message traces: happens-before, vector clocks, broadcast orders, channels and RPC semantics.

The library surface (light: networkx is imported only by ``graph`` and drawing)::

    trace = load_trace("run.jsonl")            # or a ShiViz log
    clocks = vector_clocks(trace)              # one topological pass
    clocks.relation(a, b)                      # "->", "<-", "||" or "=="
    check(trace, model="broadcast", consistency="causal")   # via histcheck.api

Formats, events and every check are specified in docs/trace.md.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from histcheck.trace.clocks import VectorClocks, vector_clocks
    from histcheck.trace.io import load_trace, write_trace
    from histcheck.trace.model import Kind, Trace, TraceEvent

_HOMES = {"VectorClocks": "clocks", "vector_clocks": "clocks", "load_trace": "io",
          "write_trace": "io", "Kind": "model", "Trace": "model", "TraceEvent": "model"}


def __getattr__(name: str) -> Any:
    """The library surface, imported when first used (so that listing models stays light)."""
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)

__all__ = ["Kind", "Trace", "TraceEvent", "VectorClocks", "load_trace", "vector_clocks",
           "write_trace"]
