"""One database server as a node the nemesis can hit: kill it, start it again, pause, resume.

A ``ServerNode`` owns one server process, which leads its own process group. The faults act
on all of the server's processes: the group and every descendant of the server, because
PostgreSQL's backends each make themselves the leader of a group of their own:

- ``kill``: SIGSTOP the server (it forks no more backends), then SIGKILL every one of its
  processes, then wait until none is left: no backend survives to finish a transaction, and a
  fresh server may take the data folder.
- ``start``: the same command again, on the same data folder (the server recovers from its
  log as after any crash); returns once it accepts connections.
- ``pause`` and ``resume``: SIGSTOP and SIGCONT to every one of them. The kernel still accepts TCP
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
            _signal(process.pid, [process.pid], signal.SIGSTOP)
            members = server_processes(process.pid)
            _signal(process.pid, members, signal.SIGKILL)
            process.wait()
            _wait_gone(process.pid, members)

    def pause(self) -> None:
        with self._lock:
            process = self._running()
            _signal(process.pid, [process.pid], signal.SIGSTOP)
            _signal(process.pid, server_processes(process.pid), signal.SIGSTOP)

    def resume(self) -> None:
        with self._lock:
            process = self._running()
            _signal(process.pid, server_processes(process.pid), signal.SIGCONT)

    def stop(self) -> None:
        """Stop the server for good (resumed first, should it be paused); idempotent."""
        with self._lock:
            process, self._process = self._process, None
            if process is None:
                return
            members = server_processes(process.pid)
            _signal(process.pid, members, signal.SIGCONT)
            stop_server(process, self._stop_signal)
            _signal(process.pid, members, signal.SIGKILL)
            _wait_gone(process.pid, members)

    def _running(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            raise RecorderError(f"{self._name} is not running")
        return self._process


def _signal(group: int, pids: Sequence[int], signum: signal.Signals) -> None:
    """Send ``signum`` to ``group`` and to each of ``pids`` (those already gone are skipped)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signum)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signum)


def _wait_gone(group: int, pids: Sequence[int]) -> None:
    """Wait until none of ``pids`` and no process of ``group`` is left alive."""
    deadline = time.monotonic() + GONE_SECONDS
    while time.monotonic() < deadline:
        if not set(pids) & set(_live_processes()) and not group_alive(group):
            return
        time.sleep(0.01)
    raise RecorderError(f"server processes {sorted(pids)} still alive {GONE_SECONDS:.0f} s "
                        f"after SIGKILL")


def _live_processes() -> dict[int, tuple[int, int]]:
    """Every live (not zombie) process in ``/proc``: pid -> (parent pid, process group)."""
    table: dict[int, tuple[int, int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if len(fields) > 2 and fields[0] != "Z":
            table[int(stat.parent.name)] = (int(fields[1]), int(fields[2]))
    return table


def server_processes(leader: int) -> list[int]:
    """The live processes of ``leader``'s group and every descendant of ``leader``, found in
    ``/proc`` (just the leader where there is none)."""
    if not Path("/proc").is_dir():
        return [leader]
    table = _live_processes()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in table.items():
        children.setdefault(parent, []).append(pid)
    found = {pid for pid, (_, group) in table.items() if group == leader}
    if leader in table:
        found.add(leader)
    stack = [leader]
    while stack:
        for child in children.get(stack.pop(), []):
            if child not in found:
                found.add(child)
                stack.append(child)
    return sorted(found)


def group_alive(group: int) -> bool:
    """Whether a process of ``group`` is running or stopped (zombies, already dead, do not
    count). Reads ``/proc`` where there is one, else asks the kernel with signal 0."""
    if not Path("/proc").is_dir():
        try:
            os.killpg(group, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True
    return any(pgrp == group for _, pgrp in _live_processes().values())
