"""The reliable transport over a real UDP socket on localhost.

``Connection`` (``reliable.py``) is sans-I/O: it asks an ``Environment`` for the time, to emit a
datagram, to hand a payload up and to set a timer. ``simulated.py`` answers with virtual time and
the simulated network; ``UdpTransport`` answers with the real thing:

- time is ``time.monotonic_ns()`` in microseconds, so the round-trip times the Jacobson/Karels
  estimator samples are measured on the wire, scheduling delays included;
- ``emit`` is ``sendto`` on a UDP socket bound to 127.0.0.1 (through an optional ``Impairment``
  that loses, duplicates, delays and reorders datagrams, seeded, so retransmission is exercised
  although localhost rarely drops anything);
- ``deliver`` puts the payload on a queue that ``receive`` reads;
- timers live on a heap kept by one *event-loop thread*, which also reads the socket.

The loop waits in ``select`` on the socket for at most the time until the next timer is due,
then fires due timers and feeds arrived datagrams to the connection. A caller's ``send`` runs in
its own thread, and may set an earlier timer than the one the loop is waiting for, so it wakes
the loop through a socket pair (the self-pipe trick): one byte written to one end makes the other
end readable. One lock serialises every call into the ``Connection``, which is not thread-safe;
a condition on that lock lets ``wait_idle`` block until everything sent was acknowledged.

Typical use::

    with UdpTransport.pair(loss=0.3, seed=1) as (a, b):
        a.send(b"hello")
        assert b.receive(timeout=1.0) == b"hello"
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import queue
import random
import select
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

from histcheck.errors import HistcheckError
from histcheck.systems.rpc.sockets import HOST
from histcheck.systems.transport.reliable import Connection, RttEstimator

Address = tuple[str, int]
Tap = Callable[[str, bytes], None]
_MAX_WAIT = 0.5  # seconds the loop sleeps with no timer pending (a wake-up cuts it short)


@dataclass(slots=True)
class Impairment:
    """What the network does to outgoing datagrams, drawn from ``random.Random(seed)``.

    Each datagram is lost with probability ``loss``; otherwise it is sent after ``delay``
    seconds, held back a further random time up to ``max_hold`` with probability ``reorder``
    (so later datagrams overtake it), and sent a second time with probability ``duplicate``.
    """

    loss: float = 0.0
    duplicate: float = 0.0
    reorder: float = 0.0
    delay: float = 0.0
    max_hold: float = 0.005
    seed: int = 0
    rng: random.Random = field(init=False, repr=False)
    lost: int = 0
    duplicated: int = 0
    held: int = 0

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def copies(self) -> list[float]:
        """The delays (seconds) after which to send a datagram: none if lost, two if duplicated."""
        if self.rng.random() < self.loss:
            self.lost += 1
            return []
        out = [self.delay]
        if self.rng.random() < self.duplicate:
            self.duplicated += 1
            out.append(self.delay)
        for i, delay in enumerate(out):
            if self.rng.random() < self.reorder:
                self.held += 1
                out[i] = delay + self.rng.uniform(0, self.max_hold)
        return out


class _Timer:
    """A heap entry; ``cancel`` only marks it, the loop discards it when it comes due."""

    __slots__ = ("callback", "cancelled")

    def __init__(self, callback: Callable[[], None]) -> None:
        self.callback, self.cancelled = callback, False

    def cancel(self) -> None:
        self.cancelled = True


class UdpTransport:
    """A reliable, in-order channel to one peer over a UDP socket on 127.0.0.1.

    Create two, ``connect`` each to the other's ``address`` (or use ``pair``), then ``send``
    and ``receive`` bytes. ``connection.stats`` and ``connection.rtt`` show retransmissions,
    duplicates, hold-back and the measured round-trip time; ``impairment`` counts what the
    injected faults did; ``tap(direction, datagram)``, if set, sees every datagram the
    connection emits ("out", before impairment) or is given ("in"), in the loop's order.

    The retransmission timeout starts at ``initial_rto`` and backs off to at most ``max_rto``
    (seconds). The estimator's own defaults (100 ms, 2 s) suit the simulator's millisecond
    links; a localhost round trip takes about 0.1 ms, and once measured the timeout falls to
    the estimator's 2 ms floor. The cap matters under heavy loss: with 30% loss each way a
    retransmission and its ack both survive only about half the time, so doubling the timeout
    on each failure grows it faster than failures stop, and only the cap bounds the wait.
    """

    def __init__(self, *, window: int = 8, capacity: int = 16,
                 connection_class: type[Connection] = Connection,
                 impairment: Impairment | None = None, tap: Tap | None = None,
                 initial_rto: float = 0.02, max_rto: float = 0.05) -> None:
        self.impairment = impairment or Impairment()
        self.tap = tap
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((HOST, 0))
        self.sock.setblocking(False)
        self.address: Address = self.sock.getsockname()
        self.peer: Address | None = None
        self.strangers = 0  # datagrams from anyone but the peer, ignored
        self.send_errors = 0
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._timers: list[tuple[int, int, _Timer]] = []
        self._order = itertools.count()
        self._inbox: queue.Queue[bytes] = queue.Queue()
        self._running = True
        self._closed = False
        rtt = RttEstimator(rto=int(initial_rto * 1_000_000), max_rto=int(max_rto * 1_000_000))
        self.connection = connection_class(self, window=window, capacity=capacity, rtt=rtt)
        self._thread = threading.Thread(target=self._loop, name="udp-transport", daemon=True)
        self._thread.start()

    @classmethod
    def pair(cls, *, seed: int = 0, loss: float = 0.0, duplicate: float = 0.0,
             reorder: float = 0.0, delay: float = 0.0, window: int = 8, capacity: int = 16,
             connection_class: type[Connection] = Connection) -> TransportPair:
        """Two connected endpoints, each impairing what it sends (seeds ``seed``, ``seed+1``)."""
        ends = [cls(window=window, capacity=capacity, connection_class=connection_class,
                    impairment=Impairment(loss, duplicate, reorder, delay, seed=seed + i))
                for i in range(2)]
        ends[0].connect(ends[1].address)
        ends[1].connect(ends[0].address)
        return TransportPair(ends[0], ends[1])

    def connect(self, peer: Address) -> None:
        self.peer = peer

    # -- the application's side ------------------------------------------------------------
    def send(self, payload: bytes) -> None:
        """Queue ``payload``; it is sent when the window allows and resent until acknowledged."""
        if self.peer is None or self._closed:
            raise HistcheckError("send on a transport that is not connected or is closed")
        with self._lock:
            self.connection.send(payload)

    def receive(self, timeout: float) -> bytes | None:
        """The next payload from the peer in send order, or None after ``timeout`` seconds."""
        try:
            return self._inbox.get(timeout=timeout)
        except queue.Empty:
            return None

    def wait_idle(self, timeout: float) -> bool:
        """Block until everything sent was acknowledged (True) or ``timeout`` seconds pass."""
        with self._changed:
            return self._changed.wait_for(lambda: self.connection.idle, timeout)

    def close(self) -> None:
        """Stop the loop thread and close the sockets; unacknowledged data is abandoned."""
        if self._closed:
            return
        self._closed = True
        with self._lock:
            self._running = False
        self._wake()
        self._thread.join(timeout=5)
        for sock in (self.sock, self._wake_r, self._wake_w):
            sock.close()

    def __enter__(self) -> UdpTransport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the Environment the Connection calls (always with the lock held) --------------------
    def now(self) -> int:
        return time.monotonic_ns() // 1000

    def emit(self, datagram: bytes) -> None:
        if self.tap is not None:
            self.tap("out", datagram)
        for delay in self.impairment.copies():
            if delay > 0:
                self.set_timer(int(delay * 1_000_000), partial(self._sendto, datagram))
            else:
                self._sendto(datagram)

    def deliver(self, payload: bytes) -> None:
        self._inbox.put(payload)

    def set_timer(self, delay: int, callback: Callable[[], None]) -> _Timer:
        timer = _Timer(callback)
        heapq.heappush(self._timers, (self.now() + delay, next(self._order), timer))
        if threading.current_thread() is not self._thread:
            self._wake()  # the loop may be sleeping past this new deadline
        return timer

    # -- the event loop ------------------------------------------------------------------------
    def _sendto(self, datagram: bytes) -> None:
        if self.peer is None or not self._running:
            return
        try:
            self.sock.sendto(datagram, self.peer)
        except OSError:
            self.send_errors += 1  # a full buffer is just another lost datagram

    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # a full buffer: the loop is awake already
            self._wake_w.send(b"\0")

    def _loop(self) -> None:
        while True:
            with self._lock:
                if not self._running:
                    return
                self._fire_due_timers()
                wait = _MAX_WAIT
                if self._timers:
                    wait = min(wait, max(0.0, (self._timers[0][0] - self.now()) / 1_000_000))
            readable, _, _ = select.select([self.sock, self._wake_r], [], [], wait)
            if self._wake_r in readable:
                self._drain(self._wake_r)
            if self.sock in readable:
                self._read_datagrams()

    def _fire_due_timers(self) -> None:
        now = self.now()
        while self._timers and self._timers[0][0] <= now:
            _, _, timer = heapq.heappop(self._timers)
            if not timer.cancelled:
                timer.callback()
        self._changed.notify_all()

    def _read_datagrams(self) -> None:
        while True:
            try:
                datagram, source = self.sock.recvfrom(65536)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                self.send_errors += 1  # e.g. an ICMP error reported for an earlier send
                return
            if source != self.peer:
                self.strangers += 1
                continue
            with self._lock:
                if self.tap is not None:
                    self.tap("in", datagram)
                self.connection.on_datagram(datagram)
                self._changed.notify_all()

    @staticmethod
    def _drain(sock: socket.socket) -> None:
        with contextlib.suppress(BlockingIOError, InterruptedError):
            while sock.recv(4096):
                pass


@dataclass(frozen=True, slots=True)
class TransportPair:
    """Two connected ``UdpTransport`` endpoints, closed together by ``with``."""

    a: UdpTransport
    b: UdpTransport

    def __enter__(self) -> tuple[UdpTransport, UdpTransport]:
        return self.a, self.b

    def __exit__(self, *exc: object) -> None:
        self.a.close()
        self.b.close()
