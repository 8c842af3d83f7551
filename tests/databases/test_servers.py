"""Finding binaries and running throwaway servers (skipped where the binaries are absent)."""

from __future__ import annotations

import os
from pathlib import Path

import psycopg
import pytest
import redis

from histcheck.recorders.databases import servers
from histcheck.recorders.databases.errors import ServerUnavailable
from histcheck.recorders.databases.servers import RunningServer


def test_missing_postgres_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("HISTCHECK_PG_BIN", raising=False)
    monkeypatch.setattr(servers, "PG_SEARCH", (str(tmp_path / "none-*"),))
    with pytest.raises(ServerUnavailable, match=r"apt-get install -y postgresql.*--dsn"):
        servers.find_postgres()


def test_missing_redis_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch,
                                              tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(servers, "REDIS_SEARCH", (str(tmp_path),))
    with pytest.raises(ServerUnavailable, match=r"apt-get install -y redis-server.*--url"):
        servers.find_redis()


def test_postgres_is_found_in_the_debian_folder_when_not_on_path(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for version in ("9", "15"):
        bindir = tmp_path / version / "bin"
        bindir.mkdir(parents=True)
        for name in ("initdb", "postgres"):
            script = bindir / name
            script.write_text(f"#!/bin/sh\necho 'postgres (PostgreSQL) {version}.0'\n")
            script.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    monkeypatch.delenv("HISTCHECK_PG_BIN", raising=False)
    monkeypatch.setattr(servers, "PG_SEARCH", (str(tmp_path / "*" / "bin"),))
    found = servers.find_postgres()
    assert found.bindir == tmp_path / "15" / "bin"
    assert found.version == "postgres (PostgreSQL) 15.0"


def test_throwaway_postgres_serves_on_its_socket_then_vanishes(
        postgres: RunningServer) -> None:
    with psycopg.connect(postgres.address) as conn:
        row = conn.execute("SHOW listen_addresses").fetchone()
        assert row == ("",)
    assert postgres.folder.is_dir()
    assert "PostgreSQL" in postgres.version


def test_throwaway_servers_are_removed_even_after_an_error() -> None:
    try:
        binaries = servers.find_postgres()
    except ServerUnavailable as exc:
        pytest.skip(f"PostgreSQL binaries absent ({exc})")
    with pytest.raises(RuntimeError, match="inside"), \
            servers.throwaway_postgres(binaries) as server:
        pid_file = server.folder / "data" / "postmaster.pid"
        pid = int(pid_file.read_text().split()[0])
        raise RuntimeError("inside")
    assert not server.folder.exists()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_throwaway_redis_answers_then_vanishes() -> None:
    try:
        binary = servers.find_redis()
    except ServerUnavailable as exc:
        pytest.skip(f"redis-server absent ({exc})")
    with servers.throwaway_redis(binary) as server:
        client = redis.Redis.from_url(server.address)
        assert client.ping()
        assert client.config_get("port") == {"port": "0"}
        client.close()
    assert not server.folder.exists()
