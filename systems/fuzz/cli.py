"""``histcheck fuzz``: search a catalogue system for a violation and shrink it to the smallest.

Exit codes as for ``histcheck check``: 0 no violation in the examples run, 1 a violation was
found (its shrunk trace, or history for a storage system, is written to ``--out``), 2 bad usage.
"""

from __future__ import annotations

import shlex
import sys
from typing import TYPE_CHECKING, Any, TextIO

import click

from histcheck.errors import HistcheckError
from histcheck.terminal import echo

if TYPE_CHECKING:
    from histcheck.result import CheckResult
    from histcheck.systems.catalogue import Entry
    from histcheck.systems.fuzz.catalogue import Case
    from histcheck.systems.fuzz.driver import Outcome
    from histcheck.systems.sim.core import Simulator


@click.command("fuzz")
@click.argument("system")
@click.option("--variant", "-v", default=None, help="The variant (the first one when omitted).")
@click.option("--consistency", "-c", default=None,
              help="Check for this level instead of the catalogue's.")
@click.option("--max-examples", type=click.IntRange(min=1), default=200, show_default=True,
              help="Examples to generate before declaring the system survived.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seeds hypothesis: the same seed gives the same search and result.")
@click.option("--faults", "fault_kinds", default="none", show_default=True,
              help="Node faults to add: any of crash,recover,partition (comma separated).")
@click.option("--replay", default=None, metavar="BLOB",
              help="Run only the example a previous run printed (its reproduction blob).")
@click.option("--timeout", type=click.FloatRange(min=0), default=10.0, show_default=True,
              help="Seconds per check before its verdict is unknown.")
@click.option("--out", type=click.Path(dir_okay=False), default=None,
              help="Where to write the shrunk failing trace or history (JSON Lines).")
@click.option("--json", "as_json", is_flag=True, help="End with one JSON line of the result.")
def fuzz_command(system: str, variant: str | None, consistency: str | None, max_examples: int,
                 seed: int, fault_kinds: str, replay: str | None, timeout: float,
                 out: str | None, as_json: bool) -> None:
    """Fuzz SYSTEM: hypothesis varies workload, faults and message timing, then shrinks."""
    from histcheck.budget import Budget
    from histcheck.registry import get_model
    from histcheck.systems.catalogue import find
    from histcheck.systems.fuzz.catalogue import fuzz_entry
    from histcheck.systems.fuzz.driver import FuzzConfig
    from histcheck.systems.fuzz.strategies import FaultSpace

    try:
        entry = find(system, variant)
        level = get_model(entry.model).consistency(consistency or entry.consistency)
        faults = FaultSpace.parse(fault_kinds)
        config = FuzzConfig(max_examples=max_examples, seed=seed, replay=replay)
        status = FuzzStatus(max_examples) if sys.stderr.isatty() else None
        try:
            outcome = fuzz_entry(entry, consistency=level, faults=faults, config=config,
                                 budget=Budget(seconds=timeout),
                                 report=None if status is None else status.update)
        finally:
            if status is not None:
                status.close()
    except HistcheckError as exc:
        echo(f"histcheck: {exc}", err=True)
        sys.exit(2)
    command = ["histcheck", "fuzz", entry.system, "--variant", entry.variant]
    if consistency:
        command += ["--consistency", level]
    if faults.describe() != "none":
        command += ["--faults", faults.describe()]
    summary = _summary(entry, level, outcome, seed, max_examples, command, out)
    failure = outcome.failure
    own = "the system's own schedule" if entry.records_history else "none"  # when none is added
    if failure is None:
        added = own if faults.empty else faults.describe()
        echo(f"{entry.system}/{entry.variant}: no violation of {entry.model} / {level} in "
             f"{outcome.examples} examples ({outcome.examples_per_second:.0f}/s, seed "
             f"{seed}, faults {added})" +
             (f"; {outcome.unknown} checks ran out of time" if outcome.unknown else ""))
    else:
        if out is not None:
            entry.write(failure.kept, out)
        kept = "history" if entry.records_history else "trace"
        sizes = f"{summary['operations']} operations" + (
            "" if entry.records_history else f", {summary['trace_events']} trace events")
        echo(f"{entry.system}/{entry.variant}: INVALID for {entry.model} / {level}: found "
             f"at example {failure.first_failure_at}, shrunk to "
             f"{failure.case.describe(no_faults=own)} ({sizes})")
        for line in failure.result.explanation.rstrip().splitlines():
            echo(f"  {line}")
        echo(f"{kept}: {out}" if out else f"{kept}: not written (pass --out FILE)")
        echo(f"replay: {summary['replay']}")
    if as_json:
        import orjson

        echo(orjson.dumps(summary, default=str).decode())
    sys.exit(0 if failure is None else 1)


class FuzzStatus:
    """One status line on a terminal: examples run, then, once a violation is found, how far
    shrinking has got (runs made, fewest operations in a failing run so far)."""

    def __init__(self, max_examples: int, stream: TextIO | None = None) -> None:
        self.max_examples, self.stream = max_examples, stream or sys.stderr
        self.found_at = 0
        self.smallest: int | None = None

    def update(self, examples: int, result: CheckResult) -> None:
        if result.valid is False:
            self.found_at = self.found_at or examples
            size = result.figures.get("operations")
            if isinstance(size, int) and (self.smallest is None or size < self.smallest):
                self.smallest = size
        if self.found_at:
            line = f"shrinking: {examples - self.found_at} runs"
            if self.smallest is not None:
                line += f", smallest failing run {self.smallest} operations"
        else:
            line = f"fuzzing: example {examples} of {self.max_examples}"
        self.stream.write(f"\r{line:<72}")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\r" + " " * 72 + "\r")
        self.stream.flush()


def _summary(entry: Entry, level: str, outcome: Outcome[Case, Simulator], seed: int,
             max_examples: int, command: list[str], out: str | None) -> dict[str, Any]:
    """The ``--json`` line: verdict, sizes of the shrunk case, and how to replay it."""
    failure = outcome.failure
    found: dict[str, Any] = {
        "valid": failure is None, "system": entry.system, "variant": entry.variant,
        "model": entry.model, "consistency": level, "examples": outcome.examples,
        "examples_per_second": round(outcome.examples_per_second, 1),
        "unknown_checks": outcome.unknown, "seed": seed,
        "rerun": shlex.join([*command, "--seed", str(seed), "--max-examples",
                             str(max_examples)])}
    if failure is None:
        return found
    result = failure.result
    replay = [*command, "--replay", failure.blob or "", "--out", out or "shrunk.jsonl"]
    accesses = failure.case.accesses
    if accesses is not None:  # an explicit workload (dsm): each node's accesses, in order
        found["accesses"] = [[str(a) for a in node] for node in accesses]
    return {**found, "operations": result.figures.get("operations"),
            "trace_events": len(failure.kept.trace.events), "clients": failure.case.clients,
            "ops_each": failure.case.operations, "faults": failure.case.fault_texts(),
            "first_failure_at": failure.first_failure_at, "choices": failure.choices,
            "blob": failure.blob, "hypothesis": failure.hypothesis_version,
            "replay": shlex.join(replay), "out": out,
            "anomaly_types": sorted({a.name for a in result.anomalies}),
            "explanation": result.explanation}
