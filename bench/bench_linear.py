"""Benchmark the linearizability checker: whole-process timings beside Porcupine's, and an
in-process table.

Run from the repository root: ``python bench/bench_linear.py [--quick] [--runs 3]``. The default
table runs ``histcheck check`` as a whole process (start-up, reading and explanations included)
on the Porcupine etcd logs (one folder), the six kv files, generated kv histories of 100,000
operations (valid, and with one corrupted get) and of 1,000,000 (skipped by ``--quick``), and
alternates each run with Porcupine's when a build of it is at ``$PBENCH`` (default
``/tmp/pbench``, a small main program around Porcupine's library that reads the same files);
without it the table says so and shows histcheck alone. Each figure is the median of the runs;
the ratio is histcheck's time over Porcupine's, and "check" is histcheck's time after reading.

``--in-process`` prints the older table instead: times inside one process after the first
import, with operations per second and the sequential-consistency variant.
"""

from __future__ import annotations

import argparse
import heapq
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
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


def in_process(quick: bool) -> None:
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
    if not quick:
        started = time.perf_counter()
        big = generated_kv(100_000, keys=10, clients=20)
        made = time.perf_counter() - started
        valid, wall, cpu = timed(big, "kv")
        print(f"{'kv generated 100k (10k, 20c)':28} {len(big):7} {valid!s:>8} {wall:8.4f} "
              f"{cpu:8.4f} {len(big) / wall:10.0f}   (generated in {made:.1f} s)")
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS: {peak_mb():.0f} MiB (largest worker process: {children:.0f} MiB)")


def write_kv(path: Path, operations: int, *, keys: int = 10, clients: int = 20, seed: int = 1,
             bad: bool = False) -> None:
    """A generated kv history in Porcupine's kv log format (the process of ``generated_kv``,
    each client starting its next operation after its last returned); ``bad`` makes the middle
    get return a value nobody wrote."""
    rng = random.Random(seed)
    free = [(0.0, c) for c in range(clients)]  # (busy until, client), a heap
    clock = 0.0
    planned: list[tuple[float, float, float, int, str, int, str, str]] = []
    for seq in range(operations):
        until, client = heapq.heappop(free)
        start = clock = max(clock, until) + rng.random()
        key = str(rng.randrange(keys))
        roll = rng.random()
        f = "get" if roll < 0.45 else "append" if roll < 0.9 else "put"
        effect = start + rng.random() * 3
        end = effect + rng.random() * 3
        heapq.heappush(free, (end, client))
        planned.append((start, effect, end, seq, f, client, key,
                        "" if f == "get" else f"x {client} {seq} y"))
    store = {str(k): "" for k in range(keys)}
    result: dict[int, str] = {}
    for _, _, _, seq, f, _, key, value in sorted(planned, key=lambda p: (p[1], p[3])):
        if f == "get":
            result[seq] = store[key]
        else:
            store[key] = store[key] + value if f == "append" else value
    if bad:
        gets = [p[3] for p in planned if p[4] == "get"]
        result[gets[len(gets) // 2]] = "x never y"
    lines: list[tuple[float, int, int, str]] = []
    for start, _, end, seq, f, client, key, value in planned:
        given = "nil" if f == "get" else f'"{value}"'
        lines.append((start, 0, seq, f'{{:process {client}, :type :invoke, :f :{f}, '
                                     f':key "{key}", :value {given}}}'))
        lines.append((end, 1, seq, f'{{:process {client}, :type :ok, :f :{f}, :key "{key}", '
                                   f':value "{result.get(seq, value)}"}}'))
    lines.sort()
    path.write_text("".join(line + "\n" for *_, line in lines))


def _run(command: list[str]) -> tuple[float, int, str]:
    """Wall seconds, peak resident KiB and standard output of one whole process."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert proc.stdout is not None
    out = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return time.perf_counter() - started, usage.ru_maxrss, out


def _histcheck(paths: list[Path], model: str) -> list[str]:
    exe = Path(sys.executable).with_name("histcheck")
    return [str(exe), "check", *map(str, paths), "--model", model, "--json"]


def side_by_side(quick: bool, runs: int) -> None:
    pbench = Path(os.environ.get("PBENCH", "/tmp/pbench"))
    have = pbench.is_file() and os.access(pbench, os.X_OK)
    if not have:
        print(f"Porcupine is not built at {pbench} (see PBENCH): histcheck alone")
    made = Path(tempfile.gettempdir()) / "histcheck-bench-linear"
    made.mkdir(exist_ok=True)
    generated = [("kv 100k valid", 100_000, False), ("kv 100k --bad", 100_000, True)]
    if not quick:
        generated.append(("kv 1M valid", 1_000_000, False))
    inputs: list[tuple[str, list[Path], str, list[Path]]] = [
        ("etcd: 102 logs", [ROOT / "porcupine-etcd"], "etcd",
         sorted((ROOT / "porcupine-etcd").glob("etcd_*.log"))),
        ("kv: 6 files", [ROOT / "porcupine-kv"], "kv",
         sorted((ROOT / "porcupine-kv").glob("*.txt")))]
    for name, operations, bad in generated:
        target = made / f"kv-{operations}{'-bad' if bad else ''}.txt"
        if not target.exists():  # in a child: a child's peak memory counts its parent's
            subprocess.run([sys.executable, __file__, "--write", str(operations), str(target),
                            *(["--bad"] if bad else [])], check=True)
        inputs.append((name, [target], "kv", [target]))
    print(f"{'input':16} {'histcheck s':>11} {'check s':>8} {'explain s':>9} {'MiB':>6} "
          f"{'porcupine s':>11} {'MiB':>6} {'ratio':>6}")
    for name, paths, model, files in inputs:
        ours: list[float] = []
        checks: list[float] = []
        explains: list[float] = []
        theirs: list[float] = []
        our_peak = their_peak = 0
        for _ in range(runs):
            wall, peak, out = _run(_histcheck(paths, model))
            rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
            ours.append(wall)
            checks.append(sum(r.get("seconds", 0.0) for r in rows))
            explains.append(sum(r.get("explanation-seconds", 0.0) for r in rows))
            our_peak = max(our_peak, peak)
            if have:
                wall, peak, _ = _run([str(pbench), "-mode", "run", "-kind",
                                      "etcd" if model == "etcd" else "kv", *map(str, files)])
                theirs.append(wall)
                their_peak = max(their_peak, peak)
        mine = statistics.median(ours)
        other = f"{statistics.median(theirs):11.3f} {their_peak / 1024:6.0f} " \
                f"{mine / statistics.median(theirs):6.2f}" if theirs else f"{'-':>11}"
        print(f"{name:16} {mine:11.3f} {statistics.median(checks):8.3f} "
              f"{statistics.median(explains):9.3f} {our_peak / 1024:6.0f} {other}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true",
                        help="skip the largest history (1M operations side by side, 100k in "
                             "process)")
    parser.add_argument("--runs", type=int, default=3, help="runs per input (the median is shown)")
    parser.add_argument("--in-process", action="store_true",
                        help="the in-process table instead of the side-by-side one")
    parser.add_argument("--write", nargs=2, metavar=("OPERATIONS", "FILE"),
                        help="only write a generated kv history (with --bad: one corrupted get)")
    parser.add_argument("--bad", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.write:
        write_kv(Path(args.write[1]), int(args.write[0]), bad=args.bad)
    elif args.in_process:
        in_process(args.quick)
    else:
        side_by_side(args.quick, args.runs)


if __name__ == "__main__":
    main()
