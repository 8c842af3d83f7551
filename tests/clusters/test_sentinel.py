"""``histcheck test redis-sentinel``: a primary, two replicas and three sentinels under faults."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from histcheck.formats import read_history
from tests.clusters.running import histcheck_test, need, survivors


def test_sentinel_run_follows_the_primary_through_a_fault_and_leaves_nothing(
        tmp_path: Path) -> None:
    need("redis-server", "redis-sentinel")
    pytest.importorskip("redis", reason="the redis driver is absent: pip install '.[databases]'")
    out = tmp_path / "run"
    run = histcheck_test("redis-sentinel", "--nemesis", "leader-kill", "--seconds", "4",
                         "--interval", "1", "--duration", "1.5", "--out", str(out))
    # Whether this short run loses a write depends on timing; longer runs (slow tests and
    # docs/testing.md) catch it, and the recorded violations are replayed from histories/.
    assert run.returncode in (0, 1), run.stderr
    result = json.loads((out / "result.json").read_text())
    assert result["model"] == "register" and result["consistency"] == "linearizable"
    history = read_history(out / "history.jsonl")
    faults = [placed.event for placed in history.others]
    assert [(e.f, e.value) for e in faults][:2] == [("kill", ("r1",)), ("start", ("r1",))]
    writes = [op for op in history.operations if op.f == "write" and op.type.value == "ok"]
    assert len(writes) > 20
    assert sorted(p.name for p in (out / "logs").iterdir()) == [
        "r1.log", "r2.log", "r3.log", "s1.log", "s2.log", "s3.log"]
    assert survivors(tmp_path) == []
