"""Recording from a real MariaDB: shapes, outcomes, levels, and ``histcheck record mariadb``.

Small runs on one throwaway server per module. InnoDB's REPEATABLE READ reads a snapshot but
writes to the newest version; what the checker makes of that is asserted on kept histories
(test_faulty.py), because a small run need not show it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from histcheck.api import check
from histcheck.cli import main
from histcheck.formats import read_history
from histcheck.recorders.databases import mariadb_server
from histcheck.recorders.databases.errors import RecorderError
from histcheck.recorders.databases.mariadb import record_mariadb
from histcheck.recorders.databases.mariadb_server import MariaDBAddress
from histcheck.recorders.databases.servers import RunningServer
from histcheck.recorders.databases.workloads import duplicate_writes, list_prefix_problems


@pytest.mark.parametrize("workload", ["list-append", "rw-register"])
@pytest.mark.parametrize("isolation", ["serializable", "repeatable-read", "read-committed"])
def test_small_runs_record_every_transaction_and_keep_read_committed(
        mariadb_server: RunningServer, isolation: str, workload: str) -> None:
    recording = record_mariadb(isolation=isolation, workload=workload, txns=200, clients=4,
                               seed=1, url=mariadb_server.address)
    history = recording.history
    assert len(history) == 200 == recording.tally.total
    assert recording.tally.ok > 100 and recording.tally.info == 0
    assert set(dict(recording.tally.errors)) <= {"1213", "1205"}
    assert duplicate_writes(history) == []
    if workload == "list-append":
        assert list_prefix_problems(history) == []
    assert "MariaDB" in recording.server
    result = check(history, model=workload, consistency="read-committed")
    assert result.valid is True, result.explanation


def test_serializable_list_append_is_serializable(mariadb_server: RunningServer) -> None:
    recording = record_mariadb(isolation="serializable", workload="list-append", txns=300,
                               clients=4, keys=3, url=mariadb_server.address)
    result = check(recording.history, model="list-append", consistency="strict-serializable")
    assert result.valid is True, result.explanation


def test_record_mariadb_writes_a_history_and_says_how_to_check_it(
        mariadb_server: RunningServer, tmp_path: Path) -> None:
    out = tmp_path / "my.jsonl"
    result = CliRunner().invoke(main, ["record", "mariadb", "-i", "repeatable-read", "-n", "40",
                                       "-c", "2", "--url", mariadb_server.address,
                                       "--out", str(out)])
    assert result.exit_code == 0, result.stderr
    assert len(read_history(out)) == 40
    assert "MariaDB" in result.stderr and "40 operations" in result.stderr
    assert "--model list-append --consistency repeatable-read" in result.stderr


def test_a_missing_mariadb_is_exit_2_with_the_install_command(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(mariadb_server, "MARIADB_SEARCH", ())
    result = CliRunner().invoke(main, ["record", "mariadb", "-i", "serializable", "--out",
                                       str(tmp_path / "x.jsonl")])
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1
    assert "MariaDB is not installed" in result.stderr
    assert "apt-get install -y mariadb-server" in result.stderr


def test_a_server_that_is_not_there_is_one_clear_error() -> None:
    with pytest.raises(RecorderError, match=r"cannot (connect to|prepare) MariaDB"):
        record_mariadb(isolation="serializable", workload="list-append", txns=5, clients=1,
                       url="mysql://root@127.0.0.1:1/histcheck")


@pytest.mark.parametrize(("url", "address"), [
    ("mysql://127.0.0.1:3307", MariaDBAddress("127.0.0.1", 3307)),
    ("mariadb://bob:s%40cret@db.example:3306/tests",
     MariaDBAddress("db.example", 3306, "bob", "s@cret", "tests")),
])
def test_mariadb_urls(url: str, address: MariaDBAddress) -> None:
    assert MariaDBAddress.parse(url) == address
    assert "s@cret" not in address.url()


def test_a_bad_url_is_one_clear_error() -> None:
    with pytest.raises(RecorderError, match="not a MariaDB URL"):
        MariaDBAddress.parse("postgres://localhost")
