"""Message traces: happens-before, vector clocks, broadcast orders, channels and RPC semantics.

The library surface (light: networkx is imported only by ``graph`` and drawing)::

    trace = load_trace("run.jsonl")            # or a ShiViz log
    clocks = vector_clocks(trace)              # one topological pass
    clocks.relation(a, b)                      # "->", "<-", "||" or "=="
    check(trace, model="broadcast", consistency="causal")   # via histcheck.api

Formats, events and every check are specified in docs/trace.md.
"""

from histcheck.trace.clocks import VectorClocks, vector_clocks
from histcheck.trace.io import load_trace, write_trace
from histcheck.trace.model import Kind, Trace, TraceEvent

__all__ = ["Kind", "Trace", "TraceEvent", "VectorClocks", "load_trace", "vector_clocks",
           "write_trace"]
