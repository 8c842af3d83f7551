"""Reliable, in-order transport over a network that loses, duplicates and reorders datagrams.

TCP's scheme, simplified, written without I/O so that the same code runs in
the simulator and over a real UDP socket: the caller feeds datagrams in (``on_datagram``) and
provides an ``Environment`` to send datagrams out, hand payloads up and set timers.

- Sequence numbers: the sender numbers its messages 0, 1, 2, ... The receiver knows it has seen
  everything before ``expected``. A segment numbered K: K < expected is a duplicate (ignored,
  re-acknowledged); K == expected is delivered, then any buffered successors; K > expected is
  buffered (early) so messages are delivered in order.
- Acknowledgements: every data segment is answered by a cumulative ack ``expected`` (all before
  it arrived) and the receiver's free buffer space (its advertised window).
- Flow control: the sender never has more unacknowledged segments than ``min(window, advertised
  window)``; the rest wait in a queue.
- Adaptive timeouts (Jacobson/Karels): smoothed round-trip time ``srtt`` and deviation ``rttvar``
  from acked segments; timeout = srtt + 4 rttvar, doubled on every expiry. On a timeout the
  oldest unacknowledged segment is sent again. Karn's rule: a retransmitted segment gives no
  sample (which copy was acked?). With cumulative acks neither does any segment sent before a
  retransmission and acked after it: it may have sat in the receiver's buffer behind the hole,
  and its "round trip" would include the wait (over real UDP this inflated srtt to seconds).
  Under heavy loss clean samples are rare, so an ack of new data also undoes the backoff
  (``RttEstimator.restore``): the path delivers again, and the doubled timeout reflected losses,
  not a longer round trip. Without it one lossy stretch left the timeout at its maximum.

Segment format (network byte order): DATA = kind 1, seq (32 bits), payload; ACK = kind 2,
next expected seq (32 bits), window (16 bits).
"""

from __future__ import annotations

import struct
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

_DATA = struct.Struct("!BI")
_ACK = struct.Struct("!BIH")
DATA, ACK = 1, 2


class Cancellable(Protocol):
    def cancel(self) -> None: ...


class Environment(Protocol):
    """What a connection needs from its surroundings (virtual or real)."""

    def now(self) -> int: ...
    def emit(self, datagram: bytes) -> None: ...
    def deliver(self, payload: bytes) -> None: ...
    def set_timer(self, delay: int, callback: Callable[[], None]) -> Cancellable: ...


@dataclass(slots=True)
class RttEstimator:
    """Jacobson/Karels round-trip estimation, in microseconds."""

    rto: int = 100_000
    min_rto: int = 2_000
    max_rto: int = 2_000_000
    srtt: float | None = None
    rttvar: float = 0.0
    samples: int = 0

    def sample(self, rtt: int) -> None:
        self.samples += 1
        if self.srtt is None:
            self.srtt, self.rttvar = float(rtt), rtt / 2
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - rtt)
            self.srtt = 0.875 * self.srtt + 0.125 * rtt
        self.restore()

    def backoff(self) -> None:
        self.rto = min(self.max_rto, self.rto * 2)

    def restore(self) -> None:
        """Undo backoff: the timeout the samples so far give.

        Without a sample nothing changes: the first guess may be shorter than the round trip,
        and only a measurement may bring the backed-off timeout down (Karn).
        """
        if self.srtt is not None:
            self.rto = int(min(self.max_rto, max(self.min_rto, self.srtt + 4 * self.rttvar)))


@dataclass(slots=True)
class _Outstanding:
    payload: bytes
    sent_at: int
    epoch: int  # retransmissions made before it was sent; unchanged at its ack = clean sample


@dataclass(slots=True)
class TransportStats:
    sent: int = 0
    retransmissions: int = 0
    duplicates: int = 0
    buffered: int = 0
    delivered: int = 0
    dropped_beyond_window: int = 0
    peak_in_flight: int = 0  # most segments ever unacknowledged at once (<= the window)


class Connection:
    """One direction-pair of a reliable channel to one peer (both sender and receiver)."""

    in_order = True
    retransmit = True

    def __init__(self, env: Environment, *, window: int = 8, capacity: int = 16,
                 rtt: RttEstimator | None = None) -> None:
        self.env = env
        self.window, self.capacity = window, capacity
        self.rtt = rtt or RttEstimator()
        self.stats = TransportStats()
        self._queue: deque[bytes] = deque()
        self._unacked: dict[int, _Outstanding] = {}
        self._next_seq = 0
        self._peer_window = capacity
        self._timer: Cancellable | None = None
        self._expected = 0
        self._early: dict[int, bytes] = {}

    # -- sending -------------------------------------------------------------------------------
    def send(self, payload: bytes) -> None:
        self._queue.append(payload)
        self._fill()

    @property
    def idle(self) -> bool:
        return not self._queue and not self._unacked

    def _fill(self) -> None:
        limit = max(1, min(self.window, self._peer_window))
        while self._queue and len(self._unacked) < limit:
            seq, payload = self._next_seq, self._queue.popleft()
            self._next_seq += 1
            self._unacked[seq] = _Outstanding(payload, self.env.now(), self.stats.retransmissions)
            self.stats.sent += 1
            self.env.emit(_DATA.pack(DATA, seq) + payload)
        self.stats.peak_in_flight = max(self.stats.peak_in_flight, len(self._unacked))
        if self._unacked and self._timer is None:
            self._timer = self.env.set_timer(self.rtt.rto, self._expired)

    def _expired(self) -> None:
        self._timer = None
        if not self._unacked:
            return
        if self.retransmit:
            seq = min(self._unacked)
            out = self._unacked[seq]
            self.stats.retransmissions += 1
            self.env.emit(_DATA.pack(DATA, seq) + out.payload)
            self.rtt.backoff()
            self._timer = self.env.set_timer(self.rtt.rto, self._expired)

    def _on_ack(self, ack: int, window: int) -> None:
        self._peer_window = window
        now = self.env.now()
        acked = [s for s in self._unacked if s < ack]
        for seq in acked:
            out = self._unacked.pop(seq)
            if out.epoch == self.stats.retransmissions:
                self.rtt.sample(now - out.sent_at)
        if acked:
            self.rtt.restore()
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._fill()
        if self._unacked and self._timer is None:
            self._timer = self.env.set_timer(self.rtt.rto, self._expired)

    # -- receiving -----------------------------------------------------------------------------
    def on_datagram(self, datagram: bytes) -> None:
        if datagram and datagram[0] == ACK and len(datagram) == _ACK.size:
            _, ack, window = _ACK.unpack(datagram)
            self._on_ack(ack, window)
        elif datagram and datagram[0] == DATA and len(datagram) >= _DATA.size:
            _, seq = _DATA.unpack_from(datagram)
            self._on_data(seq, datagram[_DATA.size:])

    def _on_data(self, seq: int, payload: bytes) -> None:
        if seq < self._expected or seq in self._early:
            self.stats.duplicates += 1
        elif seq == self._expected or not self.in_order:
            if seq == self._expected:
                self._expected += 1
            else:
                self._early[seq] = b""  # remembered only to suppress duplicates
            self._hand_up(payload)
            while self._expected in self._early:
                payload = self._early.pop(self._expected)
                self._expected += 1
                if self.in_order:
                    self._hand_up(payload)
        elif seq < self._expected + self.capacity:
            self._early[seq] = payload
            self.stats.buffered += 1
        else:
            self.stats.dropped_beyond_window += 1
        free = self.capacity - len(self._early)
        self.env.emit(_ACK.pack(ACK, self._expected, max(0, free)))

    def _hand_up(self, payload: bytes) -> None:
        self.stats.delivered += 1
        self.env.deliver(payload)


class UnorderedConnection(Connection):
    """Buggy: hands segments up as they arrive, without the buffer that restores order."""

    in_order = False


class NoRetransmitConnection(Connection):
    """Buggy: never retransmits, so a lost segment is lost for good."""

    retransmit = False
