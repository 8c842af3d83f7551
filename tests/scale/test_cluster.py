"""A real Dask cluster (a scheduler and two workers on 127.0.0.1, started here): the verdicts
of a mixed folder of the corpus and of one large generated history, partition by partition,
equal to a serial run's, and a run that loses a worker to SIGKILL still answers them all."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bench.gen_kv import write_kv
from tests.conftest import HISTORIES
from tests.scale.cluster import Cluster, dask_cluster, group_members
from tests.scale.corpus import HISTCHECK, labels_subset, run, without_timings

pytest.importorskip("distributed", reason="Dask is absent: pip install '.[dask]'")


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    with dask_cluster(tmp_path_factory.mktemp("dask")) as running:
        yield running
    assert all(group_members(p.pid) == [] for p in running.processes)


@pytest.fixture(scope="module")
def large(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("large")
    paths = [folder / "kv-valid.jsonl", folder / "kv-invalid.jsonl"]
    write_kv(paths[0], 60_000, keys=40)
    write_kv(paths[1], 60_000, keys=40, bad=True)
    return paths


def _tasks_since(cluster: Cluster, start: float) -> list[str]:
    from distributed import Client

    with Client(cluster.address, timeout=30) as client:
        return [str(t["key"]) for t in client.get_task_stream(start=start)]


def _verdicts(json_lines: str) -> list[tuple[Any, ...]]:
    return [(row["path"], row["valid"], tuple(row["anomaly_types"]), row.get("agrees"))
            for row in without_timings(json_lines)]


def test_a_folder_of_the_corpus_on_the_cluster_agrees_with_a_serial_run(
        cluster: Cluster, tmp_path: Path) -> None:
    folder = str(labels_subset(tmp_path))
    serial = run("verify", folder, "--json", "--workers", "1")
    started = time.time()
    clustered = run("verify", folder, "--json", "--scheduler", cluster.address)
    assert clustered.returncode == serial.returncode == 0, clustered.stderr
    assert _verdicts(clustered.stdout) == _verdicts(serial.stdout)
    assert len(_verdicts(serial.stdout)) > 30
    tasks = _tasks_since(cluster, started)
    assert sum("check_on_worker" in key for key in tasks) == len(serial.stdout.splitlines())


def test_one_large_history_is_searched_partition_by_partition_on_the_cluster(
        cluster: Cluster, large: list[Path]) -> None:
    for path, code, anomalies in ((large[0], 0, ()), (large[1], 1, ("nonlinearizable",))):
        serial = run("check", str(path), "-m", "kv", "--json")
        started = time.time()
        clustered = run("check", str(path), "-m", "kv", "--json", "--scheduler", cluster.address)
        assert clustered.returncode == serial.returncode == code, clustered.stderr
        assert _verdicts(clustered.stdout) == _verdicts(serial.stdout)
        assert _verdicts(clustered.stdout)[0][2] == anomalies
        batches = [key for key in _tasks_since(cluster, started) if "histcheck-parts" in key]
        if code == 0:
            assert len(batches) == 8  # the 40 keys in four batches per worker thread


@pytest.mark.slow  # the client waits for the connection timeout (10 s)
def test_an_unreachable_scheduler_is_one_line_and_exit_2() -> None:
    from tests.scale.cluster import free_port

    done = run("check", "histories/porcupine-kv/c01-ok.txt", "-m", "kv", "--scheduler",
               f"tcp://127.0.0.1:{free_port()}", timeout=60)
    assert done.returncode == 2
    assert done.stderr.startswith("histcheck: tcp://127.0.0.1:") and \
        "no Dask scheduler answered" in done.stderr and len(done.stderr.splitlines()) == 1


def _kill_a_worker_mid_run(tmp_path: Path, args: list[str]) -> tuple[str, int]:
    """Run histcheck with ``args`` on a fresh cluster, SIGKILL one worker as soon as both are
    busy with its tasks, and return what it printed and its exit code."""
    (tmp_path / "dask").mkdir()
    with dask_cluster(tmp_path / "dask") as fresh:
        command = [str(HISTCHECK), *args, "--scheduler", fresh.address]
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) as process:
            _wait_for_running(fresh)
            fresh.kill_worker(1)
            output, errors = process.communicate(timeout=240)
        assert errors == ""
        pids = [p.pid for p in fresh.processes]
    assert all(group_members(pid) == [] for pid in pids)
    return output, process.returncode


def _wait_for_running(cluster: Cluster, name: str = "w1") -> None:
    """Until the worker called ``name`` is running a task."""
    from distributed import Client

    with Client(cluster.address, timeout=30) as client:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            workers = client.scheduler_info()["workers"]
            address = next(a for a, w in workers.items() if w["name"] == name)
            if client.processing([address]).get(address):
                return
            time.sleep(0.01)
    raise AssertionError(f"worker {name} never had a task")


@pytest.mark.slow  # a second fresh cluster; the one-history run below loses a worker too
def test_a_folder_run_that_loses_a_worker_still_answers_every_history(tmp_path: Path) -> None:
    folder = tmp_path / "runs"
    folder.mkdir()
    for n in range(6):
        write_kv(folder / f"kv-{n}.jsonl", 15_000, keys=4, seed=n, bad=n % 3 == 0)
    serial = run("check", str(folder), "-m", "kv", "--json", "--workers", "1")
    output, code = _kill_a_worker_mid_run(tmp_path, ["check", str(folder), "-m", "kv",
                                                     "--json"])
    assert code == serial.returncode == 1
    assert _verdicts(output) == _verdicts(serial.stdout)


def test_one_history_that_loses_a_worker_still_gets_its_verdict(tmp_path: Path) -> None:
    path = tmp_path / "kv.jsonl"
    write_kv(path, 150_000, keys=40)
    serial = run("check", str(path), "-m", "kv", "--json")
    output, code = _kill_a_worker_mid_run(tmp_path, ["check", str(path), "-m", "kv", "--json"])
    assert code == serial.returncode == 0
    assert _verdicts(output) == _verdicts(serial.stdout)


@pytest.mark.slow  # a LocalCluster starts a worker process per core
def test_a_local_cluster_is_started_for_the_command_and_gives_the_serial_verdicts() -> None:
    folder = str(HISTORIES / "porcupine-kv")
    serial = run("check", folder, "-m", "kv", "--json", "--workers", "1")
    local = run("check", folder, "-m", "kv", "--json", "--scheduler", "local")
    assert local.returncode == serial.returncode == 1
    assert [v[:3] for v in _verdicts(local.stdout)] == [v[:3] for v in _verdicts(serial.stdout)]


def test_budgets_hold_per_history_on_the_cluster(cluster: Cluster, large: list[Path]) -> None:
    folder = run("check", str(HISTORIES / "porcupine-kv"), "-m", "kv", "--json",
                 "--timeout", "0", "--scheduler", cluster.address)
    assert folder.returncode == 3
    assert {row["valid"] for row in without_timings(folder.stdout)} == {"unknown"}
    started = time.monotonic()
    one = run("check", str(large[0]), "-m", "kv", "--json", "--timeout", "0.2",
              "--scheduler", cluster.address, "--opt", "explain=false")
    [row] = without_timings(one.stdout)
    assert one.returncode == 3 and row["valid"] == "unknown", one.stdout
    assert "time budget of 0.2 s ran out" in row["explanation"]
    assert time.monotonic() - started < 15


def test_bad_input_on_the_cluster_is_the_serial_error_line(cluster: Cluster,
                                                          tmp_path: Path) -> None:
    folder = tmp_path / "runs"
    folder.mkdir()
    (folder / "a-broken.jsonl").write_text('{"process": 0, "type": "invoke"\n')
    (folder / "b-ok.txt").symlink_to(HISTORIES / "porcupine-kv" / "c01-ok.txt")
    given = os.path.relpath(folder)  # workers are sent absolute paths; messages name this one
    serial = run("check", given, "-m", "kv", "--workers", "1")
    clustered = run("check", given, "-m", "kv", "--scheduler", cluster.address)
    assert clustered.returncode == serial.returncode == 2
    assert clustered.stderr == serial.stderr and "a-broken.jsonl:1:" in serial.stderr
    assert [line.split(" (")[0] for line in clustered.stdout.splitlines()] == \
        [line.split(" (")[0] for line in serial.stdout.splitlines()]
