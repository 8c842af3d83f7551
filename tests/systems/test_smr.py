"""The Raft-like kv store: safety invariants from the servers' journal, and linearizability."""

from __future__ import annotations

from pathlib import Path

from histcheck.systems.sim.faults import Crash, Partition, Recover
from histcheck.systems.sim.models import MS, NetworkModel, SystemModel
from histcheck.systems.smr.run import SmrRun, run_smr
from tests.systems.storage_oracles import kv_step, linearizable


def safety_problems(run: SmrRun) -> list[str]:
    problems = []
    terms = [term for term, _ in run.journal.leaders]
    if len(terms) != len(set(terms)):
        problems.append(f"two leaders in one term: {run.journal.leaders}")
    logs = list(run.journal.applied.values())
    longest = max(logs, key=len, default=[])
    for log in logs:  # state machine safety: every server applies a prefix of the same log
        if log != longest[:len(log)]:
            problems.append("servers applied different entries at the same index")
    return problems


def lin(run: SmrRun) -> bool:
    return linearizable(run.sim.operations.history(), kv_step, "", by_key=True)


def test_raft_keeps_its_invariants_and_is_linearizable_on_every_seed() -> None:
    for seed in range(6):
        run = run_smr("raft", seed=seed)
        assert not safety_problems(run), seed
        assert lin(run), seed
        assert len(run.journal.leaders) >= 2  # the partition forced a new election


def test_raft_with_crash_recovery_and_a_lossy_network() -> None:
    model = SystemModel(NetworkModel.named("fair-loss", loss=0.1), "crash-recovery")
    faults = (Crash("s1", 80 * MS), Recover("s1", 200 * MS), Crash("s2", 250 * MS),
              Partition((("s3",), ("s1", "s2", "s4", "s5", "c1", "c2", "c3", "c4")),
                        20 * MS, 120 * MS))
    for seed in range(3):
        run = run_smr("raft", seed=seed, model=model, faults=faults, operations=10)
        assert not safety_problems(run)
        assert lin(run)


def test_committed_entries_survive_a_leader_change() -> None:
    run = run_smr("raft", seed=2)
    first_leader_commits = run.journal.applied["s1/1"]
    assert first_leader_commits
    for log in run.journal.applied.values():
        shared = min(len(log), len(first_leader_commits))
        assert log[:shared] == first_leader_commits[:shared]


def test_without_a_majority_operations_are_indeterminate() -> None:
    faults = tuple(Crash(s, 0) for s in ("s1", "s2", "s3"))
    history = run_smr("raft", seed=0, operations=3, faults=faults).sim.operations.history()
    assert all(op.indeterminate for op in history)


def test_split_brain_stale_reads_are_caught() -> None:
    assert not all(lin(run_smr("stale-reads", seed=seed)) for seed in range(5))


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    out = []
    for name in ("a", "b"):
        run_smr("raft", seed=5).sim.operations.write(tmp_path / name)
        out.append((tmp_path / name).read_bytes())
    assert out[0] == out[1]
