"""Benchmark the linearizability checker on the bundled corpus and a generated large history.

Run from the repository root: ``python bench/bench_linear.py [--quick]``. Times are in-process
after the first import (wall clock, with CPU time beside it: the machine may be shared). Prints
operations per second per input and the peak resident memory.

Reference points: Porcupine (Go) checks the 102 etcd histories in 0.44 s in
total, etcd_002 in 168 ms, etcd_007 in 105 ms, kv c50-ok in 137 ms; Knossos does not finish
etcd_040, 057 and 099 in 60 s.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from histcheck.budget import Budget
from histcheck.formats import read_history
from histcheck.history import Event, EventType, History, from_events
from histcheck.linear import BUILTIN, check_history

ROOT = Path(__file__).resolve().parents[1] / "histories"
QUIET = {"explain": "false"}


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(history: History, model: str, consistency: str = "linearizable",
          **options: str) -> tuple[object, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = check_history(history, BUILTIN[model], consistency=consistency,
                           budget=Budget(seconds=120), options={**QUIET, **options})
    return result.valid, time.perf_counter() - wall, time.process_time() - cpu


def generated_kv(operations: int, keys: int, clients: int, seed: int = 1) -> History:
    """A linearizable kv history: each operation takes effect at a random instant inside its
    interval (get 45%, append 45%, put 10%), clients overlapping freely."""
    rng = random.Random(seed)
    store = {str(k): "" for k in range(keys)}
    pending: list[tuple[float, int, str, int, str, str]] = []  # effect, seq, f, client, k, v
    events: list[tuple[float, int, Event]] = []
    clock = 0.0
    count = 0
    sequence = 0
    busy_until = [0.0] * clients
    ends: list[float] = []
    while count < operations:
        client = min(range(clients), key=busy_until.__getitem__)
        start = max(clock, busy_until[client]) + rng.random()
        clock = start
        key = str(rng.randrange(keys))
        roll = rng.random()
        f = "get" if roll < 0.45 else "append" if roll < 0.9 else "put"
        value = "" if f == "get" else f"x {client} {count} y"
        effect = start + rng.random() * 3
        end = effect + rng.random() * 3
        busy_until[client] = end
        ends.append(end)
        pending.append((effect, sequence, f, client, key, value))
        events.append((start, sequence, Event(client, EventType.INVOKE, f,
                                              None if f == "get" else value, key)))
        sequence += 1
        count += 1
    results: dict[int, str] = {}
    for _, seq, f, _, key, value in sorted(pending):
        if f == "get":
            results[seq] = store[key]
        elif f == "append":
            store[key] += value
        else:
            store[key] = value
    for _effect, seq, f, client, key, value in pending:
        events.append((ends[seq], seq, Event(client, EventType.OK, f, results.get(seq, value),
                                             key)))
    events.sort(key=lambda e: (e[0], e[1]))
    return from_events(e for _, _, e in events)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="skip the 100,000-op history")
    args = parser.parse_args()
    print(f"{'input':28} {'ops':>7} {'verdict':>8} {'wall s':>8} {'cpu s':>8} {'ops/s':>10}")
    etcd = sorted((ROOT / "porcupine-etcd").glob("etcd_*.log"))
    histories = [(p.name, read_history(p, None)) for p in etcd]
    timed(histories[0][1], "etcd")  # warm up imports
    total_wall = total_cpu = 0.0
    total_ops = 0
    slowest = ("", 0.0)
    for name, history in histories:
        valid, wall, cpu = timed(history, "etcd")
        total_wall, total_cpu, total_ops = total_wall + wall, total_cpu + cpu, \
            total_ops + len(history)
        if wall > slowest[1]:
            slowest = (name, wall)
        if name in ("etcd_002.log", "etcd_007.log", "etcd_040.log", "etcd_057.log",
                    "etcd_099.log"):
            print(f"{name:28} {len(history):7} {valid!s:>8} {wall:8.4f} {cpu:8.4f} "
                  f"{len(history) / wall:10.0f}")
    print(f"{'etcd: all 102':28} {total_ops:7} {'':>8} {total_wall:8.4f} {total_cpu:8.4f} "
          f"{total_ops / total_wall:10.0f}")
    print(f"{'etcd: slowest':28} {slowest[0]:>7} {'':>8} {slowest[1]:8.4f}")
    sc_wall = sc_cpu = 0.0
    sc_slowest = ("", 0.0)
    for name, history in histories:
        _, wall, cpu = timed(history, "etcd", "sequential")
        sc_wall, sc_cpu = sc_wall + wall, sc_cpu + cpu
        if wall > sc_slowest[1]:
            sc_slowest = (name, wall)
    print(f"{'etcd sequential: all 102':28} {total_ops:7} {'':>8} {sc_wall:8.4f} {sc_cpu:8.4f} "
          f"{total_ops / sc_wall:10.0f}")
    print(f"{'etcd sequential: slowest':28} {sc_slowest[0]:>7} {'':>8} {sc_slowest[1]:8.4f}")
    for name in ("c50-ok.txt", "c50-bad.txt"):
        history = read_history(ROOT / "porcupine-kv" / name, None)
        valid, wall, cpu = timed(history, "kv", workers="1")
        print(f"{'kv ' + name:28} {len(history):7} {valid!s:>8} {wall:8.4f} {cpu:8.4f} "
              f"{len(history) / wall:10.0f}")
    if not args.quick:
        started = time.perf_counter()
        big = generated_kv(100_000, keys=10, clients=20)
        made = time.perf_counter() - started
        valid, wall, cpu = timed(big, "kv")
        print(f"{'kv generated 100k (10k, 20c)':28} {len(big):7} {valid!s:>8} {wall:8.4f} "
              f"{cpu:8.4f} {len(big) / wall:10.0f}   (generated in {made:.1f} s)")
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: {peak_mb():.0f} MiB (largest worker process: {children:.0f} MiB)")


if __name__ == "__main__":
    main()
