"""Throwaway servers for the database recorder tests, started once per test module.

Nothing is installed here: when the binaries are absent the tests that need them skip, saying
which package to install (CI installs them in .ci/run).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from histcheck.recorders.databases.errors import ServerUnavailable
from histcheck.recorders.databases.mariadb_server import find_mariadb, throwaway_mariadb
from histcheck.recorders.databases.servers import (
    RunningServer,
    find_postgres,
    find_redis,
    throwaway_postgres,
    throwaway_redis,
)


@pytest.fixture(scope="module")
def postgres() -> Iterator[RunningServer]:
    try:
        binaries = find_postgres()
    except ServerUnavailable as exc:
        pytest.skip(f"PostgreSQL binaries absent ({exc})")
    with throwaway_postgres(binaries) as server:
        yield server


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RunningServer]:
    try:
        binary = find_redis()
    except ServerUnavailable as exc:
        pytest.skip(f"redis-server absent ({exc})")
    with throwaway_redis(binary) as server:
        yield server


@pytest.fixture(scope="module")
def mariadb_server() -> Iterator[RunningServer]:
    try:
        binaries = find_mariadb()
    except ServerUnavailable as exc:
        pytest.skip(f"MariaDB binaries absent ({exc})")
    with throwaway_mariadb(binaries) as server:
        yield server
