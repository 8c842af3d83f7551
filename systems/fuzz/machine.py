"""A ``RuleBasedStateMachine`` that records what your client saw and checks it at teardown.

Write one rule per kind of call and wrap the call in ``self.record``; hypothesis chooses the
sequence of calls, the base class records each one as an invocation and a completion
(``recorders.OperationRecorder``), and ``teardown`` checks the whole history with
``histcheck.api.check`` for the class's ``model`` and ``consistency``. An invalid history fails the
test with the checker's explanation, and hypothesis shrinks the calls to the fewest that still
fail. Any model registered with ``histcheck.registry`` works, built in or your own::

    class StoreMachine(RecordingMachine):
        model, consistency = "register", "linearizable"

        def __init__(self) -> None:
            super().__init__()
            self.store = Store()

        @rule(k=st.sampled_from("ab"), v=st.integers(0, 3))
        def write(self, k: str, v: int) -> None:
            self.record("write", v, lambda: self.store.write(k, v), key=k)

    TestStore = StoreMachine.TestCase

A call that returns nothing completes with the value it was invoked with (a write says what it
wrote, as in Jepsen histories); otherwise with what it returned (a read says what it read). A call
that raises one of ``indeterminate`` (by default timeouts and lost connections) is recorded
``info``, since it may or may not have happened, and the run goes on; other exceptions are bugs in
the test and propagate. Set ``history_path`` to keep the last checked history (after a failure,
that is the shrunk one). Times are a logical clock, so histories are the same on every run.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from hypothesis.stateful import RuleBasedStateMachine

from histcheck.budget import Budget
from histcheck.history import INFO, OK, History
from histcheck.recorders.operations import OperationRecorder
from histcheck.result import CheckResult
from histcheck.values import Value


class ConsistencyViolation(AssertionError):
    """The recorded history broke the promised consistency; the message is the explanation."""

    def __init__(self, result: CheckResult, history: History) -> None:
        super().__init__(f"{result.model} / {result.consistency}: INVALID "
                         f"({len(history)} operations)\n{result.explanation}")
        self.result = result
        self.history = history


class RecordingMachine(RuleBasedStateMachine):
    """Base class: records ``self.record`` calls, checks the history at teardown."""

    model: ClassVar[str] = ""
    consistency: ClassVar[str | None] = None
    budget: ClassVar[Budget] = Budget(seconds=10)
    indeterminate: ClassVar[tuple[type[BaseException], ...]] = (TimeoutError, ConnectionError)
    history_path: ClassVar[str | Path | None] = None

    def __init__(self) -> None:
        super().__init__()
        self.recorder = OperationRecorder(itertools.count().__next__)
        self.result: CheckResult | None = None

    def record(self, f: str, value: Value, call: Callable[[], object], *, key: Value = None,
               process: int | str = 0) -> object:
        """Run ``call`` as one operation ``f`` by ``process``; returns what it returned."""
        ticket = self.recorder.invoke(process, f, value, key=key)
        try:
            out = call()
        except self.indeterminate:
            self.recorder.complete(ticket, INFO, value)
            return None
        except BaseException:
            self.recorder.complete(ticket, INFO, value)
            raise
        self.recorder.complete(ticket, OK, value if out is None else out)  # type: ignore[arg-type]
        return out

    def check(self) -> CheckResult:
        """Check the history so far (teardown does this; call it to check earlier)."""
        from histcheck.api import check

        if not self.model:
            raise TypeError(f"{type(self).__name__} must set the class attribute `model`")
        history = self.recorder.history(type(self).__name__)
        if self.history_path is not None:
            self.recorder.write(self.history_path)
        self.result = check(history, model=self.model, consistency=self.consistency,
                            budget=self.budget)
        if self.result.valid is False:
            raise ConsistencyViolation(self.result, history)
        return self.result

    def teardown(self) -> None:
        self.check()
