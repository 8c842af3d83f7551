"""A self-contained HTML page for one linearizability verdict, drawn in the browser.

The page embeds its data as JSON (``report_data``) and its stylesheet and script inline
(``report_page``): it needs no network. A canvas draws only what is in view, so that a
100,000-operation history stays usable: a time axis in the history's units, one lane per
process (sorted), bars over each operation's real-time interval (indeterminate ones as a faded
stub), a selector of partitions (keys) with their verdicts, failing first, and the
linearization found, or the longest partial one, as numbered linearization points. Hovering an
operation shows its times, value and the model state before and after it; the operation that
cannot be placed is red and the impossible subset outlined. A short text summary comes first.
"""

from __future__ import annotations

import json
from html import escape
from pathlib import Path
from typing import Any

from histcheck.history import History
from histcheck.linear.report_data import page_data
from histcheck.linear.report_page import SCRIPT, STYLE
from histcheck.result import CheckResult

_LEGEND = (
    '<svg width="26" height="14"><rect x="1" y="1" width="24" height="12" fill="#9ecae1" '
    'stroke="#3182bd"/></svg> ok'
    '<svg width="26" height="14"><defs><linearGradient id="stub"><stop offset="0" '
    'stop-color="#f2c14e"/><stop offset="1" stop-color="#f2c14e" stop-opacity="0.05"/>'
    '</linearGradient></defs><rect x="1" y="3" width="18" height="8" fill="url(#stub)"/>'
    '<text x="3" y="11" font-size="10" fill="#8a6d00">?</text></svg> indeterminate (may take '
    'effect any time after its call)'
    '<svg width="26" height="14"><rect x="1" y="1" width="24" height="12" fill="#ddd" '
    'stroke="#999"/></svg> fail'
    '<svg width="26" height="14"><rect x="2" y="2" width="22" height="10" fill="#fb6a4a" '
    'stroke="#a50f15" stroke-width="2.5"/></svg> cannot be placed (culprit)'
    '<svg width="26" height="14"><rect x="2" y="2" width="22" height="10" fill="#9ecae1" '
    'stroke="#e6550d" stroke-width="2.5"/></svg> impossible subset'
    '<svg width="18" height="14"><circle cx="8" cy="7" r="6" fill="#31a354"/></svg> '
    'linearization point'
)


def _json(data: dict[str, Any]) -> str:
    """JSON safe inside a ``<script>`` element (no ``</script>`` can end it early)."""
    text = json.dumps(data, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _summary(data: dict[str, Any]) -> str:
    parts = data["partitions"]
    failing = [p["name"] for p in parts if p["verdict"] == "invalid"]
    lines = [f"<p>{data['count']} operations on {len(data['lanes'])} processes, "
             f"{len(parts)} partition{'s' if len(parts) != 1 else ''}"
             + (f"; failing: {escape(', '.join(failing[:10]))}" if failing else "") + ".</p>"]
    lines += [f'<p class="note">{escape(note)}</p>' for note in data["notes"]]
    return "\n".join(lines)


def render(history: History, result: CheckResult) -> str:
    """The report page as one string."""
    data = page_data(history, result)
    explanation = result.explanation or (
        "Every operation could be placed." if result.valid is True else "")
    return _PAGE.format(
        source=escape(data["source"]), verdict=result.verdict, model=escape(result.model),
        consistency=escape(result.consistency), count=data["count"],
        summary=_summary(data), legend=_LEGEND,
        explanation=f"<pre>{escape(explanation)}</pre>" if explanation else "",
        style=STYLE, script=SCRIPT, data=_json(data))


_PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>{source}: {verdict}</title>
<style>{style}</style></head><body>
<h1>{source}: <span class="verdict-{verdict}">{verdict}</span> for {model} / {consistency}
({count} operations)</h1>
<div id="summary">{summary}</div>
{explanation}
<div class="controls">
<span id="partition-box"><label for="partition">partition</label>
<select id="partition"></select></span>
<span id="order-box"><label for="order">order</label> <select id="order"></select></span>
<button id="fit" type="button">fit</button>
<span class="hint">wheel: zoom, drag: pan, double click: fit, hover: details, click: pin</span>
</div>
<div class="legend">{legend}</div>
<div id="chart"><canvas id="canvas"></canvas><div id="tip"></div></div>
<h2 id="steps-title"></h2>
<table id="steps"></table>
<script type="application/json" id="histcheck-data">{data}</script>
<script>{script}</script>
</body></html>
"""


def write_report(history: History, result: CheckResult, directory: Path) -> list[Path]:
    """Write ``index.html`` into ``directory`` and return its path."""
    directory.mkdir(parents=True, exist_ok=True)
    target = directory / "index.html"
    target.write_text(render(history, result), encoding="utf-8")
    return [target]
