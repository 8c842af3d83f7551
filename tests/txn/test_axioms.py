"""The axiom oracle on textbook histories, then the checker against the oracle at every level.

The hand-written cases pin the oracle (tests/txn/axioms.py) to the definitions it cites, so
that a disagreement in the differential tests below is the checker's to explain. Every level of
``histcheck.txn.levels.NAMES`` must have a row in the oracle's table.
"""

from __future__ import annotations

import random
from collections.abc import Iterable

import pytest
from hypothesis import HealthCheck, given, settings

from histcheck.api import check
from histcheck.txn.levels import NAMES
from tests.txn import axioms, brute
from tests.txn.axiom_gen import WORKLOADS, Spec, seeded, shrink, spec, specs, txn

RW, LA = "rw-register", "list-append"
ALL = tuple(axioms.LEVELS)


def oracle(s: Spec, level: str) -> bool:
    return axioms.valid(s.history(), s.workload, level)


def holds_exactly(s: Spec, levels: Iterable[str]) -> None:
    """``s`` satisfies exactly ``levels`` among the oracle's rows."""
    wanted = set(levels)
    got = {level for level in ALL if oracle(s, level)}
    assert got == wanted, (f"{s}\nunexpected: {sorted(got - wanted)}, "
                           f"missing: {sorted(wanted - got)}")


def passes_fails(s: Spec, passes: Iterable[str], fails: Iterable[str]) -> None:
    for level in passes:
        assert oracle(s, level), f"{s}\nshould satisfy {level}"
    for level in fails:
        assert not oracle(s, level), f"{s}\nshould violate {level}"


SERIAL_FAMILY = ("repeatable-read", "serializable", "strong-session-serializable",
                 "strict-serializable")
SI_FAMILY = ("snapshot-isolation", "strong-session-snapshot-isolation")
WEAK = ("read-uncommitted", "strong-session-read-uncommitted", "read-committed",
        "strong-session-read-committed", "monotonic-atomic-view")
ATOMIC = ("read-atomic", "strong-session-read-atomic", "causal")


def test_every_level_offered_has_a_row() -> None:
    assert set(NAMES) <= set(axioms.LEVELS), sorted(set(NAMES) - set(axioms.LEVELS))


# -- the oracle on textbook histories ---------------------------------------------------------


def test_serial_history_holds_everywhere() -> None:
    s = spec(RW, txn(("w", "x", 1), ("w", "y", 1)), txn(("r", "x", 1), ("w", "x", 2)),
             txn(("r", "x", 2), ("r", "y", 1)))
    holds_exactly(s, ALL)


def test_write_skew_is_snapshot_isolation_not_serializable() -> None:
    s = spec(RW, txn(("r", "x", None), ("r", "y", None), ("w", "x", 1)),
             txn(("r", "x", None), ("r", "y", None), ("w", "y", 2)))
    holds_exactly(s, (*WEAK, *ATOMIC, *SI_FAMILY))


def test_lost_update_is_causal_not_snapshot_isolation() -> None:
    s = spec(RW, txn(("r", "x", None), ("w", "x", 1)), txn(("r", "x", None), ("w", "x", 2)))
    holds_exactly(s, (*WEAK, *ATOMIC))


def test_lost_update_in_lists() -> None:
    s = spec(LA, txn(("r", "x", []), ("append", "x", 1)),
             txn(("r", "x", []), ("append", "x", 2)), txn(("r", "x", [1, 2])))
    holds_exactly(s, (*WEAK, *ATOMIC))


def test_fractured_read_is_read_committed_only() -> None:
    s = spec(RW, txn(("w", "x", 1), ("w", "y", 1)), txn(("r", "x", 1), ("r", "y", None)))
    holds_exactly(s, ("read-uncommitted", "strong-session-read-uncommitted", "read-committed",
                      "strong-session-read-committed"))


def test_non_repeatable_read_is_read_committed_only() -> None:
    s = spec(RW, txn(("w", "x", 1)), txn(("w", "x", 2)), txn(("r", "x", 1), ("r", "x", 2)))
    passes_fails(s, ("read-committed",), ("monotonic-atomic-view",))


def test_circular_information_flow_is_read_uncommitted_only() -> None:
    s = spec(RW, txn(("w", "x", 1), ("r", "y", 2)), txn(("w", "y", 2), ("r", "x", 1)))
    holds_exactly(s, ("read-uncommitted", "strong-session-read-uncommitted"))


def test_dirty_read_of_a_failed_write() -> None:
    for workload, write, read in ((RW, ("w", "x", 1), ("r", "x", 1)),
                                  (LA, ("append", "x", 1), ("r", "x", [1]))):
        s = spec(workload, txn(write, status="fail"), txn(read))
        holds_exactly(s, ("read-uncommitted", "strong-session-read-uncommitted"))


def test_failed_append_under_a_committed_one() -> None:
    s = spec(LA, txn(("append", "x", 1), status="fail"), txn(("append", "x", 2)),
             txn(("r", "x", [1, 2])))
    holds_exactly(s, ("read-uncommitted", "strong-session-read-uncommitted"))


def test_intermediate_reads() -> None:
    for workload, w, r in ((RW, "w", 1), (LA, "append", [1])):
        s = spec(workload, txn((w, "x", 1), (w, "x", 2)), txn(("r", "x", r)))
        holds_exactly(s, ("read-uncommitted", "strong-session-read-uncommitted"))


def test_write_cycle_in_lists_is_not_even_read_uncommitted() -> None:
    s = spec(LA, txn(("append", "x", 1), ("append", "y", 1)),
             txn(("append", "x", 2), ("append", "y", 2)), txn(("r", "x", [1, 2])),
             txn(("r", "y", [2, 1])))
    holds_exactly(s, ())


@pytest.mark.parametrize("value", [[1, 3], [3], [2, 1, 3], [1, 3, 2], [1, 1, 2, 3], [1, 2, 3, 9]])
def test_lists_no_database_makes(value: list[int]) -> None:
    """Gaps, reordered and repeated elements, and elements nobody appended."""
    s = spec(LA, txn(("append", "x", 1)), txn(("append", "x", 2), ("append", "x", 3)),
             txn(("r", "x", value)))
    holds_exactly(s, ())


def test_list_prefix_cut_is_fine() -> None:
    s = spec(LA, txn(("append", "x", 1)), txn(("append", "x", 2), ("append", "x", 3)),
             txn(("r", "x", [1, 2, 3])), txn(("r", "x", [1])))
    passes_fails(s, ("causal", "snapshot-isolation", "serializable"), ("strict-serializable",))


def test_own_later_writes_are_never_visible() -> None:
    for s in (spec(RW, txn(("r", "x", 1), ("w", "x", 1))),
              spec(LA, txn(("r", "x", [1]), ("append", "x", 1))),
              spec(LA, txn(("append", "x", 2)), txn(("r", "x", [1, 2]), ("append", "x", 1))),
              spec(LA, txn(("append", "x", 1), ("r", "x", [1, 2]), ("append", "x", 2)))):
        holds_exactly(s, ())


def test_garbage_behind_an_own_write_is_never_valid() -> None:
    for s in (spec(RW, txn(("w", "x", 1), ("r", "x", 9))),
              spec(LA, txn(("append", "x", 1), ("r", "x", [9, 1]))),
              spec(LA, txn(("append", "x", 1), ("r", "x", [1, 1])))):
        holds_exactly(s, ())


def test_internal_reads_are_forbidden_from_read_atomic_up() -> None:
    for s in (spec(RW, txn(("w", "x", 1), ("r", "x", None))),
              spec(RW, txn(("w", "x", 1), ("w", "x", 2), ("r", "x", 1))),
              spec(LA, txn(("append", "x", 1), ("r", "x", [])))):
        holds_exactly(s, WEAK)


def test_internal_read_of_another_commit_is_read_committed() -> None:
    """PostgreSQL READ COMMITTED: read, append, and a second read that shows another commit.

    The second read shows T2's version [20 23] before T3's own 25: T3 read from T2, after its
    first read missed T2. The read-atomic axiom (order-insensitive, as in Biswas and Enea)
    makes that a fractured read, so monotonic-atomic-view fails where read committed holds.
    """
    s = spec(LA, txn(("append", "x", 20)), txn(("append", "x", 23)),
             txn(("r", "x", [20]), ("append", "x", 25), ("r", "x", [20, 23, 25])))
    passes_fails(s, ("read-committed",), ("monotonic-atomic-view", "read-atomic"))


def test_internal_read_below_read_atomic_is_still_an_ordinary_read() -> None:
    """T2 reads x after its own write and sees T1's intermediate value: read committed says no."""
    s = spec(RW, txn(("w", "x", 1), ("w", "x", 2)), txn(("w", "x", 3), ("r", "x", 1)))
    holds_exactly(s, ("read-uncommitted", "strong-session-read-uncommitted"))


NOT_SNAPSHOT = ("read-uncommitted", "strong-session-read-uncommitted", "read-committed",
                "strong-session-read-committed", "monotonic-atomic-view", "read-atomic",
                "strong-session-read-atomic", "causal")


def test_an_internal_list_read_is_the_readers_own_view() -> None:
    """T3 reads [1], appends 5 and sees [1 5], while T2's 2 lands before 5 in the final list:
    [1 5] is T3's view (the version [1] plus its own append), not a version of x. A database
    whose views need not be snapshots does that; snapshot isolation forbids the concurrent
    appends, and a serial order would show T3 the 2."""
    s = spec(LA, txn(("append", "x", 1)), txn(("append", "x", 2)),
             txn(("r", "x", [1]), ("append", "x", 5), ("r", "x", [1, 5])),
             txn(("r", "x", [1, 2, 5])))
    holds_exactly(s, NOT_SNAPSHOT)


def test_two_views_of_own_appends_from_the_empty_list() -> None:
    s = spec(LA, txn(("append", "x", 5), ("r", "x", [5])), txn(("append", "x", 6), ("r", "x", [6])))
    holds_exactly(s, NOT_SNAPSHOT)


def test_the_start_of_an_internal_list_read_is_read_atomically() -> None:
    """T2's view of x starts from T1's [1], so T2 read from T1, yet it reads y without T1's
    append: fractured wherever the read-atomic rule holds (from monotonic atomic view up)."""
    s = spec(LA, txn(("append", "x", 1), ("append", "y", 1)),
             txn(("append", "x", 5), ("r", "x", [1, 5]), ("r", "y", [])))
    holds_exactly(s, ("read-uncommitted", "strong-session-read-uncommitted", "read-committed",
                      "strong-session-read-committed"))


def test_internal_list_read_needs_its_start_to_be_a_real_version() -> None:
    """[1 5] starts from [1], T1's intermediate state: a version only read uncommitted shows."""
    s = spec(LA, txn(("append", "x", 1), ("append", "x", 2)),
             txn(("append", "x", 5), ("r", "x", [1, 5])))
    holds_exactly(s, ("read-uncommitted", "strong-session-read-uncommitted"))
    s = spec(LA, txn(("append", "x", 1), ("append", "x", 2)),
             txn(("append", "x", 5), ("r", "x", [2, 5])))
    holds_exactly(s, ())


def test_causality_violation_is_read_atomic_not_causal() -> None:
    s = spec(RW, txn(("w", "x", 1)), txn(("r", "x", 1), ("w", "y", 1)),
             txn(("r", "y", 1), ("r", "x", None)))
    passes_fails(s, ("read-atomic", "strong-session-read-atomic"),
                 ("causal", "snapshot-isolation", "serializable"))


def test_long_fork_is_causal_not_snapshot_isolation() -> None:
    s = spec(RW, txn(("w", "x", 1)), txn(("w", "y", 1)), txn(("r", "x", 1), ("r", "y", None)),
             txn(("r", "y", 1), ("r", "x", None)))
    holds_exactly(s, (*WEAK, *ATOMIC))


def test_session_read_your_writes() -> None:
    s = spec(RW, txn(("w", "x", 1), process=0), txn(("r", "x", None), process=0))
    holds_exactly(s, ("read-uncommitted", "strong-session-read-uncommitted", "read-committed",
                      "strong-session-read-committed", "monotonic-atomic-view", "read-atomic",
                      "snapshot-isolation", "repeatable-read", "serializable"))


def test_failed_transactions_leave_the_session() -> None:
    s = spec(RW, txn(("w", "x", 1), process=0, status="fail"), txn(("r", "x", None), process=0))
    holds_exactly(s, ALL)


def test_stale_read_in_real_time() -> None:
    s = spec(RW, txn(("w", "x", 1)), txn(("r", "x", None)))
    holds_exactly(s, set(ALL) - {"strict-serializable"})


@pytest.mark.parametrize(("times", "strict"), [(((0, 10), (5, 15)), True),
                                               (((0, 10), (10, 15)), True),
                                               (((0, 10), (11, 15)), False)])
def test_real_time_uses_closed_intervals(times: tuple[tuple[int, int], ...],
                                         strict: bool) -> None:
    s = spec(RW, txn(("w", "x", 1)), txn(("r", "x", None)), times=times)
    assert oracle(s, "serializable")
    assert oracle(s, "strict-serializable") is strict


def test_partly_observed_info_transaction_is_fractured() -> None:
    s = spec(RW, txn(("w", "x", 1), ("w", "y", 1), status="info"),
             txn(("r", "y", 1), ("r", "x", None)))
    holds_exactly(s, ("read-uncommitted", "strong-session-read-uncommitted", "read-committed",
                      "strong-session-read-committed"))


def test_info_transactions_may_or_may_not_commit() -> None:
    seen = spec(RW, txn(("w", "x", 1), status="info"), txn(("r", "x", 1)))
    unseen = spec(RW, txn(("w", "x", 1), status="info"), txn(("r", "x", None)))
    holds_exactly(seen, ALL)
    holds_exactly(unseen, ALL)


def test_info_reads_are_placeholders() -> None:
    s = spec(RW, txn(("w", "x", 1)), txn(("r", "x", None), ("w", "y", 2), status="info"),
             txn(("r", "y", 2)))
    holds_exactly(s, ALL)


def test_info_transaction_commits_after_what_completed_before_it() -> None:
    s = spec(RW, txn(("w", "x", 1)), txn(("r", "x", None), ("w", "y", 2), status="info"),
             txn(("r", "y", 2)))
    assert oracle(s, "strict-serializable")
    read_old = spec(RW, txn(("w", "x", 1)), txn(("w", "x", 2), status="info"),
                    txn(("r", "x", 2)), txn(("r", "x", 1), process=0))
    assert not oracle(read_old, "strict-serializable")
    assert oracle(read_old, "serializable")


def test_snapshot_isolation_with_sessions() -> None:
    s = spec(RW, txn(("w", "x", 1), process=0), txn(("w", "y", 1)),
             txn(("r", "y", 1), ("r", "x", None), process=0), times=((0, 1), (0, 9), (2, 3)))
    passes_fails(s, ("snapshot-isolation",),
                 ("strong-session-snapshot-isolation", "causal", "strong-session-serializable"))


def test_oracle_agrees_with_serial_and_interleaving_brute_force() -> None:
    """Where both apply (every transaction ok, no sessions): serial orders and start/commit
    interleavings (tests/txn/brute.py) give the same verdicts as the axioms."""
    from tests.txn.gen import history_of, random_txns
    for workload in WORKLOADS:
        for seed in range(120):
            rng = random.Random(seed)
            txns = random_txns(rng, workload, rng.randint(2, 4))
            history = history_of(txns)
            facts = axioms.facts_of(history, workload)
            assert ((axioms.satisfies(facts, "serializable") is not None)
                    == brute.serializable(txns, workload)), txns
            assert ((axioms.satisfies(facts, "snapshot-isolation") is not None)
                    == brute.snapshot_isolated(txns, workload)), txns


# -- the checker against the oracle -----------------------------------------------------------


def checker(s: Spec, level: str) -> object:
    return check(s.history(), model=s.workload, consistency=level).valid


def _disagree(s: Spec, level: str) -> tuple[bool, object] | None:
    expected, got = oracle(s, level), checker(s, level)
    return None if got == expected else (expected, got)


def _report(level: str, cases: int, wrong: list[tuple[Spec, tuple[bool, object]]]) -> str:
    lines = [f"{level}: checker disagrees with the axioms on {len(wrong)} of {cases} histories"]
    for s, verdicts in sorted(wrong, key=lambda w: len(str(w[0])))[:1]:
        expected, got = verdicts
        small = shrink(s, lambda t, pair=verdicts: _disagree(t, level) == pair, rounds=40)
        lines.append(f"axioms say {expected}, checker says {got}; shrunk from {len(s.txns)} "
                     f"transactions:\n{small}")
    return "\n".join(lines)


_CORPUS: dict[tuple[str, int, int], list[Spec]] = {}


def _corpus(workload: str, count: int, first: int, max_txns: int) -> list[Spec]:
    key = (workload, first, max_txns)
    if key not in _CORPUS:
        _CORPUS[key] = seeded(workload, count, first, max_txns)
    return _CORPUS[key]


def _differential(workload: str, level: str, specs_: list[Spec]) -> None:
    wrong = [(s, d) for s in specs_ if (d := _disagree(s, level)) is not None]
    assert not wrong, _report(level, len(specs_), wrong)


@pytest.mark.parametrize("level", NAMES)
@pytest.mark.parametrize("workload", WORKLOADS)
def test_checker_matches_axioms(workload: str, level: str) -> None:
    _differential(workload, level, _corpus(workload, 400, 0, 5))


@pytest.mark.slow
@pytest.mark.parametrize("level", NAMES)
@pytest.mark.parametrize("workload", WORKLOADS)
def test_checker_matches_axioms_many(workload: str, level: str) -> None:
    _differential(workload, level, _corpus(workload, 1500, 1000, 6))


AWKWARD = {
    "own-later-write-rw": spec(RW, txn(("r", "x", 1), ("w", "x", 1))),
    "own-later-write-list": spec(LA, txn(("r", "x", [1]), ("append", "x", 1))),
    "own-later-append-inside-a-list": spec(LA, txn(("append", "x", 1)),
                                           txn(("r", "x", [1, 2]), ("append", "x", 2))),
    "garbage-behind-own-write-rw": spec(RW, txn(("w", "y", 4), ("r", "y", 902))),
    "garbage-behind-own-append": spec(LA, txn(("append", "x", 1), ("r", "x", [905]))),
    "own-appends-skipped": spec(LA, txn(("append", "x", 1), ("append", "x", 2), ("r", "x", [2]))),
    "non-contiguous-list": spec(LA, txn(("append", "y", 2), ("append", "y", 3)),
                                txn(("r", "y", [3]))),
    "internal-read-of-failed-write": spec(RW, txn(("w", "x", 4), status="fail"),
                                          txn(("w", "x", 1), ("r", "x", 4))),
    "internal-read-of-intermediate-write": spec(RW, txn(("w", "x", 1), ("r", "x", 6)),
                                                txn(("w", "x", 6), ("w", "x", 8))),
    "internal-read-fractures": spec(RW, txn(("w", "x", 1)),
                                    txn(("r", "x", 1), ("w", "x", 5), ("r", "x", None))),
    "internal-list-read-orders-writers": spec(LA, txn(("append", "x", 2)),
                                              txn(("append", "x", 3), ("r", "x", [3, 2]))),
    "partly-observed-info-rw": spec(RW, txn(("w", "x", 1), ("w", "y", 1), status="info"),
                                    txn(("r", "y", 1), ("r", "x", None))),
    "partly-observed-info-list": spec(LA, txn(("append", "x", 1), ("append", "y", 1),
                                              status="info"),
                                      txn(("r", "y", [1]), ("r", "x", None))),
    "info-write-conflicts": spec(RW, txn(("r", "x", None), ("w", "x", 1), ("w", "y", 1),
                                         status="info"),
                                 txn(("r", "x", None), ("w", "x", 2)),
                                 txn(("r", "y", 1), ("r", "x", 2))),
    "internal-read-at-repeatable-read": spec(RW, txn(("w", "x", 1), ("r", "x", None))),
    "internal-list-read-start-at-mav": spec(LA, txn(("append", "x", 1), ("append", "y", 1)),
                                            txn(("append", "x", 5), ("r", "x", [1, 5]),
                                                ("r", "y", []))),
    "session-read-your-writes": spec(RW, txn(("w", "x", 1), process=0),
                                     txn(("r", "x", None), process=0)),
}


@pytest.mark.parametrize("name", AWKWARD)
def test_checker_matches_axioms_on_awkward_cases(name: str) -> None:
    """One small history per kind of disagreement the differential tests have shown."""
    _every_level(AWKWARD[name])


def _every_level(s: Spec) -> None:
    wrong = {level: d for level in NAMES if (d := _disagree(s, level)) is not None}
    assert not wrong, f"{s}\n" + "\n".join(f"  {level}: axioms say {e}, checker says {g}"
                                           for level, (e, g) in wrong.items())


@pytest.mark.slow
@pytest.mark.parametrize("workload", WORKLOADS)
def test_checker_matches_axioms_shrinking(workload: str) -> None:
    """Hypothesis draws the same kind of histories and shrinks a disagreement to its core."""
    @settings(max_examples=300, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(specs(workload, 4))
    def run(s: Spec) -> None:
        _every_level(s)
    run()


def test_oracle_respects_the_level_lattice() -> None:
    """A history satisfying a level satisfies every level the table says it implies."""
    from histcheck.txn.levels import implied
    for workload in WORKLOADS:
        for s in _corpus(workload, 120, 0, 5):
            facts = axioms.facts_of(s.history(), workload)
            holds = {level for level in NAMES if axioms.satisfies(facts, level) is not None}
            for level in holds:
                assert implied(level) <= holds, (f"{s}\n{level} holds, "
                                                 f"not {sorted(implied(level) - holds)}")
