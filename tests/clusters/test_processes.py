"""Nodes as process groups: faults reach them, a restart outlives the thread that asked for it,
and leaving the cluster leaves nothing running."""

from __future__ import annotations

import shutil
import sys
import threading
import time
from pathlib import Path

import pytest

from histcheck.recorders.clusters.processes import Cluster
from histcheck.recorders.databases.errors import RecorderError
from tests.clusters.running import survivors


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def test_a_node_restarted_from_a_thread_that_ends_keeps_running(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with Cluster(data) as cluster:
        sleeper = [sys.executable, "-c", "import time; time.sleep(600)", str(data)]
        node = cluster.add("n1", sleeper, tmp_path / "n1.log")
        node.start()
        node.pause()
        assert node._process is not None
        deadline = time.monotonic() + 5
        while _state(node._process.pid) != "T" and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _state(node._process.pid) == "T"
        node.resume()
        # The nemesis restarts nodes from its own thread, which ends before the run does; the
        # node must not go with it (the parent-death signal is documented per thread).
        restart = threading.Thread(target=lambda: (node.kill(), node.start()))
        restart.start()
        restart.join()
        time.sleep(0.3)
        assert node.running
        assert len([c for c in survivors(data) if "time.sleep" in c]) == 1
    assert survivors(data) == [] and not data.exists()


def test_a_node_that_exits_while_starting_is_a_recorder_error_with_its_log(
        tmp_path: Path) -> None:
    shell = shutil.which("sh")
    assert shell is not None
    with Cluster(tmp_path / "data") as cluster:
        node = cluster.add("n1", [shell, "-c", "echo cannot bind; exit 3"], tmp_path / "n1.log",
                           ready=lambda: False)
        node.start()
        with pytest.raises(RecorderError, match="n1 exited with status 3 while starting: "
                                                 "cannot bind"):
            node.wait_ready()
