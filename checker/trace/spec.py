"""The message-trace models: broadcast orders, point-to-point channels and RPC retry semantics."""

from __future__ import annotations

from histcheck.registry import ModelSpec

_CHECK = "histcheck.trace.checking:check_trace"
_LOAD = "histcheck.trace.io:load_trace"
_REPORT = "histcheck.trace.report:write_report"

MODELS: tuple[ModelSpec, ...] = (
    ModelSpec("broadcast", "message traces: the broadcast hierarchy (reliable to FIFO-total order)",
              ("causal", "reliable", "fifo", "total-order", "fifo-total-order"), _CHECK,
              options=("clocks",), loader=_LOAD,
              reporter=_REPORT),
    ModelSpec("channel", "message traces: point-to-point links, reliable and FIFO (TCP over IP)",
              ("fifo", "reliable"), _CHECK, options=("clocks",), loader=_LOAD,
              reporter=_REPORT),
    ModelSpec("rpc", "message traces: RPC retry semantics (request/execute/reply/ack)",
              ("exactly-once", "at-most-once", "at-least-once"), _CHECK, options=("clocks",),
              loader=_LOAD, reporter=_REPORT),
)
