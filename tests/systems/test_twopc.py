"""The two-phase commit store: strict-serializable when correct, blocked (not wrong) when its
coordinator is down, and each classic bug caught. Judged by the independent oracles of
``txn_oracles`` and by the participants' own logs."""

from __future__ import annotations

from pathlib import Path

import pytest

from histcheck.history import INVOKE, OK, Event, from_events
from histcheck.systems.clients import Client
from histcheck.systems.sim.faults import Crash, Recover
from histcheck.systems.sim.models import MS, NS_PER_TICK, NetworkModel, SystemModel
from histcheck.systems.twopc.participant import Participant
from histcheck.systems.twopc.run import TwoPcRun, run_twopc
from tests.systems.txn_oracles import atomicity_violations, dependency_cycle, serial


def txn(process: int, t: int, ops: list[list[object]], done: list[list[object]]) -> list[Event]:
    return [Event(process, INVOKE, "txn", tuple(map(tuple, ops)), time=t),  # type: ignore[arg-type]
            Event(process, OK, "txn", tuple(map(tuple, done)), time=t + 1)]  # type: ignore[arg-type]


def test_the_oracles_catch_write_skew_and_a_half_visible_transaction() -> None:
    skew = from_events([
        *txn(1, 0, [["r", 1, None], ["append", 2, 1]], [["r", 1, ()], ["append", 2, 1]]),
        *txn(2, 0, [["r", 2, None], ["append", 1, 2]], [["r", 2, ()], ["append", 1, 2]]),
        *txn(3, 5, [["r", 1, None], ["r", 2, None]], [["r", 1, (2,)], ["r", 2, (1,)]])])
    assert dependency_cycle(skew, lists=True) and not serial(skew, lists=True, real_time=False)
    half = from_events([
        *txn(1, 0, [["append", 1, 1], ["append", 2, 1]], [["append", 1, 1], ["append", 2, 1]]),
        *txn(2, 5, [["r", 1, None], ["r", 2, None]], [["r", 1, (1,)], ["r", 2, ()]])])
    assert atomicity_violations(half, lists=True)
    assert not serial(half, lists=True, real_time=False)
    fine = from_events([
        *txn(1, 0, [["append", 1, 1], ["append", 2, 1]], [["append", 1, 1], ["append", 2, 1]]),
        *txn(2, 5, [["r", 1, None], ["r", 2, None]], [["r", 1, (1,)], ["r", 2, (1,)]])])
    assert serial(fine, lists=True) and not atomicity_violations(fine, lists=True)


def committed_everywhere(run: TwoPcRun) -> list[str]:
    """Storage-level atomicity: each commit the coordinator logged is logged by every participant
    of the transaction (or the participant still holds it in doubt)."""
    coordinator = run.sim.node(run.coordinator)
    problems = []
    decisions = coordinator.storage.prefixed("decision/")
    logs = {p: {rec[1]: rec[0] for rec in run.sim.node(p).storage.prefixed("wal/").values()}
            for p in run.participants}
    for key, parts in decisions.items():
        tid = key.removeprefix("decision/")
        for p in parts or ():
            node = run.sim.node(p)
            assert isinstance(node, Participant)
            if logs[p].get(tid) != "commit" and tid not in node.prepared:
                problems.append(f"{tid} committed, but {p} has {logs[p].get(tid)}")
    return problems


@pytest.mark.parametrize("workload", ["list-append", "rw-register"])
def test_two_phase_commit_is_strict_serializable_and_atomic_on_every_seed(workload: str) -> None:
    lists = workload == "list-append"
    for seed in range(5):
        run = run_twopc("2pl", seed=seed, workload_kind=workload)
        history = run.sim.operations.history()
        assert serial(history, lists=lists, real_time=True), seed
        assert not dependency_cycle(history, lists=lists), seed
        assert not atomicity_violations(history, lists=lists), seed
        assert not committed_everywhere(run), seed
        assert sum(op.ok for op in history) > len(history) // 2


def test_two_phase_commit_over_a_lossy_network() -> None:
    model = SystemModel(NetworkModel.named("fair-loss", loss=0.1), "crash-recovery")
    for seed in range(3):
        run = run_twopc("2pl", seed=seed, model=model, operations=10)
        assert serial(run.sim.operations.history(), lists=True)
        assert not committed_everywhere(run)


def in_doubt(run: TwoPcRun) -> dict[str, list[str]]:
    found = {}
    for name in run.participants:
        node = run.sim.node(name)
        assert isinstance(node, Participant)
        found[name] = list(node.prepared)
    return found


def test_a_coordinator_crash_blocks_participants_in_doubt_and_the_history_says_info() -> None:
    blocked_runs = 0
    for seed in range(6):
        run = run_twopc("2pl", seed=seed, operations=10, faults=(Crash("tm", 120 * MS),))
        run.sim.run(until=run.sim.now + 500 * MS)  # participants keep asking; nobody answers
        history = run.sim.operations.history()
        doubt = [tid for tids in in_doubt(run).values() for tid in tids]
        for tid in doubt:  # the client of a transaction in doubt saw neither ok nor fail
            node = run.sim.node(tid.rpartition(".")[0])
            assert isinstance(node, Client)
            mine = [op for op in history if op.process % 4 == node.number % 4]
            assert any(op.indeterminate for op in mine)
            participant = next(p for p, tids in in_doubt(run).items() if tid in tids)
            holder = run.sim.node(participant)
            assert isinstance(holder, Participant)
            assert tid in holder.exclusive.values() or any(
                tid in holders for holders in holder.shared.values())  # still holding its locks
        blocked_runs += bool(doubt)
        assert serial(history, lists=True)
        assert not any(op.failed for op in history
                       if op.call_time and op.call_time > 125 * MS * NS_PER_TICK)
    assert blocked_runs > 0


def test_a_restarted_coordinator_resolves_every_doubt() -> None:
    for seed in range(4):
        run = run_twopc("2pl", seed=seed, operations=10,
                        faults=(Crash("tm", 120 * MS), Recover("tm", 300 * MS),
                                Crash("p2", 100 * MS), Recover("p2", 160 * MS)))
        run.sim.run(until=run.sim.now + 500 * MS)
        assert not any(in_doubt(run).values())
        assert not committed_everywhere(run)
        assert serial(run.sim.operations.history(), lists=True)


@pytest.mark.parametrize("variant", ["early-release", "unlocked-reads"])
def test_releasing_or_skipping_locks_is_not_serializable(variant: str) -> None:
    caught = [bool(dependency_cycle(run_twopc(variant, seed=seed).sim.operations.history(),
                                    lists=True)) for seed in range(3)]
    assert any(caught)


def test_a_participant_that_forgets_prepared_transactions_breaks_atomicity() -> None:
    runs = [run_twopc("forget-prepared", seed=seed) for seed in range(4)]
    assert any(committed_everywhere(run) for run in runs)
    assert any(atomicity_violations(run.sim.operations.history(), lists=True) for run in runs)


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    out = []
    for name in ("a", "b"):
        run_twopc("2pl", seed=4, workload_kind="rw-register").sim.operations.write(tmp_path / name)
        out.append((tmp_path / name).read_bytes())
    assert out[0] == out[1] and out[0].count(b"\n") == 120
