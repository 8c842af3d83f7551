"""A quick look at a history: what ran, how it ended, how much overlapped, how long it took.

``history_stats`` gives JSON-ready figures; ``render_stats`` a compact table for people.

- Outcomes: every client operation is ``ok``, ``fail`` or ``info`` (an invocation that never
  completed counts as ``info``, as the checkers treat it); counted per ``f``.
- Concurrency: the number of operations open at once. An operation is open from its invocation
  to its completion event (an ``info`` completion included: the client stopped waiting then);
  one that never completed stays open to the end of the history. Measured over real time when
  the history is timed (mean = time-weighted average over the time span) and over event positions
  otherwise (mean = average over positions). A history that records no real time at all (only
  session order: ``History.realtime`` False) has no concurrency figures: which transactions
  overlapped is not known.
- Latency: completion time minus invocation time, per ``f``, for operations with both times, in
  the history's time unit (nanoseconds by convention); ``info`` completions count (the client
  waited that long). Percentiles are nearest-rank: p50 of (20, 40) is 20, p90 is 40.

Polars does the arithmetic; it is imported inside the functions so the CLI starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from histcheck.history import History

if TYPE_CHECKING:
    import polars as pl

OUTCOMES = ("ok", "fail", "info")
PERCENTILES = (("p50", 0.5), ("p90", 0.9), ("p99", 0.99))


def _frame(history: History) -> pl.DataFrame:
    import polars as pl

    ops = history.operations
    end = history.size
    return pl.DataFrame(
        {
            "f": [op.f for op in ops],
            "type": [op.type.value for op in ops],
            "call": [op.call for op in ops],
            "ret": [end if op.ret is None else op.ret for op in ops],
            "call_time": [op.call_time for op in ops],
            "ret_time": [op.ret_time for op in ops],
        },
        schema={"f": pl.String, "type": pl.String, "call": pl.Int64, "ret": pl.Int64,
                "call_time": pl.Int64, "ret_time": pl.Int64},
    )


def history_stats(history: History) -> dict[str, Any]:
    """Figures about ``history`` (plain ints, floats, strings, lists and dicts)."""
    ops = _frame(history)
    total = ops.height
    counts = ops.group_by("f", "type").len()
    by_f: dict[str, dict[str, int]] = {}
    for f, kind, n in counts.sort("f").iter_rows():
        row = by_f.setdefault(f, {"total": 0, **dict.fromkeys(OUTCOMES, 0)})
        row[kind] += n
        row["total"] += n
    outcomes = {kind: sum(row[kind] for row in by_f.values()) for kind in OUTCOMES}
    clients = history.processes()
    others = list(dict.fromkeys(p.event.process for p in history.others))
    times = [t for t in (*ops["call_time"], *ops["ret_time"]) if t is not None]
    times += [p.event.time for p in history.others if p.event.time is not None]
    figures: dict[str, Any] = {
        "operations": total,
        "events": history.size,
        "by_f": by_f,
        "outcomes": outcomes,
        "fail_rate": outcomes["fail"] / total if total else 0.0,
        "info_rate": outcomes["info"] / total if total else 0.0,
        "processes": {"clients": len(clients), "others": len(others),
                      "other_names": [str(p) for p in others]},
        "timed": history.timed,
        "realtime": history.realtime,
        "time_span": (max(times) - min(times)) if times else None,
        "concurrency": _concurrency(ops, history),
        "latency": _latency(ops) if history.timed else {},
    }
    return figures


def _concurrency(ops: pl.DataFrame, history: History) -> dict[str, Any]:
    """Peak and mean number of operations open at once, over times or positions."""
    import polars as pl

    if not history.realtime:
        return {"peak": None, "mean": None, "over": "nothing: no real time recorded"}
    if ops.height == 0:
        return {"peak": 0, "mean": 0.0, "over": "positions"}
    timed = history.timed
    if timed:
        last = ops.select(pl.max_horizontal(pl.col("call_time").max(),
                                            pl.col("ret_time").max())).item()
        start = pl.col("call_time")
        stop = pl.when(pl.col("ret_time").is_null()).then(pl.lit(last)).otherwise("ret_time")
    else:
        start, stop = pl.col("call"), pl.col("ret")
    # Intervals are closed: at equal times, openings (rank 0) count before closings (rank 1).
    steps = pl.concat([
        ops.select(at=start, delta=pl.lit(1), rank=pl.lit(0)),
        ops.select(at=stop, delta=pl.lit(-1), rank=pl.lit(1)),
    ]).sort("at", "rank").with_columns(level=pl.col("delta").cum_sum())
    peak = int(steps["level"].max())  # type: ignore[arg-type]
    # The level after each step holds until the next step: weight it by that width.
    spans = steps.select(width=pl.col("at").shift(-1) - pl.col("at"), level="level")
    width, area = spans.select(pl.col("width").sum(),
                               (pl.col("width") * pl.col("level")).sum().alias("area")).row(0)
    mean = area / width if width else float(peak)
    return {"peak": peak, "mean": round(mean, 3), "over": "time" if timed else "positions"}


def _latency(ops: pl.DataFrame) -> dict[str, dict[str, int]]:
    """Latency percentiles per f, over operations that have both times."""
    import polars as pl

    done = ops.filter(pl.col("ret_time").is_not_null() & pl.col("call_time").is_not_null())
    done = done.with_columns(latency=pl.col("ret_time") - pl.col("call_time"))
    # Nearest rank: the smallest latency with at least a fraction q of them at or below it.
    rank = [((pl.len() * q - 1e-9).ceil().cast(pl.Int64) - 1).clip(lower_bound=0)
            for _, q in PERCENTILES]
    aggs = [pl.col("latency").sort().get(r).alias(name)
            for (name, _), r in zip(PERCENTILES, rank, strict=True)]
    table = done.group_by("f").agg(*aggs, pl.col("latency").max().alias("max"),
                                    pl.len().alias("count")).sort("f")
    return {row["f"]: {k: int(v) for k, v in row.items() if k != "f"}
            for row in table.iter_rows(named=True)}


def _ms(ns: int | None) -> str:
    return "-" if ns is None else f"{ns / 1e6:.3f}"


def render_stats(path: str, figures: dict[str, Any]) -> str:
    """A compact human table of ``history_stats`` figures."""
    total = figures["operations"]
    procs = figures["processes"]
    conc = figures["concurrency"]
    overlap = (f"concurrency peak {conc['peak']}, mean {conc['mean']} (over {conc['over']})"
               if conc["peak"] is not None
               else "concurrency unknown (the format records sessions, not real time)")
    lines = [
        f"{path}: {total} operations, {figures['events']} events, {procs['clients']} client "
        f"processes" + (f", {procs['others']} other ({', '.join(procs['other_names'])})"
                        if procs["others"] else ""),
        f"fail rate {figures['fail_rate']:.1%}, info rate {figures['info_rate']:.1%}; {overlap}",
    ]
    if figures["time_span"] is not None:
        lines.append(f"time span {_ms(figures['time_span'])} ms")
    lines.append("")
    latency = figures["latency"]
    header = f"{'f':16} {'total':>8} {'ok':>8} {'fail':>8} {'info':>8}"
    if latency:
        header += f"  {'p50 ms':>9} {'p90 ms':>9} {'p99 ms':>9} {'max ms':>9}"
    lines.append(header)
    for f, row in figures["by_f"].items():
        line = f"{f[:16]:16} {row['total']:>8} {row['ok']:>8} {row['fail']:>8} {row['info']:>8}"
        if latency:
            lat = latency.get(f, {})
            line += "  " + " ".join(f"{_ms(lat.get(k)):>9}" for k in ("p50", "p90", "p99", "max"))
        lines.append(line)
    return "\n".join(lines)

