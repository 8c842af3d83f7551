"""The impossible subset an invalid verdict shows, and the machinery that finds it cheaply.

Against the brute-force oracle on random small histories of every built-in model: the subset is
invalid, keeps the culprit, and when its search finished no single operation can go (it would
become linearizable, or lose the order that makes it telling). The subset deciders must answer
exactly as a fresh search does, replayed orders included; the seeds must name the operations a
stale read is about; and on the etcd corpus explaining must explore fewer configurations than
deciding did.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from histcheck.budget import UNLIMITED
from histcheck.formats import read_history
from histcheck.history import Event, EventType, History, Operation, from_events
from histcheck.linear.check import check_history
from histcheck.linear.model import resolve
from histcheck.linear.models import BUILTIN
from histcheck.linear.parts import build_part, split
from histcheck.linear.search import linearize, searching
from histcheck.linear.seeds import seeds
from histcheck.linear.trials import Trials

from .brute import brute_force, histories
from .test_differential import CASES

ROOT = Path(__file__).resolve().parents[2]
FAR = float("inf")


def _without(history: History, ids: set[int]) -> History:
    return history.with_operations(op for op in history if op.id in ids)


def _assert_core_holds(history: History, name: str, consistency: str) -> None:
    model = BUILTIN[name]
    result = check_history(history, model, consistency=consistency)
    if result.valid is not False:
        return
    data = result.anomalies[0].data
    core = set(data["core"])
    assert core, history
    sub = _without(history, core)
    assert brute_force(sub, model, consistency) is False, (core, history)
    if data["culprit"] is not None:
        assert data["culprit"] in core
    if not data["core-complete"]:
        return
    telling = brute_force(sub, model, "unordered")
    for op_id in core - {data["culprit"]}:
        smaller = _without(history, core - {op_id})
        assert (brute_force(smaller, model, consistency)
                or (telling and not brute_force(smaller, model, "unordered"))), \
            (op_id, core, history)


def _run_cores(name: str, examples: int, max_ops: int) -> None:
    invoke, result = CASES[name]

    @settings(max_examples=examples, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(histories(invoke, result, max_ops=max_ops))
    def holds(history: History) -> None:
        for consistency in ("linearizable", "sequential"):
            _assert_core_holds(history, name, consistency)

    holds()


@pytest.mark.parametrize("name", sorted(CASES))
def test_cores_are_proven_and_one_minimal(name: str) -> None:
    _run_cores(name, 40, max_ops=6)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_cores_are_proven_and_one_minimal_thoroughly(name: str) -> None:
    _run_cores(name, 600, max_ops=7)


def test_a_shrink_that_deleted_something_looks_at_every_operation_again() -> None:
    # the second cas can only go once the first write has gone: one pass is not enough
    invoke, ok = EventType.INVOKE, EventType.OK
    history = from_events([
        Event(0, invoke, "write", 1), Event(1, invoke, "write", 1),
        Event(2, invoke, "cas", (None, 1)), Event(0, ok, "write", 1), Event(1, ok, "write", 1),
        Event(0, invoke, "cas", (None, 1)), Event(0, ok, "cas", (None, 1)),
        Event(2, ok, "cas", (None, 1))])
    _assert_core_holds(history, "cas-register", "linearizable")


def _fresh(history: History, ops: list[Operation], name: str, timeless: bool) -> bool:
    model = resolve(BUILTIN[name])
    part = build_part(None, ops, history, model)
    if timeless:
        part = msgspec.structs.replace(part, calls=(0.0,) * len(part), rets=(FAR,) * len(part))
    return linearize(part, model, UNLIMITED.start()).valid


@st.composite
def _subsets(draw: st.DrawFn, name: str) -> tuple[History, list[list[int]]]:
    invoke, result = CASES[name]
    history = draw(histories(invoke, result, max_ops=7))
    size = len(history.operations)
    chosen = draw(st.lists(st.lists(st.integers(0, size - 1), unique=True), max_size=12))
    # each one smaller than the last, as a shrink asks, so that kept orders get replayed
    chosen.sort(key=len, reverse=True)
    return history, chosen


@pytest.mark.parametrize("name", sorted(CASES))
def test_subset_answers_match_a_fresh_search(name: str) -> None:
    @settings(max_examples=40, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(_subsets(name))
    def match(case: tuple[History, list[list[int]]]) -> None:
        history, chosen = case
        model = resolve(BUILTIN[name])
        for part in split(history, model):
            trials = Trials(part, model, searching, FAR)
            for indices in chosen:
                ops = [part.ops[i] for i in indices if i < len(part)]
                for timeless in (True, False):
                    if ops:
                        answer = trials.decided(ops, timeless=timeless)
                        assert answer is _fresh(history, ops, name, timeless), (ops, timeless)

    match()


def test_a_kept_order_decides_a_smaller_subset_without_a_search() -> None:
    history = _history((0, "write", 1, 0, 10), (1, "read", 1, 20, 30), (0, "write", 2, 40, 50),
                       (2, "read", 2, 60, 70))
    model = resolve(BUILTIN["register"])
    (part,) = split(history, model)
    trials = Trials(part, model, searching, FAR)
    everything = list(part.ops)
    assert trials.decided(everything, timeless=False) is True
    assert trials.searches == 1
    # the linearization found stands for the order-only question, and cut down for subsets
    assert trials.decided(everything, timeless=True) is True
    assert trials.decided([everything[0], everything[1]], timeless=False) is True
    assert trials.decided([everything[2], everything[3]], timeless=True) is True
    assert trials.searches == 1
    # a kept order that the model refuses once cut down proves nothing: this one is searched
    assert trials.decided([everything[1]], timeless=True) is False
    assert trials.searches == 2


def _history(*ops: tuple[int, str, Any, float, float | None]) -> History:
    """Operations as (process, f, value, invoked, returned or None for never)."""
    timed: list[tuple[float, int, Event]] = []
    for n, (process, f, value, start, end) in enumerate(ops):
        timed.append((start, 2 * n, Event(process, EventType.INVOKE, f,
                                          None if f == "read" else value, time=int(start))))
        if end is not None:
            timed.append((end, 2 * n + 1, Event(process, EventType.OK, f, value,
                                                time=int(end))))
    return from_events([event for _, _, event in sorted(timed)])


def _first_seed(history: History) -> tuple[list[tuple[str, Any]], list[int]]:
    """The first seed of an invalid register history, as (f, value) pairs, and its core."""
    model = resolve(BUILTIN["register"])
    result = check_history(history, BUILTIN["register"])
    assert result.valid is False
    data = result.anomalies[0].data
    culprit = next(op for op in history if op.id == data["culprit"])
    (part,) = split(history, model)
    outcome = linearize(part, model, UNLIMITED.start())
    prefix = [(part.ops[i], state) for i, state in outcome.steps]
    found = seeds(history, model, prefix, culprit)
    return [(op.f, op.value) for op in found[0]], data["core"]


def test_a_stale_read_is_seeded_with_its_writer_and_the_write_that_replaced_it() -> None:
    history = _history((0, "write", 1, 0, 10), (1, "read", 1, 20, 30), (0, "write", 2, 40, 50),
                       (2, "read", 2, 60, 70), (1, "read", 1, 80, 90))
    seed, core = _first_seed(history)
    assert seed == [("read", 1), ("write", 1), ("write", 2)]
    assert len(core) == 3


def test_a_move_seen_only_through_a_read_brings_that_read_and_its_writer() -> None:
    history = _history((0, "write", 1, 0, 10), (1, "write", 2, 20, None),
                       (2, "read", 2, 30, 40), (3, "read", 1, 50, 60))
    seed, core = _first_seed(history)
    assert seed == [("read", 1), ("write", 1), ("write", 2), ("read", 2)]
    assert len(core) == 4


def test_explaining_the_etcd_corpus_explores_less_than_deciding_it() -> None:
    deciding = explaining = invalid = 0
    for path in sorted((ROOT / "histories/porcupine-etcd").glob("etcd_*.log")):
        result = check_history(read_history(path, None), BUILTIN["etcd"])
        deciding += result.figures["explored"]
        if result.valid is False:
            invalid += 1
            explaining += result.figures["explanation-explored"]
            assert result.anomalies[0].data["core-complete"], path
    assert invalid > 50
    assert explaining <= deciding, (explaining, deciding)
