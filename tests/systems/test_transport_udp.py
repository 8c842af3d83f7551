"""The reliable transport's ``Connection`` over real UDP sockets on 127.0.0.1.

Localhost hardly ever drops a datagram, so each endpoint injects seeded loss, duplication and
reordering into what it sends; everything else (sockets, threads, timers, clock) is real.
"""

from __future__ import annotations

import time

import pytest

from histcheck.errors import HistcheckError
from histcheck.systems.transport import NoRetransmitConnection
from histcheck.systems.transport.reliable import ACK, DATA
from histcheck.systems.transport.udp import UdpTransport

pytestmark = pytest.mark.timeout(30)


def payloads(prefix: str, count: int) -> list[bytes]:
    return [f"{prefix}{i}".encode() for i in range(count)]


def drain(end: UdpTransport, count: int, wait: float = 1.0) -> list[bytes]:
    """Up to ``count`` payloads, then whatever else arrives within 50 ms (there should be none)."""
    out = []
    for _ in range(count):
        payload = end.receive(timeout=wait)
        if payload is None:
            break
        out.append(payload)
    while (extra := end.receive(timeout=0.05)) is not None:
        out.append(extra)
    return out


def test_exchange_in_order_exactly_once_under_loss_duplication_and_reordering() -> None:
    count = 150  # each way: 300 messages
    start = time.monotonic()
    with UdpTransport.pair(seed=1, loss=0.3, duplicate=0.1, reorder=0.2) as (a, b):
        for ours, theirs in zip(payloads("a", count), payloads("b", count), strict=True):
            a.send(ours)
            b.send(theirs)
        assert a.wait_idle(timeout=8) and b.wait_idle(timeout=8)
        assert drain(b, count) == payloads("a", count)
        assert drain(a, count) == payloads("b", count)
    elapsed = time.monotonic() - start
    for end in (a, b):
        stats, faults = end.connection.stats, end.impairment
        assert faults.lost > 0.2 * stats.sent and faults.duplicated > 0 and faults.held > 0
        assert stats.retransmissions > 0  # the only way past a lost segment
        assert stats.duplicates > 0 and stats.buffered > 0  # suppressed and held back
        assert stats.delivered == count
        assert end.connection.rtt.samples > 0
    assert elapsed < 9


def test_window_bounds_unacknowledged_segments_seen_on_the_wire() -> None:
    """Read from the datagrams alone: new sequence numbers sent minus the cumulative ack."""
    window, count = 4, 200
    next_new, acked, peak = 0, 0, 0

    def tap(direction: str, datagram: bytes) -> None:
        nonlocal next_new, acked, peak
        number = int.from_bytes(datagram[1:5], "big")
        if direction == "out" and datagram[0] == DATA:
            next_new = max(next_new, number + 1)
        elif direction == "in" and datagram[0] == ACK:
            acked = max(acked, number)
        peak = max(peak, next_new - acked)

    with UdpTransport.pair(seed=2, loss=0.2, reorder=0.2, window=window) as (a, b):
        a.tap = tap
        for payload in payloads("m", count):
            a.send(payload)
        assert a.wait_idle(timeout=8)
        assert drain(b, count) == payloads("m", count)
    assert next_new == acked == count
    assert peak == window == a.connection.stats.peak_in_flight
    assert a.connection.stats.retransmissions > 0


def one_by_one(a: UdpTransport, count: int) -> None:
    for payload in payloads("r", count):
        a.send(payload)
        assert a.wait_idle(timeout=2)


def test_rtt_estimate_is_measured_from_real_round_trips() -> None:
    """10 ms of injected latency each way must show up as about 20 ms of smoothed RTT."""
    with UdpTransport.pair() as (fast, _):
        one_by_one(fast, 20)
    with UdpTransport.pair(delay=0.01) as (slow, _):
        one_by_one(slow, 20)
    fast_srtt, slow_srtt = fast.connection.rtt.srtt, slow.connection.rtt.srtt
    assert fast_srtt is not None and slow_srtt is not None
    assert fast.connection.rtt.samples == 20 and slow.connection.rtt.samples >= 15
    assert fast_srtt < 10_000  # microseconds; a localhost round trip is ~0.1 ms
    assert 20_000 <= slow_srtt < 60_000
    assert slow.connection.rtt.rto >= slow_srtt  # the timeout follows the measurement


def test_without_retransmission_real_loss_is_permanent() -> None:
    count = 50
    with UdpTransport.pair(seed=3, loss=0.3, connection_class=NoRetransmitConnection) as (a, b):
        for payload in payloads("x", count):
            a.send(payload)
        assert not a.wait_idle(timeout=0.3)
        received = drain(b, count, wait=0.1)
    assert len(received) < count
    assert received == payloads("x", len(received))  # what does arrive is still in order


def test_close_stops_the_loop_and_closes_the_socket() -> None:
    end = UdpTransport()
    end.connect(("127.0.0.1", 9))  # never sent to: closed before anything is queued
    end.close()
    end.close()  # idempotent
    assert end.sock.fileno() == -1
    with pytest.raises(HistcheckError, match="closed"):
        end.send(b"late")
