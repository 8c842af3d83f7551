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
                bits = saturation.saturated_cycle(facts, **args) is None  # type: ignore[arg-type]
            if not fast == full == bits:
                disagreements.append((str(s), causal, sessions, fast, full, bits))
    assert not disagreements, disagreements[:3]
