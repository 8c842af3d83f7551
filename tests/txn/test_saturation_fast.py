"""Saturation's shortcuts give the verdicts of saturating in full.

``violation`` skips saturation for clean list-append facts whose data and session edges are
acyclic; the causal vector clocks run over a chain cover of the visibility order, and fall
back to bitsets when the cover is too wide. On thousands of small awkward histories (failed
and indeterminate transactions, stale and odd reads, several sessions) each shortcut must
agree with the full procedure.
"""

from __future__ import annotations

import pytest

from histcheck.budget import UNLIMITED
from histcheck.txn import saturation
from histcheck.txn.check import infer
from tests.txn.axiom_gen import seeded

SHAPES = [(causal, sessions) for causal in (False, True) for sessions in (False, True)
          if sessions or not causal]


@pytest.mark.parametrize("workload", ["list-append", "rw-register"])
def test_shortcut_and_chain_clocks_agree_with_full_saturation(
        workload: str, monkeypatch: pytest.MonkeyPatch) -> None:
    disagreements = []
    for s in seeded(workload, 1500, first=500, max_txns=7):
        facts = infer(s.history(), workload)
        known_ww = workload == "list-append"
        for causal, sessions in SHAPES:
            args = {"causal": causal, "sessions": sessions, "known_ww": known_ww,
                    "deadline": UNLIMITED.start()}
            fast = saturation.violation(facts, **args) is None  # type: ignore[arg-type]
            full = saturation.saturated_cycle(facts, **args) is None  # type: ignore[arg-type]
            with monkeypatch.context() as m:
                m.setattr(saturation, "CLOCK_CELLS", 0)  # bitsets only
                m.setattr(saturation, "CHAINS", 0)
                bits = saturation.saturated_cycle(facts, **args) is None  # type: ignore[arg-type]
            if not fast == full == bits:
                disagreements.append((str(s), causal, sessions, fast, full, bits))
    assert not disagreements, disagreements[:3]


def test_chain_clocks_agree_with_bitsets_when_keys_retire(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Longer runs whose keys retire quickly (so finished chains hand their clock entry on) and
    whose reads are stale or fractured (so causality fails as often as it holds)."""
    from bench.txn_gen import elle_history, history

    runs = [elle_history(400, mode, seed=seed, keys=3, max_writes=5, concurrency=6)
            for mode in ("serializable", "snapshot") for seed in range(6)]
    runs += [history("list-append", "none", 300, seed=seed, keys=4, concurrency=6)
             for seed in range(6)]
    verdicts = []
    for h in runs:
        facts = infer(h, "list-append")
        args = {"causal": True, "sessions": True, "known_ww": True,
                "deadline": UNLIMITED.start()}
        clocks = saturation.saturated_cycle(facts, **args) is None  # type: ignore[arg-type]
        with monkeypatch.context() as m:
            m.setattr(saturation, "CLOCK_CELLS", 0)
            m.setattr(saturation, "CHAINS", 0)
            bits = saturation.saturated_cycle(facts, **args) is None  # type: ignore[arg-type]
        assert clocks == bits
        verdicts.append(clocks)
    assert True in verdicts and False in verdicts
