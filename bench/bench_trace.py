"""Benchmark: vector clocks and a causal-broadcast check on a 1,000,000-event trace over 16 nodes,
and the storage causal-consistency checks (CC, CM, CCv) on a sizeable read/write history.

    python3 bench/bench_trace.py [--events N] [--nodes K] [--ops M] [--sessions S]

The trace is a causal (indeed total-order) broadcast run: nodes broadcast and deliver in the
global broadcast order, each lagging at random. It is written to a temporary JSON Lines file
and read back, so reading is measured too. Each step prints the process's peak RSS so far (peak RSS
only grows, so a step that adds nothing to it shows the same figure as the step before), and the
load average when the run starts and ends: on a shared machine, compare runs at similar loads.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from histcheck.budget import UNLIMITED
from histcheck.causal.check import causal_patterns
from histcheck.history import INVOKE, OK, Event, from_events
from histcheck.trace.broadcast import check_broadcast
from histcheck.trace.clocks import vector_clocks
from histcheck.trace.findings import Findings
from histcheck.trace.io import load_trace


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_broadcast_run(path: Path, events: int, nodes: int, seed: int = 1) -> int:
    rng = random.Random(seed)
    names = [f"n{i}" for i in range(nodes)]
    order: list[tuple[str, str]] = []
    cursor = [0] * nodes
    written = pending = 0
    with path.open("wb") as fh:
        while written + pending < events:
            i = rng.randrange(nodes)
            if cursor[i] < len(order) and rng.random() < 0.9:
                msg, sender = order[cursor[i]]
                cursor[i] += 1
                pending -= 1
                row = {"node": names[i], "type": "deliver", "msg": msg, "from": sender}
            else:
                msg = f"m{len(order)}"
                order.append((msg, names[i]))
                pending += nodes
                row = {"node": names[i], "type": "broadcast", "msg": msg}
            fh.write(orjson.dumps(row) + b"\n")
            written += 1
        for i in range(nodes):  # everyone catches up: agreement holds
            for msg, sender in order[cursor[i]:]:
                fh.write(orjson.dumps({"node": names[i], "type": "deliver", "msg": msg,
                                       "from": sender}) + b"\n")
                written += 1
    return written


def bench_trace(events: int, nodes: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "run.jsonl"
        total = write_broadcast_run(path, events, nodes)
        before = peak_mb()
        started = time.perf_counter()
        trace = load_trace(path)
        read_s = time.perf_counter() - started
        read_mb = peak_mb()
    started = time.perf_counter()
    clocks = vector_clocks(trace)
    clock_s = time.perf_counter() - started
    clock_mb = peak_mb()
    started = time.perf_counter()
    findings = Findings()
    check_broadcast(trace, "causal", clocks, findings)
    check_s = time.perf_counter() - started
    assert not findings, findings.summary()
    work = clock_s + check_s
    print(f"trace: {total} events, {nodes} nodes, {len(trace.senders)} broadcasts "
          f"(peak RSS before reading {before:.0f} MB)")
    for step, seconds, mb in (("read", read_s, read_mb), ("clocks", clock_s, clock_mb),
                              ("causal", check_s, peak_mb())):
        print(f"  {step:8} {seconds:7.2f} s  {total / seconds:12,.0f} events/s  "
              f"peak RSS {mb:5.0f} MB")
    print(f"  clocks+causal {work:5.2f} s (budget 20 s); with reading {work + read_s:.2f} s")


def bench_storage(ops: int, sessions: int, keys: int, seed: int = 2) -> None:
    """A sequentially consistent run (one store, random interleaving): CC, CM and CCv hold."""
    rng = random.Random(seed)
    store: dict[int, int | None] = {}
    events: list[Event] = []
    for i in range(ops):
        process, key = rng.randrange(sessions), rng.randrange(keys)
        if rng.random() < 0.5:
            store[key] = i + 1
            events += [Event(process, INVOKE, "write", i + 1, key),
                       Event(process, OK, "write", i + 1, key)]
        else:
            events += [Event(process, INVOKE, "read", None, key),
                       Event(process, OK, "read", store.get(key), key)]
    history = from_events(events)
    print(f"storage: {ops} reads/writes, {sessions} sessions, {keys} keys")
    for level in ("CC", "CCv", "CM"):
        started = time.perf_counter()
        found = causal_patterns(history, keyed=True, consistency=level,
                                deadline=UNLIMITED.start())
        seconds = time.perf_counter() - started
        assert not found, [p.explanation for p in found[:3]]
        print(f"  {level:4} {seconds:7.2f} s  {ops / seconds:10,.0f} ops/s")
    print(f"  peak RSS {peak_mb():7.0f} MB")


def load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--nodes", type=int, default=16)
    parser.add_argument("--ops", type=int, default=20_000)
    parser.add_argument("--sessions", type=int, default=16)
    parser.add_argument("--keys", type=int, default=100)
    args = parser.parse_args()
    print(f"start: {load()}")
    bench_trace(args.events, args.nodes)
    bench_storage(args.ops, args.sessions, args.keys)
    print(f"end: {load()}")


if __name__ == "__main__":
    main()
