"""A server node under faults, on a stand-in server (a Python process and its child).

``kill`` must leave no process of the group, ``pause`` must stop every one of them, and
``stop`` must end a paused node too: these are what let a run leave nothing behind.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from histcheck.recorders.databases.errors import RecorderError
from histcheck.recorders.databases.nodes import ServerNode, group_alive, server_processes
from histcheck.recorders.databases.servers import Reaper

# Like a postmaster: a parent with one child in its group and one that, like a PostgreSQL
# backend, made itself the leader of a group of its own; all three sleep.
CHILD = "[sys.executable, '-c', 'import time; time.sleep(60)']"
SERVER = ("import subprocess, sys, time; "
          f"subprocess.Popen({CHILD}); subprocess.Popen({CHILD}, start_new_session=True); "
          "time.sleep(60)")


def states(leader: int) -> list[str]:
    """The scheduler states (R, S, T, ...) of the server's live processes."""
    found = []
    for pid in server_processes(leader):
        try:
            found.append((Path("/proc") / str(pid) / "stat").read_text().rpartition(")")[2]
                         .split()[0])
        except OSError:
            continue
    return found


def alive(pids: list[int]) -> list[int]:
    """Those of ``pids`` still running or stopped (not gone, not zombies)."""
    left = []
    for pid in pids:
        try:
            state = (Path("/proc") / str(pid) / "stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            continue
        if state != "Z":
            left.append(pid)
    return left


def wait_for(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError("timed out")


@pytest.fixture
def node(tmp_path: Path) -> Iterator[ServerNode]:
    if not Path("/proc").is_dir():
        pytest.skip("needs /proc to see process states")
    reaper = Reaper(tmp_path)
    node = ServerNode("stand-in", [sys.executable, "-c", SERVER], folder=tmp_path,
                      log=tmp_path / "server.log", reaper=reaper, ready=lambda: True,
                      stop_signal=signal.SIGTERM)
    node.start()
    try:
        yield node
    finally:
        node.stop()
        reaper.dismiss()


def test_kill_leaves_no_process_of_the_server_and_start_runs_it_again(node: ServerNode) -> None:
    first = node.pid
    assert first is not None
    wait_for(lambda: len(states(first)) == 3)
    members = server_processes(first)
    node.kill()
    assert not group_alive(first)
    assert alive(members) == []  # the child in a group of its own too
    node.start()
    assert node.pid is not None and node.pid != first
    assert group_alive(node.pid)


def test_pause_stops_every_process_and_resume_continues_them(node: ServerNode) -> None:
    group = node.pid
    assert group is not None
    wait_for(lambda: len(states(group)) == 3)
    node.pause()
    wait_for(lambda: states(group) == ["T", "T", "T"])
    node.resume()
    wait_for(lambda: "T" not in states(group))


def test_stop_ends_a_paused_node(node: ServerNode) -> None:
    group = node.pid
    assert group is not None
    wait_for(lambda: len(states(group)) == 3)
    members = server_processes(group)
    node.pause()
    node.stop()
    assert not group_alive(group)
    assert alive(members) == []
    with pytest.raises(RecorderError, match="not running"):
        node.pause()
