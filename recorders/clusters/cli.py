"""``histcheck test``: start a real system, run clients under faults, record, check, explain.

One run writes into its folder ``--out``: ``history.jsonl`` (the client operations and the
nemesis events, streamed as they happen), ``result.json`` (what ``check --json`` prints),
``report/`` (the pages ``check --report`` writes) and ``logs/`` (each server's output). The
servers' data lives in ``data/`` while they run and is removed with them.

The exit code is ``check``'s: 0 valid, 1 invalid, 3 unknown, 2 when the run could not be made
(a binary missing, a port taken: one line saying how to fix it). Ctrl-C stops the clients, the
nemesis and the servers, keeps the history recorded so far (marked incomplete), and exits 130.
"""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path
from typing import Any

import click

from histcheck.cli import fail, finish, parse_options, render_result
from histcheck.errors import HistcheckError, UsageError, naming
from histcheck.terminal import echo

RECORDERS: dict[str, str] = {
    "etcd": "histcheck.recorders.clusters.etcd:record",
    "redis-sentinel": "histcheck.recorders.clusters.sentinel:record",
    "postgres": "histcheck.recorders.databases.faulty:record",
    "mariadb": "histcheck.recorders.databases.faulty:record",
}
"""Each system's ``record(plan, history, logs) -> CheckTarget``, imported only when it runs."""

WORKLOADS: dict[str, tuple[str, ...]] = {
    "etcd": ("cas-register",),
    "redis-sentinel": ("register",),
    "postgres": ("list-append", "rw-register"),
    "mariadb": ("list-append", "rw-register"),
}
"""The workloads of each system, the first being the default."""

DRIVERS = {"redis": "redis", "psycopg": "psycopg", "mariadb": "mariadb", "pymysql": "pymysql"}
"""Client libraries a recorder may need; they come with the extra ``histcheck[databases]``."""

RUN_FILES = ("history.jsonl", "result.json", "logs")
"""What marks a folder as an earlier run (one that failed to start has its logs only), which a
new run may overwrite."""


def _nemesis_kinds(text: str) -> tuple[str, ...]:
    from histcheck.recorders.clusters.plan import NEMESIS_KINDS

    kinds = tuple(kind.strip() for kind in text.split(",") if kind.strip())
    unknown = [kind for kind in kinds if kind not in NEMESIS_KINDS]
    if unknown or not kinds:
        fail(f"--nemesis takes a comma-separated list of {', '.join(NEMESIS_KINDS)}, "
             f"not {text!r}")
    return kinds


def _run_folder(out: str) -> Path:
    """The run's folder: new, empty, or an earlier run's, whose files go (never anyone else's)."""
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        fail(f"{out}: not a folder (--out names the run's folder)")
    if folder.is_dir() and any(folder.iterdir()) and \
            not any((folder / name).exists() for name in RUN_FILES):
        fail(f"{out}: the folder holds other files; give a new or empty folder")
    for name in ("history.jsonl", "result.json"):
        (folder / name).unlink(missing_ok=True)
    for name in ("report", "logs"):
        shutil.rmtree(folder / name, ignore_errors=True)
    (folder / "logs").mkdir(parents=True, exist_ok=True)
    return folder


def _recorder(system: str) -> Any:
    module, _, attribute = RECORDERS[system].partition(":")
    try:
        return getattr(importlib.import_module(module), attribute)
    except ModuleNotFoundError as exc:
        if exc.name in DRIVERS:
            fail(f"histcheck test {system} needs the {exc.name} driver: "
                 f"pip install 'histcheck[databases]'")
        if exc.name is not None and module.startswith(exc.name):
            fail(f"histcheck test {system} is not available in this installation")
        raise


@click.command(name="test")
@click.argument("system", type=click.Choice(sorted(RECORDERS)))
@click.option("--workload", "-w", default=None,
              help="What the clients do (default: the system's first; etcd: cas-register, "
                   "redis-sentinel: register, postgres/mariadb: list-append or rw-register).")
@click.option("--nodes", type=click.IntRange(min=1, max=9), default=3, show_default=True,
              help="Cluster members (etcd), or servers (Redis: one primary and replicas).")
@click.option("--nemesis", "nemesis_text", default="none", show_default=True,
              help="Faults, comma-separated: kill, pause, leader-kill, leader-pause, none.")
@click.option("--seconds", type=click.FloatRange(min=0.5), default=10.0, show_default=True,
              help="How long the clients run.")
@click.option("--interval", type=click.FloatRange(min=0.1), default=2.0, show_default=True,
              help="Quiet seconds before each fault.")
@click.option("--duration", type=click.FloatRange(min=0.1), default=2.0, show_default=True,
              help="Seconds each fault lasts.")
@click.option("--isolation", default=None,
              type=click.Choice(["read-committed", "repeatable-read", "serializable"]),
              help="The isolation level transactions run at (postgres, mariadb).")
@click.option("--consistency", "-c", default=None,
              help="The level to check (default: what the system promises).")
@click.option("--opt", "opts", multiple=True, metavar="NAME=VALUE",
              help="A system option (repeatable), e.g. --opt serializable-reads=true.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seeds the fault schedule and the workload.")
@click.option("--timeout", type=click.FloatRange(min=0), default=None,
              help="Seconds for the check before the verdict is unknown.")
@click.option("--out", "-o", required=True, type=click.Path(file_okay=False),
              help="The run's folder (history, result, report, logs).")
def test_command(system: str, workload: str | None, nodes: int, nemesis_text: str,
                 seconds: float, interval: float, duration: float, isolation: str | None,
                 consistency: str | None, opts: tuple[str, ...], seed: int,
                 timeout: float | None, out: str) -> None:
    """Start SYSTEM, run clients under faults, record the history and check it."""
    from histcheck.recorders.clusters.plan import RunPlan

    workload = workload or WORKLOADS[system][0]
    if workload not in WORKLOADS[system]:
        fail(f"{system} has the workloads {', '.join(WORKLOADS[system])}, not {workload!r}")
    kinds, options = _nemesis_kinds(nemesis_text), parse_options(opts)
    record = _recorder(system)
    folder = _run_folder(out)
    plan = RunPlan(system=system, workload=workload, out=folder, nodes=nodes, nemesis=kinds,
                   seconds=seconds, isolation=isolation, consistency=consistency,
                   options=options, seed=seed, interval=interval, duration=duration)
    history = folder / "history.jsonl"
    try:
        target = record(plan, history, folder / "logs")
    except HistcheckError as exc:
        fail(str(exc))
    finish(_check(plan, target, history, timeout))


def _check(plan: Any, target: Any, history: Path, timeout: float | None) -> int:
    """Check the recorded history as ``histcheck check`` would; write result.json and report/."""
    from histcheck.api import check_file
    from histcheck.budget import Budget
    from histcheck.cli import _write_report
    from histcheck.registry import get_model
    from histcheck.values import to_json

    try:
        spec = get_model(target.model)
        level = spec.consistency(plan.consistency or target.consistency)
        options = dict(target.options)
        spec.check_options(options)
        budget = Budget(seconds=timeout)
        subject, result = check_file(history, model=spec.name, consistency=level,
                                     budget=budget, options=options)
    except UsageError as exc:
        fail(str(exc))
    except HistcheckError as exc:
        fail(f"{history}: {exc}")
    with naming(str(plan.out / "result.json")):
        (plan.out / "result.json").write_bytes(
            to_json({"path": str(history), **result.to_json()}) + b"\n")
    if subject is not None:
        _write_report(spec, subject, result, plan.out / "report", history, budget)
    nemesis = _nemesis_events(history)
    echo(f"histcheck test {plan.system}: {plan.workload}, nemesis "
         f"{','.join(plan.nemesis) or 'none'} ({nemesis} events), seed {plan.seed}, "
         f"{plan.seconds:g} s; recorded into {plan.out}", err=True)
    echo(render_result(history, result))
    code: int = result.exit_code
    return code


def _nemesis_events(history: Path) -> int:
    with history.open("rb") as lines:
        return sum(1 for line in lines if b'"process":"nemesis"' in line)
