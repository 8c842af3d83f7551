"""``histcheck record``: files written, summaries, and one-line errors with exit 2."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from histcheck.cli import main
from histcheck.formats import read_history
from histcheck.recorders.databases import servers
from histcheck.recorders.databases.servers import RunningServer


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stderr


def test_record_is_listed_with_its_subcommands() -> None:
    code, _ = run("record", "--help")
    assert code == 0
    out = CliRunner().invoke(main, ["record", "--help"]).stdout
    assert "postgres" in out and "redis" in out


def test_record_postgres_writes_a_history_and_says_how_to_check_it(
        postgres: RunningServer, tmp_path: Path) -> None:
    out = tmp_path / "pg.jsonl"
    code, err = run("record", "postgres", "--isolation", "repeatable-read", "--txns", "50",
                    "--clients", "3", "--dsn", postgres.address, "--out", str(out))
    assert code == 0, err
    assert len(read_history(out)) == 50
    assert "PostgreSQL" in err and "repeatable-read" in err and "50 operations" in err
    assert "--model list-append --consistency snapshot-isolation" in err


def test_record_redis_writes_edn_when_asked(redis_server: RunningServer,
                                            tmp_path: Path) -> None:
    out = tmp_path / "redis.edn"
    code, err = run("record", "redis", "--workload", "register", "--ops", "40",
                    "--url", redis_server.address, "--out", str(out))
    assert code == 0, err
    assert out.read_text().lstrip().startswith(("{", "["))
    assert len(read_history(out)) == 40
    assert "--model register --consistency linearizable" in err


def test_a_missing_postgres_is_exit_2_with_the_install_command(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("HISTCHECK_PG_BIN", raising=False)
    monkeypatch.setattr(servers, "PG_SEARCH", ())
    code, err = run("record", "postgres", "-i", "serializable", "--out",
                    str(tmp_path / "x.jsonl"))
    assert code == 2
    assert err.count("\n") == 1
    assert "PostgreSQL is not installed" in err and "apt-get install -y postgresql" in err
    assert not (tmp_path / "x.jsonl").exists()


def test_a_missing_redis_is_exit_2_with_the_install_command(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(servers, "REDIS_SEARCH", ())
    code, err = run("record", "redis", "--out", str(tmp_path / "x.jsonl"))
    assert code == 2
    assert err.startswith("histcheck: redis-server is not installed")


def test_a_bad_dsn_is_exit_2_in_one_line(tmp_path: Path) -> None:
    code, err = run("record", "postgres", "-i", "read-committed", "--dsn",
                    "host=/nonexistent-histcheck connect_timeout=1", "--out",
                    str(tmp_path / "x.jsonl"))
    assert code == 2
    assert err.count("\n") == 1
    assert err.startswith("histcheck: cannot connect to PostgreSQL with DSN")


def test_a_bad_isolation_level_is_a_usage_error(tmp_path: Path) -> None:
    code, err = run("record", "postgres", "-i", "snapshot", "--out", str(tmp_path / "x"))
    assert code == 2
    assert "serializable" in err


def test_an_unwritable_out_fails_before_recording(tmp_path: Path) -> None:
    code, err = run("record", "redis", "--url", "redis://127.0.0.1:1", "--out",
                    str(tmp_path / "no" / "such" / "x.jsonl"))
    assert code == 2
    assert "no folder" in err


@pytest.mark.parametrize(("database", "driver"), [("postgres", "psycopg"), ("redis", "redis")])
def test_a_missing_driver_names_the_extra_to_install(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path, database: str,
                                                     driver: str) -> None:
    monkeypatch.setitem(sys.modules, driver, None)
    monkeypatch.delitem(sys.modules, f"histcheck.recorders.databases.{database}", raising=False)
    args = ["record", database, "--out", str(tmp_path / "h.jsonl")]
    if database == "postgres":
        args += ["--isolation", "serializable"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert result.stderr == (f"histcheck: histcheck record {database} needs the {driver} "
                             f"driver: pip install 'histcheck[databases]'\n")
    assert not (tmp_path / "h.jsonl").exists()
