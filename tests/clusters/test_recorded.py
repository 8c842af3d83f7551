"""Histories recorded by ``histcheck test`` (kept in histories/clusters/), replayed.

Each was recorded by the command and its violation explained there; replaying it guards the
checker's verdict, the anomaly it names, and the key it blames. The valid one guards against
a false alarm on a history full of faults.
"""

from __future__ import annotations

import pytest

from histcheck.api import check_file
from histcheck.formats import read_history
from tests.conftest import HISTORIES

RECORDED = [
    # file, model, valid, blamed key, the fault kinds the run injected
    ("etcd-kill-pause.jsonl", "etcd", True, None, {"kill", "start", "pause", "resume"}),
    ("etcd-serializable-reads-pause.jsonl", "etcd", False, 1, {"pause", "resume"}),
    ("redis-sentinel-leader-pause.jsonl", "register", False, 0, {"pause", "resume"}),
    ("redis-sentinel-leader-kill.jsonl", "register", False, 2, {"kill", "start"}),
]


@pytest.mark.parametrize(("name", "model", "valid", "key", "faults"), RECORDED,
                         ids=[row[0] for row in RECORDED])
def test_recorded_cluster_history_keeps_its_verdict(name: str, model: str, valid: bool,
                                                    key: int | None, faults: set[str]) -> None:
    path = HISTORIES / "clusters" / name
    history = read_history(path)
    assert not history.incomplete
    assert {placed.event.f for placed in history.others} == faults
    _, result = check_file(path, model=model, consistency="linearizable")
    assert result.valid is valid
    if valid:
        assert result.anomalies == ()
    else:
        assert {a.name for a in result.anomalies} == {"nonlinearizable"}
        assert f"not linearizable (key {key})" in result.explanation
