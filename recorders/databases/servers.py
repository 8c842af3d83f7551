"""Throwaway PostgreSQL and Redis servers, started from locally installed binaries.

Each server lives in a fresh temporary folder, listens only on a unix socket inside it (no TCP
port, so parallel runs never collide and nothing is reachable from the network), is tuned for
speed over durability (no fsync: the data is thrown away), and is stopped and its folder removed
when the ``with`` block ends, on error too.

Binaries are found on PATH first, then where distributions install them: Debian's
``postgresql-NN`` puts ``initdb`` and ``postgres`` in ``/usr/lib/postgresql/NN/bin`` (not on
PATH), Red Hat's in ``/usr/pgsql-NN/bin``, Homebrew's under ``/opt/homebrew/opt``. Set
``HISTCHECK_PG_BIN`` to a folder to choose one. ``redis-server`` is usually on PATH.

PostgreSQL refuses to run as root. When we are root (CI is), the server runs as the unprivileged
user ``nobody`` through ``setpriv`` (or ``runuser``), in a temporary folder that user owns; root
still reaches the socket.

Nothing outlives the recorder, even one killed with SIGKILL (which runs no cleanup). Each server
runs in its own process group and, on Linux, with a parent-death signal: the kernel kills it when
the thread that started it dies. ``setpriv --pdeathsig KILL`` sets that signal and execs the
server (after dropping root, for PostgreSQL: changing user clears the signal, so it must come
after). And a watcher process (``reaper``), started before the server, kills the server's whole
group and removes the temporary folder once the recorder is gone without having done so itself.
"""

from __future__ import annotations

import contextlib
import functools
import glob
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from histcheck.recorders.databases.errors import RecorderError, ServerUnavailable

PG_INSTALL_HINT = ("install it (Debian/Ubuntu: apt-get install -y postgresql; macOS: brew install "
                   "postgresql), set HISTCHECK_PG_BIN to the folder holding initdb and postgres, "
                   "or pass --dsn to use a running server")
REDIS_INSTALL_HINT = ("install it (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew "
                      "install redis), or pass --url to use a running server")
PG_SEARCH = ("/usr/lib/postgresql/*/bin", "/usr/pgsql-*/bin", "/opt/homebrew/opt/postgresql*/bin",
             "/usr/local/opt/postgresql*/bin", "/usr/local/pgsql/bin")
REDIS_SEARCH = ("/usr/bin", "/usr/sbin", "/usr/local/bin", "/opt/homebrew/bin")
UNPRIVILEGED_USER = "nobody"
START_SECONDS = 30.0
STOP_SECONDS = 10.0
PG_PORT = 5432


@dataclass(frozen=True)
class PostgresBinaries:
    """The folder holding ``initdb`` and ``postgres``, and what ``postgres --version`` said."""

    bindir: Path
    version: str


@dataclass(frozen=True)
class RunningServer:
    """A server that is up: how to reach it, what it is, and where its files and log are."""

    address: str
    version: str
    folder: Path
    log: Path


def _version_key(path: str) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", path)) or (0,)


def find_postgres() -> PostgresBinaries:
    """Locate ``initdb`` and ``postgres`` (newest version first); ``ServerUnavailable`` if none."""
    candidates: list[Path] = []
    if chosen := os.environ.get("HISTCHECK_PG_BIN"):
        candidates.append(Path(chosen))
    on_path = shutil.which("initdb")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    for pattern in PG_SEARCH:
        candidates.extend(Path(p) for p in sorted(glob.glob(pattern), key=_version_key,
                                                  reverse=True))
    for bindir in candidates:
        if all(os.access(bindir / name, os.X_OK) for name in ("initdb", "postgres")):
            out = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True,
                                 text=True, check=False)
            return PostgresBinaries(bindir, out.stdout.strip() or "postgres (unknown version)")
    raise ServerUnavailable("PostgreSQL is not installed (no initdb and postgres on PATH or in "
                            "/usr/lib/postgresql/*/bin): " + PG_INSTALL_HINT)


def find_redis() -> Path:
    """Locate ``redis-server``; ``ServerUnavailable`` if it is not installed."""
    found = shutil.which("redis-server")
    if found:
        return Path(found)
    for folder in REDIS_SEARCH:
        path = Path(folder) / "redis-server"
        if os.access(path, os.X_OK):
            return path
    raise ServerUnavailable("redis-server is not installed: " + REDIS_INSTALL_HINT)


def _as_unprivileged(uid: int, gid: int) -> list[str]:
    """The command prefix that drops root for ``uid``/``gid`` (setpriv execs; runuser forks)."""
    setpriv = shutil.which("setpriv")
    if setpriv:
        return [setpriv, f"--reuid={uid}", f"--regid={gid}", "--clear-groups",
                *_death_signal(setpriv), "--"]
    runuser = shutil.which("runuser")
    if runuser:
        return [runuser, "-u", pwd.getpwuid(uid).pw_name, "--"]
    raise ServerUnavailable("PostgreSQL refuses to run as root, and neither setpriv nor runuser "
                            "(util-linux) is there to run it as 'nobody': run histcheck as an "
                            "ordinary user, or pass --dsn")


def dying_with_us() -> list[str]:
    """The command prefix that gives a server the parent-death signal SIGKILL, if we can."""
    setpriv = shutil.which("setpriv")
    return [setpriv, *_death_signal(setpriv), "--"] if setpriv and _death_signal(setpriv) else []


@functools.cache
def _death_signal(setpriv: str) -> tuple[str, ...]:
    """``setpriv``'s option for the parent-death signal, when it has one (util-linux 2.33+).

    ``setpriv`` applies it after changing user, and it survives the ``exec`` of the server.
    """
    out = subprocess.run([setpriv, "--help"], capture_output=True, text=True, check=False)
    return ("--pdeathsig", "KILL") if "--pdeathsig" in out.stdout else ()


class Reaper:
    """The watcher (``reaper.py``) that cleans up ``folder`` and the servers' groups for a
    recorder that dies; ``watch`` each server, then ``dismiss`` it after cleaning up."""

    def __init__(self, folder: Path) -> None:
        from histcheck.recorders.databases import reaper

        self._process = subprocess.Popen(
            [sys.executable, "-I", reaper.__file__, str(folder)], stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        assert self._process.stdin is not None
        self._pipe: IO[bytes] = self._process.stdin

    def watch(self, process: subprocess.Popen[bytes]) -> None:
        """Kill ``process``'s group (it leads one) should the recorder die."""
        self._pipe.write(f"group {process.pid}\n".encode())
        self._pipe.flush()

    def dismiss(self) -> None:
        """The recorder cleaned up itself: the watcher leaves without doing anything."""
        with contextlib.suppress(OSError):
            self._pipe.write(b"done\n")
            self._pipe.close()
        try:
            self._process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now (the kernel's choice)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _tail(log: Path, lines: int = 5) -> str:
    try:
        text = log.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "(no log)"
    return " | ".join(text[-lines:]) or "(empty log)"


def stop_server(process: subprocess.Popen[bytes], first: signal.Signals) -> None:
    """Signal the server, wait, then kill its whole process group if it lingers."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(first)
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(STOP_SECONDS)
    # Children that outlived the server (a backend still busy) go with the group.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


def wait_ready(process: subprocess.Popen[bytes], ready: Callable[[], bool], name: str,
                log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RecorderError(f"{name} exited with status {process.returncode} while "
                                f"starting: {_tail(log)}")
        if ready():
            return
        time.sleep(0.05)
    raise RecorderError(f"{name} did not start within {START_SECONDS:.0f} s: {_tail(log)}")


def spawn(command: Sequence[str], folder: Path, log: Path,
           reaper: Reaper) -> subprocess.Popen[bytes]:
    """Start a server in its own process group, dying with us, watched by ``reaper``."""
    with log.open("ab") as out:
        process = subprocess.Popen(list(command), cwd=folder, stdin=subprocess.DEVNULL,
                                   stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    reaper.watch(process)
    return process


def run_setup(command: Sequence[str], folder: Path, reaper: Reaper) -> tuple[int, str]:
    """Run a setup command (``initdb``) to its end as ``spawn`` runs servers: exit code, output."""
    process = subprocess.Popen(list(command), cwd=folder, stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True)
    reaper.watch(process)
    output, _ = process.communicate()
    return process.returncode, output.decode(errors="replace")


@contextlib.contextmanager
def server_folder(prefix: str) -> Iterator[tuple[Path, Reaper]]:
    """A fresh temporary folder and its watcher; the folder is removed when the block ends."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        reaper = Reaper(folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    try:
        yield folder, reaper
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        reaper.dismiss()


def postgres_prefix(folder: Path) -> list[str]:
    """The command prefix PostgreSQL's programs run under, owning ``folder`` when we are root.

    As root (PostgreSQL refuses it) that is ``nobody``: ``folder`` is handed to that user, who
    must be able to reach it. Otherwise the programs only die with us.
    """
    if os.geteuid() != 0:
        return dying_with_us()
    try:
        user = pwd.getpwnam(UNPRIVILEGED_USER)
    except KeyError:
        raise ServerUnavailable(f"PostgreSQL refuses to run as root and there is no "
                                f"user {UNPRIVILEGED_USER!r} to run it as: run histcheck "
                                f"as an ordinary user, or pass --dsn") from None
    os.chown(folder, user.pw_uid, user.pw_gid)
    return _as_unprivileged(user.pw_uid, user.pw_gid)


def initdb(binaries: PostgresBinaries, prefix: Sequence[str], data: Path, folder: Path,
           reaper: Reaper) -> None:
    """Create a fresh cluster in ``data`` (inside ``folder``), superuser ``postgres``, trust."""
    code, output = run_setup(
        [*prefix, str(binaries.bindir / "initdb"), "-D", str(data), "-U", "postgres",
         "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync"], folder, reaper)
    if code != 0:
        detail = output.strip().splitlines()
        raise RecorderError(f"initdb failed in {folder}: {' | '.join(detail[-3:])}")


def postgres_command(binaries: PostgresBinaries, prefix: Sequence[str], data: Path,
                     *settings: str) -> list[str]:
    """``postgres`` on ``data``, tuned for throwaway use, then ``settings`` (``name=value``)."""
    tuning = ("fsync=off", "full_page_writes=off", "deadlock_timeout=100ms",
              "max_connections=100", *settings)
    return [*prefix, str(binaries.bindir / "postgres"), "-D", str(data),
            *(arg for setting in tuning for arg in ("-c", setting))]


@contextlib.contextmanager
def throwaway_postgres(binaries: PostgresBinaries | None = None) -> Iterator[RunningServer]:
    """Run a fresh PostgreSQL cluster for the duration of the block; yields its DSN.

    The DSN connects as superuser ``postgres`` to database ``postgres`` over the socket in the
    temporary folder (``trust`` authentication: nothing else can reach it).
    """
    binaries = binaries or find_postgres()
    with server_folder("histcheck-pg-") as (folder, reaper):
        prefix = postgres_prefix(folder)
        data, log = folder / "data", folder / "server.log"
        initdb(binaries, prefix, data, folder, reaper)
        process = spawn(postgres_command(binaries, prefix, data, f"port={PG_PORT}",
                                          f"unix_socket_directories={folder}",
                                          "listen_addresses=", "synchronous_commit=off"),
                         folder, log, reaper)
        dsn = f"host={folder} port={PG_PORT} user=postgres dbname=postgres connect_timeout=5"
        try:
            wait_ready(process, lambda: pg_ready(dsn), "postgres", log)
            yield RunningServer(dsn, binaries.version, folder, log)
        finally:
            stop_server(process, signal.SIGINT)


def pg_ready(dsn: str) -> bool:
    import psycopg

    try:
        with psycopg.connect(dsn, autocommit=True) as conn:
            conn.execute("SELECT 1")
    except psycopg.OperationalError:
        return False
    return True


@contextlib.contextmanager
def throwaway_redis(binary: Path | None = None) -> Iterator[RunningServer]:
    """Run a fresh ``redis-server`` (no persistence) for the block; yields its ``unix://`` URL."""
    binary = binary or find_redis()
    with server_folder("histcheck-redis-") as (folder, reaper):
        unix_socket, log = folder / "redis.sock", folder / "server.log"
        process = spawn([*dying_with_us(), str(binary), "--port", "0",
                         "--unixsocket", str(unix_socket), "--unixsocketperm", "700", "--save", "",
                         "--appendonly", "no", "--dir", str(folder), "--daemonize", "no"],
                        folder, log, reaper)
        url = f"unix://{unix_socket}"
        try:
            wait_ready(process, lambda: _redis_ready(url), "redis-server", log)
            version = subprocess.run([str(binary), "--version"], capture_output=True, text=True,
                                     check=False).stdout.strip()
            yield RunningServer(url, version, folder, log)
        finally:
            stop_server(process, signal.SIGTERM)


def _redis_ready(url: str) -> bool:
    import redis

    try:
        client = redis.Redis.from_url(url, socket_timeout=1)
        try:
            return bool(client.ping())
        finally:
            client.close()
    except (redis.ConnectionError, redis.TimeoutError, FileNotFoundError):
        return False
