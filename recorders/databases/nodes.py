"""One database server as a node the nemesis can hit: kill it, start it again, pause, resume.

A ``ServerNode`` owns one server process, which leads its own process group (PostgreSQL's
backends are its children and stay in it). The faults act on the whole group:

- ``kill``: SIGKILL to every process of the group, then wait until none is left: no backend
  survives to finish a transaction, and a fresh server may take the data folder.
- ``start``: the same command again, on the same data folder (the server recovers from its
  log as after any crash); returns once it accepts connections.
- ``pause`` and ``resume``: SIGSTOP and SIGCONT to the group. The kernel still accepts TCP
  connections and data for a stopped process, so clients see silence, not errors: only their
  own timeouts end their wait.

Every process started is handed to the ``Reaper``, so nothing outlives a recorder that dies.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from histcheck.recorders.databases.errors import RecorderError
from histcheck.recorders.databases.servers import Reaper, spawn, stop_server, wait_ready

GONE_SECONDS = 10.0


class ServerNode:
    """A restartable server: ``start`` first, faults while it runs, ``stop`` at the end."""

    def __init__(self, name: str, command: Sequence[str], *, folder: Path, log: Path,
                 reaper: Reaper, ready: Callable[[], bool], stop_signal: signal.Signals) -> None:
        self._name = name
        self._command = list(command)
        self._folder = folder
        self._log = log
        self._reaper = reaper
        self._ready = ready
        self._stop_signal = stop_signal
        self._process: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        return self._name

    @property
    def pid(self) -> int | None:
        """The server's process id (its group's id), while it runs."""
        return self._process.pid if self._process is not None else None

    def start(self) -> None:
        with self._lock:
            if self._process is not None and self._process.poll() is None:
                raise RecorderError(f"{self._name} is already running")
            self._process = spawn(self._command, self._folder, self._log, self._reaper)
            wait_ready(self._process, self._ready, self._name, self._log)

    def kill(self) -> None:
        with self._lock:
            process = self._running()
            self._signal_group(process, signal.SIGKILL)
            process.wait()
            _wait_group_gone(process.pid)

    def pause(self) -> None:
        with self._lock:
            self._signal_group(self._running(), signal.SIGSTOP)

    def resume(self) -> None:
        with self._lock:
            self._signal_group(self._running(), signal.SIGCONT)

    def stop(self) -> None:
        """Stop the server for good (resumed first, should it be paused); idempotent."""
        with self._lock:
            process, self._process = self._process, None
            if process is None:
                return
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(process.pid, signal.SIGCONT)
            stop_server(process, self._stop_signal)
            _wait_group_gone(process.pid)

    def _running(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise RecorderError(f"{self._name} is not running")
        return self._process

    @staticmethod
    def _signal_group(process: subprocess.Popen[bytes], signum: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signum)


def _wait_group_gone(group: int) -> None:
    """Wait until no live process of ``group`` is left (orphans are reaped asynchronously)."""
    deadline = time.monotonic() + GONE_SECONDS
    while time.monotonic() < deadline:
        if not group_alive(group):
            return
        time.sleep(0.01)
    raise RecorderError(f"process group {group} still has processes {GONE_SECONDS:.0f} s after "
                        f"SIGKILL")


def group_alive(group: int) -> bool:
    """Whether a process of ``group`` is running or stopped (zombies, already dead, do not
    count). Reads ``/proc`` where there is one, else asks the kernel with signal 0."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(group, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True
    for stat in proc.glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if len(fields) > 2 and fields[2] == str(group) and fields[0] != "Z":
            return True
    return False
