"""The catalogue's promise for every entry: a buggy variant is caught within 200 examples and
shrunk to at most a few dozen client operations; a correct one survives 200 examples.

Run twice: with histcheck's checkers, and under the ``stand_ins`` fixture. That fixture lists the
test-only family first, and histcheck's families, listed after it, win every model name they
register, so both runs are judged by histcheck's checkers.
"""

from __future__ import annotations

import pytest

from histcheck.systems.catalogue import CATALOGUE, Entry
from histcheck.systems.fuzz.catalogue import Case, fuzz_entry
from histcheck.systems.fuzz.driver import Failure, FuzzConfig
from histcheck.systems.sim.core import Simulator

SMALL = 36
"""A few dozen: the most client operations (clients x operations each) a shrunk case may keep.

Trace events are not the measure: every broadcast brings one delivery per node with it."""


def operations(entry: Entry, failure: Failure[Case, Simulator]) -> int:
    """Client operations in the shrunk run: the history's, or clients x calls for a trace."""
    if entry.records_history:
        return int(failure.result.figures["operations"])
    return failure.case.clients * failure.case.operations


def ids(entry: Entry) -> str:
    return f"{entry.system}/{entry.variant}"


def assert_meets_the_promise(entry: Entry) -> None:
    outcome = fuzz_entry(entry, config=FuzzConfig(max_examples=200))
    if entry.expect == "valid":
        failure = outcome.failure
        assert failure is None, (failure.case, failure.result.explanation)
        return
    failure = outcome.failure
    assert failure is not None, f"not caught in {outcome.examples} examples"
    assert failure.first_failure_at <= 200
    assert operations(entry, failure) <= SMALL, failure.case


@pytest.mark.slow
@pytest.mark.parametrize("entry", CATALOGUE, ids=ids)
def test_entry_by_checker(entry: Entry) -> None:
    assert_meets_the_promise(entry)


@pytest.mark.slow
@pytest.mark.usefixtures("stand_ins")
@pytest.mark.parametrize("entry", CATALOGUE, ids=ids)
def test_entry_by_oracle(entry: Entry) -> None:
    assert_meets_the_promise(entry)


# broadcast-total/two-sequencers is left to the slow tests: how soon hypothesis finds it depends
# on which modules are loaded (hypothesis mixes constants from loaded local code into its draws),
# so in the whole suite it can take more than 200 examples.
@pytest.mark.usefixtures("stand_ins")
@pytest.mark.parametrize("name", ["channel/unordered", "broadcast-fifo/no-hold-back"])
def test_a_few_examples_catch_a_bug(name: str) -> None:
    entry = next(e for e in CATALOGUE if ids(e) == name)
    failure = fuzz_entry(entry, config=FuzzConfig(max_examples=200)).failure
    assert failure is not None and operations(entry, failure) <= SMALL


def test_a_dsm_bug_shrinks_to_a_handful_of_accesses() -> None:
    """Explicit DSM workloads shrink access by access: no-invalidate comes down to the message
    passing pattern (write data, write flag; read data, read flag, read stale data) or as small."""
    entry = next(e for e in CATALOGUE if ids(e) == "dsm/no-invalidate")
    failure = fuzz_entry(entry, config=FuzzConfig(max_examples=200)).failure
    assert failure is not None and failure.case.accesses is not None
    accesses = sum(map(len, failure.case.accesses))
    assert accesses <= 8 and operations(entry, failure) <= accesses + 2, failure.case.describe()
    assert failure.case.describe().startswith(f"{failure.case.clients} nodes, accesses after")


def test_a_run_whose_clients_all_crash_at_once_is_valid_not_an_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from hypothesis import strategies as st

    from histcheck.systems.dsm.run import Access
    from histcheck.systems.fuzz import catalogue
    from histcheck.systems.fuzz.catalogue import Case
    from histcheck.systems.sim.faults import Crash

    entry = next(e for e in CATALOGUE if ids(e) == "dsm/ivy")
    crashed = Case(2, 1, (Crash("n1", 0), Crash("n2", 0)), ((Access("r", 0),), ()))
    monkeypatch.setattr(catalogue, "cases", lambda *_: st.just(crashed))
    outcome = fuzz_entry(entry, config=FuzzConfig(max_examples=1))
    assert outcome.failure is None and outcome.examples == 1
