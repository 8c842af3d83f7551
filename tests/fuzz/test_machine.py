"""RecordingMachine: the README example (taken from the README, so it cannot rot), a correct
store, indeterminate calls, and a user's own registered model."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import rule, run_state_machine_as_test

from histcheck.formats import read_history
from histcheck.systems.fuzz import ConsistencyViolation, RecordingMachine

pytestmark = pytest.mark.usefixtures("stand_ins")
DOC = Path(__file__).resolve().parents[2] / "README.md"
QUICK = settings(max_examples=60, database=None, deadline=None, derandomize=True,
                 suppress_health_check=[HealthCheck.too_slow])


def readme_example() -> dict[str, Any]:
    text = DOC.read_text()
    found = re.search(r"<!-- readme-example:start -->\n```python\n(.*?)```", text, re.S)
    assert found, "the README lost its fuzzing example"
    code = found.group(1)
    assert len(code.splitlines()) < 30
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(code, str(DOC), "exec"), namespace)
    return namespace


def test_the_readme_example_finds_the_stale_cache_and_shrinks_it(tmp_path: Path) -> None:
    machine = readme_example()["StoreMachine"]
    kept = tmp_path / "shrunk.jsonl"
    keeping = type("Keeping", (machine,), {"history_path": kept})
    with pytest.raises(ConsistencyViolation) as failed:
        run_state_machine_as_test(keeping, settings=QUICK)
    assert "INVALID" in str(failed.value)
    history = read_history(kept)
    assert [op.f for op in history] == ["read", "write", "read"]
    assert history.operations[0].key == history.operations[2].key


class Store:
    def __init__(self) -> None:
        self.data: dict[str, int] = {}
        self.calls = 0

    def write(self, key: str, value: int) -> None:
        self.calls += 1
        self.data[key] = value
        if self.calls % 3 == 0:
            raise TimeoutError("the reply was lost")  # ... but the write happened

    def read(self, key: str) -> int | None:
        return self.data.get(key)


class StoreMachine(RecordingMachine):
    model, consistency = "toy-register", "linearizable"

    def __init__(self) -> None:
        super().__init__()
        self.store = Store()

    @rule(key=st.sampled_from("ab"), value=st.integers(0, 3))
    def write(self, key: str, value: int) -> None:
        self.record("write", value, lambda: self.store.write(key, value), key=key)

    @rule(key=st.sampled_from("ab"))
    def read(self, key: str) -> None:
        self.record("read", None, lambda: self.store.read(key), key=key)


def test_a_correct_store_with_timeouts_passes_with_a_users_own_model() -> None:
    run_state_machine_as_test(StoreMachine, settings=QUICK)


def test_timeouts_are_recorded_indeterminate() -> None:
    machine = StoreMachine()
    for value in range(3):
        machine.write("a", value)
    machine.read("a")
    history = machine.recorder.history()
    assert [op.type.value for op in history] == ["ok", "ok", "info", "ok"]
    assert history.operations[3].value == 2 and machine.check().valid is True


def test_a_machine_without_a_model_is_a_usage_mistake() -> None:
    class Nameless(RecordingMachine):
        @rule()
        def nothing(self) -> None:
            self.record("read", None, lambda: None)

    with pytest.raises(TypeError, match="model"):
        run_state_machine_as_test(Nameless, settings=QUICK)
