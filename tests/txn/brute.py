"""Brute-force reference checkers: enumerate serial orders, and start/commit interleavings.

Small histories only (up to about 5 transactions). A transaction's reads must equal the state it
would see: under serializability the state after the transactions ordered before it; under
snapshot isolation the state at its start, plus its own writes, with no two transactions that
write a common key overlapping (first committer wins).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

Mop = tuple[str, object, object]
Txn = tuple[Mop, ...]


def _run(txn: Txn, state: dict[object, object], workload: str) -> tuple[bool, dict]:
    """Replay ``txn`` on a snapshot; True when every read matches. Returns its writes."""
    local = dict(state)
    writes: dict[object, object] = {}
    for f, k, v in txn:
        if f == "r":
            seen = local.get(k)
            if workload == "list-append":
                if tuple(v or ()) != tuple(seen or ()):
                    return False, writes
            elif v != seen:
                return False, writes
        elif f == "append":
            local[k] = (*tuple(local.get(k) or ()), v)
            writes[k] = local[k]
        else:
            local[k] = v
            writes[k] = v
    return True, writes


def serializable(txns: list[Txn], workload: str) -> bool:
    for order in itertools.permutations(range(len(txns))):
        state: dict[object, object] = {}
        for i in order:
            ok, writes = _run(txns[i], state, workload)
            if not ok:
                break
            state.update(writes)
        else:
            return True
    return False


def _interleavings(n: int) -> Iterator[list[tuple[int, bool]]]:
    """Every sequence of (txn, is_commit) events with each start before its commit."""
    def extend(prefix: list[tuple[int, bool]], started: frozenset[int],
               done: frozenset[int]) -> Iterator[list[tuple[int, bool]]]:
        if len(done) == n:
            yield prefix
            return
        for i in range(n):
            if i not in started:
                yield from extend([*prefix, (i, False)], started | {i}, done)
            elif i not in done:
                yield from extend([*prefix, (i, True)], started, done | {i})
    yield from extend([], frozenset(), frozenset())


def snapshot_isolated(txns: list[Txn], workload: str) -> bool:
    keys = [{k for f, k, _ in t if f != "r"} for t in txns]
    for events in _interleavings(len(txns)):
        state: dict[object, object] = {}
        snaps: dict[int, dict[object, object]] = {}
        active: set[int] = set()
        fine = True
        for i, commit in events:
            if not commit:
                snaps[i] = dict(state)
                active.add(i)
                continue
            active.discard(i)
            if any(keys[i] & keys[j] for j in active):
                fine = False
                break
            ok, writes = _run(txns[i], snaps[i], workload)
            if not ok:
                fine = False
                break
            state.update(writes)
        if fine:
            return True
    return False
