"""The cycle search settles tries by components and finds the cycles a search of every try
finds: same classes, same nodes, same edge kinds, on random graphs of every shape."""

from __future__ import annotations

import random

from histcheck.txn import cycles
from histcheck.txn.cycles import Cycle, _bfs, classify
from histcheck.txn.model import PROCESS, REALTIME, RW, WR, WW, Graph

KINDS = (WW, WR, RW, PROCESS, REALTIME)


def searched(graph: Graph, adj: list[list[int]], comp: list[int], sizes: dict[int, int],
             start_kind: int, mask: int, limit: int) -> Cycle | None:
    """The straightforward search: a breadth-first search for every try."""
    tries = 0
    for a, outs in enumerate(graph.out):
        if sizes[comp[a]] < 2:
            continue
        for b, k in outs.items():
            if not k & start_kind or comp[b] != comp[a]:
                continue
            tries += 1
            path = _bfs(adj, b, a, lambda x, y: bool(graph.kinds(x, y) & mask))
            if path is not None:
                return classify(graph, [a, *path], start_kind, mask)
            if tries >= limit:
                return None
    return None


def random_graph(rng: random.Random) -> Graph:
    n = rng.randint(2, 40)
    graph = Graph(n)
    for _ in range(rng.randint(1, 4 * n)):
        a, b = rng.randrange(n), rng.randrange(n)
        if rng.random() < 0.7 and a > b:
            a, b = b, a  # mostly forward, so that components come in every size
        graph.add(a, b, rng.choice(KINDS) | (rng.choice(KINDS) if rng.random() < 0.2 else 0))
    return graph


def test_cycles_found_match_a_search_of_every_try(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for seed in range(2500):
        rng = random.Random(seed)
        graph = random_graph(rng)
        extra = rng.choice((0, PROCESS, PROCESS | REALTIME))
        assumed = rng.choice((0, 0, WW | RW))
        limit = rng.choice((1, 2, 3, 64))
        fast = cycles.anomalies(graph, extra, limit=limit, assumed=assumed)
        with monkeypatch.context() as m:
            m.setattr(cycles, "_first_cycle", searched)
            slow = cycles.anomalies(graph, extra, limit=limit, assumed=assumed)
        assert fast == slow, (seed, fast, slow)


def test_remembered_acyclicity_answers_as_a_fresh_sort() -> None:
    """``cycles.acyclic`` reuses earlier answers and orders (a mask within an acyclic one, a
    mask containing a cyclic one, the lacking kinds' edges all forward in a known order): a
    run of questions over random masks answers each as a sort of that mask alone would."""
    from histcheck.txn.facts import Facts

    every = WW | WR | RW | PROCESS | REALTIME
    mixed = 0
    for seed in range(2500):
        rng = random.Random(seed)
        graph = random_graph(rng)
        facts = Facts([], graph)
        answers = set()
        for _ in range(8):
            mask = rng.randint(1, every)
            fresh = cycles.topological(
                [[b for b, k in outs.items() if k & mask] for outs in graph.out]) is not None
            assert cycles.acyclic(facts, mask) == fresh, (seed, mask)
            answers.add(fresh)
        if facts.order:
            place = {v: i for i, v in enumerate(facts.order)}
            assert all(place[a] < place[b] for a, b, k in graph.edges() if k & facts.order_kinds)
        mixed += len(answers) == 2
    assert mixed > 200  # the runs meet both answers, so reuse across them is exercised
