"""``histcheck stats PATH --report DIR``: latency and throughput plots, as Jepsen draws them.

Three pictures, each an SVG drawn by matplotlib and inlined into one self-contained page
(``index.html``) beside the figures table:

- latency over time: every operation as a point at its invocation, its latency on a log scale,
  coloured by ``f`` and marked by outcome (ok, fail, info);
- latency quantiles over time: p50, p95 and p99 per ``f`` in windows of the run;
- throughput over time: completions per second per ``f`` and outcome, in the same windows.

Fault intervals are shaded where the history has nemesis events: an interval opens at a nemesis
event whose ``f`` does not end a fault and closes at the next one that does (``stop``,
``resume``, ``heal``, ``recover``, ``stop-partition``...; see ``ENDS_A_FAULT``). Times are the
history's own, shown in seconds from the first event when they look like nanoseconds (Jepsen's
unit); a history without times gets the table and a note instead of plots.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from html import escape
from pathlib import Path
from typing import Any

from histcheck.history import History, Operation

ENDS_A_FAULT = frozenset({"stop", "resume", "heal", "recover", "stop-partition",
                          "stop-partitions", "end", "restore", "unpause", "reset"})
"""Nemesis ``f`` names that end the fault in progress (the others start one)."""

WINDOWS = 60
"""The quantile and throughput plots divide the run into this many windows."""

OUTCOME_MARKERS = {"ok": "o", "fail": "x", "info": "^"}


def write_stats_report(history: History, figures: Mapping[str, Any], directory: Path,
                       ) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    page = directory / "index.html"
    timed = [op for op in history.operations if op.call_time is not None]
    pictures: list[tuple[str, str]] = []
    note = ""
    if timed:
        scale, unit = _scale(history)
        faults = fault_intervals(history)
        pictures = [("Latency over time", _latency_points(timed, faults, scale, unit)),
                    ("Latency quantiles over time", _quantiles(timed, faults, scale, unit)),
                    ("Throughput over time", _throughput(timed, faults, scale, unit))]
    else:
        note = "<p>This history records no times: there is nothing to plot over time.</p>"
    page.write_text(_page(history, figures, pictures, note))
    return [page]


def fault_intervals(history: History) -> list[tuple[float, float, str]]:
    """(start, end, f) of each fault, in the history's time; one still open at the end of the
    history ends with its last event."""
    events = sorted((p.position, p.event) for p in history.others
                    if p.event.time is not None and p.event.process == "nemesis")
    last = max((float(op.ret_time if op.ret_time is not None else op.call_time or 0)
                for op in history.operations), default=0.0)
    intervals: list[tuple[float, float, str]] = []
    opened: tuple[float, str] | None = None
    for _, event in events:
        f = str(event.f).lstrip(":")
        when = float(event.time or 0)
        if f in ENDS_A_FAULT:
            if opened is not None:
                intervals.append((opened[0], when, opened[1]))
                opened = None
        elif opened is None:
            opened = (when, f)
    if opened is not None:
        intervals.append((opened[0], max(last, opened[0]), opened[1]))
    return intervals


def _scale(history: History) -> tuple[float, str]:
    """Divide times by this to get the unit named: nanoseconds shown as seconds."""
    times = [op.call_time for op in history.operations if op.call_time is not None]
    span = (max(times) - min(times)) if times else 0
    return (1e9, "s") if span > 1e6 else (1.0, "time units")


def _start(ops: list[Operation]) -> float:
    return float(min(op.call_time for op in ops if op.call_time is not None))


def _figure() -> Any:
    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt

    matplotlib.rcParams["svg.hashsalt"] = "histcheck"
    fig, ax = plt.subplots(figsize=(10, 4.2))
    return fig, ax


def _finish(fig: Any, ax: Any, faults: list[tuple[float, float, str]], origin: float,
            scale: float) -> str:
    import matplotlib.pyplot as plt

    for n, (start, end, f) in enumerate(faults):
        ax.axvspan((start - origin) / scale, (end - origin) / scale, color="#999999",
                   alpha=0.18, lw=0, label="nemesis" if n == 0 else None)
        ax.text((start - origin) / scale, 1.0, f, transform=ax.get_xaxis_transform(),
                fontsize=8, va="bottom", color="#555555")
    ax.grid(True, which="major", alpha=0.3)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    fig.tight_layout()
    out = io.StringIO()
    fig.savefig(out, format="svg", metadata={"Date": None})
    plt.close(fig)
    text = out.getvalue()
    return text[text.index("<svg"):]


def _latency(op: Operation) -> float | None:
    if op.call_time is None or op.ret_time is None:
        return None
    return float(op.ret_time - op.call_time)


def _latency_points(ops: list[Operation], faults: list[tuple[float, float, str]],
                    scale: float, unit: str) -> str:
    fig, ax = _figure()
    origin = _start(ops)
    latency_scale = scale / 1000 if unit == "s" else 1.0
    groups: dict[tuple[str, str], tuple[list[float], list[float]]] = {}
    for op in ops:
        latency = _latency(op)
        if latency is None or op.call_time is None:
            continue
        xs, ys = groups.setdefault((str(op.f), op.type.value), ([], []))
        xs.append((op.call_time - origin) / scale)
        ys.append(max(latency / latency_scale, 1e-3))
    colours = _colours(sorted({f for f, _ in groups}))
    for (f, outcome), (xs, ys) in sorted(groups.items()):
        ax.scatter(xs, ys, s=6, marker=OUTCOME_MARKERS.get(outcome, "o"), color=colours[f],
                   alpha=0.7, linewidths=0.8, label=f"{f} {outcome}")
    ax.set_yscale("log")
    ax.set_xlabel(f"time ({unit})")
    ax.set_ylabel("latency (ms)" if unit == "s" else "latency")
    return _finish(fig, ax, faults, origin, scale)


def _windows(ops: list[Operation], scale: float) -> tuple[float, float]:
    origin = _start(ops)
    end = max(float(op.ret_time if op.ret_time is not None else op.call_time or 0)
              for op in ops)
    return origin, max((end - origin) / WINDOWS, 1.0)


def _quantiles(ops: list[Operation], faults: list[tuple[float, float, str]], scale: float,
               unit: str) -> str:
    import polars as pl

    fig, ax = _figure()
    origin, width = _windows(ops, scale)
    latency_scale = scale / 1000 if unit == "s" else 1.0
    rows = [(str(op.f), int((op.call_time - origin) // width), latency / latency_scale)
            for op in ops if op.call_time is not None and (latency := _latency(op)) is not None]
    if rows:
        frame = pl.DataFrame(rows, schema=["f", "window", "latency"], orient="row")
        table = frame.group_by(["f", "window"]).agg(
            [pl.col("latency").quantile(q, "nearest").alias(name)
             for name, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))]).sort(["f", "window"])
        fs = sorted(set(table["f"].to_list()))
        colours = _colours(fs)
        for f in fs:
            part = table.filter(pl.col("f") == f)
            xs = [(w + 0.5) * width / scale for w in part["window"].to_list()]
            for name, style in (("p50", "-"), ("p95", "--"), ("p99", ":")):
                ax.plot(xs, [max(v, 1e-3) for v in part[name].to_list()], style,
                        color=colours[f], lw=1.2, label=f"{f} {name}")
        ax.set_yscale("log")
    ax.set_xlabel(f"time ({unit})")
    ax.set_ylabel("latency (ms)" if unit == "s" else "latency")
    return _finish(fig, ax, faults, origin, scale)


def _throughput(ops: list[Operation], faults: list[tuple[float, float, str]], scale: float,
                unit: str) -> str:
    fig, ax = _figure()
    origin, width = _windows(ops, scale)
    counts: dict[tuple[str, str], dict[int, int]] = {}
    for op in ops:
        when = op.ret_time if op.ret_time is not None else None
        if when is None:
            continue
        window = int((when - origin) // width)
        bucket = counts.setdefault((str(op.f), op.type.value), {})
        bucket[window] = bucket.get(window, 0) + 1
    colours = _colours(sorted({f for f, _ in counts}))
    styles = {"ok": "-", "fail": "--", "info": ":"}
    windows = range(WINDOWS + 1)
    for (f, outcome), bucket in sorted(counts.items()):
        ax.plot([(w + 0.5) * width / scale for w in windows],
                [bucket.get(w, 0) / (width / scale) for w in windows],
                styles.get(outcome, "-"), color=colours[f], lw=1.2, label=f"{f} {outcome}")
    ax.set_xlabel(f"time ({unit})")
    ax.set_ylabel(f"operations per {unit if unit == 's' else 'time unit'}")
    return _finish(fig, ax, faults, origin, scale)


def _colours(names: list[str]) -> dict[str, Any]:
    import matplotlib

    palette = matplotlib.colormaps["tab10"]
    return {name: palette(n % 10) for n, name in enumerate(names)}


def _table(figures: Mapping[str, Any], scale: float, unit: str) -> str:
    rows = []
    per_ms = scale / 1000 if unit == "s" else 1.0
    for f, latency in sorted(dict(figures.get("latency", {})).items()):
        cells = [f"<td class=\"n\">{latency.get('count', '')}</td>"]
        cells += [f"<td class=\"n\">{float(latency[k]) / per_ms:,.1f}</td>" if k in latency
                  else "<td></td>" for k in ("p50", "p90", "p99", "max")]
        rows.append(f"<tr><td>{escape(str(f))}</td>{''.join(cells)}</tr>")
    if not rows:
        return ""
    shown_unit = "ms" if unit == "s" else unit
    return (f"<h2>Latency by f ({shown_unit})</h2><table><thead><tr><th>f</th><th>count</th>"
            "<th>p50</th><th>p90</th><th>p99</th><th>max</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def _page(history: History, figures: Mapping[str, Any], pictures: list[tuple[str, str]],
          note: str) -> str:
    summary = ", ".join(f"{k}: {v}" for k, v in figures.items() if isinstance(v, (int, str)))
    body = "".join(f"<h2>{escape(title)}</h2><div class=\"plot\">{svg}</div>"
                   for title, svg in pictures)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>stats: {escape(history.source or "")}</title>
<style>
body {{ font: 14px system-ui, sans-serif; margin: 2em; max-width: 1100px; }}
table {{ border-collapse: collapse; }}
td, th {{ padding: 3px 8px; border-bottom: 1px solid #eee; text-align: left; }}
td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
.plot svg {{ max-width: 100%; height: auto; }}
</style></head><body>
<h1>{escape(history.source or "history")}</h1>
<p>{escape(summary)}</p>
{_table(figures, *_scale(history))}
{note}
{body}
</body></html>
"""
