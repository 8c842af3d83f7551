"""A polygraph "no" without one known cycle is explained by a refutation: a few cycles, each
under some write orders, that together cover every way of ordering those writes."""

from __future__ import annotations

import itertools

import pytest

from histcheck.budget import UNLIMITED
from histcheck.txn import polygraph
from histcheck.txn.check import _check, infer
from histcheck.txn.decide import Decision, decide, with_choices
from histcheck.txn.facts import Facts
from tests.txn.axiom_gen import seeded, spec, to_history, txn


def _assert_refutes(facts: Facts, decision: Decision) -> None:
    assert decision.graph is not None
    cases = decision.refutation
    for lits, nodes in cases:
        graph = with_choices(facts, decision.graph.copy(), lits)
        ring = list(nodes)
        assert all(graph.kinds(a, b) for a, b in zip(ring, ring[1:] + ring[:1], strict=False))
    choices = sorted({i for lits, _ in cases for i, _ in lits})
    assert len(choices) <= 12
    assignments = [set(zip(choices, values, strict=True))
                   for values in itertools.product((False, True), repeat=len(choices))]

    def covered(subset: tuple[tuple[tuple[tuple[int, bool], ...], tuple[int, ...]], ...]) -> bool:
        return all(any(set(lits) <= chosen for lits, _ in subset) for chosen in assignments)

    assert covered(cases)
    for drop in range(len(cases)):
        assert not covered(cases[:drop] + cases[drop + 1:])  # minimal


@pytest.mark.parametrize("level", ["serializable", "snapshot-isolation"])
def test_every_refutation_is_a_minimal_cover_of_real_cycles(level: str) -> None:
    refuted = 0
    for s in seeded("rw-register", 1500, max_txns=6):
        facts = infer(to_history(s), "rw-register")
        decision = decide(facts, level, "rw-register", UNLIMITED.start(), prune=False)
        if decision.refutation:
            assert not decision.valid and not decision.cycle
            _assert_refutes(facts, decision)
            refuted += 1
    assert refuted >= 10  # the solver's "no" is exercised, not only pruning's


def test_an_invalid_verdict_without_one_cycle_explains_every_case(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # One round of pruning only, so the solver has to settle the order of x's writes.
    monkeypatch.setattr(polygraph, "PRUNING_YIELD", 0)
    history = to_history(spec(
        "rw-register",
        txn(("r", "z", 6), ("w", "x", 1), process=0),
        txn(("r", "z", 6), ("r", "x", 3), ("w", "y", 2), process=1),
        txn(("w", "x", 3), ("w", "z", 4), process=2),
        txn(("w", "y", 5), ("w", "z", 6), process=3),
        txn(("r", "x", 3), ("w", "x", 7), ("w", "z", 8), process=4)))
    result = _check(history, "rw-register", "serializable", UNLIMITED.start())
    assert not result.valid
    (g2,) = [a for a in result.anomalies if a.name == "G2"]
    assert g2.explanation.startswith("every version order of x closes a cycle (2 cases")
    assert "if T5's write of x precedes T1's: " in g2.explanation
    assert "if T1's write of x precedes T3's: " in g2.explanation
    assert g2.explanation.count("a contradiction") == 2
    assert [case["cycle"] for case in g2.data["cases"]] == [["T1", "T5"], ["T1", "T3", "T4"]]
