"""Pruning snapshot isolation's uncomposed graph settles the same answer as composing it."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from histcheck.budget import UNLIMITED
from histcheck.txn.cycles import topological
from histcheck.txn.induced import composed
from histcheck.txn.polygraph import Edge, solve

Pair = tuple[int, int]


def _si_acyclic(size: int, d: list[Pair], rw: list[Pair]) -> bool:
    """Whether D ∪ D;RW is acyclic, composed by definition."""
    adj: list[list[int]] = [[] for _ in range(size)]
    for a, b in d:
        adj[a].append(b)
        adj[a].extend(c for r, c in rw if r == b)
    return all(a not in adj[a] for a in range(size)) and topological(adj) is not None


@st.composite
def generalized(draw: st.DrawFn) -> tuple[int, list[Pair], list[Pair], list[Edge], list[Edge],
                                          int]:
    size = draw(st.integers(2, 6))
    choices = draw(st.integers(0, 4))
    pair = st.tuples(st.integers(0, size - 1), st.integers(0, size - 1)).filter(
        lambda p: p[0] != p[1])
    d_known = draw(st.lists(pair, max_size=5, unique=True))
    rw_known = draw(st.lists(pair, max_size=5, unique=True))
    literal = st.tuples(st.integers(0, max(choices - 1, 0)), st.booleans())
    d_cond = [Edge(a, b, (lit,)) for (a, b), lit in draw(st.lists(
        st.tuples(pair, literal), max_size=6 if choices else 0))]
    rw_cond = [Edge(a, b, (lit,)) for (a, b), lit in draw(st.lists(
        st.tuples(pair, literal), max_size=6 if choices else 0))]
    return size, d_known, rw_known, d_cond, rw_cond, choices


@settings(max_examples=1500, deadline=None)
@given(generalized())
def test_pruned_then_composed_agrees_with_every_assignment(
        graph: tuple[int, list[Pair], list[Pair], list[Edge], list[Edge], int]) -> None:
    size, d_known, rw_known, d_cond, rw_cond, choices = graph
    edges, forced = composed(size, d_known, rw_known, d_cond, rw_cond, UNLIMITED.start())
    answer = solve(size, edges, UNLIMITED.start()).acyclic
    expected = False
    for values in itertools.product((False, True), repeat=choices):
        if any(forced.get(i, v) != v for i, v in enumerate(values)):
            continue  # a forced value is only forced if the other one cannot be acyclic
        truth = set(enumerate(values))
        d = d_known + [(e.a, e.b) for e in d_cond if e.cond[0] in truth]
        rw = rw_known + [(e.a, e.b) for e in rw_cond if e.cond[0] in truth]
        expected = expected or _si_acyclic(size, d, rw)
    unforced = any(_si_acyclic(size, d_known + [(e.a, e.b) for e in d_cond if e.cond[0] in t],
                               rw_known + [(e.a, e.b) for e in rw_cond if e.cond[0] in t])
                   for t in (set(enumerate(v))
                             for v in itertools.product((False, True), repeat=choices)))
    assert answer == expected == unforced
