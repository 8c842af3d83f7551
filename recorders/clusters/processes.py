"""The processes of a cluster under test: started, killed, paused and stopped as whole groups.

Each node (an etcd member, a Redis server, a sentinel) runs as the leader of its own process
group, so a fault or the final stop reaches everything it started. Nothing may outlive the
command, however it ends:

- ``with Cluster(data):`` stops every node on the way out, on error and on Ctrl-C too, and
  removes the data folder (the logs, elsewhere, stay);
- each node gets the parent-death signal SIGKILL, which Linux documents as sent when the
  *thread* that started it ends. Nodes are restarted from the nemesis thread, which ends before
  the run does, so every start goes through one launcher thread that lives as long as the
  cluster, whatever a kernel does with threads;
- a watcher (``databases.servers.Reaper``) kills the groups and removes the data folder should
  the command itself be killed with SIGKILL, which runs no cleanup.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from pathlib import Path
from types import TracebackType
from typing import TypeVar

from histcheck.recorders.databases.errors import RecorderError
from histcheck.recorders.databases.servers import Reaper

STOP_SECONDS = 10.0
START_SECONDS = 30.0

T = TypeVar("T")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def free_ports(count: int) -> list[int]:
    """``count`` distinct free ports: all held open while choosing, so none repeats."""
    probes = [socket.socket(socket.AF_INET, socket.SOCK_STREAM) for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [int(probe.getsockname()[1]) for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def _death_signal_prefix() -> list[str]:
    """``setpriv --pdeathsig KILL --``, where util-linux has it; otherwise nothing."""
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return []
    out = subprocess.run([setpriv, "--help"], capture_output=True, text=True, check=False)
    return [setpriv, "--pdeathsig", "KILL", "--"] if "--pdeathsig" in out.stdout else []


def tail(log: Path, lines: int = 5) -> str:
    """The last lines of a log, joined on one line (for an error message)."""
    try:
        text = log.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "(no log)"
    return " | ".join(text[-lines:]) or "(empty log)"


class Launcher:
    """One long-lived thread that runs every ``Popen``, so nodes die with the cluster only."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._serve, name="launcher", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            job()

    def run(self, work: Callable[[], T]) -> T:
        """``work()`` on the launcher thread; its result, or its exception raised here."""
        future: Future[T] = Future()

        def job() -> None:
            try:
                future.set_result(work())
            except BaseException as exc:
                future.set_exception(exc)
        self._jobs.put(job)
        return future.result()

    def close(self) -> None:
        self._jobs.put(None)
        self._thread.join(STOP_SECONDS)


class Daemon:
    """One node: a command run in its own process group, its output appended to ``log``.

    It implements the nemesis's ``Node``: ``kill`` (SIGKILL to the group), ``start`` (the same
    command again, on the same data), ``pause`` (SIGSTOP) and ``resume`` (SIGCONT).
    """

    def __init__(self, name: str, command: Sequence[str], log: Path, cluster: Cluster,
                 ready: Callable[[], bool] | None = None) -> None:
        self._name = name
        self._command = [*cluster.prefix, *command]
        self.log = log
        self._cluster = cluster
        self._ready = ready
        self._process: subprocess.Popen[bytes] | None = None
        self._paused = False

    @property
    def name(self) -> str:
        return self._name

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    @property
    def paused(self) -> bool:
        return self._paused

    def start(self) -> None:
        """Start the command (again) and return once it exited or the process runs."""
        def spawn() -> subprocess.Popen[bytes]:
            with self.log.open("ab") as out:
                return subprocess.Popen(self._command, stdin=subprocess.DEVNULL, stdout=out,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        try:
            process = self._cluster.launcher.run(spawn)
        except OSError as exc:
            raise RecorderError(f"cannot start {self._name} ({self._command[0]}): "
                                f"{exc.strerror or exc}") from None
        self._cluster.reaper.watch(process)
        self._process = process
        self._paused = False

    def wait_ready(self, seconds: float = START_SECONDS) -> None:
        """Wait until ``ready`` says yes; ``RecorderError`` (with the log's tail) otherwise."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self._process is None or self._process.poll() is not None:
                code = None if self._process is None else self._process.returncode
                raise RecorderError(f"{self._name} exited with status {code} while starting: "
                                    f"{tail(self.log)}")
            if self._ready is None or self._ready():
                return
            time.sleep(0.05)
        raise RecorderError(f"{self._name} did not start within {seconds:.0f} s: "
                            f"{tail(self.log)}")

    def _signal_group(self, sig: signal.Signals) -> None:
        if self._process is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._process.pid, sig)

    def kill(self) -> None:
        self._signal_group(signal.SIGKILL)
        if self._process is not None:
            self._process.wait(STOP_SECONDS)
        self._paused = False

    def pause(self) -> None:
        self._signal_group(signal.SIGSTOP)
        self._paused = True

    def resume(self) -> None:
        self._signal_group(signal.SIGCONT)
        self._paused = False

    def stop(self) -> None:
        """SIGTERM (after SIGCONT, so a paused node can hear it), then SIGKILL the group."""
        if self._process is None:
            return
        self._signal_group(signal.SIGCONT)
        if self._process.poll() is None:
            self._signal_group(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(STOP_SECONDS)
        self._signal_group(signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._process.wait(STOP_SECONDS)


class Cluster:
    """The nodes of one run, their data folder, launcher and watcher: ``with`` stops them all."""

    def __init__(self, data: Path) -> None:
        self.data = data
        self.nodes: dict[str, Daemon] = {}
        self.prefix = _death_signal_prefix()

    def __enter__(self) -> Cluster:
        self.data.mkdir(parents=True, exist_ok=True)
        self.reaper = Reaper(self.data)
        self.launcher = Launcher()
        return self

    def add(self, name: str, command: Sequence[str], log: Path,
            ready: Callable[[], bool] | None = None) -> Daemon:
        node = Daemon(name, command, log, self, ready)
        self.nodes[name] = node
        return node

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 traceback: TracebackType | None) -> None:
        try:
            for node in self.nodes.values():
                node.stop()
        finally:
            self.launcher.close()
            shutil.rmtree(self.data, ignore_errors=True)
            self.reaper.dismiss()


def require(binary: str, hint: str) -> str:
    """The path of ``binary`` on PATH; ``ServerUnavailable``, saying how to install it, if not."""
    from histcheck.recorders.databases.errors import ServerUnavailable

    found = shutil.which(binary)
    if found is None:
        raise ServerUnavailable(f"{binary} is not installed: {hint}")
    return found
