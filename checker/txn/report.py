"""``--report DIR`` for transactional checks: one self-contained page, plus files to grep.

The page (``index.html``, inline SVG, CSS and a few lines of script: no network needed) shows
the verdict and, for an invalid one, every anomaly with its cycle drawn (each edge labelled
ww, wr, rw, process or realtime, and its sentence beside the picture), the transactions
involved as a table, and a filter by anomaly. A valid verdict shows the certificate instead:
the commit order found (``certificate.json`` holds it whole), and the anomalies the level
allows are listed as allowed, not written out as findings. An invalid verdict also gets one
text file per anomaly class and an SVG per cycle.

The report reads only the result (anomaly names, explanations, edges and transaction bodies);
it never reaches back into the search.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path
from typing import Any

from histcheck.history import History
from histcheck.result import Anomaly, CheckResult
from histcheck.values import show

CERTIFICATE = "certificate.json"
"""The witness of a valid verdict: the commit order, as operation ids."""

SHOWN_ORDER = 2000
"""Transactions of the commit order listed on the page (the file has all of them)."""

KIND_COLOURS = {"ww": "#1f5fbf", "wr": "#1b7f3a", "rw": "#b00020", "process": "#7a4fb0",
                "realtime": "#a06000", "?": "#555555"}
_MARKERS = {kind: f"arrow-{n}" for n, kind in enumerate(KIND_COLOURS)}


def write_report(history: History, result: CheckResult, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    page = directory / "index.html"
    written.append(page)
    if result.certificate:
        path = directory / CERTIFICATE
        path.write_text(json.dumps({"kind": "commit-order", "model": result.model,
                                    "level": result.consistency,
                                    "commit_order": list(result.certificate)}) + "\n")
        written.append(path)
    if result.valid is False:
        written.extend(_anomaly_files(result, directory))
    page.write_text(_page(history, result))
    return written


def _anomaly_files(result: CheckResult, directory: Path) -> list[Path]:
    written: list[Path] = []
    by_class: dict[str, list[int]] = {}
    for i, anomaly in enumerate(result.anomalies):
        by_class.setdefault(anomaly.name, []).append(i)
    for name, indexes in sorted(by_class.items()):
        lines = [f"{name}: {len(indexes)} found ({result.model}, {result.consistency})", ""]
        for n, i in enumerate(indexes):
            anomaly = result.anomalies[i]
            lines.append(f"{n + 1}. {anomaly.explanation}")
            for body in anomaly.data.get("transactions", ()):
                lines.append(f"     {body}")
            if len(anomaly.data.get("cycle", ())) > 1:
                svg = directory / f"{_safe(name)}-{n + 1}.svg"
                svg.write_text(cycle_svg(_edges_of(anomaly)))
                written.append(svg)
                lines.append(f"     picture: {svg.name}")
            lines.append("")
        path = directory / f"{_safe(name)}.txt"
        path.write_text("\n".join(lines))
        written.append(path)
    return written


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def _edges_of(anomaly: Anomaly) -> list[Mapping[str, str]]:
    """The anomaly's cycle edges; an anomaly without them (saturation's) gets unlabelled ones
    between consecutive transactions."""
    recorded = anomaly.data.get("edges")
    if recorded:
        return list(recorded)
    cycle = list(anomaly.data.get("cycle", ()))
    return [{"from": a, "to": b, "kind": "?", "sentence": ""}
            for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=False)]


def cycle_svg(edges: Sequence[Mapping[str, str]]) -> str:
    """Transactions on a circle, one curved arrow per edge (so that the two edges between one
    pair never share a line), labelled with its kind; hovering an arrow shows its sentence."""
    names: list[str] = []
    for edge in edges:
        for end in (edge["from"], edge["to"]):
            if end not in names:
                names.append(end)
    size, radius = 440, 150
    centre = size / 2
    at = {name: (centre + radius * math.cos(2 * math.pi * i / len(names) - math.pi / 2),
                 centre + radius * math.sin(2 * math.pi * i / len(names) - math.pi / 2))
          for i, name in enumerate(names)}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
             f'viewBox="0 0 {size} {size}" role="img">', "<defs>"]
    for kind, colour in KIND_COLOURS.items():
        parts.append(f'<marker id="{_MARKERS[kind]}" viewBox="0 0 10 10" refX="10" refY="5" '
                     'markerWidth="8" markerHeight="8" orient="auto">'
                     f'<path d="M0,0L10,5L0,10z" fill="{colour}"/></marker>')
    parts.append("</defs>")
    for edge in edges:
        kind = edge.get("kind", "?") if edge.get("kind") in KIND_COLOURS else "?"
        colour = KIND_COLOURS[kind]
        (x1, y1), (x2, y2) = at[edge["from"]], at[edge["to"]]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy) or 1.0
        # Bend to the right of the direction of travel: opposite edges bend apart.
        cx, cy = (x1 + x2) / 2 - dy / length * 40, (y1 + y2) / 2 + dx / length * 40
        sx, sy = _towards(x1, y1, cx, cy, 28)
        ex, ey = _towards(x2, y2, cx, cy, 30)
        lx, ly = (sx + 2 * cx + ex) / 4, (sy + 2 * cy + ey) / 4
        parts.append(f'<path d="M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} {ex:.1f},{ey:.1f}" '
                     f'fill="none" stroke="{colour}" stroke-width="1.6" '
                     f'marker-end="url(#{_MARKERS[kind]})">'
                     f'<title>{escape(edge.get("sentence", ""))}</title></path>')
        parts.append(f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="12" fill="{colour}" '
                     f'text-anchor="middle" dominant-baseline="middle" '
                     f'paint-order="stroke" stroke="white" stroke-width="3">'
                     f'{escape(kind)}</text>')
    for name, (x, y) in at.items():
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="26" fill="#eef" stroke="navy"/>')
        parts.append(f'<text x="{x:.1f}" y="{y + 4:.1f}" font-size="12" '
                     f'text-anchor="middle">{escape(name)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _towards(x: float, y: float, tx: float, ty: float, distance: float) -> tuple[float, float]:
    dx, dy = tx - x, ty - y
    length = math.hypot(dx, dy) or 1.0
    return x + dx / length * distance, y + dy / length * distance


_DESCRIBED = re.compile(r"^(\S+)(?: \(process (.*), op (\d+)\))? = (.*)$", re.S)


def _transactions_table(lines: Sequence[str]) -> str:
    rows = []
    for line in lines:
        found = _DESCRIBED.match(line)
        name, process, op, body = found.groups() if found else (line, None, None, "")
        rows.append(f"<tr><td>{escape(name)}</td><td>{escape(process or '')}</td>"
                    f"<td>{escape(op or '')}</td><td><code>{escape(body)}</code></td></tr>")
    return ("<table class=\"txns\"><thead><tr><th>transaction</th><th>process</th><th>op</th>"
            "<th>operations</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _anomaly_card(anomaly: Anomaly, n: int, allowed: bool) -> str:
    data = anomaly.data
    cases = data.get("cases") or ([data] if len(data.get("cycle", ())) > 1 else [])
    pictures = []
    for case in cases:
        edges = case.get("edges") or _edges_of(Anomaly(anomaly.name, "", (), case))
        sentences = "".join(
            f'<li><span class="kind" style="color:{KIND_COLOURS.get(e.get("kind", "?"))}">'
            f'{escape(e.get("kind", "?"))}</span> {escape(e.get("sentence", ""))}</li>'
            for e in edges)
        condition = (f"<p class=\"if\">if {escape(' and '.join(case['if']))}:</p>"
                     if case.get("if") else "")
        pictures.append(f'<div class="case">{condition}<div class="picture">'
                        f"{cycle_svg(edges)}</div><ol class=\"edges\">{sentences}</ol></div>")
    note = " <span class=\"allowed\">allowed by this level</span>" if allowed else ""
    return (f'<section class="anomaly" data-name="{escape(anomaly.name)}">'
            f"<h3>{n}. {escape(anomaly.name)}{note}</h3>"
            f"<p>{escape(anomaly.explanation)}</p>{''.join(pictures)}"
            f"{_transactions_table(data.get('transactions', ()))}</section>")


def _certificate_table(history: History, order: Sequence[int]) -> str:
    by_id: dict[int, Any] = {op.id: op for op in history.operations}
    rows = []
    for place, op_id in enumerate(order[:SHOWN_ORDER]):
        op = by_id.get(op_id)
        body = show(op.value) if op is not None else ""
        process = show(op.process) if op is not None else ""
        rows.append(f"<tr><td class=\"n\">{place + 1}</td><td class=\"n\">{op_id}</td>"
                    f"<td>{escape(process)}</td><td><code>{escape(body)}</code></td></tr>")
    more = (f"<p>The first {SHOWN_ORDER:,} of {len(order):,}; <a href=\"{CERTIFICATE}\">"
            f"{CERTIFICATE}</a> has the whole order.</p>" if len(order) > SHOWN_ORDER
            else f"<p><a href=\"{CERTIFICATE}\">{CERTIFICATE}</a> holds it as data.</p>")
    return ("<h2>Certificate: the commit order found</h2><p>Committed in this order, every "
            "transaction sees what the level requires; a short replay checks it "
            "(<code>histcheck.txn.certificate.problem</code>).</p>" + more +
            "<table><thead><tr><th>#</th><th>op</th><th>process</th><th>operations</th></tr>"
            "</thead><tbody>" + "".join(rows) + "</tbody></table>")


def _page(history: History, result: CheckResult) -> str:
    forbidden = set(result.details.get("forbidden", ()))
    verdict = result.verdict
    anomalies = sorted(result.anomalies, key=lambda a: a.name not in forbidden)
    names = sorted({a.name for a in anomalies})
    cards = "".join(_anomaly_card(a, n + 1, result.valid is True or a.name not in forbidden)
                    for n, a in enumerate(anomalies))
    options = "".join(f'<option value="{escape(name)}">{escape(name)}</option>'
                      for name in names)
    body = []
    if result.certificate:
        body.append(_certificate_table(history, result.certificate))
    if anomalies:
        heading = ("Anomalies the level allows" if result.valid is True else "Anomalies")
        body.append(f"<h2>{heading}</h2><p><label>Show <select id=\"filter\">"
                    f"<option value=\"\">every anomaly ({len(anomalies)})</option>{options}"
                    f"</select></label></p>{cards}")
    details = ", ".join(f"{k}: {v}" for k, v in result.details.items()
                        if isinstance(v, (int, str)))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{escape(verdict)}: {escape(result.model)} / {escape(result.consistency)}</title>
<style>
body {{ font: 14px system-ui, sans-serif; margin: 2em; max-width: 1200px; }}
.verdict-VALID {{ color: #1b7f3a; }} .verdict-INVALID {{ color: #b00020; }}
.verdict-UNKNOWN {{ color: #a06000; }}
section.anomaly {{ border-top: 1px solid #ccc; padding-top: .5em; margin-top: 1.5em; }}
.case {{ display: flex; gap: 1.5em; align-items: flex-start; flex-wrap: wrap; }}
.edges {{ max-width: 640px; }} .edges li {{ margin-bottom: .4em; }}
.kind {{ font-weight: bold; font-family: monospace; }}
.allowed {{ font-size: 12px; color: #1b7f3a; font-weight: normal; }}
table {{ border-collapse: collapse; margin: .5em 0; }}
td, th {{ padding: 3px 8px; border-bottom: 1px solid #eee; text-align: left;
  vertical-align: top; }}
td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
</style></head><body>
<h1 class="verdict-{escape(verdict)}">{escape(verdict)}</h1>
<p>{escape(result.model)} / {escape(result.consistency)}: {escape(result.explanation)}</p>
<p class="details">{escape(details)}</p>
{"".join(body)}
<script>
const filter = document.getElementById("filter");
if (filter) filter.addEventListener("change", () => {{
  for (const s of document.querySelectorAll("section.anomaly"))
    s.style.display = !filter.value || s.dataset.name === filter.value ? "" : "none";
}});
</script>
</body></html>
"""
