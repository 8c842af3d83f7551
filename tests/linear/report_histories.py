"""Generated kv histories for the report tests: a real store, clients overlapping in time."""

from __future__ import annotations

import random

from histcheck.history import Event, EventType, History, from_events

INVOKE, OK, INFO = EventType.INVOKE, EventType.OK, EventType.INFO


def kv_history(operations: int, *, processes: int = 20, keys: int = 50, seed: int = 7,
               crashes: float = 0.01,
               functions: tuple[str, ...] = ("get", "get", "put", "append")) -> History:
    """A linearizable kv history with Jepsen-like nanosecond times: each operation takes
    effect at one instant inside its interval; a few crash (info) after taking effect or not."""
    rng = random.Random(seed)
    store: dict[str, str] = {}
    events: list[Event] = []
    pending: dict[int, tuple[str, str, str | None, bool]] = {}
    next_process = processes
    idle = list(range(processes))
    now = 1_000_000_000
    started = 0
    while started < operations or pending:
        now += rng.randint(200_000, 2_000_000)
        choice = rng.random()
        if idle and started < operations and (choice < 0.45 or not pending):
            process = idle.pop(rng.randrange(len(idle)))
            key = f"k{rng.randrange(keys)}"
            f = rng.choice(functions)
            value = None if f == "get" else f"v{started}" if f == "put" else "x"
            events.append(Event(process, INVOKE, f, value, key, now))
            pending[process] = (f, key, value, False)
            started += 1
            continue
        process = rng.choice(list(pending))
        f, key, value, applied = pending[process]
        if not applied:
            if f == "put":
                store[key] = str(value)
            elif f == "append":
                store[key] = store.get(key, "") + str(value)
            else:
                value = store.get(key, "")
            pending[process] = (f, key, value, True)
            continue
        del pending[process]
        if rng.random() < crashes and f != "get":
            events.append(Event(process, INFO, f, value, key, now))
            idle.append(next_process)  # a crashed process never returns; a new one takes over
            next_process += 1
        else:
            events.append(Event(process, OK, f, value, key, now))
            idle.append(process)
    return from_events(events, source=f"generated-kv-{operations}")
