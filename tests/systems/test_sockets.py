"""The same stubs, marshaling, fragmentation and retry code over real localhost sockets."""

from __future__ import annotations

import threading
from collections import Counter
from pathlib import Path

import pytest

from histcheck.recorders import MonotonicClock, TraceRecorder
from histcheck.systems.rpc.retry import Policy
from histcheck.systems.rpc.simulated import STUBS, StoreImpl
from histcheck.systems.rpc.sockets import (
    RpcTimeout,
    TcpChannel,
    TcpServer,
    UdpChannel,
    UdpServer,
    WorkerPool,
)

pytestmark = pytest.mark.timeout(60)


def pool(semantics: str, trace: TraceRecorder | None = None) -> WorkerPool:
    impl = StoreImpl()
    return WorkerPool(STUBS.StoreSkeleton(impl), Policy.named(semantics), workers=4, trace=trace)


def test_udp_rpc_with_loss_retries_and_exactly_once_dedups() -> None:
    trace = TraceRecorder(MonotonicClock())
    with UdpServer(pool("exactly-once", trace), loss=0.3, seed=1, mtu=256) as server:
        channel = UdpChannel(server.address, Policy.named("exactly-once"), timeout=0.03,
                             mtu=256, trace=trace)
        stub = STUBS.StoreClient(channel)
        results = [stub.add(1) for _ in range(30)]
        assert stub.append("y" * 3000) == 3000  # 12 fragments each way
        channel.close()
    assert results == list(range(1, 31))
    assert server.dropped > 0 and channel.attempts > 31
    executed = Counter(e["rpc"] for e in trace.events if e["type"] == "execute")
    assert set(executed.values()) == {1}


def test_udp_at_least_once_may_execute_twice_and_at_most_once_gives_up() -> None:
    with UdpServer(pool("at-least-once"), loss=0.4, seed=2) as server:
        channel = UdpChannel(server.address, Policy.named("at-least-once"), timeout=0.02)
        stub = STUBS.StoreClient(channel)
        for _ in range(30):
            stub.add(1)
        total = stub.sum()
        channel.close()
    assert total >= 30 and server.pool.executions >= 31
    with UdpServer(pool("at-most-once"), loss=1.0) as server:
        channel = UdpChannel(server.address, Policy.named("at-most-once"), timeout=0.02)
        with pytest.raises(RpcTimeout):
            STUBS.StoreClient(channel).add(1)
        channel.close()
    assert channel.attempts == 1


def test_tcp_server_with_worker_pool_serves_concurrent_clients() -> None:
    with TcpServer(pool("at-most-once")) as server:
        errors: list[BaseException] = []

        def client(number: int) -> None:
            try:
                channel = TcpChannel(server.address, client=number)
                stub = STUBS.StoreClient(channel)
                for _ in range(25):
                    stub.add(1)
                channel.close()
            except BaseException as exc:  # reported to the main thread
                errors.append(exc)

        threads = [threading.Thread(target=client, args=(n,)) for n in range(1, 5)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        check = TcpChannel(server.address, client=9)
        total = STUBS.StoreClient(check).sum()
        check.close()
    assert errors == [] and total == 100


def test_tls_round_trip(tmp_path: Path) -> None:
    pytest.importorskip("cryptography", reason="the cryptography package makes the test "
                        "certificate")
    from histcheck.systems.rpc.tls import contexts, self_signed

    server_context, client_context = contexts(*self_signed(tmp_path))
    with TcpServer(pool("exactly-once"), ssl_context=server_context) as server:
        channel = TcpChannel(server.address, ssl_context=client_context)
        stub = STUBS.StoreClient(channel)
        assert stub.add(5) == 5
        assert stub.append("z" * 100_000) == 100_000
        assert channel.sock.version() is not None  # type: ignore[attr-defined]
        channel.close()
