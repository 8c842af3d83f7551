"""Clients that run for a while against a cluster that faults keep breaking.

Like ``databases.recording.run_clients``, and with its ``Recorder``, ``Session``, ``Op`` and
``Outcome``, but bounded by time rather than by a count, and patient: while a node is down a
client cannot connect, so it retries until the run ends instead of giving up. Each operation
is logged at its invocation and at its completion; after an ``info`` outcome (nobody knows
whether it took effect) the client goes on under a new process id (``process + clients``) on a
new session, as Jepsen does, because the old process may still have an operation in flight.

Clients pace themselves to ``rate`` operations per second in all: histories stay small enough to
check, and faults, not load, decide what happens.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

from histcheck.history import INFO
from histcheck.recorders.clusters.plan import Nemesis, Node, RunPlan, schedule
from histcheck.recorders.databases.errors import RecorderError
from histcheck.recorders.databases.recording import (
    Op,
    Recorder,
    Session,
    Tally,
    perform_logged,
    raise_first,
    tally,
)
from histcheck.recorders.streaming import recording_to

RETRY_SECONDS = 0.05


def _connect_until(connect: Callable[[], Session], stop: threading.Event) -> Session | None:
    """A new session, retrying while the cluster cannot give one; None when the run ends."""
    while not stop.is_set():
        try:
            return connect()
        except RecorderError:
            stop.wait(RETRY_SECONDS)
    return None


def run_under_faults(plan: RunPlan, history: Path, *, system: str, server: str,
                     targets: list[str], nodes: Mapping[str, Node],
                     leader: Callable[[], str | None], clients: int, rate: float,
                     next_op: Callable[[], Op],
                     connect: Callable[[], Callable[[], Session]]) -> None:
    """Record ``plan.seconds`` of clients into ``history`` while the nemesis hits ``targets``
    (names among ``nodes``) on the plan's schedule; a nemesis that failed fails the run."""
    with recording_to(history, by=f"histcheck test {system}", server=server,
                      seed=plan.seed) as file:
        recorder = Recorder(file)
        with Nemesis(schedule(plan, targets), nodes, recorder.nemesis, leader=leader) as nemesis:
            run_for(seconds=plan.seconds, clients=clients, rate=rate, next_op=next_op,
                    connect=connect, recorder=recorder, stop=threading.Event())
        if nemesis.error is not None:
            raise RecorderError(f"the nemesis failed: {nemesis.error}")


def run_for(*, seconds: float, clients: int, rate: float, next_op: Callable[[], Op],
            connect: Callable[[], Callable[[], Session]], recorder: Recorder,
            stop: threading.Event) -> Tally:
    """Run ``clients`` threads for ``seconds`` (or until ``stop`` is set); return the tally.

    ``connect()`` gives each client its own way to connect (so clients can spread over nodes).
    An exception escaping a session is a bug: it stops every client and is raised as a
    ``RecorderError`` once all have finished.
    """
    if clients < 1:
        raise RecorderError(f"need at least one client (clients={clients})")
    pause = clients / rate if rate > 0 else 0.0
    failures: list[BaseException] = []
    lock = threading.Lock()
    timer = threading.Timer(seconds, stop.set)

    def client(index: int, open_session: Callable[[], Session]) -> None:
        process = index
        session = _connect_until(open_session, stop)
        try:
            while session is not None and not stop.is_set():
                began = time.monotonic()
                outcome, process = perform_logged(recorder, session, process, next_op(),
                                                  clients)
                if outcome.type is INFO or not session.usable:
                    session.close()
                    session = _connect_until(open_session, stop)
                stop.wait(max(0.0, pause - (time.monotonic() - began)))
        except BaseException as exc:
            with lock:
                failures.append(exc)
            stop.set()
        finally:
            if session is not None:
                session.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i, connect()), name=f"client-{i}",
                                daemon=True) for i in range(clients)]
    timer.start()
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(0.1)
    finally:
        stop.set()
        timer.cancel()
        for thread in threads:
            if thread.ident is not None:
                thread.join()
    raise_first(failures)
    return tally(recorder, time.perf_counter() - started)
