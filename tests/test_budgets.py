"""Budgets hold for the whole command: `--timeout T` answers within T + 10% (at least + 1 s)
on the hardest inputs of every model family, reading included, and `--memory M` keeps the peak
near M. Each run is a real process, timed from start to exit."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from bench.bench_trace import write_broadcast_run
from bench.gen_jsonl import generate
from bench.txn_gen import history
from histcheck.formats import write_history

HISTORIES = Path(__file__).resolve().parent.parent / "histories"
EXIT_CODES = {0, 1, 3}


def bound(seconds: float) -> float:
    return seconds + max(0.1 * seconds, 1.0)


def run(*args: str) -> tuple[int, float, int, str]:
    """Exit code, wall seconds, peak resident MiB and stderr of one `histcheck` run.

    The peak is the process's own high-water mark after it started (``VmHWM``, read until it
    exits): the rusage figure would count the copy of this test process it was forked from.
    """
    started = time.monotonic()
    process = subprocess.Popen([sys.executable, "-m", "histcheck", *args],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = [0]

    def watch() -> None:
        status = Path(f"/proc/{process.pid}/status")
        while process.poll() is None:
            try:
                text = status.read_text()
            except OSError:
                return
            for line in text.splitlines():
                if line.startswith("VmHWM:"):  # Popen returns once the child has exec'd
                    peak[0] = max(peak[0], int(line.split()[1]) // 1024)
            time.sleep(0.005)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    _, err = process.communicate()
    wall = time.monotonic() - started
    watcher.join()
    return process.returncode, wall, peak[0], err.decode()


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[str]]:
    """The hardest input of each family, as `check` arguments."""
    folder = tmp_path_factory.mktemp("budgets")
    generate(folder / "cas-1m.jsonl", 1_000_000)
    generate(folder / "cas-200k.jsonl", 200_000)
    write_history(history("rw-register", "snapshot", 10_000, seed=7, keys=2000),
                  folder / "rw-10k.jsonl")
    write_history(history("list-append", "serializable", 20_000, seed=7, keys=2000),
                  folder / "la-20k.jsonl")
    write_broadcast_run(folder / "broadcast-1m.jsonl", 1_000_000, 16)
    dgraph = HISTORIES / "txn-formats" / "dbcop-bincode" / "dgraph" / "history.bincode"
    return {
        "linearizable, 1M operations": [str(folder / "cas-1m.jsonl"), "-m", "cas-register"],
        "sequential, 200k operations": [str(folder / "cas-200k.jsonl"), "-m", "cas-register",
                                        "-c", "sequential"],
        "serializable, 10k rw-register": [str(folder / "rw-10k.jsonl"), "-m", "rw-register",
                                          "-c", "serializable"],
        "snapshot isolation, dgraph": [str(dgraph), "-m", "rw-register", "-c",
                                       "snapshot-isolation"],
        "serializable, 20k list-append": [str(folder / "la-20k.jsonl"), "-m", "list-append",
                                          "-c", "serializable"],
        "causal broadcast, 1M events": [str(folder / "broadcast-1m.jsonl"), "-m", "broadcast",
                                        "-c", "causal"],
    }


FAMILIES = ["linearizable, 1M operations", "sequential, 200k operations",
            "serializable, 10k rw-register", "snapshot isolation, dgraph",
            "serializable, 20k list-append", "causal broadcast, 1M events"]


@pytest.mark.slow
@pytest.mark.parametrize("seconds", [1, 5])
@pytest.mark.parametrize("family", FAMILIES)
def test_the_timeout_holds_for_the_whole_command(inputs: dict[str, list[str]], family: str,
                                                 seconds: int) -> None:
    code, wall, _, err = run("check", *inputs[family], "--timeout", str(seconds))
    assert "Traceback" not in err
    assert code in EXIT_CODES, err
    assert wall <= bound(seconds), f"{family}: {wall:.2f} s for --timeout {seconds}"


@pytest.mark.slow
def test_the_memory_ceiling_holds_on_a_million_operations(inputs: dict[str, list[str]]) -> None:
    code, _, peak, err = run("check", *inputs["linearizable, 1M operations"],
                                      "--memory", "300")
    assert code == 3, err
    assert 200 < peak < 350, f"peak {peak} MiB under --memory 300"


def test_reading_counts_against_the_timeout(tmp_path: Path) -> None:
    path = tmp_path / "cas-100k.jsonl"
    generate(path, 100_000)
    code, wall, _, err = run("check", str(path), "-m", "cas-register", "-c", "sequential",
                             "--timeout", "0.3")
    assert code == 3, err
    assert wall <= bound(0.3), f"{wall:.2f} s for --timeout 0.3"
