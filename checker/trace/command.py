"""``histcheck hb TRACE``: the happens-before relation of a trace, its clocks and drawings."""

from __future__ import annotations

from pathlib import Path

import click

from histcheck.cli import fail
from histcheck.errors import HistcheckError, naming
from histcheck.terminal import echo
from histcheck.trace.clocks import VectorClocks
from histcheck.trace.model import Trace

WORDS = {"->": "happens before", "<-": "happens after", "||": "is concurrent with",
         "==": "is the same event as"}


def find_event(trace: Trace, ref: str) -> int:
    """An event named ``NODE:INDEX`` (1-based place at its node) or by its line number."""
    node, sep, index = ref.rpartition(":")
    if sep and node in trace.timelines and index.isdigit():
        timeline = trace.timelines[node]
        if 1 <= int(index) <= len(timeline):
            return timeline[int(index) - 1]
        raise click.BadParameter(f"{node} has {len(timeline)} events, not {index}")
    if ref.isdigit():
        found = [e.id for e in trace.events if e.line == int(ref)]
        if found:
            return found[0]
    raise click.BadParameter(f"no event {ref!r} (name one as NODE:INDEX, e.g. n1:3, or by its "
                             f"line number)")


@click.command(name="hb")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", default=None, help="trace-jsonl or shiviz (detected if omitted).")
@click.option("--pair", nargs=2, metavar="E1 E2", default=None,
              help="Are two events ordered or concurrent? (NODE:INDEX or line number)")
@click.option("--clocks", "show_clocks", is_flag=True, help="Print every event's vector clock.")
@click.option("--dot", type=click.Path(dir_okay=False), default=None, help="Write Graphviz DOT.")
@click.option("--svg", type=click.Path(dir_okay=False), default=None, help="Write an SVG.")
@click.option("--html", "html_path", type=click.Path(dir_okay=False), default=None,
              help="Write a self-contained HTML page (one lane per node).")
@click.option("--shiviz", type=click.Path(dir_okay=False), default=None,
              help="Write the trace as a ShiViz log.")
def hb(path: str, fmt: str | None, pair: tuple[str, str] | None, show_clocks: bool,
       dot: str | None, svg: str | None, html_path: str | None, shiviz: str | None) -> None:
    """Happens-before of a message trace: vector clocks, ordered-or-concurrent, drawings."""
    from histcheck.trace.clocks import vector_clocks
    from histcheck.trace.io import load_trace, write_trace

    try:
        trace = load_trace(path, fmt)
        clocks = vector_clocks(trace)
        messages = sum(1 for i in range(len(trace)) if trace.source_of[i] >= 0)
        echo(f"{path}: {len(trace)} events at {len(trace.nodes)} nodes, {messages} "
             f"message edges; {_left_out(trace, clocks)}")
        if pair is not None:
            _answer(trace, clocks, find_event(trace, pair[0]), find_event(trace, pair[1]))
        if show_clocks:
            for event in trace.events:
                echo(f"{event.describe()}  {clocks.as_dict(event.id)}")
        _write_drawings(trace, clocks, dot, svg, html_path, Path(path).name)
        if shiviz is not None:
            with naming(shiviz):
                write_trace(trace, shiviz, "shiviz")
            echo(f"wrote {shiviz}", err=True)
    except HistcheckError as exc:
        fail(str(exc))


def _left_out(trace: Trace, clocks: VectorClocks) -> str:
    """Say whether happens-before needed every message edge, and which ones it left out."""
    from histcheck.trace import early
    from histcheck.trace.findings import Findings

    if not clocks.left_out:
        return "happens-before is acyclic"
    findings = Findings()
    early.report(trace, clocks.left_out, findings)
    lines = [f"happens-before leaves out {len(clocks.left_out.receipts())} message edges whose "
             f"receipt comes before its send:", *(f"  {a.explanation}" for a in findings.kept)]
    return "\n".join(lines)


def _answer(trace: Trace, clocks: VectorClocks, a: int, b: int) -> None:
    relation = clocks.relation(a, b)
    echo(f"{trace.events[a].describe()} {WORDS[relation]} {trace.events[b].describe()}")
    echo(f"  clocks {clocks.as_dict(a)} and {clocks.as_dict(b)}")


def _write_drawings(trace: Trace, clocks: VectorClocks, dot: str | None, svg: str | None,
                    html_path: str | None, title: str) -> None:
    from histcheck.trace.draw import to_dot, to_html, to_svg

    if dot is not None:
        _write(dot, to_dot(trace))
    if svg is not None:
        _write(svg, to_svg(trace, clocks))
    if html_path is not None:
        _write(html_path, to_html(trace, clocks, title))


def _write(target: str, text: str) -> None:
    with naming(target):
        Path(target).write_text(text, encoding="utf-8")
    echo(f"wrote {target}", err=True)
