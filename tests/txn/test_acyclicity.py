"""The acyclicity propagator against brute force over every assignment of small random graphs."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from histcheck.budget import UNLIMITED, Budget
from histcheck.errors import BudgetExhausted
from histcheck.txn.acyclicity import search
from histcheck.txn.cycles import topological

Conditional = tuple[int, int, tuple[int, ...]]


def _acyclic(size: int, certain: list[tuple[int, int]], conditional: list[Conditional],
             truth: set[int]) -> bool:
    adj: list[list[int]] = [[] for _ in range(size)]
    for a, b in certain:
        adj[a].append(b)
    for a, b, lits in conditional:
        if all(lit in truth for lit in lits):
            if a == b:
                return False
            adj[a].append(b)
    return topological(adj) is not None


def _brute(size: int, certain: list[tuple[int, int]], conditional: list[Conditional],
           variables: int) -> bool:
    for values in itertools.product((False, True), repeat=variables):
        truth = {v + 1 if value else -(v + 1) for v, value in enumerate(values)}
        if _acyclic(size, certain, conditional, truth):
            return True
    return False


@st.composite
def graphs(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]], list[Conditional], int]:
    size = draw(st.integers(2, 7))
    variables = draw(st.integers(1, 6))
    order = draw(st.permutations(range(size)))
    certain = [(order[i], order[j]) for i, j in draw(st.lists(
        st.tuples(st.integers(0, size - 1), st.integers(0, size - 1)), max_size=8)) if i < j]
    literal = st.integers(1, variables).flatmap(lambda v: st.sampled_from((v, -v)))
    conditional = draw(st.lists(st.tuples(st.integers(0, size - 1), st.integers(0, size - 1),
                                          st.lists(literal, min_size=1, max_size=2,
                                                   unique_by=abs).map(tuple)),
                                max_size=14))
    return size, certain, conditional, variables


@settings(max_examples=1500, deadline=None)
@given(graphs(), st.randoms(use_true_random=False))
def test_agrees_with_every_assignment_and_refutes_minimally(graph: tuple[int, list[tuple[int, int]],
                                                   list[Conditional], int],
                                      rng: random.Random) -> None:
    size, certain, conditional, variables = graph
    priority = [rng.random() for _ in range(size)]
    found = search(size, certain, conditional, UNLIMITED.start(), priority)
    expected = _brute(size, certain, conditional, variables)
    assert (found.model is not None) == expected
    if found.model is not None:
        assert _acyclic(size, certain, conditional, set(found.model.values()))
    else:
        _assert_minimal_refutation(size, certain, conditional, variables, found.refutation)


def _assert_minimal_refutation(size: int, certain: list[tuple[int, int]],
                               conditional: list[Conditional], variables: int,
                               refutation: tuple[tuple[int, ...], ...]) -> None:
    """Each set of literals switches on a cycle; every assignment makes one set true; and
    without any one set, some assignment makes none true."""
    assert refutation
    for lits in refutation:
        assert not _acyclic(size, certain, [c for c in conditional if set(c[2]) <= set(lits)],
                            set(lits))
    assignments = [{v + 1 if value else -(v + 1) for v, value in enumerate(values)}
                   for values in itertools.product((False, True), repeat=variables)]

    def covered(sets: tuple[tuple[int, ...], ...]) -> bool:
        return all(any(set(lits) <= truth for lits in sets) for truth in assignments)

    assert covered(refutation)
    for drop in range(len(refutation)):
        assert not covered(refutation[:drop] + refutation[drop + 1:])


def test_a_model_covers_every_variable() -> None:
    found = search(3, [(0, 1)], [(1, 2, (1,)), (2, 0, (-1, 2)), (2, 0, (3,))],
                   UNLIMITED.start())
    assert found.model is not None
    assert sorted(found.model) == [1, 2, 3]
    assert _acyclic(3, [(0, 1)], [(1, 2, (1,)), (2, 0, (-1, 2)), (2, 0, (3,))],
                    set(found.model.values()))


def test_both_sides_closing_a_cycle_is_unsatisfiable() -> None:
    # 0 -> 1 certain; choice 1 adds 1 -> 0, its negation 1 -> 2 -> 0 with 2 -> 0 certain.
    found = search(3, [(0, 1), (2, 0)], [(1, 0, (1,)), (1, 2, (-1,))], UNLIMITED.start())
    assert found.model is None


def _pigeon_ring(n: int) -> tuple[int, list[tuple[int, int]], list[Conditional]]:
    """Many variables whose edges tangle: a long search, for budget tests."""
    rng = random.Random(5)
    conditional: list[Conditional] = []
    for v in range(1, n + 1):
        a, b = rng.randrange(n), rng.randrange(n)
        conditional.append((a, b, (v,)))
        conditional.append((b, (a + 1) % n, (-v,)))
    return n, [], conditional


def test_an_expired_budget_raises_instead_of_answering() -> None:
    size, certain, conditional = _pigeon_ring(3000)
    deadline = Budget(0.0).start()
    with pytest.raises(BudgetExhausted):
        search(size, certain, conditional, deadline)
