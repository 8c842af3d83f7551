"""RPC over real sockets on localhost: UDP (with fragmentation and retries), TCP and TLS.

The server is a thread pool: worker threads are created when it starts; a receiving
loop (one thread reading the UDP socket, or one reader per TCP connection) turns bytes into
requests and puts them on a queue; an idle worker takes each, de-duplicates it if the policy
says so, calls the skeleton, and sends the reply. The client channels are blocking: the
generated stub's call waits for the reply. Over UDP a channel retransmits per its ``Policy``;
``loss`` makes the server drop that fraction of incoming datagrams (seeded), to see retries work.

TCP frames each message with a 32-bit length (network byte order). TLS is TCP wrapped by
Python's ``ssl`` module: the same frames, encrypted.
"""

from __future__ import annotations

import queue
import random
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any

from histcheck.errors import HistcheckError
from histcheck.recorders.trace import TraceRecorder
from histcheck.systems.rpc import wire
from histcheck.systems.rpc.fragment import Reassembler, fragment
from histcheck.systems.rpc.retry import IN_PROGRESS, DedupTable, Policy

HOST = "127.0.0.1"
_LENGTH = struct.Struct("!I")
Respond = Callable[[bytes], None]


class RpcTimeout(HistcheckError):
    """No reply within the policy's attempts: the call may or may not have executed."""


class WorkerPool:
    """Worker threads fed by a queue; executes requests through a skeleton."""

    def __init__(self, skeleton: Any, policy: Policy, *, workers: int = 4,
                 trace: TraceRecorder | None = None, name: str = "server") -> None:
        self.skeleton, self.policy, self.trace, self.name = skeleton, policy, trace, name
        self.dedup = DedupTable()
        self.queue: queue.Queue[tuple[wire.Request, Respond] | None] = queue.Queue()
        self.executions = 0
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._work, daemon=True) for _ in range(workers)]

    def start(self) -> None:
        for thread in self._threads:
            thread.start()

    def stop(self) -> None:
        for _ in self._threads:
            self.queue.put(None)
        for thread in self._threads:
            thread.join(timeout=5)

    def _work(self) -> None:
        while (item := self.queue.get()) is not None:
            request, respond = item
            if self.policy.dedup:
                remembered = self.dedup.begin(request.key)
                if remembered == IN_PROGRESS:
                    continue
                if remembered is not None:
                    respond(remembered)
                    continue
            with self._lock:
                self.executions += 1
            if self.trace:
                self.trace.execute(self.name, f"c{request.client}-{request.seq}")
            try:
                reply = wire.Reply(request.client, request.seq, wire.OK,
                                   self.skeleton.dispatch(request.method, request.payload))
            except Exception as exc:  # a failing call is reported to the client
                reply = wire.Reply(request.client, request.seq, wire.ERROR, str(exc).encode())
            data = reply.encode()
            if self.policy.dedup:
                self.dedup.finish(request.key, data)
            respond(data)


class UdpServer:
    """A UDP socket on localhost, a receiving loop, and a worker pool."""

    def __init__(self, pool: WorkerPool, *, mtu: int = 512, loss: float = 0.0,
                 seed: int = 0) -> None:
        self.pool, self.mtu, self.loss = pool, mtu, loss
        self.rng = random.Random(seed)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((HOST, 0))
        self.sock.settimeout(0.05)
        self.address: tuple[str, int] = self.sock.getsockname()
        self.dropped = 0
        self._running = True
        self._sent = 0
        self._send_lock = threading.Lock()
        self._loop = threading.Thread(target=self._receive_loop, daemon=True)

    def __enter__(self) -> UdpServer:
        self.pool.start()
        self._loop.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._running = False
        self._loop.join(timeout=5)
        self.pool.stop()
        self.sock.close()

    def _receive_loop(self) -> None:
        reassembler = Reassembler()
        while self._running:
            try:
                data, addr = self.sock.recvfrom(65536)
            except TimeoutError:
                continue
            if self.loss and self.rng.random() < self.loss:
                self.dropped += 1
                continue
            done = reassembler.accept(addr, data)
            if done is not None:
                request = wire.decode(done[1])
                if isinstance(request, wire.Request):
                    self.pool.queue.put((request, partial(self._reply, addr)))

    def _reply(self, addr: tuple[str, int], data: bytes) -> None:
        with self._send_lock:
            self._sent += 1
            for piece in fragment(self._sent, data, self.mtu):
                self.sock.sendto(piece, addr)


class _Channel:
    """What the stub calls: ``call(number, name, payload, decode)``; records the trace."""

    def __init__(self, client: int, trace: TraceRecorder | None, name: str) -> None:
        self.client, self.trace, self.name = client, trace, name
        self.seq = 0

    def call(self, number: int, name: str, payload: bytes, decode: Callable[[bytes], Any]) -> Any:
        self.seq += 1
        request = wire.Request(self.client, self.seq, number, payload)
        rid = f"c{self.client}-{self.seq}"
        if self.trace:
            self.trace.request(self.name, rid, "server", name)
        reply = self.exchange(request)
        if self.trace:
            self.trace.ack(self.name, rid)
        if reply.status != wire.OK:
            raise HistcheckError(f"remote error: {reply.payload.decode(errors='replace')}")
        return decode(reply.payload)

    def exchange(self, request: wire.Request) -> wire.Reply:
        raise NotImplementedError


class UdpChannel(_Channel):
    """Blocking calls over UDP, retrying per ``policy`` every ``timeout`` seconds."""

    def __init__(self, server: tuple[str, int], policy: Policy, *, client: int = 1,
                 timeout: float = 0.05, mtu: int = 512, trace: TraceRecorder | None = None,
                 name: str = "client") -> None:
        super().__init__(client, trace, name)
        self.server, self.policy, self.timeout, self.mtu = server, policy, timeout, mtu
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((HOST, 0))
        self.reassembler = Reassembler()
        self.attempts = 0
        self._sent = 0

    def close(self) -> None:
        self.sock.close()

    def exchange(self, request: wire.Request) -> wire.Reply:
        data = request.encode()
        for _ in range(self.policy.attempts):
            self.attempts += 1
            self._sent += 1
            for piece in fragment(self._sent, data, self.mtu):
                self.sock.sendto(piece, self.server)
            deadline = time.monotonic() + self.timeout
            while (left := deadline - time.monotonic()) > 0:
                self.sock.settimeout(left)
                try:
                    raw, addr = self.sock.recvfrom(65536)
                except TimeoutError:
                    break
                done = self.reassembler.accept(addr, raw)
                reply = wire.decode(done[1]) if done else None
                if isinstance(reply, wire.Reply) and reply.key == request.key:
                    return reply
        raise RpcTimeout(f"no reply to request {request.key} after {self.policy.attempts} tries")


def send_frame(sock: socket.socket, data: bytes) -> None:
    sock.sendall(_LENGTH.pack(len(data)) + data)


def recv_frame(sock: socket.socket) -> bytes | None:
    """One length-prefixed frame, or None at end of stream."""
    header = _recv_exactly(sock, _LENGTH.size)
    return None if header is None else _recv_exactly(sock, _LENGTH.unpack(header)[0])


def _recv_exactly(sock: socket.socket, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = sock.recv(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


class TcpServer:
    """TCP (or TLS, given an ``ssl_context``): an accept loop, a reader per connection."""

    def __init__(self, pool: WorkerPool, *, ssl_context: ssl.SSLContext | None = None) -> None:
        self.pool, self.ssl_context = pool, ssl_context
        self.sock = socket.create_server((HOST, 0))
        self.sock.settimeout(0.05)
        self.address: tuple[str, int] = self.sock.getsockname()
        self._running = True
        self._threads: list[threading.Thread] = []
        self._loop = threading.Thread(target=self._accept_loop, daemon=True)

    def __enter__(self) -> TcpServer:
        self.pool.start()
        self._loop.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._running = False
        self._loop.join(timeout=5)
        for thread in self._threads:
            thread.join(timeout=5)
        self.pool.stop()
        self.sock.close()

    def _accept_loop(self) -> None:
        while self._running:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            thread = threading.Thread(target=self._read_loop, args=(conn,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _read_loop(self, raw: socket.socket) -> None:
        try:
            conn = raw
            if self.ssl_context is not None:
                raw.settimeout(5)
                conn = self.ssl_context.wrap_socket(raw, server_side=True)
            conn.settimeout(0.05)
            lock = threading.Lock()

            def respond(data: bytes) -> None:
                with lock:
                    send_frame(conn, data)

            while self._running:
                try:
                    frame = recv_frame(conn)
                except TimeoutError:
                    continue
                if frame is None:
                    break
                request = wire.decode(frame)
                if isinstance(request, wire.Request):
                    self.pool.queue.put((request, respond))
        except (OSError, ssl.SSLError):
            pass
        finally:
            raw.close()


class TcpChannel(_Channel):
    """Blocking calls over one TCP (or TLS) connection; the stream is already reliable."""

    def __init__(self, server: tuple[str, int], *, client: int = 1, timeout: float = 5.0,
                 ssl_context: ssl.SSLContext | None = None, trace: TraceRecorder | None = None,
                 name: str = "client") -> None:
        super().__init__(client, trace, name)
        sock = socket.create_connection(server, timeout=timeout)
        self.sock = ssl_context.wrap_socket(sock, server_hostname="localhost") \
            if ssl_context else sock

    def close(self) -> None:
        self.sock.close()

    def exchange(self, request: wire.Request) -> wire.Reply:
        send_frame(self.sock, request.encode())
        frame = recv_frame(self.sock)
        reply = wire.decode(frame) if frame is not None else None
        if not isinstance(reply, wire.Reply) or reply.key != request.key:
            raise RpcTimeout(f"connection closed before the reply to {request.key}")
        return reply
