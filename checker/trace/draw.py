"""Drawing a trace: Graphviz DOT, and SVG or a self-contained HTML page with one lane per node.

The SVG needs no layout engine: each node is a vertical lane, and an event's height is its Lamport
timestamp (one more than the largest of its local predecessor's and its message sender's), so
every message arrow points downwards and concurrent events may share a row. Hovering an event
shows its description and vector clock.
"""

from __future__ import annotations

import html
import itertools
import json
from collections.abc import Mapping, Sequence

from histcheck.errors import UsageError
from histcheck.trace.clocks import VectorClocks
from histcheck.trace.model import SENDING, Kind, Trace

MAX_DRAWN = 5000
LANE, ROW, TOP, LEFT = 140, 36, 50, 80
COLOURS = {Kind.SEND: "#1f77b4", Kind.RECV: "#2ca02c", Kind.BROADCAST: "#17becf",
           Kind.DELIVER: "#bcbd22", Kind.LOCAL: "#7f7f7f", Kind.CRASH: "#d62728",
           Kind.RECOVER: "#ff7f0e", Kind.REQUEST: "#9467bd", Kind.EXECUTE: "#8c564b",
           Kind.REPLY: "#e377c2", Kind.ACK: "#393b79"}
"""One colour per event kind (a legend names them)."""


def _dot_id(text: str) -> str:
    return json.dumps(text)


def to_dot(trace: Trace) -> str:
    """A DOT digraph: a cluster per node, solid local edges, dashed message edges."""
    lines = ["digraph happens_before {", "  rankdir=TB;", "  node [shape=box, fontsize=10];"]
    for c, node in enumerate(trace.nodes):
        lines.append(f"  subgraph cluster_{c} {{ label={_dot_id(node)};")
        timeline = trace.timelines[node]
        for event_id in timeline:
            event = trace.events[event_id]
            lines.append(f"    e{event_id} [label={_dot_id(_short(trace, event_id))}];")
        for a, b in itertools.pairwise(timeline):
            lines.append(f"    e{a} -> e{b};")
        lines.append("  }")
    for event in trace.events:
        sent = trace.source_of[event.id]
        if sent >= 0:
            lines.append(f"  e{sent} -> e{event.id} [style=dashed, color=blue, "
                         f"label={_dot_id(event.msg or '')}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _short(trace: Trace, event_id: int) -> str:
    event = trace.events[event_id]
    text = event.kind.value if event.rpc is None else f"{event.kind.value} {event.rpc}"
    if event.msg is not None:
        text += f" {event.msg}"
    elif event.label is not None:
        text += f" {event.label[:24]}"
    if event.peer is not None:
        text += f" {'→' if event.kind in SENDING else '←'} {event.peer}"
    return text


def lamport(trace: Trace, clocks: VectorClocks) -> list[int]:
    """Lamport timestamps; events are visited in order of their clock sums (a topological order)."""
    order = sorted(range(len(trace)), key=lambda i: sum(clocks.clock(i)))
    stamp = [0] * len(trace)
    previous = {}
    for timeline in trace.timelines.values():
        for a, b in itertools.pairwise(timeline):
            previous[b] = a
    for i in order:
        best = 0
        if i in previous:
            best = stamp[previous[i]]
        sent = clocks.source_of[i]  # edges left out (a receipt before its send) do not count
        if sent >= 0:
            best = max(best, stamp[sent])
        stamp[i] = best + 1
    return stamp


def to_svg(trace: Trace, clocks: VectorClocks, *, nodes: Sequence[str] | None = None,
           marks: Mapping[int, Sequence[int]] | None = None) -> str:
    """Lanes in ``nodes`` order (the trace's own by default); an event in ``marks`` (event ->
    finding numbers) gets a ring and the classes ``hit f<n>`` a page can highlight."""
    if len(trace) > MAX_DRAWN:
        raise UsageError(f"the trace has {len(trace)} events; drawings stop at {MAX_DRAWN} "
                         f"(DOT has no limit)")
    stamp = lamport(trace, clocks)
    marks = marks or {}
    x = {node: LEFT + c * LANE for c, node in enumerate(nodes or trace.nodes)}
    height = TOP + (max(stamp, default=0) + 1) * ROW
    width = LEFT + len(trace.nodes) * LANE
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'font-family="sans-serif" font-size="11">',
           '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" '
           'markerHeight="6" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="#1f77b4"/>'
           '</marker></defs>']
    for node, lane in x.items():
        out.append(f'<text x="{lane}" y="{TOP - 20}" text-anchor="middle" '
                   f'font-weight="bold">{html.escape(node)}</text>')
        out.append(f'<line x1="{lane}" y1="{TOP - 10}" x2="{lane}" y2="{height - 10}" '
                   f'stroke="#ccc"/>')
    for event in trace.events:
        sent = trace.source_of[event.id]
        if sent >= 0:
            a = trace.events[sent]
            out.append(f'<line x1="{x[a.node]}" y1="{TOP + stamp[sent] * ROW}" '
                       f'x2="{x[event.node]}" y2="{TOP + stamp[event.id] * ROW - 6}" '
                       f'stroke="#1f77b4" marker-end="url(#arrow)"/>')
    for event in trace.events:
        cx, cy = x[event.node], TOP + stamp[event.id] * ROW
        tip = f"{event.describe()}\nvc {clocks.as_dict(event.id)}"
        colour = COLOURS.get(event.kind, "#9467bd")
        hits = marks.get(event.id, ())
        classes = f' class="hit {" ".join(f"f{n}" for n in hits)}"' if hits else ""
        ring = (f'<circle class="ring" cx="{cx}" cy="{cy}" r="9" fill="none" stroke="#d62728" '
                f'stroke-width="2"/>' if hits else "")
        tip += "".join(f"\nfinding {n}" for n in hits)
        out.append(f'<g{classes}><title>{html.escape(tip)}</title>{ring}<circle cx="{cx}" '
                   f'cy="{cy}" r="5" fill="{colour}"/><text x="{cx + 8}" y="{cy + 4}">'
                   f'line {event.line}: {html.escape(_short(trace, event.id))}</text></g>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def to_html(trace: Trace, clocks: VectorClocks, title: str = "happens-before") -> str:
    """A page with nothing to fetch: a heading, a legend and the SVG."""
    legend = ", ".join(f'<span style="color:{c}">●</span> {k.value}' for k, c in COLOURS.items())
    return (f"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>"
            f"{html.escape(title)}</title></head>\n<body style=\"font-family:sans-serif\">\n"
            f"<h1>{html.escape(title)}</h1>\n<p>{len(trace)} events at {len(trace.nodes)} "
            f"nodes; time flows down; arrows are messages; hover an event for its vector "
            f"clock.</p>\n<p>{legend}</p>\n{to_svg(trace, clocks)}</body></html>\n")
