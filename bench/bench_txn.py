"""Benchmarks for the transactional checker on simulated databases (see ``txn_gen``).

    python3 bench/bench_txn.py [--la N] [--rw N] [--corpus] [--elle N [--mode M]]

Prints seconds per check and peak memory. ``--elle N`` writes an Elle-like list-append run of
N transactions (``txn_gen.write_elle_jsonl``: 100 active keys retired after 64 appends, 1-4
micro-operations, crashed clients) as JSON Lines and checks it end to end, reading included,
through ``histcheck.api.check_file`` for serializable: it prints the seconds spent reading and
checking, transactions per second and the peak memory of the process. Targets: 100,000
transactions in under 4 s and 1 GB, 1,000,000 in under 60 s and 8 GB. ``--corpus`` checks
the bundled rw-register benchmark histories instead (PolySI's PostgreSQL and Dgraph runs,
Cobra's twitter and CockroachDB runs), with the default solver and, with ``--z3`` too, the z3
rank encoding.
Targets: list-append 100,000 transactions checked for serializable in under 20 s; rw-register
10,000 for serializable and for snapshot isolation in under 30 s each.
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


CORPUS = (
    ("txn-formats/dbcop-bincode/postgres-rr-20_100_15_10000/history.bincode",
     "snapshot-isolation"),
    ("txn-formats/dbcop-bincode/dgraph/history.bincode", "snapshot-isolation"),
    ("txn-formats/cobra-log/twitter-10000", "serializable"),
    ("txn-formats/cobra-log/cock-G2", "serializable"),
)


def corpus(engines: tuple[str, ...], seconds: float) -> None:
    from histcheck.budget import Budget
    from histcheck.errors import BudgetExhausted
    from histcheck.formats import read_history
    from histcheck.txn.check import infer
    from histcheck.txn.decide import decide

    root = Path(__file__).resolve().parents[1] / "histories"
    for name, level in CORPUS:
        h = read_history(root / name)
        facts = infer(h, "rw-register")
        for engine in engines:
            started = time.perf_counter()
            try:
                verdict = str(decide(facts, level, "rw-register", Budget(seconds).start(),
                                     engine=engine).valid)
            except BudgetExhausted:
                verdict = "unknown"
            took = time.perf_counter() - started
            print(f"{name:70} {level:20} {engine:5} valid={verdict:7} {took:7.2f}s "
                  f"{len(h) / took:9.0f} txns/s", flush=True)
    print(f"peak memory {peak_rss_bytes() / 2**20:.0f} MiB")


def elle(n: int, mode: str, seed: int) -> None:
    import tempfile

    from bench.txn_gen import write_elle_jsonl
    from histcheck.api import check_file

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"elle-{mode}-{n}.jsonl"
        started = time.perf_counter()
        write_elle_jsonl(path, n, mode, seed=seed)
        made = time.perf_counter() - started
        started = time.perf_counter()
        _, result = check_file(path, model="list-append", consistency="serializable")
        took = time.perf_counter() - started
    names = sorted({a.name for a in result.anomalies})
    read = result.figures.get("read_seconds")
    after = f"{took - read:.2f}s" if isinstance(read, (int, float)) else "?"
    print(f"elle list-append {mode:12} n={n:<8} valid={result.valid!s:5} {names} "
          f"end-to-end={took:6.2f}s ({read if read is not None else '?'}s reading, {after} "
          f"checking) {n / took:8.0f} txn/s peak={peak_rss_bytes() / 2**20:.0f} MiB "
          f"(generate {made:.1f}s)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--la", type=int, default=100_000)
    parser.add_argument("--rw", type=int, default=10_000)
    parser.add_argument("--corpus", action="store_true")
    parser.add_argument("--z3", action="store_true", help="with --corpus: z3 as well")
    parser.add_argument("--seconds", type=float, default=120.0)
    parser.add_argument("--elle", type=int, metavar="N", help="an Elle-like list-append "
                        "run of N transactions, end to end")
    parser.add_argument("--mode", default="serializable", help="with --elle: serializable, "
                        "snapshot (write skew: G2) or g1c (one injected G1c)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.elle:
        elle(args.elle, args.mode, args.seed)
        return
    if args.corpus:
        corpus(("cdcl", "z3") if args.z3 else ("cdcl",), args.seconds)
        return
    run("list-append", "serializable", args.la, "serializable", 2000)
    run("list-append", "snapshot-no-fcw", args.la // 10, "serializable", 2000)
    for mode in ("serializable", "snapshot", "snapshot-no-fcw"):
        for level in ("serializable", "snapshot-isolation"):
            run("rw-register", mode, args.rw, level, 2000)
    print(f"peak memory {peak_rss_bytes() / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
