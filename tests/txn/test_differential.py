"""The checker agrees with brute force on random small histories, and z3 agrees with pruning."""

from __future__ import annotations

import random

import pytest

from histcheck.budget import UNLIMITED
from histcheck.txn.check import infer
from histcheck.txn.decide import decide
from tests.txn import brute
from tests.txn.gen import history_of, random_txns

CASES = [(w, seed) for w in ("list-append", "rw-register") for seed in range(150)]
SLOW = [(w, seed) for w in ("list-append", "rw-register") for seed in range(150, 2150)]


def _agree(workload: str, seed: int) -> None:
    rng = random.Random(seed)
    txns = random_txns(rng, workload, rng.randint(2, 4))
    facts = infer(history_of(txns), workload)
    for level, reference in (("serializable", brute.serializable),
                             ("snapshot-isolation", brute.snapshot_isolated)):
        expected = reference(txns, workload)
        got = decide(facts, level, workload, UNLIMITED.start())
        anomalies = {a.name for a in facts.anomalies}
        ours = got.valid and not anomalies
        assert ours == expected, (level, txns, got, anomalies)
        for engine in ("cdcl", "z3"):
            unpruned = decide(facts, level, workload, UNLIMITED.start(), prune=False,
                              engine=engine)
            assert unpruned.valid == got.valid, (level, engine, txns)


@pytest.mark.parametrize(("workload", "seed"), CASES)
def test_matches_brute_force(workload: str, seed: int) -> None:
    _agree(workload, seed)


@pytest.mark.slow
@pytest.mark.parametrize(("workload", "seed"), SLOW)
def test_matches_brute_force_many(workload: str, seed: int) -> None:
    _agree(workload, seed)


ENGINES = [(w, seed) for w in ("list-append", "rw-register") for seed in range(120)]


@pytest.mark.parametrize(("workload", "seed"), ENGINES)
def test_cycle_clauses_agree_with_integer_ranks(workload: str, seed: int) -> None:
    """The lazy CDCL solver and the z3 rank encoding, on every choice unpruned, at histories
    too large for brute force (6 to 14 transactions)."""
    rng = random.Random(10_000 + seed)
    txns = random_txns(rng, workload, rng.randint(6, 14))
    facts = infer(history_of(txns), workload)
    for level in ("serializable", "snapshot-isolation", "strict-serializable"):
        answers = {engine: decide(facts, level, workload, UNLIMITED.start(), prune=prune,
                                  engine=engine).valid
                   for engine in ("cdcl", "z3") for prune in (False,)}
        pruned = decide(facts, level, workload, UNLIMITED.start()).valid
        assert answers["cdcl"] == answers["z3"] == pruned, (level, txns, answers, pruned)
