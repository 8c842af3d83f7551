"""RPC in the simulator: a store service, clients that retry, a server with a worker pool.

The service (``STORE_IDL``) has a call that is not idempotent (``add``), so executing a retried
request twice changes the state. Requests and replies are marshaled by the generated stubs,
fragmented to the network's ``mtu`` and reassembled. The server queues requests and runs at most
``workers`` at a time, each taking ``service`` microseconds (a worker pool in virtual time).
Under ``Policy.dedup`` the server keeps the de-duplication table with its state in stable storage,
so a restarted server still answers old retries without executing them again.

Trace events: ``request`` (client, when a call starts), ``execute`` (server, when it applies a
call), ``reply`` (client, when the answer arrives), besides the network's ``send``/``recv``. A call
that gives up ends with no ``reply``; the operation history records it as indeterminate (info).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from histcheck.history import INFO, OK
from histcheck.recorders.operations import OperationRecorder, Ticket
from histcheck.systems.rpc import wire
from histcheck.systems.rpc.fragment import Reassembler, fragment
from histcheck.systems.rpc.idl import compile_interface
from histcheck.systems.rpc.retry import IN_PROGRESS, DedupTable, Policy
from histcheck.systems.sim.core import Simulator, Timer
from histcheck.systems.sim.faults import Fault
from histcheck.systems.sim.models import MS, NetworkModel, SystemModel
from histcheck.systems.sim.node import Node

STORE_IDL = """
interface Store {
  int add(int delta);       // not idempotent: a second execution shows
  long sum();
  int append(string text);  // long texts need several fragments
};
"""
STUBS = compile_interface(STORE_IDL, "store_stubs")


class StoreImpl:
    """The service's state: a running sum and the length of an append-only log."""

    def __init__(self, total: int = 0, length: int = 0) -> None:
        self.total = total
        self.length = length

    def add(self, delta: int) -> int:
        self.total += delta
        return self.total

    def sum(self) -> int:
        return self.total

    def append(self, text: str) -> int:
        self.length += len(text)
        return self.length


class Datagrams(Node):
    """A node that sends and receives whole byte messages as fragments."""

    mtu = 128

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.reassembler = Reassembler()
        self.sent_messages = 0

    def send_message(self, dst: str, data: bytes) -> None:
        self.sent_messages += 1
        message_id = (self.storage.get("incarnations", 0) << 32) | self.sent_messages
        for piece in fragment(message_id, data, self.mtu):
            self.send(dst, piece)

    def receive(self, src: str, msg: Any) -> None:
        done = self.reassembler.accept(src, msg)
        if done is not None:
            self.on_message(src, wire.decode(done[1]))

    def on_message(self, src: str, msg: wire.Request | wire.Reply) -> None:
        raise NotImplementedError


def request_id(client: int, seq: int) -> str:
    return f"c{client}-{seq}"


class StoreServer(Datagrams):
    def __init__(self, name: str, policy: Policy, workers: int = 2, service: int = 2 * MS) -> None:
        super().__init__(name)
        self.policy, self.workers, self.service = policy, workers, service
        self.impl = StoreImpl()
        self.dedup = DedupTable()
        self.skeleton = STUBS.StoreSkeleton(self.impl)
        self.queue: deque[tuple[str, wire.Request]] = deque()
        self.busy = 0

    def start(self) -> None:
        self.storage.put("incarnations", self.storage.get("incarnations", 0) + 1)
        self.impl.total, self.impl.length = self.storage.get("state", (0, 0))
        replies = {tuple(map(int, k.split("/")[1:])): v
                   for k, v in self.storage.prefixed("reply/").items()}
        self.dedup = DedupTable(replies)  # type: ignore[arg-type]

    def on_message(self, src: str, msg: wire.Request | wire.Reply) -> None:
        if isinstance(msg, wire.Request):
            self.queue.append((src, msg))
            self._pump()

    def _pump(self) -> None:
        while self.busy < self.workers and self.queue:
            src, request = self.queue.popleft()
            if self.policy.dedup:
                remembered = self.dedup.begin(request.key)
                if remembered == IN_PROGRESS:
                    continue
                if remembered is not None:
                    self.send_message(src, remembered)
                    continue
            self.busy += 1
            self.set_timer(self.service, partial(self._execute, src, request))

    def _execute(self, src: str, request: wire.Request) -> None:
        self.busy -= 1
        self.trace.execute(self.name, request_id(request.client, request.seq))
        result = self.skeleton.dispatch(request.method, request.payload)
        reply = wire.Reply(request.client, request.seq, wire.OK, result).encode()
        if self.policy.dedup:
            self.dedup.finish(request.key, reply)
        # One atomic step in virtual time: the effect and its remembered reply persist together.
        self.storage.put("state", (self.impl.total, self.impl.length))
        if self.policy.dedup:
            self.storage.put(f"reply/{request.client}/{request.seq}", reply)
        self.send_message(src, reply)
        self._pump()


@dataclass
class Call:
    request: wire.Request
    decode: Any
    ticket: Ticket
    attempts: int = 0
    timer: Timer | None = None


class StoreClient(Datagrams):
    """Makes its calls one after another through the generated stub; the node is the channel."""

    def __init__(self, name: str, number: int, policy: Policy, calls: list[tuple[str, Any]],
                 server: str, operations: OperationRecorder, timeout: int = 30 * MS) -> None:
        super().__init__(name)
        self.number, self.policy, self.calls, self.server = number, policy, calls, server
        self.operations, self.timeout = operations, timeout
        self.stub = STUBS.StoreClient(self)
        self.seq = 0
        self.pending: Call | None = None
        self.results: list[tuple[str, Any]] = []

    def start(self) -> None:
        self.storage.put("incarnations", self.storage.get("incarnations", 0) + 1)
        self.set_timer(self.rng.randint(0, 5 * MS), self._next)

    def _next(self) -> None:
        if self.seq < len(self.calls):
            method, arg = self.calls[self.seq]
            getattr(self.stub, method)(*([] if arg is None else [arg]))

    def call(self, number: int, name: str, payload: bytes, decode: Any) -> None:
        """The channel interface the generated stub calls."""
        self.seq += 1
        arg = self.calls[self.seq - 1][1]
        request = wire.Request(self.number, self.seq, number, payload)
        self.trace.request(self.name, request_id(self.number, self.seq), self.server, name)
        ticket = self.operations.invoke(self.name, name, arg)
        self.pending = Call(request, decode, ticket)
        self._transmit()

    def _transmit(self) -> None:
        call = self.pending
        assert call is not None
        call.attempts += 1
        self.send_message(self.server, call.request.encode())
        call.timer = self.set_timer(self.timeout, self._expired)

    def _expired(self) -> None:
        call = self.pending
        assert call is not None
        if call.attempts < self.policy.attempts:
            self._transmit()
            return
        self.operations.complete(call.ticket, INFO, None)
        self.results.append((request_id(self.number, call.request.seq), None))
        self._done()

    def on_message(self, src: str, msg: wire.Request | wire.Reply) -> None:
        call = self.pending
        if not isinstance(msg, wire.Reply) or call is None or msg.key != call.request.key:
            return
        if call.timer is not None:
            call.timer.cancel()
        value = call.decode(msg.payload)
        rid = request_id(self.number, msg.seq)
        self.trace.ack(self.name, rid)
        self.operations.complete(call.ticket, OK, value)
        self.results.append((rid, value))
        self._done()

    def _done(self) -> None:
        self.pending = None
        self.set_timer(self.rng.randint(0, 3 * MS), self._next)


VARIANTS = {
    "at-most-once": Policy.named("at-most-once"),
    "at-least-once": Policy.named("at-least-once"),
    "exactly-once": Policy.named("exactly-once"),
    "retry-twice": Policy("exactly-once", retry=True, dedup=False),
}
DEFAULT_MODEL = SystemModel(NetworkModel.named("fair-loss", loss=0.2))


@dataclass
class RpcRun:
    sim: Simulator
    operations: OperationRecorder
    clients: list[str] = field(default_factory=list)


def workload(sim: Simulator, calls: int) -> list[tuple[str, Any]]:
    out: list[tuple[str, Any]] = []
    for _ in range(calls):
        kind = sim.rng.choice(("add", "add", "sum", "append"))
        if kind == "add":
            out.append(("add", sim.rng.randint(1, 9)))
        elif kind == "append":
            out.append(("append", "x" * sim.rng.randint(0, 400)))
        else:
            out.append(("sum", None))
    return out


def run_rpc(variant: str, *, seed: int, clients: int = 3, calls: int = 10,
            model: SystemModel | None = None, faults: tuple[Fault, ...] = (),
            workers: int = 2) -> RpcRun:
    policy = VARIANTS[variant]
    sim = Simulator(seed, model or DEFAULT_MODEL, faults)
    operations = sim.operations
    sim.add_node("server", partial(StoreServer, policy=policy, workers=workers))
    names = []
    for number in range(1, clients + 1):
        name = f"c{number}"
        names.append(name)
        sim.add_node(name, partial(StoreClient, number=number, policy=policy,
                                   calls=workload(sim, calls), server="server",
                                   operations=operations))
    sim.run()
    return RpcRun(sim, operations, names)
