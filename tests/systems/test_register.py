"""The replicated register: ABD is linearizable under minority faults; the bugs show.

Judged by the brute-force oracle in ``storage_oracles`` (independent of histcheck's checkers).
"""

from __future__ import annotations

from histcheck.history import INVOKE, OK, Event, from_events
from histcheck.systems.register.run import run_register
from histcheck.systems.sim.faults import Crash, Partition, Recover
from histcheck.systems.sim.models import MS, NS_PER_TICK, NetworkModel, SystemModel
from tests.systems.storage_oracles import NIL, linearizable, register_step


def lin(variant: str, seed: int, **kw: object) -> bool:
    history = run_register(variant, seed=seed, **kw).sim.operations.history()  # type: ignore[arg-type]
    return linearizable(history, register_step, NIL)


def test_the_oracle_catches_a_new_old_inversion() -> None:
    events = [Event(1, INVOKE, "write", 1, time=0), Event(1, OK, "write", 1, time=1),
              Event(1, INVOKE, "write", 2, time=2),
              Event(2, INVOKE, "read", None, time=3), Event(2, OK, "read", 2, time=4),
              Event(3, INVOKE, "read", None, time=5), Event(3, OK, "read", 1, time=6),
              Event(1, OK, "write", 2, time=10)]
    assert not linearizable(from_events(events), register_step, NIL)
    assert linearizable(from_events(events[:5] + events[7:]), register_step, NIL)


def test_abd_is_linearizable_with_default_faults_on_every_seed() -> None:
    assert all(lin("abd", seed) for seed in range(10))


def test_abd_is_linearizable_over_lossy_duplicating_networks() -> None:
    model = SystemModel(NetworkModel.named("arbitrary"))
    assert all(lin("abd", seed, model=model, operations=10) for seed in range(5))


def test_abd_without_a_majority_records_indeterminate_operations_not_errors() -> None:
    faults = (Crash("r1", 0), Crash("r2", 0), Crash("r3", 0))
    run = run_register("abd", seed=1, operations=3, faults=faults)
    history = run.sim.operations.history()
    assert len(history) > 0 and all(op.indeterminate for op in history)
    processes = [op.process for op in history]
    assert len(set(processes)) == len(processes)  # after info, a client takes a new process id


def test_abd_survives_a_minority_partition_with_clients_on_both_sides() -> None:
    names = ("r1", "r2", "c1")
    faults = (Partition((names, ("r3", "r4", "r5", "c2", "c3", "c4")), 10 * MS, 200 * MS),)
    assert all(lin("abd", seed, faults=faults) for seed in range(3))


def test_leader_cas_is_linearizable_and_its_compare_and_sets_both_succeed_and_fail() -> None:
    for seed in range(5):
        history = run_register("leader-cas", seed=seed).sim.operations.history()
        assert linearizable(history, register_step, NIL)
        outcomes = {op.type.value for op in history if op.f == "cas"}
        assert outcomes == {"ok", "fail"}


def test_leader_cas_is_linearizable_over_lossy_duplicating_networks() -> None:
    model = SystemModel(NetworkModel.named("arbitrary"))
    assert all(lin("leader-cas", seed, model=model, operations=10) for seed in range(5))


def test_the_leader_answers_no_update_until_a_majority_holds_it_even_across_a_restart() -> None:
    """The leader is cut off from the other replicas, crashes half-stored and restarts: no
    update is acknowledged before the restart, and the ones it had logged complete after."""
    clients = ("c1", "c2", "c3", "c4")
    faults = (Partition((("r1", *clients), ("r2", "r3", "r4", "r5")), 0, 100 * MS),
              Crash("r1", 50 * MS), Recover("r1", 150 * MS))
    model = SystemModel(nodes="crash-recovery")
    for seed in range(3):
        history = run_register("leader-cas", seed=seed, operations=8, faults=faults,
                               model=model).sim.operations.history()
        assert linearizable(history, register_step, NIL)
        early = [op for op in history
                 if op.f != "read" and op.ok and op.call_time < 50 * MS * NS_PER_TICK]
        assert early and all(op.ret_time > 150 * MS * NS_PER_TICK  # type: ignore[operator]
                             for op in early)


def test_updates_wait_while_the_leader_has_no_majority_and_reads_go_on() -> None:
    faults = (Partition((("r1",), ("r2", "r3", "r4", "r5")), 0, 10**9),)
    run = run_register("leader-cas", seed=2, operations=6, faults=faults)
    history = run.sim.operations.history()
    assert all(op.indeterminate or op.failed for op in history if op.f != "read")
    assert any(op.f == "read" and op.ok for op in history)
    assert linearizable(history, register_step, NIL)


def test_stale_reads_from_a_single_replica_are_caught() -> None:
    assert not all(lin("single-replica", seed) for seed in range(5))


def test_async_primary_backup_loses_acknowledged_writes() -> None:
    assert not all(lin("async-primary-backup", seed) for seed in range(5))


def scenario_reads(variant: str, seed: int, **kw: object) -> tuple[object, object]:
    """What the half-write scenario's readers (c6 then c7, with four workload clients) read."""
    history = run_register(variant, seed=seed, scenario=True, **kw).sim.operations.history()  # type: ignore[arg-type]
    reads = {op.process: op.value for op in history if op.f == "read" and op.ok}
    (write,) = [op for op in history if op.process == 5]
    assert write.value == 5000 and write.indeterminate  # the writer crashed half-way
    return reads[6], reads[7]


def test_the_half_write_scenario_inverts_reads_without_write_back_on_every_seed() -> None:
    for seed in range(5):
        assert scenario_reads("no-write-back", seed) == (5000, None)
        assert not lin("no-write-back", seed)  # the default run is the scenario


def test_write_back_makes_the_second_read_see_what_the_first_returned() -> None:
    for seed in range(5):
        assert scenario_reads("abd", seed) == (5000, 5000)
        assert lin("abd", seed, scenario=True)


def test_the_half_write_scenario_works_with_three_replicas() -> None:
    assert scenario_reads("no-write-back", 0, replicas=3) == (5000, None)
    assert scenario_reads("abd", 0, replicas=3) == (5000, 5000)


def test_explicit_faults_replace_the_scenario() -> None:
    run = run_register("no-write-back", seed=0, faults=())
    assert len(run.clients) == 4 and {op.process for op in run.sim.operations.history()} <= {
        1, 2, 3, 4}


def test_no_write_back_reads_are_at_least_recorded_faithfully() -> None:
    history = run_register("no-write-back", seed=0, faults=()).sim.operations.history()
    reads = [op for op in history if op.f == "read" and op.ok]
    written = {op.value for op in history if op.f == "write"} | {None}
    assert reads and all(op.value in written for op in reads)


def test_same_seed_same_bytes(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    out = []
    for name in ("a", "b"):
        run_register("abd", seed=7).sim.operations.write(tmp_path / name)
        out.append((tmp_path / name).read_bytes())
    assert out[0] == out[1] and out[0].count(b"\n") == 120
