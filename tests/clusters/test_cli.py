"""``histcheck test`` as a command: setup failures and bad usage exit 2 in one line, Ctrl-C
stops everything and keeps the history recorded so far, marked incomplete."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from histcheck.errors import HistcheckWarning
from histcheck.formats import read_history
from tests.clusters.running import histcheck_test, need, survivors


def _env_with_path(path: str) -> dict[str, str]:
    return {**os.environ, "PATH": path}


def test_a_missing_binary_is_one_line_with_an_install_hint_and_exit_2(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    run = histcheck_test("etcd", "--out", str(tmp_path / "run"), env=_env_with_path(str(empty)))
    assert run.returncode == 2
    assert run.stderr.strip().splitlines() == [
        "histcheck: etcd is not installed: apt-get install -y etcd-server (Debian/Ubuntu), "
        "or brew install etcd"]


def test_a_server_that_cannot_start_is_one_line_naming_it_and_exit_2(tmp_path: Path) -> None:
    fake = tmp_path / "bin"
    fake.mkdir()
    etcd = fake / "etcd"
    etcd.write_text("#!/bin/sh\necho 'listen tcp 127.0.0.1: bind: address already in use'\n"
                    "exit 1\n")
    etcd.chmod(0o755)
    out = tmp_path / "run"
    run = histcheck_test("etcd", "--out", str(out),
                         env=_env_with_path(f"{fake}:{os.environ.get('PATH', '')}"))
    assert run.returncode == 2
    (line,) = run.stderr.strip().splitlines()
    assert line.startswith("histcheck: n1 exited with status 1 while starting")
    assert "address already in use" in line
    assert not (out / "history.jsonl").exists() and not (out / "data").exists()
    assert (out / "logs" / "n1.log").is_file()


def test_bad_usage_exits_2_before_starting_anything(tmp_path: Path) -> None:
    for args, says in [(("--nemesis", "flood"), "--nemesis takes"),
                       (("--workload", "bank"), "etcd has the workloads cas-register"),
                       (("--opt", "serializable-reads"), "--opt takes NAME=VALUE")]:
        run = histcheck_test("etcd", *args, "--out", str(tmp_path / "run"))
        assert run.returncode == 2 and says in run.stderr, run.stderr
    for setting, says in [("serializable-read=true", "etcd has no setting serializable-read"),
                          ("serializable-reads=ture", "takes true or false"),
                          ("clients=0", "must be at least 1")]:
        run = histcheck_test("etcd", "--opt", setting, "--out", str(tmp_path / "run"),
                             env=_env_with_path(str(tmp_path)))
        assert run.returncode == 2 and says in run.stderr, run.stderr
        assert len(run.stderr.strip().splitlines()) == 1
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    run = histcheck_test("etcd", "--out", str(other))
    assert run.returncode == 2 and "holds other files" in run.stderr
    assert (other / "notes.txt").read_text() == "keep me"


def test_ctrl_c_stops_servers_and_keeps_the_history_marked_incomplete(tmp_path: Path) -> None:
    need("etcd")
    out = tmp_path / "run"
    child = subprocess.Popen([sys.executable, "-m", "histcheck", "test", "etcd", "--nemesis",
                              "pause", "--interval", "0.3", "--duration", "0.5", "--seconds",
                              "60", "--out", str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    history = out / "history.jsonl"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and child.poll() is None:
        if history.exists() and history.read_bytes().count(b"\n") > 100:
            break
        time.sleep(0.1)
    child.send_signal(signal.SIGINT)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "histcheck: interrupted"
    with pytest.warns(HistcheckWarning, match="incomplete recording"):
        recorded = read_history(history)
    assert recorded.incomplete and len(recorded) > 20
    assert not (out / "result.json").exists()
    assert survivors(tmp_path) == []


def test_a_killed_command_leaves_no_server_and_no_data_behind(tmp_path: Path) -> None:
    need("etcd")
    out = tmp_path / "run"
    child = subprocess.Popen([sys.executable, "-m", "histcheck", "test", "etcd", "--seconds",
                              "60", "--out", str(out)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    history = out / "history.jsonl"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and not (history.exists() and history.stat().st_size):
        time.sleep(0.1)
    assert survivors(out / "data"), "the cluster should be running"
    child.kill()  # SIGKILL: no cleanup runs; the kernel and the watcher must do it
    child.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (survivors(tmp_path) or (out / "data").exists()):
        time.sleep(0.1)
    assert survivors(tmp_path) == []
    assert not (out / "data").exists()
    assert history.exists()
