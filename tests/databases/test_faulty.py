"""``histcheck test postgres|mariadb``'s recorder: a real server under kill and pause.

What must always hold runs by default, a few seconds per run: PostgreSQL SERIALIZABLE under kill
is serializable, REPEATABLE READ under pause (clients time out, nothing hangs) is snapshot
isolation, MariaDB records through a pause; every run logs its faults and leaves no process
behind, even one stopped with Ctrl-C while its server is paused. What holds only in practice (an
anomaly showing up within seconds) is asserted on the histories kept in ``histories/faults/``
and, live, in the slow tier. Without the binaries the live tests skip, naming the package to
install.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from histcheck.api import check, check_file
from histcheck.errors import HistcheckWarning
from histcheck.formats import read_history
from histcheck.history import INFO, History
from histcheck.recorders.clusters.plan import CheckTarget, RunPlan
from histcheck.recorders.databases.errors import RecorderError, ServerUnavailable
from histcheck.recorders.databases.faulty import check_target, record
from histcheck.recorders.databases.workloads import duplicate_writes, list_prefix_problems
from histcheck.result import CheckResult

KEPT = Path(__file__).resolve().parents[2] / "histories" / "faults"


def plan(out: Path, system: str, isolation: str | None, nemesis: tuple[str, ...],
         seconds: float = 4.0, seed: int = 1, **options: str) -> RunPlan:
    return RunPlan(system=system, workload="list-append", out=out, nodes=1, nemesis=nemesis,
                   seconds=seconds, isolation=isolation, options=options, seed=seed,
                   interval=1.0, duration=1.0)


# --- what each run is checked for ---------------------------------------------------------

@pytest.mark.parametrize(("system", "isolation", "consistency"), [
    ("postgres", "serializable", "serializable"),
    ("postgres", "repeatable-read", "snapshot-isolation"),
    ("postgres", "read-committed", "read-committed"),
    ("postgres", None, "read-committed"),
    ("mariadb", "serializable", "serializable"),
    ("mariadb", "repeatable-read", "repeatable-read"),
    ("mariadb", None, "repeatable-read"),
])
def test_a_run_is_checked_for_the_level_the_server_promises(
        tmp_path: Path, system: str, isolation: str | None, consistency: str) -> None:
    target = check_target(plan(tmp_path, system, isolation, ("kill",)))
    assert target == CheckTarget("list-append", consistency, {})


def test_an_asked_consistency_wins(tmp_path: Path) -> None:
    asked = RunPlan(system="postgres", workload="rw-register", out=tmp_path,
                    isolation="repeatable-read", consistency="serializable")
    assert check_target(asked) == CheckTarget("rw-register", "serializable", {})


@pytest.mark.parametrize(("change", "message"), [
    ({"system": "etcd"}, "not a database system"),
    ({"workload": "register"}, "does not run on postgres"),
    ({"isolation": "snapshot"}, "unknown isolation level"),
    ({"options": {"clients": "many"}}, "bad --opt value"),
    ({"options": {"timeout": "0"}}, "timeout positive"),
])
def test_a_bad_plan_is_one_clear_error_before_any_server_starts(
        tmp_path: Path, change: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {"system": "postgres", "workload": "list-append",
                                 "out": tmp_path, "isolation": "serializable", **change}
    with pytest.raises(RecorderError, match=message):
        record(RunPlan(**fields), tmp_path / "history.jsonl", tmp_path / "logs")  # type: ignore[arg-type]
    assert not (tmp_path / "history.jsonl").exists()


# --- the kept histories -------------------------------------------------------------------

KEPT_VERDICTS = [
    # file, model, consistency, valid, an anomaly that must be named when invalid
    ("postgres-serializable-kill.jsonl", "list-append", "serializable", True, None),
    ("postgres-serializable-kill.jsonl", "list-append", "strict-serializable", True, None),
    ("postgres-repeatable-read-kill.jsonl", "list-append", "snapshot-isolation", True, None),
    ("postgres-repeatable-read-kill.jsonl", "list-append", "serializable", False, "G2-item"),
    ("mariadb-repeatable-read-kill.jsonl", "list-append", "snapshot-isolation", False,
     "G-single"),
    ("mariadb-repeatable-read-kill.jsonl", "list-append", "repeatable-read", False, "G-single"),
    ("mariadb-repeatable-read-kill.jsonl", "list-append", "read-committed", True, None),
    ("mariadb-repeatable-read-rw-register-kill.jsonl", "rw-register", "snapshot-isolation",
     False, "lost-update"),
    ("mariadb-repeatable-read-rw-register-kill.jsonl", "rw-register", "read-committed", True,
     None),
]


@pytest.mark.parametrize(("name", "model", "consistency", "valid", "anomaly"), KEPT_VERDICTS)
def test_kept_histories_recorded_under_kill_keep_their_verdicts(
        name: str, model: str, consistency: str, valid: bool, anomaly: str | None) -> None:
    _, result = check_file(KEPT / name, model=model, consistency=consistency)
    assert result.valid is valid, result.explanation
    if anomaly is not None:
        assert anomaly in {a.name for a in result.anomalies}


@pytest.mark.parametrize("name", sorted({row[0] for row in KEPT_VERDICTS}))
def test_kept_histories_hold_the_kill_and_the_restart(name: str) -> None:
    history = read_history(KEPT / name)
    assert [f for f, _ in nemesis_log(history)][:2] == ["kill", "start"]
    assert duplicate_writes(history) == []
    if "rw-register" not in name:
        assert list_prefix_problems(history) == []


# --- live runs ----------------------------------------------------------------------------

@pytest.fixture
def out() -> Iterator[Path]:
    """A run folder every user can enter, so PostgreSQL (run as ``nobody`` by root) keeps its
    data inside it, where the process check below looks."""
    folder = Path(tempfile.mkdtemp(prefix="histcheck-faulty-test-"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def needs(system: str) -> None:
    from histcheck.recorders.databases.mariadb_server import find_mariadb
    from histcheck.recorders.databases.servers import find_postgres

    try:
        find_postgres() if system == "postgres" else find_mariadb()
    except ServerUnavailable as exc:
        pytest.skip(f"{system} binaries absent ({exc})")


def processes_inside(folder: Path) -> list[int]:
    """Live processes whose working folder is inside ``folder`` (servers run in their data
    folder, and their children inherit it)."""
    found = []
    for cwd in Path("/proc").glob("[0-9]*/cwd"):
        try:
            where = os.readlink(cwd)
            state = (cwd.parent / "stat").read_text().rpartition(")")[2].split()[0]
        except OSError:
            continue
        if where.startswith(str(folder)) and state != "Z":
            found.append(int(cwd.parent.name))
    return found


def run(run_plan: RunPlan) -> tuple[CheckTarget, History, CheckResult, float]:
    started = time.monotonic()
    target = record(run_plan, run_plan.out / "history.jsonl", run_plan.out / "logs")
    seconds = time.monotonic() - started
    history = read_history(run_plan.out / "history.jsonl")
    result = check(history, model=target.model, consistency=target.consistency)
    assert processes_inside(run_plan.out) == [], "a server process outlived the run"
    assert not (run_plan.out / "data").exists()
    return target, history, result, seconds


def nemesis_log(history: History) -> list[tuple[str, object]]:
    """The nemesis's events (not client operations: the history keeps them aside)."""
    return [(placed.event.f, placed.event.value) for placed in history.others
            if placed.event.process == "nemesis"]


def test_postgres_serializable_under_kill_is_serializable(out: Path) -> None:
    needs("postgres")
    target, history, result, _ = run(plan(out, "postgres", "serializable", ("kill",)))
    assert target.consistency == "serializable"
    assert result.valid is True, result.explanation
    assert nemesis_log(history) == [("kill", ("postgres",)), ("start", ("postgres",))] * 2
    assert sum(op.ok for op in history) > 50
    assert (out / "logs" / "postgres.log").stat().st_size > 0
    assert "serializable" in (out / "logs" / "recording.txt").read_text()


def test_postgres_repeatable_read_under_pause_times_out_and_keeps_snapshot_isolation(
        out: Path) -> None:
    needs("postgres")
    target, history, result, seconds = run(plan(out, "postgres", "repeatable-read",
                                                ("pause",), seconds=3.0, timeout="0.5"))
    assert target.consistency == "snapshot-isolation"
    assert result.valid is True, result.explanation
    assert nemesis_log(history) == [("pause", ("postgres",)), ("resume", ("postgres",))]
    cut = [op for op in history if dict(op.extra).get("error") == "OperationalError"]
    assert cut, "no client timed out against the paused server"
    assert seconds < 3.0 + 10.0


def test_mariadb_records_through_a_pause_and_leaves_nothing_running(out: Path) -> None:
    needs("mariadb")
    target, history, result, _ = run(plan(out, "mariadb", "serializable", ("pause",),
                                          seconds=3.0, timeout="0.5"))
    assert target.consistency == "serializable"
    assert result.valid is True, result.explanation
    assert nemesis_log(history) == [("pause", ("mariadb",)), ("resume", ("mariadb",))]
    assert sum(op.ok for op in history) > 50
    assert list_prefix_problems(history) == []


@pytest.mark.slow
def test_postgres_repeatable_read_under_kill_is_snapshot_isolation_not_serializable(
        out: Path) -> None:
    needs("postgres")
    _, history, result, _ = run(plan(out, "postgres", "repeatable-read", ("kill",),
                                     seconds=6.0))
    assert result.valid is True, result.explanation
    serializable = check(history, model="list-append", consistency="serializable")
    assert serializable.valid is False
    assert "G2-item" in {a.name for a in serializable.anomalies}


@pytest.mark.slow
def test_mariadb_repeatable_read_under_kill_is_not_snapshot_isolation(out: Path) -> None:
    needs("mariadb")
    _, history, result, _ = run(plan(out, "mariadb", "repeatable-read", ("kill",),
                                     seconds=6.0))
    assert result.valid is False
    si = check(history, model="list-append", consistency="snapshot-isolation")
    assert si.valid is False
    assert {a.name for a in si.anomalies} & {"G-single", "lost-update"}
    assert any(op.type is INFO or op.failed for op in history)


INTERRUPTED_RUN = """
import sys
from pathlib import Path
from histcheck.recorders.clusters.plan import RunPlan
from histcheck.recorders.databases.faulty import record
out = Path(sys.argv[1])
record(RunPlan(system=sys.argv[2], workload="list-append", out=out, nemesis=("pause",),
               seconds=60.0, isolation="serializable", interval=0.5, duration=30.0),
       out / "history.jsonl", out / "logs")
"""


@pytest.mark.parametrize("system", ["postgres", "mariadb"])
def test_ctrl_c_mid_run_stops_the_paused_server_and_leaves_an_incomplete_history(
        out: Path, system: str) -> None:
    needs(system)
    child = subprocess.Popen([sys.executable, "-c", INTERRUPTED_RUN, str(out), system])
    history = out / "history.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and '"f":"pause"' not in (
            history.read_text() if history.exists() else ""):
        assert child.poll() is None, "the run ended before its fault"
        time.sleep(0.05)
    assert processes_inside(out), "no server ran in the run's folder"
    child.send_signal(signal.SIGINT)
    assert child.wait(60) != 0
    assert processes_inside(out) == [], "a server process outlived the interrupted run"
    assert not (out / "data" / system).exists()
    with pytest.warns(HistcheckWarning, match="incomplete recording"):
        assert read_history(history).incomplete
