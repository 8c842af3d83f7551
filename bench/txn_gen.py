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

One ``random.Random(seed)`` drives everything: same seed, same bytes.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from histcheck.history import FAIL, INVOKE, OK, Event, History, from_events

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
