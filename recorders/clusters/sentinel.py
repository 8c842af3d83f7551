"""Redis with Sentinel on 127.0.0.1: one primary, replicas, three sentinels, clients that follow.

The servers (``--nodes``, default 3: ``r1`` the first primary, the others its replicas) keep
nothing on disk, as a cache would run; the sentinels (``s1``..``s3``, quorum 2) declare a
primary down after ``DOWN_MS`` and promote a replica. Replication is asynchronous, so a write
the old primary acknowledged but had not yet sent on is lost at the failover, and a primary
that comes back from a pause takes writes until a sentinel demotes it, and then throws them
away. Jepsen found both; this recorder lets a run find them again.

Workload ``register``: ``read`` is GET and ``write v`` is SET, over a few keys. A client asks the
sentinels which server is primary (``SENTINEL get-master-addr-by-name``), connects, and keeps
that connection until something goes wrong; then it asks again. A write refused by a replica
(``READONLY``) certainly did not happen (``fail``); a timeout or a lost connection is ``info`` for
a write and ``fail`` for a read. Faults hit the servers only; ``leader-`` faults hit the server
the sentinels name primary. The history is checked with the ``register`` model, key by key.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from histcheck.history import FAIL, INFO, OK
from histcheck.recorders.clusters.clients import run_under_faults
from histcheck.recorders.clusters.plan import CheckTarget, RunPlan
from histcheck.recorders.clusters.processes import Cluster, free_ports, require
from histcheck.recorders.clusters.settings import CLIENT_SETTINGS, check_settings, count, number
from histcheck.recorders.databases.errors import RecorderError
from histcheck.recorders.databases.recording import Op, Outcome, Session
from histcheck.recorders.databases.workloads import RegisterWorkload

INSTALL_HINT = ("apt-get install -y redis-server redis-sentinel (Debian/Ubuntu), or brew install "
                "redis")
MASTER = "histcheck"
SENTINELS = 3
QUORUM = 2
DOWN_MS = 500
FAILOVER_MS = 2000
KEY_PREFIX = "histcheck:register:"
REQUEST_SECONDS = 0.5


def _client(port: int, timeout: float = REQUEST_SECONDS) -> redis.Redis:
    """A connection to one server or sentinel; ``RecorderError`` when it cannot be made."""
    try:
        return redis.Redis(host="127.0.0.1", port=port, socket_timeout=timeout,
                           socket_connect_timeout=timeout, single_connection_client=True,
                           retry=Retry(NoBackoff(), 0))
    except (redis.RedisError, OSError) as exc:
        raise RecorderError(f"cannot connect to 127.0.0.1:{port}: {exc}") from None


def _asks(port: int) -> Callable[[], bool]:
    def ping() -> bool:
        try:
            client = _client(port)
        except RecorderError:
            return False
        try:
            return bool(client.ping())
        except (redis.RedisError, OSError):
            return False
        finally:
            client.close()
    return ping


class SentinelSession:
    """One client: the primary the sentinels named when it connected, until something fails."""

    def __init__(self, sentinel_ports: list[int], start: int) -> None:
        self._usable = True
        self.port = primary_port(sentinel_ports, start)
        if self.port is None:
            raise RecorderError("no sentinel names a primary")
        self._client = _client(self.port)

    @property
    def usable(self) -> bool:
        return self._usable

    def perform(self, op: Op) -> Outcome:
        key = f"{KEY_PREFIX}{0 if op.key is None else op.key}"
        try:
            if op.f == "read":
                raw = self._client.get(key)
                return Outcome(OK, None if raw is None else int(raw))
            if op.f == "write":
                self._client.set(key, str(op.value))
                return Outcome(OK, op.value)
        except redis.ResponseError as exc:
            self._usable = False
            return Outcome(FAIL, op.value, str(exc).split(" ", 1)[0] or "ResponseError")
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            self._usable = False
            name = "timeout" if isinstance(exc, redis.TimeoutError) else type(exc).__name__
            return Outcome(FAIL if op.f == "read" else INFO,
                           None if op.f == "read" else op.value, name)
        raise RecorderError(f"unknown register operation {op.f!r}")

    def close(self) -> None:
        self._client.close()


def primary_port(sentinel_ports: list[int], start: int = 0) -> int | None:
    """The primary's port as the first sentinel that answers names it (from ``start`` on)."""
    for turn in range(len(sentinel_ports)):
        try:
            client = _client(sentinel_ports[(start + turn) % len(sentinel_ports)])
        except RecorderError:
            continue
        try:
            address = client.sentinel_get_master_addr_by_name(MASTER, return_responses=True)
        except (redis.RedisError, OSError):
            continue
        finally:
            client.close()
        if isinstance(address, (tuple, list)) and len(address) == 2:
            return int(address[1])
    return None


def _sentinel_config(port: int, primary: int, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "sentinel.conf"
    config.write_text(
        f"port {port}\nbind 127.0.0.1\ndir {folder}\ndaemonize no\n"
        f"sentinel monitor {MASTER} 127.0.0.1 {primary} {QUORUM}\n"
        f"sentinel down-after-milliseconds {MASTER} {DOWN_MS}\n"
        f"sentinel failover-timeout {MASTER} {FAILOVER_MS}\n"
        f"sentinel parallel-syncs {MASTER} 1\n")
    return config


class SentinelCluster:
    """The servers and sentinels of one run; ``primary`` names the server now in charge."""

    def __init__(self, cluster: Cluster, plan: RunPlan, logs: Path) -> None:
        server = require("redis-server", INSTALL_HINT)
        sentinel = require("redis-sentinel", INSTALL_HINT)
        if plan.nodes < 2:
            raise RecorderError("redis-sentinel needs at least 2 servers (a primary and a "
                                "replica to fail over to)")
        ports = free_ports(plan.nodes + SENTINELS)
        self.server_ports = {f"r{i + 1}": ports[i] for i in range(plan.nodes)}
        self.sentinel_ports = ports[plan.nodes:]
        self.cluster = cluster
        primary = ports[0]
        for name, port in self.server_ports.items():
            folder = cluster.data / name
            folder.mkdir(parents=True, exist_ok=True)
            command = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                       "--appendonly", "no", "--dir", str(folder), "--daemonize", "no"]
            if port != primary:
                command += ["--replicaof", "127.0.0.1", str(primary)]
            cluster.add(name, command, logs / f"{name}.log", ready=_asks(port))
        self.sentinels = []
        for i, port in enumerate(self.sentinel_ports):
            name = f"s{i + 1}"
            config = _sentinel_config(port, primary, cluster.data / name)
            self.sentinels.append(cluster.add(name, [sentinel, str(config)],
                                              logs / f"{name}.log", ready=_asks(port)))

    def start(self) -> None:
        for node in self.cluster.nodes.values():
            node.start()
        for node in self.cluster.nodes.values():
            node.wait_ready()
        self._wait_replicas()

    def _wait_replicas(self) -> None:
        """Wait until the primary has all its replicas online, so a first fault can fail over."""
        import time

        client = _client(self.server_ports["r1"], timeout=5)
        deadline = time.monotonic() + 30
        try:
            while time.monotonic() < deadline:
                info = client.info("replication")
                if int(info.get("connected_slaves", 0)) >= len(self.server_ports) - 1:
                    return
                time.sleep(0.05)
        except (redis.RedisError, OSError) as exc:
            raise RecorderError(f"the first primary stopped answering: {exc}") from None
        finally:
            client.close()
        raise RecorderError("the replicas did not connect to the primary within 30 s")

    def version(self) -> str:
        client = _client(self.server_ports["r1"], timeout=5)
        try:
            return f"Redis {client.info('server').get('redis_version', '?')} with Sentinel"
        except (redis.RedisError, OSError) as exc:
            raise RecorderError(f"the first primary stopped answering: {exc}") from None
        finally:
            client.close()

    def primary(self) -> str | None:
        port = primary_port(self.sentinel_ports)
        return next((name for name, p in self.server_ports.items() if p == port), None)


def _spread(sentinel_ports: list[int]) -> Callable[[], Callable[[], Session]]:
    """For each client, a connector asking the sentinels in turn, each from its own first."""
    first = itertools.count()
    lock = threading.Lock()

    def for_client() -> Callable[[], Session]:
        with lock:
            start = next(first)
        return lambda: SentinelSession(sentinel_ports, start)
    return for_client


def record(plan: RunPlan, history: Path, logs: Path) -> CheckTarget:
    """Start the servers and sentinels, run clients and the nemesis, stop it all."""
    if plan.workload != "register":
        raise RecorderError(f"redis-sentinel has the workload register, not {plan.workload!r}")
    check_settings(plan, CLIENT_SETTINGS)
    workload = RegisterWorkload("register", keys=count(plan, "keys", 3),
                                values=count(plan, "values", 5), seed=plan.seed)
    clients, rate = count(plan, "clients", 5), number(plan, "rate", 100)
    with Cluster(plan.out / "data") as cluster:
        members = SentinelCluster(cluster, plan, logs)
        members.start()
        run_under_faults(plan, history, system="redis-sentinel", server=members.version(),
                         targets=list(members.server_ports), nodes=cluster.nodes,
                         leader=members.primary, clients=clients, rate=rate, next_op=workload,
                         connect=_spread(members.sentinel_ports))
    return CheckTarget(model="register", consistency="linearizable")
