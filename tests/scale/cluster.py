"""A real Dask cluster on 127.0.0.1 for the tests: ``dask scheduler`` and ``dask worker``s,
each started as a subprocess in its own process group, on free ports, and killed (with
everything they started) when the test is done."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

BIN = Path(sys.executable).parent
START_SECONDS = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def group_members(pgid: int) -> list[int]:
    """Live processes (not zombies) in process group ``pgid``."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry))
    return members


@dataclass
class Cluster:
    address: str
    scheduler: subprocess.Popen[bytes]
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def processes(self) -> list[subprocess.Popen[bytes]]:
        return [self.scheduler, *self.workers]

    def kill_worker(self, index: int) -> None:
        os.killpg(self.workers[index].pid, signal.SIGKILL)
        self.workers[index].wait(10)


def _start(args: list[str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen([str(BIN / "dask"), *args], stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})


def _wait_for_workers(address: str, count: int) -> None:
    from distributed import Client

    with Client(address, timeout=START_SECONDS) as client:
        client.wait_for_workers(count, timeout=START_SECONDS)
        client.get_task_stream()  # from now on the scheduler records every task it runs


@contextmanager
def dask_cluster(tmp: Path, workers: int = 2) -> Iterator[Cluster]:
    """A scheduler and ``workers`` single-threaded workers (no nanny: a killed worker stays
    dead, as a lost machine does)."""
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    cluster = Cluster(address, _start(["scheduler", "--host", "127.0.0.1", "--port", str(port),
                                       "--dashboard-address", ":0", "--no-show"],
                                      tmp / "scheduler.log"))
    try:
        for n in range(workers):
            cluster.workers.append(_start(
                ["worker", address, "--nthreads", "1", "--no-nanny", "--host", "127.0.0.1",
                 "--dashboard-address", ":0", "--name", f"w{n}", "--local-directory", str(tmp)],
                tmp / f"worker{n}.log"))
        _wait_for_workers(address, workers)
        yield cluster
    finally:
        for process in cluster.processes:
            with suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(10)
        deadline = time.monotonic() + 10
        while any(group_members(p.pid) for p in cluster.processes) and \
                time.monotonic() < deadline:
            time.sleep(0.05)

