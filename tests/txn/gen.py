"""Small random transactional histories for differential tests.

Transactions run one after another on a store that keeps every version; each read returns,
with some probability, an older version of the key instead of the latest. That mixes valid and
invalid histories of every kind. Values are unique per key; every transaction commits.
"""

from __future__ import annotations

import random

from histcheck.history import OK, Event, History, from_events

KEYS = ("x", "y", "z")


def random_txns(rng: random.Random, workload: str, n: int) -> list[tuple]:
    versions: dict[str, list[object]] = {k: [None if workload == "rw-register" else ()]
                                         for k in KEYS[:2]}
    counter = 0
    txns = []
    for _ in range(n):
        mops = []
        local = {k: v[-1] for k, v in versions.items()}
        for _ in range(rng.randint(1, 3)):
            k = rng.choice(list(versions))
            if rng.random() < 0.5:
                history = versions[k]
                seen = history[-1] if rng.random() < 0.6 else rng.choice(history)
                mops.append(("r", k, seen if k not in [m[1] for m in mops if m[0] != "r"]
                             else local[k]))
            else:
                counter += 1
                if workload == "list-append":
                    local[k] = (*local[k], counter)  # type: ignore[misc]
                    mops.append(("append", k, counter))
                else:
                    local[k] = counter
                    mops.append(("w", k, counter))
        for k, kept in versions.items():
            if any(m[1] == k and m[0] != "r" for m in mops):
                kept.append(local[k])
        txns.append(tuple(mops))
    return txns


def history_of(txns: list[tuple], processes: int = 0) -> History:
    """Each transaction by its own process (or round-robin over ``processes``), all ok."""
    events = []
    for i, t in enumerate(txns):
        p = i % processes if processes else i
        events.append(Event(p, OK.__class__("invoke"), "txn", t))
        events.append(Event(p, OK, "txn", t))
    return from_events(events)
