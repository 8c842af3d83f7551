"""The incremental CM saturation agrees with the round-by-round one it replaced.

The reference recomputes every clock from scratch after each round of new hb edges, until a round
adds none (the definition read literally, as a fixpoint); histories come from replicas that apply
remote writes in causal or arbitrary order and sometimes read a stale value they once held, so
both verdicts occur, with sessions and keys enough to need several rounds.
"""

from __future__ import annotations

import random

import pytest

from histcheck.budget import UNLIMITED
from histcheck.causal.cm import cm_patterns
from histcheck.causal.memory import Memory, memory_of
from histcheck.causal.patterns import before, cc_patterns, clocks_of, writes_in_past
from histcheck.history import INVOKE, OK, Event, History, from_events


def replicated_run(rng: random.Random) -> History:
    sessions, keys = rng.randint(2, 5), rng.randint(1, 3)
    sloppy = rng.choice([0.0, 0.05, 0.3])
    stores: list[dict[int, int]] = [{} for _ in range(sessions)]
    held: list[dict[int, list[int]]] = [{} for _ in range(sessions)]
    seen: list[set[int]] = [set() for _ in range(sessions)]
    inbox: list[list[tuple[frozenset[int], int, int]]] = [[] for _ in range(sessions)]
    events: list[Event] = []
    for value in range(1, rng.randint(4, 40)):
        s, key = rng.randrange(sessions), rng.randrange(keys)
        for _ in range(rng.randrange(3)):
            ready = [m for m in inbox[s] if m[0] <= seen[s] or rng.random() < sloppy]
            if not ready:
                break
            deps, k, v = rng.choice(ready)
            inbox[s].remove((deps, k, v))
            stores[s][k] = v
            held[s].setdefault(k, []).append(v)
            seen[s] |= deps | {v}
        if rng.random() < 0.5:
            stores[s][key] = value
            held[s].setdefault(key, []).append(value)
            for t in range(sessions):
                if t != s:
                    inbox[t].append((frozenset(seen[s]), key, value))
            seen[s].add(value)
            events += [Event(s, INVOKE, "write", value, key), Event(s, OK, "write", value, key)]
        else:
            got = stores[s].get(key)
            if held[s].get(key) and rng.random() < sloppy:
                got = rng.choice(held[s][key])
            events += [Event(s, INVOKE, "read", None, key), Event(s, OK, "read", got, key)]
    return from_events(events)


def rounds_reference(memory: Memory) -> bool:
    """True when CM holds: per session, add hb edges round by round until none is new."""
    for line in memory.sessions:
        reads = [p for p in line if not memory.ops[p].write and memory.source[p] != -2]
        extra: dict[int, list[int]] = {}
        while True:
            hb, _ = clocks_of(memory, extra)
            if hb is None:
                return False
            grew = False
            for read in reads:
                src = memory.source[read]
                for w in writes_in_past(memory, hb, read):
                    if src == -1:
                        return False
                    if w != src and not before(memory, hb, w, src):
                        extra.setdefault(src, []).append(w)
                        grew = True
            if not grew:
                break
    return True


@pytest.mark.parametrize("seed", range(4))
def test_incremental_cm_matches_round_by_round(seed: int) -> None:
    rng = random.Random(seed)
    verdicts = {True: 0, False: 0}
    for _ in range(300):
        memory = memory_of(replicated_run(rng), keyed=True)
        found, co = cc_patterns(memory)
        if found or co is None:
            continue  # CM is only looked for in CC histories
        holds = not cm_patterns(memory, co, UNLIMITED.start())
        assert holds == rounds_reference(memory)
        verdicts[holds] += 1
    assert verdicts[True] > 50 and verdicts[False] > 0  # both verdicts were exercised
