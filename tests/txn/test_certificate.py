"""A valid verdict's certificate (the commit order found) replays, checked independently."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from histcheck.api import check, check_file
from histcheck.budget import Budget
from histcheck.cli import main
from histcheck.txn.certificate import Certificate, problem
from tests.txn import axiom_gen, axioms
from tests.txn.axiom_gen import spec, to_history, txn

HISTORIES = Path(__file__).resolve().parents[2] / "histories"
LEVELS = ("serializable", "snapshot-isolation", "strong-session-serializable",
          "strong-session-snapshot-isolation", "strict-serializable")


def _levels(history_realtime: bool) -> tuple[str, ...]:
    return LEVELS if history_realtime else LEVELS[:4]


@settings(max_examples=600, deadline=None)
@given(st.sampled_from(axiom_gen.WORKLOADS).flatmap(axiom_gen.specs))
def test_every_valid_verdict_carries_an_order_that_replays(s: axiom_gen.Spec) -> None:
    history = to_history(s)
    for level in _levels(history.realtime):
        result = check(history, model=s.workload, consistency=level)
        if result.valid is not True:
            continue
        assert result.certificate or not any(op.type.value == "ok" for op in history), (level, s)
        assert problem(history, Certificate(level, result.certificate)) is None, (level, s)
        # The order is also a witness by the axioms' own definition of the level.
        facts = axioms.facts_of(history, s.workload)
        row = axioms.LEVELS[level]
        by_op = {op.id: n + 1 for n, op in enumerate(history.operations)}
        co = (axioms.T0, *(by_op[i] for i in result.certificate))
        reads = [r for t in facts.txns if t.status == "ok"
                 for r in (axioms.atomic_reads(facts, t) or [])]
        execution = axioms.Execution(facts, frozenset(co), reads).at(co)
        assert all(axiom(execution) for axiom in row.axioms), (level, s)


WRITE_SKEW = spec("rw-register",
                  txn(("r", "x", None), ("w", "x", 1)),
                  txn(("r", "x", 1), ("w", "y", 2)),
                  txn(("r", "y", 2)))


def test_a_wrong_order_is_refused_with_its_reason() -> None:
    history = to_history(WRITE_SKEW)
    ids = [op.id for op in history]
    right = check(history, model="rw-register", consistency="serializable")
    assert right.valid is True
    assert problem(history, Certificate("serializable", right.certificate)) is None
    swapped = (right.certificate[1], right.certificate[0], right.certificate[2])
    reason = problem(history, Certificate("serializable", swapped))
    assert reason is not None and "read 'x' = 1" in reason
    assert problem(history, Certificate("serializable", right.certificate[:2])) == (
        f"committed transaction {ids[-1]} is missing from the order")


def test_snapshot_isolation_allows_an_order_serializability_refuses() -> None:
    skew = spec("rw-register",
                txn(("r", "x", None), ("r", "y", None), ("w", "x", 1)),
                txn(("r", "x", None), ("r", "y", None), ("w", "y", 2)))
    history = to_history(skew)
    result = check(history, model="rw-register", consistency="snapshot-isolation")
    assert result.valid is True
    assert problem(history, Certificate("snapshot-isolation", result.certificate)) is None
    assert problem(history, Certificate("serializable", result.certificate)) is not None


@pytest.mark.parametrize(("name", "level"), [
    ("txn-formats/cobra-log/twitter-10000", "serializable"),
    ("txn-formats/cobra-log/twitter-10000", "snapshot-isolation"),
    ("txn-formats/dbcop-bincode/postgres-rr-20_100_15_10000/history.bincode",
     "snapshot-isolation"),
])
def test_benchmark_certificates_replay(name: str, level: str) -> None:
    history, result = check_file(HISTORIES / name, model="rw-register", consistency=level,
                                 budget=Budget(120))
    assert history is not None and result.valid is True
    assert len(result.certificate) == result.figures["transactions"]
    assert problem(history, Certificate(level, result.certificate)) is None


def test_the_report_holds_the_certificate_and_json_says_where(tmp_path: Path) -> None:
    path = HISTORIES / "txn-formats/cobra-log/twitter-10000"
    out = CliRunner().invoke(main, ["check", str(path), "-m", "rw-register", "--consistency",
                                    "serializable", "--json", "--report", str(tmp_path / "r")])
    assert out.exit_code == 0, out.output
    shown = json.loads(out.stdout.splitlines()[-1])
    written = json.loads(Path(shown["certificate_file"]).read_text())
    assert shown["certificate"]["transactions"] == len(written["commit_order"])
    assert written["level"] == "serializable"
