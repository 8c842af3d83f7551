"""Running ``histcheck test`` in a child process, and the process table after it.

Each run gets its own folder under ``tmp_path``; every server a run starts names that folder on
its command line (its data or configuration lives there), which is how the tests find any that
outlived the run. Tests skip, with the package to install, when a system's binaries are absent.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

INSTALL = {"etcd": "apt-get install -y etcd-server",
           "redis-server": "apt-get install -y redis-server",
           "redis-sentinel": "apt-get install -y redis-sentinel"}


def need(*binaries: str) -> None:
    """Skip the test, saying what to install, unless every binary is on PATH."""
    for binary in binaries:
        if shutil.which(binary) is None:
            pytest.skip(f"{binary} is absent: {INSTALL.get(binary, 'install it')}")


def histcheck_test(*args: str, env: dict[str, str] | None = None,
                   timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``histcheck test ARGS`` as a user runs it; returns its exit code and output."""
    return subprocess.run([sys.executable, "-m", "histcheck", "test", *args],
                          capture_output=True, text=True, timeout=timeout, env=env,
                          check=False)


def survivors(folder: Path) -> list[str]:
    """Command lines of live processes that name ``folder`` (none once a run is over)."""
    found = []
    mark = str(folder).encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if mark in command and state != "Z":
            found.append(command.replace(b"\0", b" ").decode(errors="replace"))
    return found
