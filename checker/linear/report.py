"""A self-contained HTML page for one verdict: lanes, bars, linearization points, the culprit.

The page reads only the history and the result (never the search): one lane per process,
operations as bars over their real-time interval (indeterminate ones fade out to the right), the
linearization found, or the longest partial one, drawn as numbered points on the bars in order,
the operation that cannot be placed in red and the impossible subset outlined. Hovering a point
or bar shows the operation and the model state after it. Inline SVG and CSS: no network needed.
"""

from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from histcheck.history import History, Operation
from histcheck.result import CheckResult
from histcheck.values import show

LANE = 34
LEFT = 90
WIDTH = 1200
MAX_OPERATIONS = 1500
"""Beyond this many operations the page shows the part that matters (the invalid key) or the
first ones: a browser does not enjoy a million bars."""


def _points(history: History, order: list[tuple[Operation, str]]) -> list[float]:
    """A point inside each interval, non-decreasing in order (exists when the order is legal)."""
    points: list[float] = []
    last = float("-inf")
    for op, _ in order:
        start, end = history.interval(op)
        point = max(start, last)
        if end != float("inf") and point > end:
            point = end
        points.append(point)
        last = point
    return points


def _describe(op: Operation) -> str:
    key = "" if op.key is None else f" {show(op.key)}"
    return f"{op.f}{key} {show(op.value)}".strip()


def _fit(label: str, width: float) -> str:
    """The label, cut to what fits in a bar ``width`` pixels wide (11px monospace)."""
    room = int((width - 6) / 6.7)
    if len(label) <= room:
        return label
    return label[:room - 1] + "…" if room > 1 else ""


def render(history: History, result: CheckResult) -> str:
    """The report page as one string."""
    details: dict[str, Any] = dict(result.details)
    by_id = {op.id: op for op in history.operations}
    order: list[tuple[Operation, str]] = []
    for part in details.get("parts", []):
        order.extend((by_id[i], state) for i, state in part["steps"] if i in by_id)
    culprit = details.get("culprit")
    core = set(details.get("core", []))
    shown = list(history.operations)
    parts = details.get("parts", [])
    focus_key = parts[0].get("key") if result.valid is False and parts else None
    if focus_key is not None:
        # an invalid part of a partitioned model: its key is the whole story
        shown = [op for op in shown if op.key is not None and show(op.key) == focus_key]
    if len(shown) > MAX_OPERATIONS:
        focus = {op.id for op, _ in order} | core | ({culprit} if culprit is not None else set())
        shown = [op for op in shown if op.id in focus][:MAX_OPERATIONS] or shown[:MAX_OPERATIONS]
        keep = {op.id for op in shown}
        order = [(op, s) for op, s in order if op.id in keep]
    lanes = list(dict.fromkeys(op.process for op in shown))
    row = {p: i for i, p in enumerate(lanes)}
    bounds = [history.interval(op) for op in shown]
    finite = [t for lo, hi in bounds for t in (lo, hi) if t != float("inf")] or [0.0, 1.0]
    t0, t1 = min(finite), max(finite)
    span = (t1 - t0) or 1.0

    def x(t: float) -> float:
        return LEFT + (WIDTH - LEFT - 30) * ((min(t, t1 + span * 0.03) - t0) / (span * 1.03))

    height = LANE * len(lanes) + 40
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}">']
    for p, i in row.items():
        y = 20 + i * LANE
        svg.append(f'<text x="6" y="{y + 17}" class="lane">process {escape(str(p))}</text>'
                   f'<line x1="{LEFT}" x2="{WIDTH}" y1="{y + LANE - 4}" y2="{y + LANE - 4}" '
                   f'class="rule"/>')
    states = {op.id: state for op, state in order}
    for op, (lo, hi) in zip(shown, bounds, strict=True):
        y = 20 + row[op.process] * LANE
        left, right = x(lo), x(hi if hi != float("inf") else t1 + span * 0.03)
        kind = "culprit" if op.id == culprit else op.type.value
        extra = " core" if op.id in core else ""
        tip = f"op {op.id}, process {op.process}: {_describe(op)} ({op.type.value})"
        label = _fit(_describe(op), right - left)
        if op.id in states:
            tip += f"\nstate after: {states[op.id]}"
        svg.append(f'<g class="op {kind}{extra}"><title>{escape(tip)}</title>'
                   f'<rect x="{left:.1f}" y="{y + 4}" width="{max(right - left, 3):.1f}" '
                   f'height="{LANE - 12}" rx="4"/>'
                   f'<text x="{left + 4:.1f}" y="{y + 18}">{escape(label)}</text></g>')
    previous: tuple[float, float] | None = None
    for number, ((op, state), point) in enumerate(zip(order, _points(history, order),
                                                      strict=True), start=1):
        px, py = x(point), 20 + row.get(op.process, 0) * LANE + LANE / 2 - 2
        if op.process not in row:
            continue
        if previous is not None:
            svg.append(f'<line x1="{previous[0]:.1f}" y1="{previous[1]:.1f}" x2="{px:.1f}" '
                       f'y2="{py:.1f}" class="path"/>')
        svg.append(f'<g class="point"><title>{escape(f"#{number}: {_describe(op)} -> {state}")}'
                   f'</title><circle cx="{px:.1f}" cy="{py:.1f}" r="7"/>'
                   f'<text x="{px:.1f}" y="{py + 3:.1f}">{number}</text></g>')
        previous = (px, py)
    svg.insert(1, '<defs><linearGradient id="fade"><stop offset="0" stop-color="#f2c14e"/>'
                  '<stop offset="1" stop-color="#f2c14e" stop-opacity="0.1"/></linearGradient>'
                  '</defs>')
    svg.append("</svg>")
    verdict = "valid" if result.valid is True else "INVALID" if result.valid is False else "unknown"
    steps = "".join(
        f"<tr class='{'culprit' if op.id == culprit else ''}'><td>{n}</td>"
        f"<td>p{escape(str(op.process))}</td>"
        f"<td>{escape(_describe(op))}</td><td>{escape(state)}</td></tr>"
        for n, (op, state) in enumerate(order, start=1))
    kind = "linearizable" if result.consistency == "linearizable" else "sequential"
    title = ("Linearization" if kind == "linearizable" else "Sequential order") \
        if result.valid is True else f"Longest {kind} prefix"
    return _PAGE.format(
        source=escape(history.source or "history"), verdict=verdict,
        model=escape(result.model), consistency=escape(result.consistency),
        explanation=escape(result.explanation or "Every operation could be placed."),
        svg="\n".join(svg), steps=steps, title=title, count=len(history),
        scope="" if focus_key is None else f" (showing key {escape(focus_key)} only)")


_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>{source}: {verdict}</title>
<style>
body {{ font: 14px system-ui, sans-serif; margin: 20px; color: #222; }}
h1 {{ font-size: 20px; }} .verdict {{ font-weight: bold; }}
pre {{ background: #f6f6f6; padding: 10px; overflow-x: auto; }}
svg text {{ font: 11px monospace; pointer-events: none; }}
.lane {{ font-weight: bold; }} .rule {{ stroke: #eee; }}
.op rect {{ fill: #9ecae1; stroke: #3182bd; }}
.op.info rect {{ fill: url(#fade); stroke: #d4a017; }}
.op.fail rect {{ fill: #ddd; stroke: #aaa; }}
.op.core rect {{ stroke: #e6550d; stroke-width: 3; }}
.op.culprit rect {{ fill: #fb6a4a; stroke: #a50f15; stroke-width: 3; }}
.op:hover rect {{ fill-opacity: 0.6; }}
.point circle {{ fill: #31a354; stroke: white; }} .point text {{ fill: white; text-anchor: middle;
  font-size: 9px; }}
.path {{ stroke: #31a354; stroke-width: 1.5; stroke-dasharray: 4 3; }}
table {{ border-collapse: collapse; margin-top: 10px; }} td {{ padding: 2px 10px;
  border-bottom: 1px solid #eee; font-family: monospace; }} tr.culprit {{ background: #fdd; }}
.legend span {{ display: inline-block; padding: 2px 8px; margin-right: 6px; border-radius: 4px; }}
</style></head><body>
<h1>{source}: <span class="verdict">{verdict}</span> for {model} / {consistency}
({count} operations){scope}</h1>
<div class="legend"><span style="background:#9ecae1">ok</span>
<span style="background:#f2c14e">info (may take effect until the end)</span>
<span style="background:#ddd">fail</span>
<span style="background:#fb6a4a">cannot be placed</span>
<span style="border:3px solid #e6550d">impossible subset</span>
<span style="background:#31a354;color:white">linearization point (hover: state)</span></div>
<pre>{explanation}</pre>
<div style="overflow-x:auto">{svg}</div>
<h2>{title}</h2>
<table><tr><th>#</th><th>process</th><th>operation</th><th>state after</th></tr>{steps}</table>
</body></html>
"""


def write_report(history: History, result: CheckResult, directory: Path) -> list[Path]:
    """Write ``index.html`` into ``directory`` and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "index.html"
    target.write_text(render(history, result), encoding="utf-8")
    return [target]

