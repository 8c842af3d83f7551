"""The watcher that cleans up for a recorder that died: it kills the groups and removes the folder
when its pipe closes without ``done``, and does nothing after ``done``."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from histcheck.recorders.databases.errors import ServerUnavailable
from histcheck.recorders.databases.servers import Reaper, find_redis, throwaway_redis
from tests.recorders.killing import eventually, running_with


def _sleeper(folder: Path) -> subprocess.Popen[bytes]:
    """A stand-in server: a process leading its own group, naming ``folder``."""
    return subprocess.Popen(["sh", "-c", f"sleep 60 # {folder}"], start_new_session=True)


def test_a_closed_pipe_without_done_kills_the_group_and_removes_the_folder(
        tmp_path: Path) -> None:
    folder = tmp_path / "server"
    folder.mkdir()
    (folder / "data").write_text("x")
    reaper = Reaper(folder)
    server = _sleeper(folder)
    reaper.watch(server)
    reaper._pipe.close()  # what the kernel does when the recorder dies
    assert server.wait(10) != 0
    assert eventually(lambda: not folder.exists(), 10)
    reaper._process.wait(10)


def test_done_leaves_everything_alone(tmp_path: Path) -> None:
    folder = tmp_path / "server"
    folder.mkdir()
    reaper = Reaper(folder)
    server = _sleeper(folder)
    reaper.watch(server)
    reaper.dismiss()
    assert reaper._process.returncode == 0
    assert server.poll() is None and folder.exists()
    server.kill()
    server.wait()


def test_a_finished_throwaway_server_leaves_no_process_and_no_folder() -> None:
    try:
        binary = find_redis()
    except ServerUnavailable as exc:
        pytest.skip(str(exc))
    with throwaway_redis(binary) as server:
        assert running_with(str(server.folder))
    assert not server.folder.exists()
    assert eventually(lambda: not running_with(str(server.folder)), 5), \
        running_with(str(server.folder))
