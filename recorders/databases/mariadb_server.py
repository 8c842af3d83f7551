"""Throwaway MariaDB servers, from the locally installed ``mariadb-install-db`` and ``mariadbd``.

Like the PostgreSQL and Redis ones (``servers``): a fresh data folder, a process group of its
own that dies with us and is watched by the reaper, and everything removed afterwards. The
server listens on 127.0.0.1 at a free port (its unix socket, which MariaDB always opens, is a
relative name inside the data folder, so long folder names do not matter). It reads no option
file (``--no-defaults``): nothing from the machine's own MariaDB changes what we test.

``root`` has no password and may connect from 127.0.0.1 only. As root (CI), the server runs as
root (``--user=root``); MariaDB, unlike PostgreSQL, allows it when told so. InnoDB writes its
log at each commit but syncs it once a second (``innodb_flush_log_at_trx_commit=2``): a killed
server loses no acknowledged transaction, only a crashed machine could. A lock wait gives up
after a second, so a client never waits long on another's row.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from histcheck.recorders.databases.errors import RecorderError, ServerUnavailable
from histcheck.recorders.databases.servers import (
    Reaper,
    RunningServer,
    dying_with_us,
    free_port,
    run_setup,
    server_folder,
    spawn,
    stop_server,
    wait_ready,
)

MARIADB_INSTALL_HINT = ("install it (Debian/Ubuntu: apt-get install -y mariadb-server; macOS: "
                        "brew install mariadb), or pass --url to use a running server")
MARIADB_SEARCH = ("/usr/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/sbin",
                  "/opt/homebrew/bin")
DATABASE = "histcheck"


@dataclass(frozen=True)
class MariaDBBinaries:
    """``mariadb-install-db`` and ``mariadbd``, and what ``mariadbd --version`` said."""

    install_db: Path
    server: Path
    version: str


@dataclass(frozen=True)
class MariaDBAddress:
    """Where a MariaDB server listens and as whom to connect: ``mysql://user:pw@host:port/db``."""

    host: str
    port: int
    user: str = "root"
    password: str = ""
    database: str = DATABASE

    @classmethod
    def parse(cls, url: str) -> MariaDBAddress:
        parts = urlsplit(url)
        if parts.scheme not in ("mysql", "mariadb") or not parts.hostname:
            raise RecorderError(f"not a MariaDB URL: {url!r} (expected "
                                f"mysql://USER:PASSWORD@HOST:PORT/DATABASE)")
        try:
            port = parts.port or 3306
        except ValueError:
            raise RecorderError(f"bad port in MariaDB URL {url!r}") from None
        return cls(parts.hostname, port, unquote(parts.username or "root"),
                   unquote(parts.password or ""), parts.path.lstrip("/") or DATABASE)

    def url(self) -> str:
        secret = ":***" if self.password else ""
        return f"mysql://{self.user}{secret}@{self.host}:{self.port}/{self.database}"


def _find(name: str) -> Path | None:
    found = shutil.which(name)
    if found:
        return Path(found)
    for folder in MARIADB_SEARCH:
        path = Path(folder) / name
        if os.access(path, os.X_OK):
            return path
    return None


def find_mariadb() -> MariaDBBinaries:
    """Locate the MariaDB server binaries; ``ServerUnavailable`` if they are not installed."""
    install_db, server = _find("mariadb-install-db"), _find("mariadbd")
    if install_db is None or server is None:
        raise ServerUnavailable("MariaDB is not installed (no mariadb-install-db and mariadbd on "
                                "PATH or in /usr/sbin): " + MARIADB_INSTALL_HINT)
    out = subprocess.run([str(server), "--version"], capture_output=True, text=True,
                         check=False)
    version = out.stdout.strip().partition(" Ver ")[2] or "(unknown version)"
    return MariaDBBinaries(install_db, server, f"mariadbd {version}")


def _as_root() -> list[str]:
    return ["--user=root"] if os.geteuid() == 0 else []


def install_db(binaries: MariaDBBinaries, data: Path, folder: Path, reaper: Reaper) -> None:
    """Create fresh system tables in ``data``: ``root`` without a password, no test database."""
    code, output = run_setup(
        [*dying_with_us(), str(binaries.install_db), "--no-defaults", f"--datadir={data}",
         *_as_root(), "--auth-root-authentication-method=normal", "--skip-test-db",
         "--skip-name-resolve"], folder, reaper)
    if code != 0:
        detail = output.strip().splitlines()
        raise RecorderError(f"mariadb-install-db failed in {folder}: {' | '.join(detail[-3:])}")


def mariadb_command(binaries: MariaDBBinaries, data: Path, port: int,
                    *settings: str) -> list[str]:
    """``mariadbd`` on ``data`` at 127.0.0.1:``port``, then ``settings`` (``--name=value``)."""
    return [*dying_with_us(), str(binaries.server), "--no-defaults", f"--datadir={data}",
            *_as_root(), "--bind-address=127.0.0.1", f"--port={port}", "--socket=mariadb.sock",
            "--skip-name-resolve", "--skip-log-bin", "--innodb-flush-log-at-trx-commit=2",
            "--innodb-lock-wait-timeout=1", "--innodb-buffer-pool-size=64M",
            "--max-connections=200", *settings]


def mariadb_ready(address: MariaDBAddress) -> bool:
    """Whether the server answers a query (it may still be starting)."""
    import pymysql

    try:
        conn = pymysql.connect(host=address.host, port=address.port, user=address.user,
                               password=address.password, connect_timeout=2, read_timeout=2)
    except pymysql.MySQLError:
        return False
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except pymysql.MySQLError:
        return False
    finally:
        with contextlib.suppress(pymysql.MySQLError):
            conn.close()


@contextlib.contextmanager
def throwaway_mariadb(binaries: MariaDBBinaries | None = None) -> Iterator[RunningServer]:
    """Run a fresh MariaDB for the block; yields its ``mysql://`` URL (root, no password)."""
    binaries = binaries or find_mariadb()
    with server_folder("histcheck-mariadb-") as (folder, reaper):
        data, log = folder / "data", folder / "server.log"
        install_db(binaries, data, folder, reaper)
        address = MariaDBAddress("127.0.0.1", free_port())
        process = spawn(mariadb_command(binaries, data, address.port), folder, log, reaper)
        try:
            wait_ready(process, lambda: mariadb_ready(address), "mariadbd", log)
            yield RunningServer(address.url(), binaries.version, folder, log)
        finally:
            stop_server(process, signal.SIGTERM)

