"""Seeded histories from simulated databases, for benchmarks and tests.

A store keeps, per key, its committed versions. ``concurrency`` clients each run one
transaction at a time; the event loop interleaves their invocations and commits. Isolation:

- ``serializable``: a transaction executes atomically at its commit point (so the history is
  even strict serializable);
- ``snapshot``: reads see the snapshot taken at invocation plus the transaction's own writes;
  first committer wins (a later writer of a key committed meanwhile aborts: ``fail``);
- ``snapshot-no-fcw``: the same without first-committer-wins (lost updates appear);
- ``none``: each read sees either the latest committed state or the state when the
  transaction began (read committed at best; fractured reads and lost updates appear).

``elle_records`` makes list-append runs shaped like Elle's generator instead (100 active keys,
each retired after 64 appends; see ``ELLE_MODES``), and ``python3 bench/txn_gen.py OUT N``
writes one as JSON Lines, so that a whole ``histcheck check`` can be timed.

One ``random.Random(seed)`` drives everything: same seed, same bytes.
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from pathlib import Path

from histcheck.history import FAIL, INFO, INVOKE, OK, Event, History, from_events

MODES = ("serializable", "snapshot", "snapshot-no-fcw", "none")


def _plan(rng: random.Random, workload: str, keys: int) -> list[tuple[str, int]]:
    ops = []
    for _ in range(rng.randint(1, 4)):
        k = min(int(rng.paretovariate(1.2)) - 1, keys - 1) if rng.random() < 0.5 \
            else rng.randrange(keys)
        roll = rng.random()
        if roll < 0.45:
            ops.append(("r", k))
        elif roll < 0.75 or workload == "list-append":
            ops.append(("write", k))
        else:
            ops.append(("r", k))
            ops.append(("write", k))
    return ops


def events(workload: str, mode: str, n: int, *, seed: int = 0, keys: int = 1000,
           concurrency: int = 10) -> Iterator[Event]:
    rng = random.Random(seed)
    state: dict[int, object] = {}
    committed_at: dict[int, int] = {}
    counter = 0
    clock = 0
    active: dict[int, tuple[list[tuple[str, int, int]], dict[int, object], int]] = {}
    started = 0
    while started < n or active:
        clock += 1
        free = [p for p in range(concurrency) if p not in active]
        if free and started < n and (rng.random() < 0.5 or not active):
            p = rng.choice(free)
            plan = []
            for f, k in _plan(rng, workload, keys):
                counter += 1
                plan.append((f, k, counter))
            # Only snapshot reads (and stale reads in ``none``) need the state at invocation.
            active[p] = (plan, {} if mode == "serializable" else dict(state), clock)
            started += 1
            invoke = tuple(("r", k, None) if f == "r" else
                           ("append" if workload == "list-append" else "w", k, v)
                           for f, k, v in plan)
            yield Event(p, INVOKE, "txn", invoke, time=clock)
            continue
        p = rng.choice(list(active))
        plan, snapshot, began = active.pop(p)
        # Writes are staged in ``writes`` and land after the loop, so ``state`` can be read as is.
        view = state if mode in ("serializable", "none") else snapshot
        mops: list[tuple[str, int, object]] = []
        writes: dict[int, object] = {}
        own: dict[int, list[object]] = {}  # list-append: this transaction's appends per key
        for f, k, value in plan:
            if f == "r":
                current = writes.get(k, view.get(k))
                if mode == "none" and k not in writes and rng.random() < 0.5:
                    current = snapshot.get(k)  # a stale, possibly fractured, read
                if workload == "list-append" and k in own:
                    current = (*(current or ()), *own[k])  # type: ignore[misc]
                mops.append(("r", k, current))
            elif workload == "list-append":
                own.setdefault(k, []).append(value)
                writes.setdefault(k, view.get(k) or ())
                mops.append(("append", k, value))
            else:
                writes[k] = value
                mops.append(("w", k, value))
        conflict = mode == "snapshot" and any(committed_at.get(k, 0) > began for k in writes)
        if conflict:
            invoke = tuple((f, k, None if f == "r" else v) for f, k, v in mops)
            yield Event(p, FAIL, "txn", invoke, time=clock)
            continue
        for k, v in writes.items():
            if workload == "list-append":
                # Appends land on the latest list (the store appends), not on the snapshot.
                state[k] = (*(state.get(k) or ()), *own[k])  # type: ignore[misc]
            else:
                state[k] = v
            committed_at[k] = clock
        yield Event(p, OK, "txn", tuple(mops), time=clock)


def history(workload: str, mode: str, n: int, *, seed: int = 0, keys: int = 1000,
            concurrency: int = 10) -> History:
    """A whole simulated history (see ``events``), built with the cyclic collector paused
    (full collections would walk every read list built so far)."""
    from histcheck.txn.check import paused_collector

    with paused_collector():
        return from_events(events(workload, mode, n, seed=seed, keys=keys,
                                  concurrency=concurrency))


ELLE_MODES = ("serializable", "snapshot", "g1c")
"""Elle-like list-append runs: ``serializable`` executes each transaction atomically at its
commit; ``snapshot`` reads the snapshot taken at invocation (plus the transaction's own
appends) with first-committer-wins, so write skew makes G2 cycles; ``g1c`` is serializable
with one injected pair of transactions that each read the other's append (a G1c cycle)."""


def elle_records(n: int, mode: str = "serializable", *, seed: int = 0, keys: int = 100,
                 max_writes: int = 64, concurrency: int = 10,
                 ) -> Iterator[tuple[int, str, list[list[object]], int]]:
    """Events (process, type, micro-operations, time in ns) of an Elle-like list-append run.

    As Elle's generator: a pool of ``keys`` active keys; a transaction has 1-4 micro-operations,
    each a read (the whole list comes back) or an append of the key's next integer, on a key
    drawn uniformly from the pool; a key that reached ``max_writes`` appends is retired and a
    fresh key takes its place. About 0.5% of transactions fail (nothing happens) and 0.5% end
    ``info`` (they took effect or not, at random); a client whose operation ended ``info`` is
    replaced by a new process, as Jepsen does.
    """
    if mode not in ELLE_MODES:
        raise ValueError(f"unknown mode {mode!r} (expected one of {', '.join(ELLE_MODES)})")
    rng = random.Random(seed)
    pool = list(range(keys))
    fresh = keys
    written: dict[int, int] = {}  # appends planned per key, to retire full keys
    state: dict[int, list[int]] = {}
    committed_at: dict[int, int] = {}
    processes = list(range(concurrency))
    next_process = concurrency
    active: dict[int, tuple[list[list[object]], dict[int, tuple[int, ...]], int]] = {}
    started, clock = 0, 0
    inject_at = n // 2 if mode == "g1c" else -1
    while started < n or active:
        clock += rng.randint(1, 1000)
        free = [p for p in processes if p not in active]
        if started == inject_at and free:
            yield from _g1c_pair(fresh, next_process, clock)
            fresh, next_process = fresh + 2, next_process + 2
            inject_at = -1
            continue
        if free and started < n and (rng.random() < 0.5 or not active):
            p = rng.choice(free)
            plan: list[list[object]] = []
            for _ in range(rng.randint(1, 4)):
                slot = rng.randrange(len(pool))
                k = pool[slot]
                if rng.random() < 0.5:
                    plan.append(["r", k, None])
                    continue
                written[k] = written.get(k, 0) + 1
                plan.append(["append", k, written[k]])
                if written[k] >= max_writes:
                    pool[slot] = fresh
                    fresh += 1
            snapshot = {} if mode != "snapshot" else \
                {k: tuple(state.get(k, ())) for _, k, _ in plan}  # type: ignore[misc]
            active[p] = (plan, snapshot, clock)
            started += 1
            yield p, "invoke", plan, clock
            continue
        p = rng.choice(list(active))
        plan, snapshot, began = active.pop(p)
        roll = rng.random()
        if roll < 0.005:
            yield p, "fail", plan, clock
            continue
        appends = {k for f, k, _ in plan if f == "append"}
        if mode == "snapshot" and any(committed_at.get(k, 0) > began  # type: ignore[arg-type]
                                      for k in appends):
            yield p, "fail", plan, clock
            continue
        if roll < 0.01:
            if rng.random() < 0.5:
                _apply(plan, state, snapshot, mode, committed_at, clock)
            yield p, "info", plan, clock
            processes[processes.index(p)] = next_process
            next_process += 1
            continue
        yield p, "ok", _apply(plan, state, snapshot, mode, committed_at, clock), clock


def _apply(plan: list[list[object]], state: dict[int, list[int]],
           snapshot: dict[int, tuple[int, ...]], mode: str, committed_at: dict[int, int],
           clock: int) -> list[list[object]]:
    """Run ``plan``: the completed micro-operations (reads filled in), appends made durable."""
    done: list[list[object]] = []
    own: dict[int, list[int]] = {}
    for f, k, v in plan:
        key = int(k)  # type: ignore[call-overload]
        if f == "r":
            seen = list(snapshot.get(key, ())) if mode == "snapshot" else \
                list(state.get(key, ()))
            if mode == "snapshot":
                seen.extend(own.get(key, ()))
            done.append(["r", key, seen])
        else:
            value = int(v)  # type: ignore[call-overload]
            state.setdefault(key, []).append(value)
            own.setdefault(key, []).append(value)
            committed_at[key] = clock
            done.append(["append", key, value])
    return done


def _g1c_pair(fresh: int, process: int, clock: int,
              ) -> Iterator[tuple[int, str, list[list[object]], int]]:
    """Two concurrent transactions of two new processes on two fresh keys, each reading the
    other's append."""
    a, b = fresh, fresh + 1
    p, q = process, process + 1
    yield p, "invoke", [["append", a, 1], ["r", b, None]], clock
    yield q, "invoke", [["append", b, 1], ["r", a, None]], clock + 1
    yield p, "ok", [["append", a, 1], ["r", b, [1]]], clock + 2
    yield q, "ok", [["append", b, 1], ["r", a, [1]]], clock + 3


def elle_history(n: int, mode: str = "serializable", *, seed: int = 0, keys: int = 100,
                 max_writes: int = 64, concurrency: int = 10) -> History:
    """``elle_records`` as a History (for tests; benchmarks read the JSON Lines file)."""
    from histcheck.txn.check import paused_collector
    from histcheck.values import freeze

    kinds = {"invoke": INVOKE, "ok": OK, "fail": FAIL, "info": INFO}
    with paused_collector():
        return from_events(
            Event(p, kinds[t], "txn", freeze(mops), time=when)
            for p, t, mops, when in elle_records(n, mode, seed=seed, keys=keys,
                                                 max_writes=max_writes,
                                                 concurrency=concurrency))


def write_elle_jsonl(path: Path, n: int, mode: str = "serializable", *, seed: int = 0,
                     keys: int = 100, max_writes: int = 64, concurrency: int = 10) -> None:
    """Write ``elle_records`` as native JSON Lines (histories/README.md), one event a line."""
    import orjson

    with path.open("wb") as fh:
        for index, (p, t, mops, when) in enumerate(elle_records(
                n, mode, seed=seed, keys=keys, max_writes=max_writes,
                concurrency=concurrency)):
            fh.write(orjson.dumps({"index": index, "time": when, "process": p, "type": t,
                                   "f": "txn", "value": mops}))
            fh.write(b"\n")


def main() -> None:
    parser = argparse.ArgumentParser(description="Write an Elle-like list-append history "
                                     "as JSON Lines.")
    parser.add_argument("out", type=Path)
    parser.add_argument("n", type=int, help="transactions")
    parser.add_argument("--mode", choices=ELLE_MODES, default="serializable")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keys", type=int, default=100, help="active keys")
    parser.add_argument("--max-writes", type=int, default=64, help="appends before a key "
                        "is retired")
    parser.add_argument("--concurrency", type=int, default=10)
    args = parser.parse_args()
    write_elle_jsonl(args.out, args.n, args.mode, seed=args.seed, keys=args.keys,
                     max_writes=args.max_writes, concurrency=args.concurrency)


if __name__ == "__main__":
    main()
