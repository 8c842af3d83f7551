"""Helpers for the kill tests: run a recording command, SIGKILL it mid-run, look at what is left.

A recorder killed with SIGKILL runs no cleanup at all, so these tests run the real command in
a subprocess and read the process table (``/proc``) afterwards. Zombies (dead, not yet reaped by
init) are not running and do not count.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

HISTCHECK = [sys.executable, "-m", "histcheck"]


def start(args: list[str], *, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen([*HISTCHECK, *args], stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env={**os.environ, **(env or {})})


def eventually(predicate: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def lines_in(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def kill_when_recorded(process: subprocess.Popen[bytes], path: Path, lines: int,
                       seconds: float = 60.0) -> None:
    """SIGKILL ``process`` once ``path`` holds ``lines`` lines (fails if it ends first)."""
    reached = eventually(lambda: lines_in(path) >= lines or process.poll() is not None, seconds)
    assert process.poll() is None, (
        f"the command ended before it was killed: {process.communicate()[1].decode()}")
    assert reached, f"{path} did not reach {lines} lines in {seconds} s"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL


def check(path: Path, model: str, consistency: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*HISTCHECK, "check", str(path), "--model", model, "--consistency",
                           consistency, "--timeout", "30"], capture_output=True, text=True,
                          check=False, timeout=120)


def running_with(marker: str) -> list[str]:
    """The command lines of running (not zombie) processes that mention ``marker``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            state = (entry / "stat").read_text().rpartition(")")[2].split()[0]
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if state != "Z" and marker in command:
            found.append(f"{entry.name}: {command}")
    return found
