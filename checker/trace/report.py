"""``--report DIR`` for message traces: the happens-before lanes with every finding marked.

One self-contained page (``index.html``): the verdict, each finding with its sentence and the
trace lines of its events, and the lanes (one per node, in name order; time flows down, arrows
are messages, each event kind in its own colour). A finding's events carry a red ring;
choosing a finding dims every other event. Beyond ``draw.MAX_DRAWN`` events the lanes are left
out and the page says so (``histcheck hb --dot`` draws any size).
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from histcheck.result import CheckResult
from histcheck.trace.clocks import vector_clocks
from histcheck.trace.draw import COLOURS, MAX_DRAWN, to_svg
from histcheck.trace.model import Trace


def write_report(history: Trace, result: CheckResult, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    page = directory / "index.html"
    page.write_text(_page(history, result))
    return [page]


def _page(trace: Trace, result: CheckResult) -> str:
    marks: dict[int, list[int]] = {}
    items = []
    for n, anomaly in enumerate(result.anomalies, start=1):
        for event in anomaly.operations:
            marks.setdefault(event, []).append(n)
        lines = ", ".join(str(line) for line in anomaly.data.get("lines", ()))
        items.append(f'<li data-finding="{n}"><b>{escape(anomaly.name)}</b> '
                     f"{escape(anomaly.explanation)} <span class=\"lines\">(lines {lines})"
                     "</span></li>")
    counts = dict(result.details.get("counts", {}))
    more = [f"{count - sum(1 for a in result.anomalies if a.name == name)} more {name}"
            for name, count in sorted(counts.items())
            if count > sum(1 for a in result.anomalies if a.name == name)]
    if len(trace) > MAX_DRAWN:
        lanes = (f"<p>The trace has {len(trace):,} events; lanes are drawn up to "
                 f"{MAX_DRAWN:,} (<code>histcheck hb --dot</code> draws any size).</p>")
    else:
        lanes = to_svg(trace, vector_clocks(trace), nodes=sorted(trace.nodes), marks=marks)
    legend = " ".join(f'<span style="color:{c}">&#9679;</span> {escape(k.value)}'
                      for k, c in COLOURS.items())
    findings = ""
    if items:
        findings = ("<h2>Findings</h2><p>Choose one to see only its events.</p>"
                    f"<ol id=\"findings\">{''.join(items)}</ol>"
                    + (f"<p>Not shown: {escape(', '.join(more))}.</p>" if more else ""))
    verdict = result.verdict
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(verdict)}: {escape(result.model)} / {escape(result.consistency)}</title>
<style>
body {{ font: 14px system-ui, sans-serif; margin: 2em; }}
.verdict-VALID {{ color: #1b7f3a; }} .verdict-INVALID {{ color: #b00020; }}
#findings li {{ cursor: pointer; margin-bottom: .3em; }}
#findings li.chosen {{ background: #fde8e8; }}
.lines {{ color: #666; }}
svg.focused g:not(.chosen) {{ opacity: .15; }}
</style></head><body>
<h1 class="verdict-{escape(verdict)}">{escape(verdict)}</h1>
<p>{escape(result.model)} / {escape(result.consistency)}:
{escape(result.explanation.splitlines()[0] if result.explanation else "")}</p>
<p>{len(trace):,} events at {len(trace.nodes)} nodes. {legend}</p>
{findings}
<h2>Happens-before</h2>
<p>Time flows down; arrows are messages; hover an event for its vector clock.</p>
{lanes}
<script>
const svg = document.querySelector("svg");
for (const item of document.querySelectorAll("#findings li")) {{
  item.addEventListener("click", () => {{
    const again = item.classList.contains("chosen");
    for (const other of document.querySelectorAll("#findings li"))
      other.classList.remove("chosen");
    if (!svg) return;
    for (const g of svg.querySelectorAll("g")) g.classList.remove("chosen");
    svg.classList.toggle("focused", !again);
    if (again) return;
    item.classList.add("chosen");
    for (const g of svg.querySelectorAll("g.f" + item.dataset.finding))
      g.classList.add("chosen");
  }});
}}
</script>
</body></html>
"""
