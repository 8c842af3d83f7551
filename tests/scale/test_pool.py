"""Local worker processes (``--workers``): the serial run's output in the serial run's order,
budgets held inside each worker, and a worker that dies giving its history no verdict."""

from __future__ import annotations

import multiprocessing
import os
import re
import signal
import time
from pathlib import Path
from typing import Any

import pytest

import histcheck.scale
from histcheck.budget import Budget
from histcheck.errors import FormatError
from histcheck.scale import Job, checked
from histcheck.scale import pool as pool_module
from tests.conftest import HISTORIES
from tests.scale.corpus import labels_subset, run, text_without_timings, without_timings

KV = sorted((HISTORIES / "porcupine-kv").iterdir())
STEADY = [path for path in KV if path.name != "c50-bad.txt"]
"""Histories whose explanations do not depend on the time the shrinking took."""


def _steady_folder(tmp_path: Path) -> str:
    folder = tmp_path / "kv"
    folder.mkdir()
    for path in STEADY:
        (folder / path.name).symlink_to(path)
    return str(folder)


def _verdicts(jobs: list[Job], **where: Any) -> list[tuple[str, Any, str]]:
    out = []
    for job, answer in zip(jobs, checked(jobs, **where), strict=True):
        _, result = answer.get()
        out.append((job.path.name, result.valid, sorted(a.name for a in result.anomalies)))
    return out


def test_answers_come_in_the_order_of_the_jobs_whatever_order_they_finish_in() -> None:
    # c50 histories take longest: put them first so later, quicker ones finish before them
    jobs = [Job(path, "kv") for path in sorted(KV, key=lambda p: "c50" not in p.name)]
    assert _verdicts(jobs, workers=2) == _verdicts(jobs, workers=1)


def test_a_folder_with_workers_prints_what_a_serial_run_prints(tmp_path: Path) -> None:
    folder = _steady_folder(tmp_path)
    serial = run("check", folder, "-m", "kv", "--workers", "1", "--junit",
                 str(tmp_path / "serial.xml"))
    pooled = run("check", folder, "-m", "kv", "--workers", "2", "--junit",
                 str(tmp_path / "pooled.xml"))
    assert pooled.returncode == serial.returncode == 1
    assert text_without_timings(pooled.stdout) == text_without_timings(serial.stdout)
    assert pooled.stderr == serial.stderr
    as_json = [run("check", folder, "-m", "kv", "--json", "--workers", n).stdout
               for n in ("1", "2")]
    assert without_timings(as_json[1]) == without_timings(as_json[0])
    cases = [re.sub(r'time="[0-9.]+"', "", text_without_timings(
        (tmp_path / f"{n}.xml").read_text())) for n in ("serial", "pooled")]
    assert "<testcase" in cases[0] and cases[1] == cases[0]


def test_reports_written_from_worker_answers_are_the_serial_ones(tmp_path: Path) -> None:
    folder = _steady_folder(tmp_path)
    for n in ("1", "2"):
        run("check", folder, "-m", "kv", "--report", str(tmp_path / n), "--workers", n)
    pages = [sorted(str(p.relative_to(tmp_path / n)) for p in (tmp_path / n).rglob("*.html"))
             for n in ("1", "2")]
    assert len(pages[0]) == len(STEADY) + 1 and pages[1] == pages[0]  # and the index
    for page in pages[0]:
        texts = [text_without_timings((tmp_path / n / page).read_text()) for n in ("1", "2")]
        if page != "index.html":  # the index shows each check's time
            assert texts[1] == texts[0]


def test_verify_uses_the_cores_by_default_with_the_serial_output(tmp_path: Path) -> None:
    folder = str(labels_subset(tmp_path))
    serial = run("verify", folder, "--workers", "1")
    default = run("verify", folder)
    assert default.returncode == serial.returncode == 0
    assert text_without_timings(default.stdout) == text_without_timings(serial.stdout)


def _dying(kind: str) -> Any:
    """A check that, for a history named after ``kind``, dies the way ``kind`` says."""
    real = histcheck.scale.check_job

    def check_job(job: Job) -> Any:
        if job.path.name == "c01-ok.txt":
            if kind == "sigkill":
                os.kill(os.getpid(), signal.SIGKILL)
            if kind == "memory":
                raise MemoryError
            if kind == "hang":
                time.sleep(60)  # in native code: no watchdog can stop it
            if kind == "bug":
                raise RuntimeError("a bug in a model")
        return real(job)

    return check_job


@pytest.mark.parametrize(("kind", "why"), [
    ("sigkill", "the worker process checking it was killed by SIGKILL"),
    ("memory", "its worker ran out of memory (MemoryError)"),
    ("hang", "time budget of 0.5 s ran out (its worker did not stop in time and was killed)"),
])
def test_a_worker_that_dies_gives_its_history_no_verdict_and_the_rest_theirs(
        monkeypatch: pytest.MonkeyPatch, kind: str, why: str) -> None:
    monkeypatch.setattr(histcheck.scale, "check_job", _dying(kind))
    monkeypatch.setattr(pool_module, "KILL_GRACE", 0.5)
    jobs = [Job(path, "kv", budget=Budget(seconds=0.5 if kind == "hang" else None))
            for path in KV]
    pooled = _verdicts(jobs, workers=2)
    explanations = [answer.get()[1].explanation for answer in checked(jobs[:2], workers=2)]
    monkeypatch.undo()
    serial = _verdicts(jobs, workers=1)
    for (name, valid, anomalies), expected in zip(pooled, serial, strict=True):
        if name == "c01-ok.txt":
            assert (valid, anomalies) == ("unknown", [])
        else:
            assert (name, valid, anomalies) == expected
    assert explanations[1] == f"no verdict: {why}"


def test_a_bug_in_a_worker_is_raised_where_a_serial_run_raises_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(histcheck.scale, "check_job", _dying("bug"))
    answers = checked([Job(path, "kv") for path in KV], workers=2)
    assert next(answers).get()[1].valid is False  # c01-bad.txt
    with pytest.raises(RuntimeError, match="a bug in a model"):
        next(answers).get()


def test_a_budget_run_out_in_workers_is_unknown_and_exit_3() -> None:
    hard = HISTORIES / "porcupine-kv" / "c50-ok.txt"
    done = run("check", str(hard), str(HISTORIES / "porcupine-kv" / "c01-ok.txt"), "-m", "kv",
               "--workers", "2", "--opt", "workers=1", "--timeout", "0.001")
    assert done.returncode == 3  # both unknown within the budget, each in its own worker
    assert done.stdout.count("UNKNOWN") == 2


def test_a_time_budget_holds_inside_each_worker() -> None:
    jobs = [Job(path, "kv", budget=Budget(seconds=0.0)) for path in KV]
    for answer in checked(jobs, workers=2):
        result = answer.get()[1]
        assert result.valid == "unknown" and "time budget of 0 s ran out" in result.explanation


def test_bad_input_in_a_worker_is_the_serial_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"process": 0, "type": "invoke"\n')
    jobs = [Job(broken, "kv"), Job(KV[0], "kv")]
    errors = []
    for where in ({"workers": 1}, {"workers": 2}):
        with pytest.raises(FormatError) as raised:
            next(checked(jobs, **where)).get()  # type: ignore[arg-type]
        errors.append(str(raised.value))
    assert errors[1] == errors[0] and str(broken) in errors[0]


@pytest.mark.parametrize("workers", [1, 3])
def test_workers_for_one_history_are_the_processes_its_parts_may_use(
        monkeypatch: pytest.MonkeyPatch, workers: int) -> None:
    seen = []
    monkeypatch.setattr(histcheck.scale, "check_job",
                        lambda job: seen.append(histcheck.scale.cores()) or (None, None))
    answers = checked([Job(KV[0], "kv")], workers=workers)
    next(answers).get()
    assert seen == [workers]
    assert list(answers) == []
    assert histcheck.scale.cores() == (os.cpu_count() or 1)  # and only while it is checked


def test_a_worker_killed_while_idle_is_replaced_before_it_gets_a_history() -> None:
    context = multiprocessing.get_context("fork")
    idle = pool_module._start(context)
    idle.process.kill()
    idle.process.join(5)
    worker = pool_module._handed(idle, Job(KV[1], "kv"), context)
    try:
        assert worker is not idle
        answer = pool_module._receive(worker, Job(KV[1], "kv"))
        assert answer.get()[1].valid is True  # c01-ok.txt
    finally:
        worker.stop()


def test_a_scheduler_without_dask_installed_says_how_to_install_it(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from click.testing import CliRunner

    from histcheck.cli import main

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *rest: None if name == "distributed" else real(name, *rest))
    done = CliRunner().invoke(main, ["check", str(KV[0]), "-m", "kv", "--scheduler", "local"])
    assert done.exit_code == 2
    assert "--scheduler" in done.output and "pip install 'histcheck[dask]'" in done.output


def test_a_warning_from_a_worker_comes_out_with_its_history_as_in_a_serial_run(
        tmp_path: Path) -> None:
    folder = tmp_path / "runs"
    folder.mkdir()
    (folder / "a-cut.jsonl").write_text(
        '{"histcheck": "recording"}\n'
        '{"process": 0, "type": "invoke", "f": "write", "value": 1}\n')
    (folder / "b-whole.jsonl").write_text(
        '{"process": 0, "type": "invoke", "f": "write", "value": 1}\n'
        '{"process": 0, "type": "ok", "f": "write", "value": 1}\n')
    done = [run("check", str(folder), "-m", "register", "--workers", n) for n in ("1", "2")]
    assert "incomplete recording" in done[0].stderr
    assert done[1].stderr == done[0].stderr
    assert text_without_timings(done[1].stdout) == text_without_timings(done[0].stdout)
