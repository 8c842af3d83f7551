"""Retry semantics in the simulator, checked with an oracle that counts executions."""

from __future__ import annotations

import pytest

from histcheck.systems.rpc.simulated import run_rpc
from histcheck.systems.sim import MS, Crash, NetworkModel, Recover, SystemModel, TimingModel
from tests.systems import oracles

Outcome = tuple[list[str], list[str], dict[str, int]]


def outcome(variant: str, seed: int, **options: object) -> Outcome:
    events = run_rpc(variant, seed=seed, **options).sim.trace.events  # type: ignore[arg-type]
    requests = [e["rpc"] for e in events if e["type"] == "request"]
    replies = [e["rpc"] for e in events if e["type"] == "ack"]
    return requests, replies, dict(oracles.executions(events))


@pytest.mark.parametrize("seed", range(6))
def test_at_most_once_never_executes_twice_and_may_lose(seed: int) -> None:
    _, replies, executed = outcome("at-most-once", seed)
    assert all(count == 1 for count in executed.values())
    assert set(replies) <= set(executed)


def test_at_most_once_loses_calls_under_loss() -> None:
    requests, replies, _ = outcome("at-most-once", 0)
    assert len(replies) < len(requests)


@pytest.mark.parametrize("seed", range(6))
def test_at_least_once_retransmits_until_every_call_is_answered(seed: int) -> None:
    requests, replies, executed = outcome("at-least-once", seed)
    assert sorted(replies) == sorted(requests)
    assert all(executed.get(r, 0) >= 1 for r in requests)


def test_at_least_once_repeats_some_update() -> None:
    _, _, executed = outcome("at-least-once", 0)
    assert max(executed.values()) > 1


@pytest.mark.parametrize("seed", range(6))
def test_exactly_once_executes_every_call_exactly_once(seed: int) -> None:
    requests, replies, executed = outcome("exactly-once", seed)
    assert sorted(replies) == sorted(requests)
    assert executed == dict.fromkeys(requests, 1)


def test_retry_twice_bug_is_caught() -> None:
    assert any(max(outcome("retry-twice", seed)[2].values()) > 1 for seed in range(3))


def test_exactly_once_survives_a_server_restart() -> None:
    model = SystemModel(NetworkModel.named("arbitrary"), nodes="crash-recovery",
                        timing=TimingModel("partially-synchronous", gst=50 * MS))
    faults = (Crash("server", 40 * MS), Recover("server", 90 * MS))
    for seed in range(4):
        requests, replies, executed = outcome("exactly-once", seed, model=model, faults=faults)
        assert sorted(replies) == sorted(requests)
        assert executed == dict.fromkeys(requests, 1)


def test_operation_history_counts_sums() -> None:
    run = run_rpc("exactly-once", seed=2)
    history = run.operations.history()
    assert len(history) == 30 and all(op.ok for op in history)
    adds = sum(op.invoke_value for op in history if op.f == "add")  # type: ignore[misc]
    final = max(op.value for op in history if op.f in ("add", "sum"))  # type: ignore[type-var]
    assert final == adds


def test_rpc_runs_are_deterministic() -> None:
    model = SystemModel(NetworkModel.named("arbitrary"), timing=TimingModel("asynchronous"))
    first = run_rpc("exactly-once", seed=9, model=model).sim.trace.to_bytes()
    assert first == run_rpc("exactly-once", seed=9, model=model).sim.trace.to_bytes()
