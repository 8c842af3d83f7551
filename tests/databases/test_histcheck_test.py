"""``histcheck test postgres|mariadb``: the command records a server under faults and checks it.

The recorder itself is tested in ``test_faulty``; this runs the whole command as a user does, and
checks what it leaves in the run folder: the history with its nemesis events, the check's JSON,
the server's log and the report, and no server process.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from histcheck.formats import read_history
from tests.clusters.running import histcheck_test
from tests.databases.test_faulty import needs, out, processes_inside

__all__ = ["out"]


@pytest.mark.parametrize("system, isolation, level", [
    ("postgres", "serializable", "serializable"),
    ("mariadb", "serializable", "serializable"),
])
def test_a_database_run_under_kill_is_recorded_checked_and_reported(
        out: Path, system: str, isolation: str, level: str) -> None:
    needs(system)
    run = histcheck_test(system, "--workload", "list-append", "--isolation", isolation,
                         "--nemesis", "kill", "--seconds", "3", "--interval", "0.8",
                         "--duration", "0.5", "--seed", "1", "--out", str(out))
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"VALID for list-append / {level}" in run.stdout
    result = json.loads((out / "result.json").read_text())
    assert result["valid"] is True and result["consistency"] == level
    history = read_history(out / "history.jsonl")
    assert [p.event.f for p in history.others if p.event.process == "nemesis"][:2] == \
        ["kill", "start"]
    assert sum(op.ok for op in history) > 20
    assert (out / "report" / "index.html").is_file()
    assert (out / "logs" / f"{system}.log").stat().st_size > 0
    assert not (out / "data").exists()
    assert processes_inside(out) == []


def test_a_database_run_with_an_isolation_the_system_lacks_is_refused(out: Path) -> None:
    run = histcheck_test("postgres", "--workload", "list-append", "--isolation", "chaos",
                         "--out", str(out))
    assert run.returncode == 2
    assert "chaos" in run.stderr
