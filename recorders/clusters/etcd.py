"""An etcd cluster on 127.0.0.1, and compare-and-set registers recorded through its v3 gateway.

Three members (``--nodes``) with free client and peer ports and short election timeouts, so a
killed or paused leader is replaced within a second. Clients speak JSON to the gateway
(``/v3/kv/range``, ``/v3/kv/put``, ``/v3/kv/txn``; keys and values in base64), each client
staying with one member, the clients spread over the members in turn. Per key:

- ``read``: a range of the key; by default linearizable (etcd confirms with a quorum that the
  member is up to date). With ``--opt serializable-reads=true`` the range asks for
  ``"serializable": true``: the member answers from its local state, which may be stale;
- ``write v``: a put;
- ``cas [old new]``: a transaction comparing the value with ``old`` and putting ``new`` if
  equal; it says whether it succeeded, so a CAS that did not is ``fail`` *with* meaning (the
  value was not ``old``), which is what the ``etcd`` model reads into it.

Outcomes: a timeout, a refused or dropped connection, or an error from the server is ``info``
for a write or CAS and ``fail`` for a read, which changes nothing either way. Never ``fail`` for a
CAS that did not run: to the ``etcd`` model a failed CAS says the value was not ``old``. So that
a client whose member is down records nothing while it waits, a session is opened only once
the member accepts connections. The history is checked with the ``etcd`` model, key by key.
"""

from __future__ import annotations

import base64
import functools
import http.client
import itertools
import json
import socket
import threading
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

from histcheck.history import FAIL, INFO, OK
from histcheck.recorders.clusters.clients import run_under_faults
from histcheck.recorders.clusters.plan import CheckTarget, RunPlan
from histcheck.recorders.clusters.processes import Cluster, free_ports, require
from histcheck.recorders.clusters.settings import (
    CLIENT_SETTINGS,
    check_settings,
    count,
    number,
    switch,
)
from histcheck.recorders.databases.errors import RecorderError
from histcheck.recorders.databases.recording import Op, Outcome, Session
from histcheck.recorders.databases.workloads import RegisterWorkload

INSTALL_HINT = "apt-get install -y etcd-server (Debian/Ubuntu), or brew install etcd"
KEY_PREFIX = "histcheck/"
REQUEST_SECONDS = 1.0
STATUS_SECONDS = 0.3
SETTINGS = {**CLIENT_SETTINGS,
            "serializable-reads": "true: reads answered from the member's local state"}


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _post(url: str, body: dict[str, Any], timeout: float) -> dict[str, Any]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        answer: dict[str, Any] = json.loads(response.read() or b"{}")
    return answer


class EtcdSession:
    """One client talking to one member's gateway; unusable after an unknown outcome."""

    def __init__(self, endpoint: str, serializable: bool) -> None:
        _reachable(endpoint)
        self._endpoint = endpoint
        self._serializable = serializable
        self._usable = True

    @property
    def usable(self) -> bool:
        return self._usable

    def _call(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return _post(f"{self._endpoint}/v3/kv/{path}", body, REQUEST_SECONDS)

    def perform(self, op: Op) -> Outcome:
        key = _b64(f"{KEY_PREFIX}{0 if op.key is None else op.key}")
        try:
            if op.f == "read":
                body: dict[str, Any] = {"key": key}
                if self._serializable:
                    body["serializable"] = True
                kvs = self._call("range", body).get("kvs") or []
                value = int(base64.b64decode(kvs[0]["value"])) if kvs else None
                return Outcome(OK, value)
            if op.f == "write":
                self._call("put", {"key": key, "value": _b64(str(op.value))})
                return Outcome(OK, op.value)
            if op.f == "cas":
                assert isinstance(op.value, tuple)
                old, new = op.value
                answer = self._call("txn", {
                    "compare": [{"key": key, "target": "VALUE", "result": "EQUAL",
                                 "value": _b64(str(old))}],
                    "success": [{"request_put": {"key": key, "value": _b64(str(new))}}]})
                return Outcome(OK if answer.get("succeeded") else FAIL, op.value)
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            self._usable = False
            if op.f == "read":
                return Outcome(FAIL, None, _error_name(exc))
            return Outcome(INFO, op.value, _error_name(exc))
        raise RecorderError(f"unknown cas-register operation {op.f!r}")

    def close(self) -> None:
        """Nothing to close: each request is its own connection."""


def _reachable(endpoint: str) -> None:
    """``RecorderError`` unless the member accepts connections (a killed one does not), so a
    client waits for its member instead of recording operations that never left."""
    host, _, port = endpoint.removeprefix("http://").partition(":")
    try:
        socket.create_connection((host, int(port)), timeout=STATUS_SECONDS).close()
    except OSError as exc:
        raise RecorderError(f"{endpoint}: {exc}") from None


def _error_name(exc: BaseException) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code}"
    reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return "timeout"
    return type(reason).__name__ if isinstance(reason, BaseException) else str(reason)


class EtcdCluster:
    """The members of one run: names, client endpoints, and who leads now."""

    def __init__(self, cluster: Cluster, plan: RunPlan, logs: Path) -> None:
        etcd = require("etcd", INSTALL_HINT)
        names = [f"n{i + 1}" for i in range(plan.nodes)]
        ports = free_ports(2 * plan.nodes)
        self.endpoints = {name: f"http://127.0.0.1:{ports[2 * i]}"
                          for i, name in enumerate(names)}
        peers = {name: f"http://127.0.0.1:{ports[2 * i + 1]}" for i, name in enumerate(names)}
        initial = ",".join(f"{name}={url}" for name, url in peers.items())
        self.cluster = cluster
        for name in names:
            command = [etcd, "--name", name, "--data-dir", str(cluster.data / name),
                       "--listen-client-urls", self.endpoints[name],
                       "--advertise-client-urls", self.endpoints[name],
                       "--listen-peer-urls", peers[name],
                       "--initial-advertise-peer-urls", peers[name],
                       "--initial-cluster", initial, "--initial-cluster-state", "new",
                       "--initial-cluster-token", "histcheck",
                       "--heartbeat-interval", "50", "--election-timeout", "500",
                       "--snapshot-count", "100000", "--log-level", "warn"]
            cluster.add(name, command, logs / f"{name}.log",
                        ready=functools.partial(_healthy, self.endpoints[name]))
        self._ids: dict[str, str] = {}

    def start(self) -> None:
        for node in self.cluster.nodes.values():
            node.start()
        for node in self.cluster.nodes.values():
            node.wait_ready()

    def version(self) -> str:
        for endpoint in self.endpoints.values():
            try:
                request = urllib.request.Request(f"{endpoint}/version")
                with urllib.request.urlopen(request, timeout=STATUS_SECONDS) as response:
                    return f"etcd {json.loads(response.read()).get('etcdserver', '?')}"
            except (urllib.error.URLError, OSError, ValueError):
                continue
        return "etcd"

    def leader(self) -> str | None:
        """The member that the members answering now name as leader (None when none does).

        Each member's status gives its own id and its leader's; ids are remembered, so a leader
        that has just stopped answering is still named."""
        leaders = []
        for name, endpoint in self.endpoints.items():
            node = self.cluster.nodes[name]
            if node.paused or not node.running:
                continue
            try:
                status = _post(f"{endpoint}/v3/maintenance/status", {}, STATUS_SECONDS)
            except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError):
                continue
            self._ids[str(status.get("header", {}).get("member_id"))] = name
            leaders.append(str(status.get("leader")))
        return next((self._ids[leader] for leader in leaders if leader in self._ids), None)


def _healthy(endpoint: str) -> bool:
    try:
        _post(f"{endpoint}/v3/kv/range", {"key": _b64(KEY_PREFIX)}, STATUS_SECONDS)
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError):
        return False
    return True


def _spread(endpoints: list[str], serializable: bool) -> Callable[[], Callable[[], Session]]:
    """For each client, a connector to its own member, in turn (as Jepsen pins its clients).

    A client stays with its member through faults: a paused member answers the requests that
    waited for it as soon as it resumes, before it has caught up, which is where local reads
    go stale."""
    turns = itertools.count()
    lock = threading.Lock()

    def for_client() -> Callable[[], Session]:
        with lock:
            endpoint = endpoints[next(turns) % len(endpoints)]
        return lambda: EtcdSession(endpoint, serializable)
    return for_client


def record(plan: RunPlan, history: Path, logs: Path) -> CheckTarget:
    """Start the cluster, run the clients and the nemesis for ``plan.seconds``, stop it all."""
    if plan.workload != "cas-register":
        raise RecorderError(f"etcd has the workload cas-register, not {plan.workload!r}")
    check_settings(plan, SETTINGS)
    serializable = switch(plan, "serializable-reads")
    workload = RegisterWorkload("cas-register", keys=count(plan, "keys", 3),
                                values=count(plan, "values", 5), seed=plan.seed)
    clients, rate = count(plan, "clients", 6), number(plan, "rate", 100)
    with Cluster(plan.out / "data") as cluster:
        members = EtcdCluster(cluster, plan, logs)
        members.start()
        run_under_faults(plan, history, system="etcd", server=members.version(),
                         targets=list(cluster.nodes), nodes=cluster.nodes,
                         leader=members.leader, clients=clients, rate=rate, next_op=workload,
                         connect=_spread(list(members.endpoints.values()), serializable))
    return CheckTarget(model="etcd", consistency="linearizable")
