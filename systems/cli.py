"""``histcheck systems`` (the catalogue) and ``histcheck simulate`` (run one entry).

``simulate`` writes its files as the simulation runs (``histcheck.systems.sim.core.streaming``):
a run that is killed leaves a recording marked incomplete, and only a finished run's files end
with the end record.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from histcheck.errors import HistcheckError, naming
from histcheck.terminal import echo

if TYPE_CHECKING:
    from histcheck.systems.clients import Progress
    from histcheck.systems.sim.core import Simulator


@click.command("systems")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per entry.")
def systems_command(as_json: bool) -> None:
    """List the reference systems and variants, and what each should check as."""
    from histcheck.systems.catalogue import CATALOGUE

    if as_json:
        echo(json.dumps([e.as_dict() for e in CATALOGUE], indent=2))
        return
    for e in CATALOGUE:
        echo(f"{e.system:22} {e.variant:16} --model {e.model:9} --consistency "
             f"{e.consistency:17} {e.expect:8} {e.summary}")


@click.command("simulate")
@click.argument("system")
@click.option("--variant", "-v", default=None, help="The variant (the first one when omitted).")
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False), required=True,
              help="Where to write the trace, or for storage systems the history (JSON Lines).")
@click.option("--history", type=click.Path(dir_okay=False), default=None,
              help="rpc only: also write the clients' operation history here.")
@click.option("--clients", type=click.IntRange(min=1), default=None,
              help="Clients (rpc, storage systems) or nodes (broadcast, channel).")
@click.option("--ops", type=click.IntRange(min=0), default=None,
              help="Calls or operations per client, or messages per node.")
@click.option("--network", type=click.Choice(["reliable", "fair-loss", "arbitrary"]), default=None)
@click.option("--loss", type=click.FloatRange(0, 0.99), default=None)
@click.option("--duplicate", type=click.FloatRange(0, 1), default=None)
@click.option("--fifo-links", is_flag=True, help="Links never reorder.")
@click.option("--timing", type=click.Choice(["synchronous", "partially-synchronous",
                                             "asynchronous"]), default="synchronous")
@click.option("--nodes", "node_model", type=click.Choice(["crash-stop", "crash-recovery"]),
              default="crash-stop")
@click.option("--fault", "faults", multiple=True,
              help="crash:NODE@MS, recover:NODE@MS or partition:A,B|C@START-END (repeatable).")
@click.option("--links", is_flag=True, help="broadcast: also record every network send/recv.")
def simulate_command(system: str, variant: str | None, seed: int, out: str, history: str | None,
                     clients: int | None, ops: int | None, network: str | None,
                     loss: float | None, duplicate: float | None, fifo_links: bool, timing: str,
                     node_model: str, faults: tuple[str, ...], links: bool) -> None:
    """Simulate SYSTEM deterministically from --seed and write its trace (or, for the storage
    systems, its client history) to --out. A progress bar shows on stderr when it is a terminal.
    For storage systems, --fault replaces the system's default faults."""
    from histcheck.systems.catalogue import Options, find
    from histcheck.systems.sim.core import streaming
    from histcheck.systems.sim.faults import parse_fault
    from histcheck.systems.sim.models import NetworkModel, SystemModel, TimingModel

    try:
        entry = find(system, variant)
        model = None
        if network or loss is not None or duplicate is not None or fifo_links or \
                timing != "synchronous" or node_model != "crash-stop":
            net = NetworkModel.named(network or "reliable", loss, duplicate)
            if fifo_links:
                net = NetworkModel(net.kind, net.loss, net.duplicate, reorder=False)
            model = SystemModel(net, node_model, TimingModel(timing))
        fault_list = tuple(parse_fault(f) for f in faults)
        history_out = Path(history) if history and entry.model == "rpc" else None
        targets = ({"operations": Path(out)} if entry.records_history
                   else {"trace": Path(out), "operations": history_out})
        with naming(out), streaming(**targets) as streams, _progress_bar() as progress:
            sim = entry.run(seed, Options(clients, ops, model, fault_list, links, progress))
    except HistcheckError as exc:
        echo(f"histcheck: {exc}", err=True)
        sys.exit(2)
    if not streams.files:
        with naming(out):
            entry.write(sim, out)
    if entry.records_history:
        recorded = sim.operations.history()
        infos = sum(op.indeterminate for op in recorded)
        echo(f"{entry.system}/{entry.variant} seed {seed}: {len(recorded)} operations "
             f"({infos} indeterminate), {stats_line(sim)} -> {out}; check with: "
             f"histcheck check {out} --model {entry.model} --consistency "
             f"{entry.consistency}")
        return
    if history:
        if entry.model != "rpc":
            echo("histcheck: --history is only recorded for rpc", err=True)
            sys.exit(2)
        if not streams.files:
            with naming(history):
                sim.operations.write(Path(history))
    echo(f"{entry.system}/{entry.variant} seed {seed}: {len(sim.trace.events)} trace "
         f"events, {stats_line(sim)} -> {out}; check with: histcheck check {out} "
         f"--model {entry.model} --consistency {entry.consistency}")


def stats_line(sim: Simulator) -> str:
    stats = sim.stats
    return (f"{stats.events} simulator events, {stats.sent} messages ({stats.lost} lost, "
            f"{stats.duplicated} duplicated), virtual time {sim.now / 1000:.1f} ms")


@contextmanager
def _progress_bar() -> Iterator[Progress | None]:
    """A progress bar on stderr for long runs, only when stderr is a terminal."""
    if not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=1, label="simulating", file=sys.stderr) as bar:
        def update(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        yield update
