"""``histcheck test etcd``: a real 3-member cluster under kill and pause, recorded and checked."""

from __future__ import annotations

import json
from pathlib import Path

from histcheck.formats import read_history
from tests.clusters.running import histcheck_test, need, survivors


def test_etcd_default_reads_under_kill_and_pause_are_linearizable(tmp_path: Path) -> None:
    need("etcd")
    out = tmp_path / "run"
    run = histcheck_test("etcd", "--nemesis", "kill,pause,leader-pause", "--seconds", "4",
                         "--interval", "0.5", "--duration", "0.8", "--seed", "3",
                         "--out", str(out))
    assert run.returncode == 0, run.stderr
    assert "VALID for etcd / linearizable" in run.stdout
    result = json.loads((out / "result.json").read_text())
    assert result["valid"] is True and result["model"] == "etcd"
    history = read_history(out / "history.jsonl")
    faults = [placed.event for placed in history.others if placed.event.process == "nemesis"]
    assert [e.f for e in faults][:2] in (["kill", "start"], ["pause", "resume"])
    assert len(faults) >= 4
    assert sum(1 for op in history.operations if op.f == "cas") > 10
    assert (out / "report" / "index.html").is_file()
    assert sorted(p.name for p in (out / "logs").iterdir()) == ["n1.log", "n2.log", "n3.log"]
    assert not (out / "data").exists()
    assert survivors(tmp_path) == []
