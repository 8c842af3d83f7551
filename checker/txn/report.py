"""``--report DIR``: one text file per anomaly class, an SVG picture of each cycle, and for a
valid verdict the certificate (``certificate.json``: the commit order found).

The report reads only the result (anomaly names, explanations, the cycle's transaction names
and bodies); it never reaches back into the search. A cycle is drawn as transactions on a
circle with an arrow per edge, labelled with the sentence's edge kind.
"""

from __future__ import annotations

import json
import math
import re
from html import escape
from pathlib import Path

from histcheck.history import History
from histcheck.result import CheckResult

CERTIFICATE = "certificate.json"
"""The witness of a valid verdict: the commit order, as operation ids."""


def write_report(history: History, result: CheckResult, directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    if result.certificate:
        path = directory / CERTIFICATE
        path.write_text(json.dumps({"kind": "commit-order", "model": result.model,
                                    "level": result.consistency,
                                    "commit_order": list(result.certificate)}) + "\n")
        written.append(path)
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
            cycle = list(anomaly.data.get("cycle", ()))
            if len(cycle) > 1:
                svg = directory / f"{_safe(name)}-{n + 1}.svg"
                svg.write_text(_svg(cycle, anomaly.explanation))
                written.append(svg)
                lines.append(f"     picture: {svg.name}")
            lines.append("")
        path = directory / f"{_safe(name)}.txt"
        path.write_text("\n".join(lines))
        written.append(path)
    return written


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name)


def _svg(cycle: list[str], explanation: str) -> str:
    size, radius = 420, 150
    centre = size / 2
    points = [(centre + radius * math.cos(2 * math.pi * i / len(cycle) - math.pi / 2),
               centre + radius * math.sin(2 * math.pi * i / len(cycle) - math.pi / 2))
              for i in range(len(cycle))]
    steps = [s.strip() for s in explanation.split(";")]
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size + 40}">',
             '<defs><marker id="a" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="8" '
             'markerHeight="8" orient="auto"><path d="M0,0L10,5L0,10z"/></marker></defs>']
    for i, (x1, y1) in enumerate(points):
        x2, y2 = points[(i + 1) % len(points)]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy) or 1.0
        sx, sy = x1 + dx / length * 28, y1 + dy / length * 28
        ex, ey = x2 - dx / length * 28, y2 - dy / length * 28
        label = _kind(steps[i]) if i < len(steps) else ""
        parts.append(f'<line x1="{sx:.1f}" y1="{sy:.1f}" x2="{ex:.1f}" y2="{ey:.1f}" '
                     'stroke="black" marker-end="url(#a)"><title>'
                     f'{escape(steps[i] if i < len(steps) else "")}</title></line>')
        parts.append(f'<text x="{(sx + ex) / 2:.1f}" y="{(sy + ey) / 2 - 4:.1f}" '
                     f'font-size="12" fill="darkred">{escape(label)}</text>')
    for name, (x, y) in zip(cycle, points, strict=True):
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="26" fill="#eef" stroke="navy"/>')
        parts.append(f'<text x="{x:.1f}" y="{y + 4:.1f}" font-size="12" '
                     f'text-anchor="middle">{escape(name.split(" ")[0])}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _kind(step: str) -> str:
    if "did not see" in step:
        return "rw"
    if " read " in step:
        return "wr"
    if "came before" in step:
        return "ww"
    if "process" in step:
        return "process"
    return "realtime" if "completed before" in step else ""
