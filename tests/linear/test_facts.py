"""Facts about linearizability and sequential consistency that must hold (docs/semantics.md),
and the library surface around the search."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import pytest
from click.testing import CliRunner

from histcheck.budget import Budget
from histcheck.cli import main
from histcheck.formats import read_history
from histcheck.history import INFO, Event, EventType, History, from_events
from histcheck.linear import BUILTIN, check_history
from histcheck.linear.report import render

ROOT = Path(__file__).resolve().parents[2]
ETCD = sorted((ROOT / "histories" / "porcupine-etcd").glob("etcd_*.log"))
INVOKE, OK = EventType.INVOKE, EventType.OK
QUIET = {"explain": "false"}


def _store_buffering() -> History:
    """P0: w(x,1) r(y)=nil; P1: w(y,1) r(x)=nil."""
    return from_events([
        Event(0, INVOKE, "write", 1, "x"), Event(0, OK, "write", 1, "x"),
        Event(1, INVOKE, "write", 1, "y"), Event(1, OK, "write", 1, "y"),
        Event(0, INVOKE, "read", None, "y"), Event(1, INVOKE, "read", None, "x"),
        Event(0, OK, "read", None, "y"), Event(1, OK, "read", None, "x"),
    ])


def test_dropping_info_operations_on_etcd_gives_false_violations() -> None:
    valid = flipped = 0
    for path in ETCD:
        history = read_history(path, None)
        if check_history(history, BUILTIN["etcd"], options=QUIET).valid is not True:
            continue
        valid += 1
        without = history.with_operations(op for op in history if op.type is not INFO)
        flipped += check_history(without, BUILTIN["etcd"], options=QUIET).valid is False
    assert (valid, flipped) == (23, 20)


@pytest.mark.parametrize("path", ETCD[::7], ids=lambda p: p.name)
def test_linearizable_implies_sequentially_consistent(path: Path) -> None:
    history = read_history(path, None)
    linear = check_history(history, BUILTIN["etcd"], options=QUIET)
    sequential = check_history(history, BUILTIN["etcd"], consistency="sequential",
                               options=QUIET)
    if linear.valid is True:
        assert sequential.valid is True


def test_store_buffering_is_sequential_per_key_and_not_as_a_whole() -> None:
    history = _store_buffering()
    for key in ("x", "y"):
        alone = history.with_operations(op for op in history if op.key == key)
        assert check_history(alone, BUILTIN["register"], consistency="sequential").valid is True
    for engine in ("search", "smt"):
        result = check_history(history, BUILTIN["register"], consistency="sequential",
                               options={"engine": engine})
        assert result.valid is False
        assert len(result.anomalies[0].operations) == 4
    saturated = check_history(history, BUILTIN["register"], consistency="sequential")
    assert "cycle" in saturated.explanation
    assert saturated.figures["explored"] == 0


def test_invalid_verdict_names_culprit_prefix_and_core() -> None:
    history = read_history(ROOT / "histories/knossos/cas-register/bad/rethink-fail-minimal.edn",
                           None)
    result = check_history(history, BUILTIN["cas-register"])
    assert result.valid is False
    anomaly = result.anomalies[0]
    culprit = next(op for op in history if op.f == "read" and op.value == 3)
    assert anomaly.data["culprit"] == culprit.id
    assert [state for _, state in anomaly.data["longest-prefix"]][:1] == ["0"]
    assert anomaly.data["core"] == [culprit.id]
    assert "<- cannot be placed" in result.explanation


def test_core_is_small_and_proven_invalid() -> None:
    history = read_history(ROOT / "histories/porcupine-etcd/etcd_000.log", None)
    result = check_history(history, BUILTIN["etcd"])
    core = set(result.anomalies[0].data["core"])
    assert 1 <= len(core) <= 6
    sub = history.with_operations(op for op in history if op.id in core)
    assert check_history(sub, BUILTIN["etcd"], options=QUIET).valid is False


def test_spent_budget_answers_unknown_not_a_guess() -> None:
    history = read_history(ROOT / "histories/porcupine-kv/c50-ok.txt", None)
    result = check_history(history, BUILTIN["kv"], budget=Budget(seconds=0.0),
                           options={"workers": 1})
    assert result.valid == "unknown"
    assert "budget" in result.explanation


def test_report_page_is_self_contained(tmp_path: Path) -> None:
    history = read_history(ROOT / "histories/porcupine-etcd/etcd_000.log", None)
    page = render(history, check_history(history, BUILTIN["etcd"]))
    assert "<svg" in page and "INVALID" in page and "culprit" in page
    assert not re.search(r"(src|href)=\"https?:", page)


def test_cli_check_with_report(tmp_path: Path) -> None:
    path = ROOT / "histories/porcupine-etcd/etcd_002.log"
    run = CliRunner().invoke(main, ["check", str(path), "--model", "etcd", "--report",
                                    str(tmp_path)])
    assert run.exit_code == 0, run.output
    assert "VALID" in run.output
    assert list(tmp_path.rglob("index.html"))


def test_user_model_example_in_docs_runs(tmp_path: Path) -> None:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Your own model", 1)[1]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert blocks, "the README lost its model example"
    script = tmp_path / "example.py"
    script.write_text(blocks[0])
    namespace = runpy.run_path(str(script))
    assert namespace["result"].valid is False


@pytest.mark.parametrize("name", ["c10-ok.txt", "c10-bad.txt"])
def test_worker_processes_give_the_same_verdict(name: str) -> None:
    history = read_history(ROOT / "histories/porcupine-kv" / name, None)
    alone = check_history(history, BUILTIN["kv"], options={**QUIET, "workers": 1})
    pooled = check_history(history, BUILTIN["kv"], options={**QUIET, "workers": 2})
    assert alone.valid is pooled.valid is name.endswith("-ok.txt")


def test_memory_ceiling_answers_unknown() -> None:
    history = read_history(ROOT / "histories/knossos/mutex/bad/etcd.edn", None)
    result = check_history(history, BUILTIN["mutex"], consistency="sequential",
                           budget=Budget(seconds=60, memory_bytes=1), options=QUIET)
    assert result.valid == "unknown"
    assert "memory" in result.explanation
