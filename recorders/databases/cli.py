"""``histcheck record``: record a history from a real database, ready for ``histcheck check``.

Each subcommand runs a workload with real concurrent clients, writes the history (native JSON
Lines, or Jepsen EDN for a ``.edn`` file), prints a one-line summary and the command that checks
it. Errors (a missing binary, a DSN that does not connect) are one line on stderr, exit 2.

Events go to disk as they happen (``histcheck.recorders.streaming``): into the ``.jsonl`` file
itself, or for a ``.edn`` file into ``F.edn.recording.jsonl`` beside it, which is replaced by
the EDN, written whole and renamed into place, once the recording is complete. The file is
opened once the server answers, so a server that cannot start leaves an earlier file alone. A
recorder that is killed or fails thus leaves a recording marked incomplete, never a file that
looks whole.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from histcheck.cli import fail
from histcheck.errors import HistcheckError
from histcheck.terminal import echo

if TYPE_CHECKING:
    from histcheck.recorders.databases.recording import Recording


@click.group()
def record() -> None:
    """Record a history from a real database (a throwaway server when no address is given)."""


DRIVERS = {"postgres": "psycopg", "mariadb": "pymysql", "redis": "redis"}
"""The client library each recorder needs; they come with the extra ``histcheck[databases]``."""


def _missing_driver(database: str, exc: ModuleNotFoundError) -> NoReturn:
    """One line saying which extra to install when the driver is what is missing."""
    if exc.name != DRIVERS[database]:
        raise exc
    fail(f"histcheck record {database} needs the {DRIVERS[database]} driver: "
         f"pip install 'histcheck[databases]'")


def _check_out(out: str) -> None:
    """Fail before recording, not after, when the history cannot be written where asked."""
    folder = Path(out).resolve().parent
    if not folder.is_dir():
        fail(f"cannot write {out}: no folder {folder}")


def _stream_path(out: str) -> Path:
    """Where events are streamed while recording into ``out``."""
    return Path(out + ".recording.jsonl") if Path(out).suffix == ".edn" else Path(out)


def _finish(recording: Recording, out: str, check_hint: str) -> None:
    from histcheck.formats import write_history

    streamed = _stream_path(out)
    if streamed != Path(out):
        partial = Path(out + ".partial")
        try:
            write_history(recording.history, partial)
            os.replace(partial, out)
            streamed.unlink()
        except (OSError, HistcheckError) as exc:
            fail(f"cannot write {out}: {exc} (the recording is in {streamed})")
    echo(f"{recording.server}: {recording.tally.describe()}", err=True)
    echo(f"wrote {out}; check it with: histcheck check {out} {check_hint}", err=True)


def _transaction_options(command: Callable[..., None]) -> Callable[..., None]:
    """The options every transactional recorder takes: level, workload and its shape."""
    for option in reversed([
        click.option("--isolation", "-i", required=True,
                     type=click.Choice(["serializable", "repeatable-read", "read-committed"]),
                     help="The isolation level every transaction runs at."),
        click.option("--workload", "-w", default="list-append", show_default=True,
                     type=click.Choice(["list-append", "rw-register"]), help="Elle's workload."),
        click.option("--txns", "-n", type=click.IntRange(min=1), default=1500, show_default=True,
                     help="Transactions to invoke (committed, aborted or unknown)."),
        click.option("--clients", "-c", type=click.IntRange(min=1, max=64), default=8,
                     show_default=True, help="Concurrent clients, each with its own connection."),
        click.option("--keys", "-k", type=click.IntRange(min=1), default=5, show_default=True,
                     help="Keys active at a time."),
        click.option("--max-writes-per-key", type=click.IntRange(min=0), default=32,
                     show_default=True,
                     help="Writes after which a key retires for a fresh one (0: never)."),
        click.option("--seed", type=int, default=0, show_default=True,
                     help="Workload random seed."),
    ]):
        command = option(command)
    return command


PROMISES = {
    "postgres": {"serializable": "strict-serializable", "repeatable-read": "snapshot-isolation",
                 "read-committed": "read-committed"},
    "mariadb": {"serializable": "strict-serializable", "repeatable-read": "repeatable-read",
                "read-committed": "read-committed"},
}
"""The level each server's isolation level is checked for: PostgreSQL's REPEATABLE READ is
snapshot isolation; InnoDB's is checked for what it is named after (it does not keep it)."""


@record.command()
@_transaction_options
@click.option("--dsn", default=None,
              help="libpq connection string of a running server (its histcheck_* tables are "
                   "dropped and recreated); without it a throwaway server is started.")
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False),
              help="The history file to write (.jsonl, or .edn for Jepsen EDN).")
def postgres(isolation: str, workload: str, txns: int, clients: int, keys: int,
             max_writes_per_key: int, seed: int, dsn: str | None, out: str) -> None:
    """Elle-style transactions on PostgreSQL at one isolation level."""
    try:
        from histcheck.recorders.databases.postgres import record_postgres
    except ModuleNotFoundError as exc:
        _missing_driver("postgres", exc)
    _check_out(out)
    try:
        recording = record_postgres(isolation=isolation, workload=workload, txns=txns,
                                    clients=clients, keys=keys,
                                    max_writes_per_key=max_writes_per_key, seed=seed, dsn=dsn,
                                    stream=_stream_path(out))
    except HistcheckError as exc:
        fail(str(exc))
    if workload == "list-append":
        from histcheck.recorders.databases.workloads import list_prefix_problems

        problems = list_prefix_problems(recording.history)
        if problems:
            echo(f"self-check: {len(problems)} list reads disagree (the database lost or "
                 f"reordered appends), e.g. {problems[0]}", err=True)
    _finish(recording, out, f"--model {workload} --consistency {PROMISES['postgres'][isolation]}")


@record.command()
@_transaction_options
@click.option("--url", default=None,
              help="mysql://USER:PASSWORD@HOST:PORT/DATABASE of a running server (its "
                   "histcheck_* tables are dropped and recreated); without it a throwaway "
                   "server is started.")
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False),
              help="The history file to write (.jsonl, or .edn for Jepsen EDN).")
def mariadb(isolation: str, workload: str, txns: int, clients: int, keys: int,
            max_writes_per_key: int, seed: int, url: str | None, out: str) -> None:
    """Elle-style transactions on MariaDB (InnoDB) at one isolation level."""
    try:
        from histcheck.recorders.databases.mariadb import record_mariadb
    except ModuleNotFoundError as exc:
        _missing_driver("mariadb", exc)
    _check_out(out)
    try:
        recording = record_mariadb(isolation=isolation, workload=workload, txns=txns,
                                   clients=clients, keys=keys,
                                   max_writes_per_key=max_writes_per_key, seed=seed, url=url,
                                   stream=_stream_path(out))
    except HistcheckError as exc:
        fail(str(exc))
    _finish(recording, out, f"--model {workload} --consistency {PROMISES['mariadb'][isolation]}")


@record.command(name="redis")
@click.option("--workload", "-w", default="cas-register", show_default=True,
              type=click.Choice(["register", "cas-register"]),
              help="GET/SET, or GET/SET and compare-and-set.")
@click.option("--ops", "-n", type=click.IntRange(min=1), default=1500, show_default=True,
              help="Operations to invoke.")
@click.option("--clients", "-c", type=click.IntRange(min=1, max=64), default=8,
              show_default=True, help="Concurrent clients, each with its own connection.")
@click.option("--keys", "-k", type=click.IntRange(min=1), default=1, show_default=True,
              help="Independent registers (events name their key when more than one).")
@click.option("--values", type=click.IntRange(min=1), default=5, show_default=True,
              help="Values are drawn from 0..VALUES-1.")
@click.option("--seed", type=int, default=0, show_default=True, help="Workload random seed.")
@click.option("--url", default=None,
              help="redis:// or unix:// URL of a running server (its histcheck:* keys are "
                   "deleted first); without it a throwaway redis-server is started.")
@click.option("--out", "-o", required=True, type=click.Path(dir_okay=False),
              help="The history file to write (.jsonl, or .edn for Jepsen EDN).")
def redis_command(workload: str, ops: int, clients: int, keys: int, values: int, seed: int,
                  url: str | None, out: str) -> None:
    """A register or compare-and-set register on Redis, for linearizability."""
    try:
        from histcheck.recorders.databases.redis import record_redis
    except ModuleNotFoundError as exc:
        _missing_driver("redis", exc)
    _check_out(out)
    try:
        recording = record_redis(workload=workload, ops=ops, clients=clients, keys=keys,
                                 values=values, seed=seed, url=url, stream=_stream_path(out))
    except HistcheckError as exc:
        fail(str(exc))
    _finish(recording, out, f"--model {workload} --consistency linearizable")
