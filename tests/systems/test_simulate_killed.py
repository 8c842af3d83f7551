"""``histcheck simulate --out`` killed mid-run leaves a recording marked incomplete.

The simulation writes its history as it runs; a SIGKILL leaves every event up to the last flush,
without the end record, and ``check`` gives a verdict while saying the recording is incomplete.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.recorders.killing import check, kill_when_recorded, start


@pytest.mark.parametrize(("system", "model", "consistency"), [
    ("register", "register", "linearizable"),
    ("broadcast-causal", "broadcast", "causal"),
])
def test_a_killed_simulation_leaves_an_incomplete_recording(tmp_path: Path, system: str,
                                                            model: str, consistency: str) -> None:
    out = tmp_path / "out.jsonl"
    process = start(["simulate", system, "--ops", "100000", "--out", str(out)])
    kill_when_recorded(process, out, 300)
    assert b'"histcheck":"end"' not in out.read_bytes()
    result = check(out, model, consistency)
    assert result.returncode in (0, 1, 3), result.stderr
    assert f"histcheck: warning: {out}: incomplete recording (cut after" in result.stderr
