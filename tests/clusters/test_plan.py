"""The fault schedule is fixed by the seed, one fault at a time, and every fault is healed."""

from __future__ import annotations

import itertools
import time
from pathlib import Path

from histcheck.recorders.clusters.plan import Fault, Nemesis, RunPlan, schedule
from histcheck.recorders.databases.recording import Recorder
from histcheck.values import Value


def _plan(**changes: object) -> RunPlan:
    base: dict[str, object] = {"system": "etcd", "workload": "cas-register", "out": Path("x"),
                               "nemesis": ("kill", "pause"), "seconds": 20.0, "seed": 7}
    base.update(changes)
    return RunPlan(**base)  # type: ignore[arg-type]


def test_schedule_is_fixed_by_the_seed() -> None:
    names = ["n1", "n2", "n3"]
    assert schedule(_plan(), names) == schedule(_plan(), names)
    assert any(schedule(_plan(seed=s), names) != schedule(_plan(), names) for s in range(8))


def test_schedule_holds_one_fault_at_a_time_within_the_run() -> None:
    faults = schedule(_plan(interval=1.0, duration=1.5), ["n1", "n2", "n3"])
    assert len(faults) == 8
    for before, after in itertools.pairwise(faults):
        assert before.heal <= after.start
    assert faults[-1].heal <= 20.0
    assert {f.action for f in faults} <= {"kill", "pause"}


def test_no_faults_for_none_and_leader_faults_have_no_fixed_target() -> None:
    assert schedule(_plan(nemesis=("none",)), ["n1"]) == []
    faults = schedule(_plan(nemesis=("leader-pause",)), ["n1", "n2"])
    assert faults and all(f.target is None and f.action == "pause" for f in faults)


class _Node:
    def __init__(self, name: str, calls: list[str]) -> None:
        self.name = name
        self._calls = calls

    def kill(self) -> None:
        self._calls.append(f"kill {self.name}")

    def start(self) -> None:
        self._calls.append(f"start {self.name}")

    def pause(self) -> None:
        self._calls.append(f"pause {self.name}")

    def resume(self) -> None:
        self._calls.append(f"resume {self.name}")


def test_nemesis_heals_what_is_on_when_the_run_ends_and_logs_each_step() -> None:
    calls: list[str] = []
    logged: list[tuple[str, Value]] = []
    nodes = {"n1": _Node("n1", calls), "n2": _Node("n2", calls)}
    faults = [Fault("kill", 0.0, 0.05, "n1"), Fault("leader-pause", 0.1, 60.0, None)]
    with Nemesis(faults, nodes, lambda f, v: logged.append((f, v)), leader=lambda: "n2"):
        deadline = time.monotonic() + 5
        while len(calls) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
    assert calls == ["kill n1", "start n1", "pause n2", "resume n2"]
    assert logged == [("kill", ("n1",)), ("start", ("n1",)), ("pause", ("n2",)),
                      ("resume", ("n2",))]


def test_a_leader_fault_without_a_leader_is_skipped_and_logged() -> None:
    logged: list[tuple[str, Value]] = []
    with Nemesis([Fault("leader-kill", 0.0, 0.01, None)], {}, lambda f, v: logged.append((f, v))):
        time.sleep(0.1)
    assert logged == [("kill", "no leader")]


def test_recorder_logs_nemesis_events_as_info_of_the_nemesis_process() -> None:
    recorder = Recorder()
    recorder.nemesis("kill", ["n1"])
    (event,) = recorder.events()
    assert (event.process, event.type.value, event.f, event.value) == ("nemesis", "info", "kill",
                                                                      ("n1",))
