"""Formats that record sessions, not time, give histories without real time.

PolySI text, Cobra logs, dbcop (JSON and bincode) and IsoVista text say which session ran which
transaction, in order, and nothing about when. Their histories carry ``realtime=False``: no
real-time edge, anomaly or sentence comes from them, and levels that order by real time
(strict-serializable, linearizable) refuse them with a one-line error and exit 2.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from histcheck.api import check
from histcheck.cli import main
from histcheck.errors import HistcheckWarning, HistoryError
from histcheck.formats import read_history, write_history
from histcheck.history import INVOKE, OK, Event, from_events

HISTORIES = Path(__file__).resolve().parents[2] / "histories"
SESSION_ONLY = [
    "txn-formats/polysi-text/galera.txt",
    "txn-formats/cobra-log/cock-G2",
    "txn-formats/dbcop/write-skew.json",
    "txn-formats/dbcop-bincode/dgraph/history.bincode",
    "txn-formats/isovista/pg_ser_bug.txt",
]


@pytest.fixture
def stale_across_sessions(tmp_path: Path) -> Path:
    """Session 2 reads key 0's initial value after session 1 wrote it, in file order only."""
    path = tmp_path / "stale.txt"
    path.write_text("w(0,1,1,1)\nw(5,1,2,2)\nr(0,0,2,3)\n")
    return path


@pytest.mark.parametrize("name", SESSION_ONLY)
def test_session_formats_record_no_real_time(name: str) -> None:
    history = read_history(HISTORIES / name)
    assert history.realtime is False
    assert history.with_operations(history.operations[:1]).realtime is False


def test_recorded_histories_keep_real_time() -> None:
    history = from_events([Event(1, INVOKE, "txn", (("w", 1, 1),)),
                           Event(1, OK, "txn", (("w", 1, 1),))])
    assert history.realtime is True


def test_polysi_stale_read_is_serializable_and_not_ordered_by_file_layout(
        stale_across_sessions: Path) -> None:
    history = read_history(stale_across_sessions)
    for level in ("serializable", "strong-session-serializable"):
        result = check(history, model="rw-register", consistency=level)
        assert result.valid is True, level
        assert not any("realtime" in a.name for a in result.anomalies)


def test_strict_serializable_is_refused_naming_the_file(stale_across_sessions: Path) -> None:
    history = read_history(stale_across_sessions)
    with pytest.raises(HistoryError, match="real time") as caught:
        check(history, model="rw-register", consistency="strict-serializable")
    assert caught.value.path == str(stale_across_sessions)


def test_cli_refuses_strict_serializable_in_one_line(stale_across_sessions: Path) -> None:
    result = CliRunner().invoke(main, ["check", "-m", "rw-register", "-c",
                                       "strict-serializable", str(stale_across_sessions)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert str(stale_across_sessions) in lines[0]
    assert "records sessions only" in lines[0]


def test_linearizable_is_refused_and_sequential_is_not(stale_across_sessions: Path) -> None:
    history = read_history(stale_across_sessions)
    with pytest.raises(HistoryError, match="real time"):
        check(history, model="multi-register", consistency="linearizable")
    result = check(history, model="multi-register", consistency="sequential")
    assert "linearizable" not in result.explanation


def test_cobra_report_has_no_realtime_anomaly_or_sentence() -> None:
    history = read_history(HISTORIES / "txn-formats/cobra-log/cock-G2")
    result = check(history, model="rw-register", consistency="serializable")
    assert result.valid is False
    assert result.anomalies
    for anomaly in result.anomalies:
        assert not anomaly.name.endswith("-realtime")
        assert "completed before" not in anomaly.explanation
    assert "completed before" not in json.dumps(result.to_json(), default=str)


def test_strongest_possible_level_is_not_a_real_time_level(stale_across_sessions: Path) -> None:
    result = check(read_history(stale_across_sessions), model="rw-register",
                   consistency="serializable")
    assert result.details["strongest_possible"] == ["strong-session-serializable"]


def test_converting_to_a_timed_format_warns_and_dbcop_keeps_sessions(
        stale_across_sessions: Path, tmp_path: Path) -> None:
    history = read_history(stale_across_sessions)
    with pytest.warns(HistcheckWarning, match="not real time"):
        write_history(history, tmp_path / "h.jsonl")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_history(history, tmp_path / "h.json", "dbcop")
    assert read_history(tmp_path / "h.json").realtime is False
