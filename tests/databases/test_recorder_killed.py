"""A database recorder killed with SIGKILL leaves a recording marked incomplete, and nothing else.

The real command runs in a subprocess with its temporary folders under the test's own (TMPDIR),
so the server's command line (its socket path) and folder are known; it is killed mid-run. Then:
the history file exists, checks with a verdict (never exit 2) and says it is an incomplete
recording; no server process of ours runs on; the temporary folder is gone.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from histcheck.recorders.databases.errors import ServerUnavailable
from histcheck.recorders.databases.servers import find_postgres, find_redis
from tests.recorders.killing import check, eventually, kill_when_recorded, running_with, start


def _need(find: Callable[[], object]) -> None:
    try:
        find()
    except ServerUnavailable as exc:
        pytest.skip(str(exc))


@pytest.fixture
def temp() -> Iterator[Path]:
    """The recorder's TMPDIR: outside pytest's folder, which PostgreSQL's user cannot enter."""
    folder = Path(tempfile.mkdtemp(prefix="histcheck-kill-"))
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _killed_midway(tmp_path: Path, temp: Path, args: list[str], lines: int) -> Path:
    out = tmp_path / "out.jsonl"
    process = start([*args, "--out", str(out)], env={"TMPDIR": str(temp)})
    kill_when_recorded(process, out, lines)
    assert eventually(lambda: not running_with(str(temp)), 10), running_with(str(temp))
    assert eventually(lambda: not any(temp.iterdir()), 10), list(temp.iterdir())
    return out


def _says_incomplete(out: Path, model: str, consistency: str) -> None:
    assert b'"histcheck":"end"' not in out.read_bytes()
    result = check(out, model, consistency)
    assert result.returncode in (0, 1, 3), result.stderr
    assert f"histcheck: warning: {out}: incomplete recording (cut after" in result.stderr


def test_a_killed_redis_recording_leaves_an_incomplete_history_and_no_server(
        tmp_path: Path, temp: Path) -> None:
    _need(find_redis)
    pytest.importorskip("redis", reason="pip install 'histcheck[databases]'")
    out = _killed_midway(tmp_path, temp,
                         ["record", "redis", "--ops", "10000000", "--keys", "4"], 400)
    _says_incomplete(out, "cas-register", "linearizable")


@pytest.mark.slow
def test_a_killed_postgres_recording_leaves_an_incomplete_history_and_no_server(
        tmp_path: Path, temp: Path) -> None:
    _need(find_postgres)
    pytest.importorskip("psycopg", reason="pip install 'histcheck[databases]'")
    out = _killed_midway(tmp_path, temp, ["record", "postgres", "--isolation", "serializable",
                                    "--txns", "10000000"], 200)
    _says_incomplete(out, "list-append", "strict-serializable")
