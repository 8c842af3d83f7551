"""``histcheck test postgres|mariadb``: one database server, transactions, and faults.

The server (one, whatever ``--nodes`` says) is started by the run, from the local binaries,
on 127.0.0.1 at a free port, with its data under ``OUT/data`` and its log in the run's log
folder. It is one node for the nemesis (``ServerNode``): ``kill`` SIGKILLs all its processes
and restarts it on the same data, ``pause`` stops them with SIGSTOP and resumes them; a
``leader-`` fault hits the same server, the one primary there is. Concurrent clients run
Elle's transactions (``list-append`` or ``rw-register``) at the chosen isolation level for the
run's seconds, and every event, the nemesis's too, is streamed to the history as it happens.

Faults decide outcomes, so clients are careful about what they claim. A transaction whose
connection breaks before its COMMIT is sent certainly did not commit (``fail``); once COMMIT is
sent and no answer comes it may have (``info``), and the client goes on as a new process. Every
transaction has a deadline (``timeout``, default 1 s): a paused server cannot hang a client,
which then cuts its connection, which classifies the transaction as above.

Options (``--opt NAME=VALUE``): ``clients`` (8), ``keys`` active at a time (3),
``max-writes-per-key`` (16), ``timeout`` in seconds (1), ``keep-data`` (false: the data folder
is removed at the end; the logs stay). PostgreSQL run by root runs as ``nobody``
(``servers``); when that user cannot enter ``OUT``, its data goes to a temporary folder.

Without ``--isolation``, transactions run at the server's default level (PostgreSQL: read
committed; MariaDB: repeatable read). Without ``--consistency``, the history is checked for the
level the server promises for its isolation level: for PostgreSQL's REPEATABLE READ that is
snapshot isolation, which is how PostgreSQL documents and implements it; for MariaDB's, the
ANSI level's name, repeatable read.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import signal
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from histcheck.recorders.clusters.plan import CheckTarget, Nemesis, RunPlan, schedule
from histcheck.recorders.databases.errors import RecorderError
from histcheck.recorders.databases.nodes import ServerNode
from histcheck.recorders.databases.recording import Recorder, Session, Tally, run_clients
from histcheck.recorders.databases.servers import Reaper, free_port
from histcheck.recorders.databases.workloads import TXN_WORKLOADS, TxnWorkload
from histcheck.recorders.streaming import recording_to

SYSTEMS: tuple[str, ...] = ("postgres", "mariadb")
ISOLATION_LEVELS: tuple[str, ...] = ("serializable", "repeatable-read", "read-committed")
DEFAULT_ISOLATION = {"postgres": "read-committed", "mariadb": "repeatable-read"}
PROMISED: dict[str, dict[str, str]] = {
    "postgres": {"serializable": "serializable", "repeatable-read": "snapshot-isolation",
                 "read-committed": "read-committed"},
    "mariadb": {"serializable": "serializable", "repeatable-read": "repeatable-read",
                "read-committed": "read-committed"},
}
"""The consistency level each server promises at each of its isolation levels."""


@dataclass(frozen=True)
class Shape:
    """How the clients load the server: read from ``--opt``, with defaults that reveal the
    known anomalies within a few seconds."""

    clients: int = 8
    keys: int = 3
    max_writes_per_key: int = 16
    timeout: float = 1.0

    @classmethod
    def of(cls, plan: RunPlan) -> Shape:
        try:
            shape = cls(int(plan.option("clients", str(cls.clients))),
                        int(plan.option("keys", str(cls.keys))),
                        int(plan.option("max-writes-per-key", str(cls.max_writes_per_key))),
                        float(plan.option("timeout", str(cls.timeout))))
        except ValueError as exc:
            raise RecorderError(f"bad --opt value for {plan.system}: {exc}") from None
        if shape.clients < 1 or shape.keys < 1 or shape.max_writes_per_key < 0 \
                or not shape.timeout > 0:
            raise RecorderError(f"--opt clients and keys must be at least 1, "
                                f"max-writes-per-key at least 0, timeout positive: {shape}")
        return shape


@dataclass(frozen=True)
class Server:
    """A started server: its node, and how to prepare it and open client sessions."""

    node: ServerNode
    prepare: Callable[[], str]
    session: Callable[[], Session]


def isolation_of(plan: RunPlan) -> str:
    isolation = plan.isolation or DEFAULT_ISOLATION[plan.system]
    if isolation not in ISOLATION_LEVELS:
        raise RecorderError(f"unknown isolation level {isolation!r} for {plan.system}; known: "
                            f"{', '.join(ISOLATION_LEVELS)}")
    return isolation


def check_target(plan: RunPlan) -> CheckTarget:
    """How to check a run of ``plan``: its workload's model at the level asked or promised."""
    return CheckTarget(plan.workload,
                       plan.consistency or PROMISED[plan.system][isolation_of(plan)], {})


def record(plan: RunPlan, history: Path, logs: Path) -> CheckTarget:
    """Run ``plan`` against a fresh server: record into ``history``, logs into ``logs``."""
    if plan.system not in SYSTEMS:
        raise RecorderError(f"{plan.system!r} is not a database system; known: "
                            f"{', '.join(SYSTEMS)}")
    if plan.workload not in TXN_WORKLOADS:
        raise RecorderError(f"workload {plan.workload!r} does not run on {plan.system}; "
                            f"known: {', '.join(TXN_WORKLOADS)}")
    isolation = isolation_of(plan)
    target = check_target(plan)
    shape = Shape.of(plan)
    generator = TxnWorkload(plan.workload, keys=shape.keys,
                            max_writes_per_key=shape.max_writes_per_key, seed=plan.seed)
    logs.mkdir(parents=True, exist_ok=True)
    history.parent.mkdir(parents=True, exist_ok=True)
    start = _postgres if plan.system == "postgres" else _mariadb
    with _data_folder(plan, plan.system) as (folder, reaper), \
            start(folder, logs, reaper, plan.workload, isolation, shape) as server:
        version = server.prepare()
        with recording_to(history, by=f"histcheck test {plan.system}", server=version,
                          workload=plan.workload, isolation=isolation,
                          nemesis=list(plan.nemesis), seconds=plan.seconds,
                          seed=plan.seed) as file:
            recorder = Recorder(file)
            faults = schedule(plan, [server.node.name])
            nemesis = Nemesis(faults, {server.node.name: server.node}, recorder.nemesis,
                              leader=lambda: server.node.name)
            with contextlib.ExitStack() as faults_on:
                tally = run_clients(clients=shape.clients, total=None, seconds=plan.seconds,
                                    next_op=generator, connect=server.session,
                                    recorder=recorder,
                                    on_start=lambda: faults_on.enter_context(nemesis))
            if nemesis.error is not None:
                raise RecorderError(f"the nemesis failed: {type(nemesis.error).__name__}: "
                                    f"{nemesis.error}") from nemesis.error
    _summarize(logs / "recording.txt", f"{version}, {isolation}, {plan.workload}", tally)
    return target


def _summarize(path: Path, server: str, tally: Tally) -> None:
    path.write_text(f"{server}: {tally.describe()}\n")


@contextlib.contextmanager
def _data_folder(plan: RunPlan, system: str) -> Iterator[tuple[Path, Reaper]]:
    """``OUT/data/SYSTEM``, fresh, watched by a reaper; removed at the end unless kept.

    PostgreSQL run by root runs as ``nobody``, who may be unable to enter ``OUT`` (a folder
    under root's private ones): its data then goes to a fresh temporary folder instead.
    """
    folder = plan.out / "data" / system
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    if system == "postgres" and os.geteuid() == 0 and not _reachable_by_unprivileged(folder):
        folder.rmdir()
        folder = Path(tempfile.mkdtemp(prefix="histcheck-pg-"))
    reaper = Reaper(folder)
    try:
        yield folder, reaper
    finally:
        if not plan.flag("keep-data"):
            shutil.rmtree(folder, ignore_errors=True)
            with contextlib.suppress(OSError):  # OUT/data itself, once nothing else is in it
                (plan.out / "data").rmdir()
        reaper.dismiss()


def _reachable_by_unprivileged(folder: Path) -> bool:
    """Whether ``nobody`` can enter every folder above ``folder``."""
    from histcheck.recorders.databases.servers import UNPRIVILEGED_USER

    try:
        user = pwd.getpwnam(UNPRIVILEGED_USER)
    except KeyError:
        return True  # postgres_prefix says what is missing
    for parent in folder.resolve().parents:
        info = parent.stat()
        if not (info.st_mode & stat.S_IXOTH
                or (info.st_uid == user.pw_uid and info.st_mode & stat.S_IXUSR)
                or (info.st_gid == user.pw_gid and info.st_mode & stat.S_IXGRP)):
            return False
    return True


@contextlib.contextmanager
def _running(node: ServerNode) -> Iterator[None]:
    try:
        node.start()
        yield
    finally:
        node.stop()


@contextlib.contextmanager
def _postgres(folder: Path, logs: Path, reaper: Reaper, workload: str, isolation: str,
              shape: Shape) -> Iterator[Server]:
    from histcheck.recorders.databases import postgres
    from histcheck.recorders.databases.servers import (
        find_postgres,
        initdb,
        pg_ready,
        postgres_command,
        postgres_prefix,
    )

    binaries = find_postgres()
    prefix = postgres_prefix(folder)
    data, port = folder / "pgdata", free_port()
    initdb(binaries, prefix, data, folder, reaper)
    # synchronous_commit stays on: a killed server must keep what it acknowledged.
    command = postgres_command(binaries, prefix, data, f"port={port}",
                               "listen_addresses=127.0.0.1", "unix_socket_directories=")
    dsn = f"host=127.0.0.1 port={port} user=postgres dbname=postgres connect_timeout=2"
    node = ServerNode("postgres", command, folder=folder, log=logs / "postgres.log",
                      reaper=reaper, ready=lambda: pg_ready(dsn), stop_signal=signal.SIGINT)
    with _running(node):
        yield Server(node, lambda: postgres.prepare(dsn, workload),
                     lambda: postgres.PostgresSession(dsn, workload, isolation, shape.timeout))


@contextlib.contextmanager
def _mariadb(folder: Path, logs: Path, reaper: Reaper, workload: str, isolation: str,
             shape: Shape) -> Iterator[Server]:
    from histcheck.recorders.databases import mariadb
    from histcheck.recorders.databases.mariadb_server import (
        MariaDBAddress,
        find_mariadb,
        install_db,
        mariadb_command,
        mariadb_ready,
    )

    binaries = find_mariadb()
    data = folder / "mysql"
    install_db(binaries, data, folder, reaper)
    address = MariaDBAddress("127.0.0.1", free_port())
    node = ServerNode("mariadb", mariadb_command(binaries, data, address.port), folder=folder,
                      log=logs / "mariadb.log", reaper=reaper,
                      ready=lambda: mariadb_ready(address), stop_signal=signal.SIGTERM)
    connect = mariadb.connect_to(address, shape.timeout)
    with _running(node):
        yield Server(node, lambda: mariadb.prepare(address, workload),
                     lambda: mariadb.MariaDBSession(connect, workload, isolation))
