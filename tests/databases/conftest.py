"""Throwaway servers for the database recorder tests, started once per test module.

Nothing is installed here: when the binaries are absent the tests that need them skip, saying
which package to install (CI installs them in .ci/run).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

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


def _server(find: Callable[[], Any], throwaway: Callable[[Any], Any],
            what: str) -> Iterator[RunningServer]:
    try:
        binaries = find()
    except ServerUnavailable as exc:
        pytest.skip(f"{what} absent ({exc})")
    with throwaway(binaries) as server:
        yield server


@pytest.fixture(scope="module")
def postgres() -> Iterator[RunningServer]:
    yield from _server(find_postgres, throwaway_postgres, "PostgreSQL binaries")


@pytest.fixture(scope="module")
def redis_server() -> Iterator[RunningServer]:
    yield from _server(find_redis, throwaway_redis, "redis-server")


@pytest.fixture(scope="module")
def mariadb_server() -> Iterator[RunningServer]:
    yield from _server(find_mariadb, throwaway_mariadb, "MariaDB binaries")
