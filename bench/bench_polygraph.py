"""Whole-process timings of the exact serializability and snapshot-isolation checks.

    python3 bench/bench_polygraph.py [--timeout S] [--repeat N]

Runs ``histcheck check`` on the bundled benchmark histories of about 10,000 transactions (Cobra's
chengRW and twitter runs, a YugabyteDB run with a G2 violation, PolySI's PostgreSQL repeatable
read run) at serializable and at snapshot isolation, and prints for each the verdict, the wall
seconds of the whole command (median of ``--repeat``), transactions per second and the peak
resident memory of the process. Targets: every row under 10 s; snapshot isolation at most 1.2
times the time of serializable on a serializable history.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HISTORIES = ROOT / "histories"
CASES = (
    ("txn-formats/cobra-log/chengRW-10000", "serializable"),
    ("txn-formats/cobra-log/chengRW-10000", "snapshot-isolation"),
    ("txn-formats/cobra-log/twitter-10000", "serializable"),
    ("txn-formats/cobra-log/twitter-10000", "snapshot-isolation"),
    ("txn-formats/cobra-log/yuga-G2-a", "serializable"),
    ("txn-formats/cobra-log/yuga-G2-a", "snapshot-isolation"),
    ("txn-formats/dbcop-bincode/postgres-rr-20_100_15_10000/history.bincode", "serializable"),
    ("txn-formats/dbcop-bincode/postgres-rr-20_100_15_10000/history.bincode",
     "snapshot-isolation"),
)


def once(path: Path, level: str, timeout: float) -> tuple[float, int, dict[str, object]]:
    """(wall seconds, peak resident KiB, the JSON result) of one whole command."""
    command = [sys.executable, "-m", "histcheck.cli", "check", str(path), "-m", "rw-register",
               "--consistency", level, "--timeout", str(timeout), "--json"]
    started = time.perf_counter()
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL) as child:
        out = child.stdout.read() if child.stdout is not None else b""
        _, _, usage = os.wait4(child.pid, 0)
        child.returncode = 0
    took = time.perf_counter() - started
    lines = out.decode().strip().splitlines()
    return took, usage.ru_maxrss, json.loads(lines[-1]) if lines else {}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    print(f"{'history':58} {'level':19} {'verdict':8} {'seconds':>8} {'txns/s':>8} {'MiB':>6}")
    for name, level in CASES:
        runs = [once(HISTORIES / name, level, args.timeout) for _ in range(args.repeat)]
        seconds = statistics.median(r[0] for r in runs)
        peak = max(r[1] for r in runs) / 1024
        result = runs[-1][2]
        verdict = {True: "valid", False: "invalid"}.get(result.get("valid"), "unknown")  # type: ignore[call-overload]
        txns = int(str(result.get("transactions", 0)))
        print(f"{name[-58:]:58} {level:19} {verdict:8} {seconds:8.2f} "
              f"{txns / seconds:8.0f} {peak:6.0f}", flush=True)


if __name__ == "__main__":
    main()
