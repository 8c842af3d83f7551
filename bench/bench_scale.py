"""Benchmark scaling out: serial against ``--workers 2``, ``--scheduler`` against ``--workers``,
and one large kv history across a Dask cluster.

Run from the repository root: ``python bench/bench_scale.py [--histories 200] [--operations
5000] [--large 10000000]``. Each row is one whole ``histcheck check`` process on generated kv
histories (``bench/gen_kv.py``: put/get, 10 keys for the folder, 1,000 for the large one),
with its wall time, operations per second, and peak resident memory: of the command itself,
and of the largest worker process (forked workers are the command's children; a Dask
worker's peak is asked from the worker). The cluster is a ``dask scheduler`` and two
single-threaded ``dask worker``s on 127.0.0.1, started here and stopped at the end. Every row
checks that the verdicts equal the serial run's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.gen_kv import write_kv
from tests.scale.cluster import Cluster, dask_cluster

HISTCHECK = Path(sys.executable).with_name("histcheck")


def _run(args: list[str]) -> tuple[float, float, float, list[object]]:
    """Wall seconds, peak MiB of the command and of its largest child, and the verdicts."""
    started = time.perf_counter()
    proc = subprocess.Popen([str(HISTCHECK), *args, "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, _, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    verdicts = [json.loads(line)["valid"] for line in out.splitlines()]
    # the command's own peak is in its JSON (peak_rss_mb: the largest process that checked)
    peaks = [json.loads(line).get("peak_rss_mb", 0.0) for line in out.splitlines()]
    return wall, usage.ru_maxrss / 1024, max(peaks, default=0.0), verdicts


def _worker_peaks(cluster: Cluster) -> list[float]:
    from distributed import Client

    def peak() -> float:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    with Client(cluster.address, timeout=30) as client:
        return sorted(client.run(peak).values())


def _row(name: str, operations: int, wall: float, command_mb: float, worker_mb: float,
         base: float | None) -> None:
    speedup = "" if base is None else f"{base / wall:5.2f}x"
    load = os.getloadavg()[0]  # other work on the machine makes any speed-up smaller
    print(f"{name:38} {wall:8.2f} s {operations / wall:12,.0f} ops/s "
          f"{command_mb:8.0f} MiB {worker_mb:8.0f} MiB {speedup:>8} load {load:.1f}", flush=True)


def folder_rows(root: Path, histories: int, operations: int) -> None:
    folder = root / "runs"
    folder.mkdir()
    for n in range(histories):
        write_kv(folder / f"kv-{n:03}.jsonl", operations, keys=10, clients=10, seed=n,
                 bad=n % 10 == 0)
    total = histories * operations
    print(f"# {histories} kv histories of {operations:,} operations, 10 keys, "
          "1 in 10 invalid", flush=True)
    print(f"{'run':38} {'wall':>10} {'throughput':>18} {'command':>12} {'worker':>12} speed-up")
    serial = _run(["check", str(folder), "-m", "kv", "--workers", "1"])
    _row("serial (--workers 1)", total, serial[0], serial[1], serial[2], None)
    pooled = _run(["check", str(folder), "-m", "kv", "--workers", "2"])
    assert pooled[3] == serial[3]
    _row("--workers 2", total, pooled[0], pooled[1], pooled[2], serial[0])
    with dask_cluster(root) as cluster:
        clustered = _run(["check", str(folder), "-m", "kv", "--scheduler", cluster.address])
        assert clustered[3] == serial[3]
        _row("--scheduler (2 workers)", total, clustered[0], clustered[1],
             max(_worker_peaks(cluster)), serial[0])
        print(f"# --scheduler over --workers 2: {clustered[0] - pooled[0]:+.2f} s "
              f"({(clustered[0] / pooled[0] - 1) * 100:+.0f}%)", flush=True)


def large_rows(root: Path, operations: int) -> None:
    path = root / "large.jsonl"
    started = time.perf_counter()
    write_kv(path, operations, keys=1000, clients=100)
    print(f"# one kv history of {operations:,} operations, 1,000 keys "
          f"({path.stat().st_size / 2**20:,.0f} MiB, written in "
          f"{time.perf_counter() - started:.0f} s)", flush=True)
    with dask_cluster(root) as cluster:
        clustered = _run(["check", str(path), "-m", "kv", "--scheduler", cluster.address])
        peaks = _worker_peaks(cluster)
    _row("--scheduler (2 workers), by key", operations, clustered[0], clustered[1],
         max(peaks), None)
    print(f"# verdict {clustered[3]}, worker peaks {', '.join(f'{p:.0f}' for p in peaks)} MiB",
          flush=True)
    if "--serial" in sys.argv:
        serial = _run(["check", str(path), "-m", "kv", "--workers", "1"])
        assert serial[3] == clustered[3]
        _row("serial (--workers 1)", operations, serial[0], serial[1], serial[2], None)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--histories", type=int, default=200)
    parser.add_argument("--operations", type=int, default=5000,
                        help="operations per history of the folder")
    parser.add_argument("--large", type=int, default=10_000_000,
                        help="operations of the large history (0: skip it)")
    parser.add_argument("--serial", action="store_true",
                        help="also check the large history serially")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-scale-") as tmp:
        if args.histories:
            (Path(tmp) / "folder").mkdir()
            folder_rows(Path(tmp) / "folder", args.histories, args.operations)
        if args.large:
            (Path(tmp) / "large").mkdir()
            large_rows(Path(tmp) / "large", args.large)


if __name__ == "__main__":
    main()
