"""The fast list-append inference gives exactly the facts of the straightforward reference.

Facts are compared whole and in order (edge insertion order decides which cycle a search
meets first, so it decides explanations too): edges with their kinds, one reason per edge
kind, external reads, writers per key, chains, choices, installed values and every anomaly
with its explanation. Histories come from the axiom generator (stale, partial, intermediate,
gapped, swapped and garbage reads; failed and indeterminate transactions) and from a cruder
one below that draws reads as arbitrary lists: not prefixes of each other, duplicate
elements, elements nobody appended, empty and nil reads, keys nobody writes.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

from histcheck.api import check
from histcheck.errors import HistoryError
from histcheck.history import FAIL, INFO, INVOKE, OK, Event, History, from_events
from histcheck.txn import list_append
from histcheck.txn.facts import Facts
from tests.txn import list_append_reference
from tests.txn.axiom_gen import seeded


def signature(facts: Facts) -> tuple[Any, ...]:
    a = facts.anomalies
    return ([list(edges.items()) for edges in facts.graph.out],
            list(facts.graph.reasons.items()), facts.reads,
            [(k, sorted(ws)) for k, ws in facts.writers.items()], facts.choices,
            list(facts.chains.items()), list(facts.values.items()), facts.assumed,
            [(x.name, x.explanation, x.operations, dict(x.data)) for x in a])


def same_facts(history: History) -> None:
    try:
        expected = signature(list_append_reference.infer(history))
    except HistoryError as error:
        with pytest.raises(HistoryError) as raised:
            list_append.infer(history)
        assert str(raised.value) == str(error)
        return
    assert signature(list_append.infer(history)) == expected


def crude(rng: random.Random) -> History:
    """Transactions on a few keys whose reads are lists drawn almost at random."""
    keys = ["x", "y", "z", "w"][: rng.randint(1, 4)]
    counter = 0
    appended: dict[str, list[int]] = {k: [] for k in keys}
    events: list[Event] = []
    for i in range(rng.randint(1, 12)):
        mops: list[tuple[str, str, Any]] = []
        for _ in range(rng.randint(1, 5)):
            k = rng.choice(keys)
            if rng.random() < 0.45 and k != "w":
                counter += 1
                appended[k].append(counter)
                mops.append(("append", k, counter))
                continue
            pool = appended[k] + [counter + 1, 99]
            roll = rng.random()
            if roll < 0.5:
                seen: Any = tuple(appended[k][: rng.randint(0, len(appended[k]))])
            elif roll < 0.8:
                seen = tuple(rng.choice(pool) for _ in range(rng.randint(0, 4)))
            elif roll < 0.9:
                seen = ()
            else:
                seen = None
            mops.append(("r", k, seen))
        status = rng.choice((OK, OK, OK, OK, FAIL, INFO))
        invoke = tuple((f, k, None if f == "r" else v) for f, k, v in mops)
        process = i % rng.randint(1, 4)
        events.append(Event(process, INVOKE, "txn", invoke))
        events.append(Event(process, status, "txn", tuple(mops) if status is OK else invoke))
        if status is INFO:
            break  # the process may not invoke again; keep the history well formed
    return from_events(events)


def test_matches_reference_on_awkward_histories() -> None:
    for s in seeded("list-append", 3000, first=20_000, max_txns=6):
        same_facts(s.history())


def test_matches_reference_on_crude_histories() -> None:
    for seed in range(3000):
        same_facts(crude(random.Random(seed)))


@pytest.mark.parametrize(("mode", "valid", "anomaly"), [
    ("serializable", True, None), ("g1c", False, "G1c"), ("snapshot", False, "G2-item")])
def test_elle_like_runs_get_their_verdict(mode: str, valid: bool, anomaly: str | None) -> None:
    """The benchmark's generator: serializable runs hold, and each invalid mode shows its
    anomaly (an injected G1c pair; write skew under snapshot isolation)."""
    from bench.txn_gen import elle_history

    result = check(elle_history(3000, mode, seed=5), model="list-append",
                   consistency="serializable")
    assert result.valid is valid
    names = {a.name for a in result.anomalies}
    assert (anomaly in names) if anomaly else not names, names


def _results(history: History, level: str, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    """The check's result as it runs (real-time edges deferred when ``level`` does not order
    real time), and with every real-time edge added up front."""
    from histcheck.budget import UNLIMITED
    from histcheck.txn import check as txn_check

    def run() -> Any:
        try:
            return txn_check.check(history, model="list-append", consistency=level,
                                   deadline=UNLIMITED.start(), options={})
        except HistoryError as error:
            return str(error)

    deferred = run()
    eager = txn_check.infer
    with monkeypatch.context() as m:
        m.setattr(txn_check, "infer", lambda h, model, defer_realtime=False: eager(h, model))
        return deferred, run()


def test_deferred_realtime_edges_change_no_result(monkeypatch: pytest.MonkeyPatch) -> None:
    """Levels that do not order real time leave its edges out until a cycle needs naming;
    verdicts, anomalies (``-realtime`` ones included), details and certificates are those of
    the graph with every edge."""
    from bench.txn_gen import elle_history

    histories = [s.history() for s in seeded("list-append", 400, first=60_000)]
    histories += [crude(random.Random(seed)) for seed in range(400)]
    histories += [elle_history(300, mode, seed=2) for mode in ("serializable", "snapshot")]
    named = 0
    for i, h in enumerate(histories):
        level = ("serializable", "snapshot-isolation", "causal", "read-committed")[i % 4]
        deferred, eager = _results(h, level, monkeypatch)
        assert deferred == eager, (i, level)
        named += not isinstance(eager, str) and any(
            a.name.endswith("-realtime") for a in eager.anomalies)
    assert named > 10  # histories whose cycles need real time are among them


def test_a_stale_read_after_completion_is_named_by_real_time(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """T1 appends 1 to x and completes; T2, invoked afterwards, reads x empty. Serializable
    holds (T2, then T1), strict serializability does not: the anti-dependency and real time
    make ``G-single-realtime``, found although real-time edges were deferred."""
    events = [Event(0, INVOKE, "txn", (("append", "x", 1),)),
              Event(0, OK, "txn", (("append", "x", 1),)),
              Event(1, INVOKE, "txn", (("r", "x", None),)),
              Event(1, OK, "txn", (("r", "x", ()),))]
    history = from_events(events)
    result, eager = _results(history, "serializable", monkeypatch)
    assert result == eager
    assert result.valid is True
    assert {a.name for a in result.anomalies} == {"G-single-realtime"}
    assert result.details["strongest_possible"] == ["strong-session-serializable"]
