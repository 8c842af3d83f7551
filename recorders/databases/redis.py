"""Record register operations against Redis, to check for linearizability.

Two workloads over one register (or several, each event then naming its ``key``):

- register: ``read`` is GET, ``write v`` is SET.
- cas-register: also ``cas [old new]``, a Lua script run atomically by the server::

      if GET(key) == old then SET(key, new); return 1 else return 0 end

  A CAS that finds another value certainly did not happen, so it is recorded ``fail``, which is
  Knossos's convention (a checker may use it as a constraint: the value was not ``old``).

Registers start absent: the keys are deleted before the run, so a read of ``None`` means the key
was never written. A lost connection or a timeout is ``info`` (the command may have run). The
client's automatic retries are switched off: redis-py resends a command after a connection error
by default, which would turn a CAS that took effect before the connection dropped into a ``fail``.
One Redis node is linearizable for these commands: every command runs atomically, in the order
the single-threaded server receives it.
"""

from __future__ import annotations

from pathlib import Path

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from histcheck.history import FAIL, INFO, OK
from histcheck.recorders.databases.errors import RecorderError
from histcheck.recorders.databases.recording import Op, Outcome, Recorder, Recording, run_clients
from histcheck.recorders.databases.servers import throwaway_redis
from histcheck.recorders.databases.workloads import RegisterWorkload
from histcheck.recorders.streaming import recording_to

KEY_PREFIX = "histcheck:register:"
CAS_SCRIPT = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2])
  return 1
end
return 0
"""
SOCKET_TIMEOUT = 5.0


def _client(url: str) -> redis.Redis:
    try:
        client = redis.Redis.from_url(url, socket_timeout=SOCKET_TIMEOUT,
                                      socket_connect_timeout=SOCKET_TIMEOUT,
                                      single_connection_client=True,
                                      retry=Retry(NoBackoff(), 0))
        client.ping()
    except (ValueError, redis.RedisError, OSError) as exc:
        raise RecorderError(f"cannot connect to Redis at {url!r}: {exc}") from None
    return client


def _redis_key(key: object) -> str:
    return f"{KEY_PREFIX}{0 if key is None else key}"


class RedisSession:
    """One client's connection, running reads, writes and compare-and-sets."""

    def __init__(self, url: str) -> None:
        self._client = _client(url)
        self._cas = self._client.register_script(CAS_SCRIPT)
        self._usable = True

    @property
    def usable(self) -> bool:
        return self._usable

    def perform(self, op: Op) -> Outcome:
        key = _redis_key(op.key)
        try:
            if op.f == "read":
                raw = self._client.get(key)
                return Outcome(OK, None if raw is None else int(raw))
            if op.f == "write":
                self._client.set(key, str(op.value))
                return Outcome(OK, op.value)
            if op.f == "cas":
                assert isinstance(op.value, tuple)
                old, new = op.value
                swapped = self._cas(keys=[key], args=[str(old), str(new)])
                return Outcome(OK if swapped == 1 else FAIL, op.value)
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            self._usable = False
            return Outcome(INFO, op.value, type(exc).__name__)
        except redis.ResponseError as exc:
            return Outcome(FAIL, op.value, f"ResponseError: {exc}")
        raise RecorderError(f"unknown register operation {op.f!r}")

    def close(self) -> None:
        self._client.close()


def prepare(url: str, keys: int) -> str:
    """Delete the workload's keys; return the server's version string."""
    client = _client(url)
    try:
        client.delete(*(_redis_key(k) for k in range(max(keys, 1))))
        info = client.info("server")
        return f"Redis {info.get('redis_version', '?')}"
    finally:
        client.close()


def record_redis(*, workload: str, ops: int, clients: int, keys: int = 1, values: int = 5,
                 seed: int = 0, url: str | None = None,
                 stream: Path | None = None) -> Recording:
    """Record ``ops`` register operations from ``clients`` concurrent clients.

    With no ``url``, a throwaway ``redis-server`` is started and removed afterwards. Events are
    also written to the file ``stream`` as they happen, from the moment the server answers
    (``histcheck.recorders.streaming.recording_to``).
    """
    generator = RegisterWorkload(workload, keys=keys, values=values, seed=seed)
    if url is None:
        with throwaway_redis() as server:
            return _record(server.address, keys, ops, clients, generator, stream)
    return _record(url, keys, ops, clients, generator, stream)


def _record(url: str, keys: int, ops: int, clients: int, generator: RegisterWorkload,
            stream: Path | None) -> Recording:
    version = prepare(url, keys)
    with recording_to(stream, by="histcheck record redis") as file:
        recorder = Recorder(file)
        outcome = run_clients(clients=clients, total=ops, next_op=generator,
                              connect=lambda: RedisSession(url), recorder=recorder)
    return Recording(recorder.history(), outcome, f"{version}, {generator.workload}")
