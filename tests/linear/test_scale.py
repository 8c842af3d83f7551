"""The search and its explanation at scale: memory linear in the part, an explanation that
keeps to its share of the time and says when it ran out, and a text that stays short."""

from __future__ import annotations

import random
import tracemalloc
from pathlib import Path

from histcheck.budget import Budget
from histcheck.formats import read_history
from histcheck.history import Event, EventType, History, from_events
from histcheck.linear import BUILTIN, check_history
from histcheck.linear.explain import TIMELINE_SHOWN, explain_invalid
from histcheck.linear.model import resolve
from histcheck.linear.parts import split
from histcheck.linear.search import linearize

ROOT = Path(__file__).resolve().parents[2]
INVOKE, OK = EventType.INVOKE, EventType.OK
NEVER = "x never y"


def generated_kv(operations: int, keys: int = 1, clients: int = 4, seed: int = 1,
                 bad: bool = False) -> History:
    """A linearizable kv history (each operation takes effect at a random instant inside its
    interval); ``bad`` makes the middle get return a value no operation wrote."""
    rng = random.Random(seed)
    busy = [0.0] * clients
    clock = 0.0
    planned = []
    for seq in range(operations):
        client = min(range(clients), key=busy.__getitem__)
        start = clock = max(clock, busy[client]) + rng.random()
        effect = start + rng.random() * 3
        busy[client] = end = effect + rng.random() * 3
        roll = rng.random()
        f = "get" if roll < 0.45 else "append" if roll < 0.9 else "put"
        value = "" if f == "get" else f"x {client} {seq} y"
        planned.append((effect, seq, start, end, client, str(rng.randrange(keys)), f, value))
    store: dict[str, str] = {}
    results: dict[int, str] = {}
    for _, seq, _, _, _, key, f, value in sorted(planned):
        if f == "get":
            results[seq] = store.get(key, "")
        else:
            store[key] = store.get(key, "") + value if f == "append" else value
    if bad:
        gets = [p[1] for p in planned if p[6] == "get"]
        results[gets[len(gets) // 2]] = NEVER
    events = []
    for _, seq, start, end, client, key, f, value in planned:
        events.append((start, seq, Event(client, INVOKE, f, None if f == "get" else value, key)))
        events.append((end, seq, Event(client, OK, f, results.get(seq, value), key)))
    events.sort(key=lambda e: (e[0], e[1]))
    return from_events(e for _, _, e in events)


def _search_peak_bytes(operations: int) -> int:
    history = generated_kv(operations)
    model = resolve(BUILTIN["kv"])
    (part,) = split(history, model)
    tracemalloc.start()
    try:
        outcome = linearize(part, model, Budget(seconds=60).start())
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert outcome.valid
    return peak


def test_search_memory_grows_linearly_with_the_part() -> None:
    # a cache entry that held the set of placed operations as one bitset over the whole part
    # grew with the part: four times the operations took about ten times the memory
    small, large = _search_peak_bytes(4_000), _search_peak_bytes(16_000)
    assert large < 7 * small


def test_a_read_nobody_wrote_is_explained_by_itself() -> None:
    history = generated_kv(3_000, keys=3, clients=10, bad=True)
    result = check_history(history, BUILTIN["kv"])
    assert result.valid is False
    anomaly = result.anomalies[0]
    assert anomaly.name == "nonlinearizable"
    culprit = next(op for op in history if op.value == NEVER)
    assert anomaly.data["culprit"] == culprit.id
    assert anomaly.data["core"] == [culprit.id]
    assert "This operation is already impossible on its own" in result.explanation


def test_the_explanation_keeps_to_its_share_and_says_when_it_ran_out() -> None:
    history = generated_kv(20_000, keys=2, clients=20, bad=True)
    result = check_history(history, BUILTIN["kv"], options={"shrink-seconds": "0.02"})
    assert result.valid is False
    assert result.figures["explanation-seconds"] < 0.02 + 0.3
    anomaly = result.anomalies[0]
    assert anomaly.data["core-complete"] is False
    assert "cut short at its time share" in result.explanation
    assert anomaly.data["culprit"] in anomaly.data["core"]


def test_a_finished_explanation_says_nothing_of_time() -> None:
    history = read_history(ROOT / "histories/porcupine-etcd/etcd_000.log", None)
    result = check_history(history, BUILTIN["etcd"])
    assert result.anomalies[0].data["core-complete"] is True
    assert "cut short" not in result.explanation


def test_the_text_draws_at_most_forty_operations_of_a_long_subset() -> None:
    history = generated_kv(300, keys=1, clients=5)
    model = resolve(BUILTIN["kv"])
    ops = list(history.operations)
    text = explain_invalid(history, model, "linearizable", ops[150], [], ops, complete=False)
    drawn = [line for line in text.splitlines() if line.startswith("  p")]
    assert len(drawn) == TIMELINE_SHOWN
    assert any("<- cannot be placed" in line for line in drawn)
    assert f"... and {len(ops) - TIMELINE_SHOWN} more" in text
