"""Longer runs (slow): what docs/testing.md reports, found again on this machine.

Whether one run of a timing bug catches it depends on timing, so each campaign tries a few
seeds and asserts the verdict some run reached (for a guarantee that holds: that every run
reached it). Run them with ``pytest -m slow tests/clusters``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.clusters.running import histcheck_test, need, survivors

FAULT_TIMING = ("--seconds", "10", "--interval", "1", "--duration", "1.5")


def _campaign(tmp_path: Path, system: str, nemesis: str, seeds: range,
              *extra: str, stop_at_invalid: bool = True) -> list[dict[str, Any]]:
    results = []
    for seed in seeds:
        out = tmp_path / f"seed-{seed}"
        run = histcheck_test(system, "--nemesis", nemesis, *FAULT_TIMING, "--seed", str(seed),
                             *extra, "--out", str(out), timeout=300)
        assert run.returncode in (0, 1), run.stderr
        results.append(json.loads((out / "result.json").read_text()))
        if stop_at_invalid and run.returncode == 1:
            break
    assert survivors(tmp_path) == []
    return results


@pytest.mark.slow
def test_etcd_default_reads_stay_linearizable_under_kill_and_pause(tmp_path: Path) -> None:
    need("etcd")
    results = _campaign(tmp_path, "etcd", "kill,pause,leader-kill,leader-pause", range(1, 4),
                        stop_at_invalid=False)
    assert [r["valid"] for r in results] == [True, True, True]


@pytest.mark.slow
def test_etcd_serializable_reads_go_stale_under_pause(tmp_path: Path) -> None:
    need("etcd")
    results = _campaign(tmp_path, "etcd", "pause,leader-pause", range(1, 11),
                        "--opt", "serializable-reads=true")
    found = results[-1]
    assert found["valid"] is False, f"no stale read in {len(results)} runs"
    assert [a["name"] for a in found["anomalies"]] == ["nonlinearizable"]


@pytest.mark.slow
def test_redis_sentinel_loses_acknowledged_writes_when_the_primary_is_paused(
        tmp_path: Path) -> None:
    need("redis-server", "redis-sentinel")
    pytest.importorskip("redis", reason="the redis driver is absent: pip install '.[databases]'")
    results = _campaign(tmp_path, "redis-sentinel", "leader-pause", range(1, 6))
    found = results[-1]
    assert found["valid"] is False, f"no lost write in {len(results)} runs"
    assert [a["name"] for a in found["anomalies"]] == ["nonlinearizable"]
