"""The fuzz machinery on the toy primary-backup register: finds the bug, shrinks it, stays
deterministic, replays from its blob, and lets the correct variant survive."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest
from hypothesis import find
from hypothesis import strategies as st

from histcheck.api import check
from histcheck.result import CheckResult
from histcheck.systems.fuzz.choices import ChoiceRandom, SeededChooser
from histcheck.systems.fuzz.driver import FuzzConfig, Outcome, search
from histcheck.systems.fuzz.strategies import NODE_FAULTS, Workload, fault_schedules, workloads
from histcheck.systems.sim import Crash, Fault, Partition, Simulator
from histcheck.systems.sim.core import random_source
from tests.fuzz.toy import SERVERS, run_toy

pytestmark = pytest.mark.usefixtures("stand_ins")


@dataclass(frozen=True)
class ToyCase:
    workload: Workload
    faults: tuple[Fault, ...]


TOY_CASES = st.builds(ToyCase, workloads({"write": st.integers(1, 3), "read": st.none()},
                                         keys=("x", "y"), clients=3, max_calls=8),
                      fault_schedules(SERVERS, space=NODE_FAULTS))


def fuzz_toy(variant: str, config: FuzzConfig) -> Outcome[ToyCase, Simulator]:
    def attempt(case: ToyCase) -> tuple[CheckResult, Simulator]:
        sim = run_toy(variant, case.workload, case.faults)
        return check(sim.operations.history(), model="toy-register"), sim

    return search(TOY_CASES, attempt, config)


class Zeros:
    def below(self, n: int) -> int:
        return 0


def test_choice_zero_is_the_boring_outcome() -> None:
    rng = ChoiceRandom(Zeros())
    assert rng.random() > 0.99 and not rng.random() < 0.2  # never lost, never duplicated
    assert rng.randint(1000, 10_000) == 1000 and rng.choice("abc") == "a"
    assert rng.sample(range(10), 1) == [0] and rng.getrandbits(8) == 0


def test_the_simulator_is_unchanged_outside_random_source() -> None:
    plain = Simulator(7).rng
    assert type(plain) is random.Random
    assert plain.random() == random.Random(7).random()
    with random_source(lambda seed: ChoiceRandom(SeededChooser(seed))):
        assert isinstance(Simulator(7).rng, ChoiceRandom)
    assert type(Simulator(7).rng) is random.Random


def test_fault_schedules_shrink_to_nothing_and_to_the_simplest_fault() -> None:
    nodes = ["n1", "n2", "n3"]
    assert find(fault_schedules(nodes), lambda s: True) == ()
    assert find(fault_schedules(nodes), lambda s: len(s) > 0) == (Crash("n1", 0),)
    cut = find(fault_schedules(nodes), lambda s: any(isinstance(f, Partition) for f in s))
    assert cut == (Partition((("n2", "n3"), ("n1",)), 0, 1),)


def test_the_buggy_toy_is_found_and_shrunk_to_a_stale_read() -> None:
    outcome = fuzz_toy("backup-reads", FuzzConfig(max_examples=100, seed=1))
    failure = outcome.failure
    assert failure is not None
    assert failure.case.faults == ()  # shrinking removed every fault
    history = failure.kept.operations.history()  # shrinking finds a local minimum: 2 or 3 ops
    assert len(history) <= 3 and {op.f for op in history} == {"write", "read"}
    last = history.operations[-1]
    assert last.f == "read" and last.value != history.operations[-2].value  # a stale read
    assert "no linearizable order" in failure.result.explanation
    assert failure.blob


def test_search_is_deterministic_per_seed_and_replays_from_its_blob() -> None:
    first = fuzz_toy("backup-reads", FuzzConfig(max_examples=100, seed=5)).failure
    again = fuzz_toy("backup-reads", FuzzConfig(max_examples=100, seed=5)).failure
    assert first is not None and again is not None
    assert (first.case, first.blob) == (again.case, again.blob)
    trace = first.kept.trace.to_bytes()
    replayed = fuzz_toy("backup-reads", FuzzConfig(replay=first.blob)).failure
    assert replayed is not None and replayed.kept.trace.to_bytes() == trace


def test_the_correct_toy_survives() -> None:
    outcome = fuzz_toy("primary-reads", FuzzConfig(max_examples=40))
    assert outcome.failure is None and outcome.examples >= 40


@pytest.mark.slow
def test_the_correct_toy_survives_200_examples_and_the_buggy_one_is_caught_in_them() -> None:
    assert fuzz_toy("primary-reads", FuzzConfig(max_examples=200)).failure is None
    for seed in range(5):
        failure = fuzz_toy("backup-reads", FuzzConfig(max_examples=200, seed=seed)).failure
        assert failure is not None and len(failure.kept.operations.history()) <= 4


def test_the_search_does_not_depend_on_which_local_modules_are_loaded(
        tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Hypothesis mixes constants from loaded local modules into its draws; the fuzzer shuts
    that off, or a seed would find one run from a checkout and another from site-packages."""
    import importlib
    from pathlib import Path

    def trail() -> list[object]:
        seen: list[object] = []

        def attempt(case: ToyCase) -> tuple[CheckResult, Simulator]:
            seen.append(case)
            sim = run_toy("primary-reads", case.workload, case.faults)
            return check(sim.operations.history(), model="toy-register"), sim

        search(TOY_CASES, attempt, FuzzConfig(max_examples=60, seed=3))
        return seen

    before = trail()
    folder = Path(str(tmp_path))
    numbers = ", ".join(str(n) for n in range(2, 200, 7))
    (folder / "histcheck_many_constants.py").write_text(f"VALUES = ({numbers},)\n")
    monkeypatch.syspath_prepend(str(folder))
    importlib.import_module("histcheck_many_constants")
    assert trail() == before
