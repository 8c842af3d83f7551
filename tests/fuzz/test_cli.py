"""``histcheck fuzz`` end to end, judged by the stand-in trace checkers (or the real ones)."""

from __future__ import annotations

import json
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from histcheck.cli import main


def fuzz(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["fuzz", *args])
    return result.exit_code, result.output


@pytest.mark.usefixtures("stand_ins")
def test_finds_shrinks_writes_and_replays(tmp_path: Path) -> None:
    out = tmp_path / "shrunk.jsonl"
    code, output = fuzz("broadcast-causal", "--variant", "ignore-deps", "--max-examples", "50",
                        "--seed", "2", "--out", str(out), "--json")
    assert code == 1, output
    summary = json.loads(output.strip().splitlines()[-1])
    assert summary["valid"] is False and summary["seed"] == 2 and summary["blob"]
    assert summary["operations"] <= 30 and summary["faults"] == []
    assert "INVALID" in output and "replay:" in output
    written = out.read_bytes()
    assert written.count(b"\n") == summary["trace_events"]
    again = tmp_path / "again.jsonl"
    replay = shlex.split(summary["replay"])[2:]
    replay[replay.index("--out") + 1] = str(again)
    code, output = fuzz(*replay)
    assert code == 1, output
    assert again.read_bytes() == written


@pytest.mark.usefixtures("stand_ins")
def test_a_correct_variant_survives() -> None:
    code, output = fuzz("broadcast-causal", "--max-examples", "20", "--json")
    assert code == 0, output
    summary = json.loads(output.strip().splitlines()[-1])
    assert summary["valid"] is True and summary["examples"] >= 20 and "--seed 0" in \
        summary["rerun"]


@pytest.mark.usefixtures("stand_ins")
def test_faults_are_chosen_when_asked_for() -> None:
    code, output = fuzz("rpc", "--variant", "exactly-once", "--faults", "crash,recover",
                        "--max-examples", "15")
    assert code == 0, output
    assert "faults crash,recover" in output


@pytest.mark.usefixtures("stand_ins")
def test_bad_usage_exits_2() -> None:
    assert fuzz("nope")[0] == 2
    assert fuzz("rpc", "--faults", "meteor")[0] == 2
    assert fuzz("rpc", "--consistency", "serializable")[0] == 2
    code, output = fuzz("rpc", "--variant", "at-most-once", "--replay", "AAAA")
    assert code == 2 and "replay" in output


def test_an_unregistered_model_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """A catalogue entry whose model no registered family checks (here: a build without the
    trace family) is bad usage, not a crash."""
    import histcheck.registry

    monkeypatch.setattr(histcheck.registry, "FAMILIES", tuple(
        f for f in histcheck.registry.FAMILIES if f != "histcheck.trace.spec"))
    code, output = fuzz("rpc")
    assert code == 2 and "unknown model 'rpc'" in output


def test_the_status_line_counts_examples_then_shrinking_runs() -> None:
    import io

    from histcheck.result import CheckResult
    from histcheck.systems.fuzz.cli import FuzzStatus

    stream = io.StringIO()
    status = FuzzStatus(200, stream)
    status.update(1, CheckResult(True, "m", "c"))
    assert stream.getvalue().endswith("fuzzing: example 1 of 200".ljust(72))
    status.update(7, CheckResult(False, "m", "c", figures={"operations": 40}))
    status.update(8, CheckResult(True, "m", "c"))
    status.update(9, CheckResult(False, "m", "c", figures={"operations": 12}))
    assert "shrinking: 2 runs, smallest failing run 12 operations" in stream.getvalue()
    status.close()
    assert stream.getvalue().endswith("\r")
