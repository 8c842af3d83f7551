"""Benchmarks for the transactional checker on simulated databases (see ``txn_gen``).

    python3 bench/bench_txn.py [--la N] [--rw N]

Prints seconds per check and peak memory. Targets: list-append 100,000 transactions checked
for serializable in under 20 s; rw-register 10,000 for serializable and for snapshot isolation
in under 30 s each.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.txn_gen import history
from histcheck.api import check
from histcheck.budget import peak_rss_bytes

SUMMARY = ("weakest_violated", "strongest_possible", "decided")


def run(workload: str, mode: str, n: int, level: str, keys: int) -> None:
    started = time.perf_counter()
    h = history(workload, mode, n, seed=7, keys=keys)
    made = time.perf_counter() - started
    started = time.perf_counter()
    result = check(h, model=workload, consistency=level)
    took = time.perf_counter() - started
    print(f"{workload:12} {mode:16} n={n:<7} {level:20} valid={result.valid!s:5} "
          f"check={took:6.2f}s (generate {made:5.2f}s) "
          f"{ {k: v for k, v in result.details.items() if k not in SUMMARY} }",
          flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--la", type=int, default=100_000)
    parser.add_argument("--rw", type=int, default=10_000)
    args = parser.parse_args()
    run("list-append", "serializable", args.la, "serializable", 2000)
    run("list-append", "snapshot-no-fcw", args.la // 10, "serializable", 2000)
    for mode in ("serializable", "snapshot", "snapshot-no-fcw"):
        for level in ("serializable", "snapshot-isolation"):
            run("rw-register", mode, args.rw, level, 2000)
    print(f"peak memory {peak_rss_bytes() / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
