"""Anomaly names never contradict verdicts, on random histories, at every level.

A name is a claim: a ``G0`` says the history is not read-uncommitted. For every cycle anomaly a
check reports (at whatever level was asked), each level that forbids that name must be violated
by the exact decision procedure for that level (``decide``), which looks at no names. The
non-cycle anomalies (garbage, aborted or intermediate reads, internal, lost update...) are facts
about single reads and are not part of that decision, so they are left out here.
"""

from __future__ import annotations

import random

import pytest

from histcheck.api import check
from histcheck.budget import UNLIMITED
from histcheck.txn import levels
from histcheck.txn.check import infer
from histcheck.txn.decide import decide
from tests.txn.gen import history_of, random_txns

FACT_ANOMALIES = {"garbage-read", "G1a", "G1b", "internal", "lost-update", "dirty-update",
                  "incompatible-order", "duplicate-elements", "cyclic-versions"}
CASES = [(w, seed) for w in ("list-append", "rw-register") for seed in range(60)]
SLOW = [(w, seed) for w in ("list-append", "rw-register") for seed in range(60, 1060)]


def _agree(workload: str, seed: int) -> None:
    rng = random.Random(seed)
    txns = random_txns(rng, workload, rng.randint(2, 6))
    history = history_of(txns, processes=rng.choice((0, 2, 3)))
    facts = infer(history, workload)
    exact = {level: decide(facts, level, workload, UNLIMITED.start()).valid
             for level in levels.NAMES}
    for asked in levels.NAMES:
        result = check(history, model=workload, consistency=asked)
        names = {a.name for a in result.anomalies} - FACT_ANOMALIES
        for level in levels.NAMES:
            claimed = levels.forbidden(level) & names
            assert not (claimed and exact[level]), (asked, level, claimed, txns)
        for level in result.details["weakest_violated"]:
            assert check(history, model=workload, consistency=level).valid is False, (
                asked, level, txns)
        if result.valid:
            assert not set(result.details["weakest_violated"]) & levels.implied(asked)


@pytest.mark.parametrize(("workload", "seed"), CASES)
def test_names_agree_with_decisions(workload: str, seed: int) -> None:
    _agree(workload, seed)


@pytest.mark.slow
@pytest.mark.parametrize(("workload", "seed"), SLOW)
def test_names_agree_with_decisions_many(workload: str, seed: int) -> None:
    _agree(workload, seed)
