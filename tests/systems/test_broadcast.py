"""The broadcast protocols keep their promises, and the buggy ones break them."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from histcheck.systems.broadcast import run_broadcast
from histcheck.systems.sim import MS, Crash, NetworkModel, SystemModel, TimingModel
from tests.systems import oracles

Oracle = Callable[[oracles.Events], list[str]]
NAMES = ["n1", "n2", "n3", "n4"]
ASYNC = SystemModel(NetworkModel(), timing=TimingModel("asynchronous"))

PROMISES: dict[str, list[Oracle]] = {
    "reliable": [],
    "fifo": [oracles.fifo],
    "causal": [oracles.fifo, oracles.causal],
    "sequencer": [oracles.total],
    "lamport": [oracles.total, oracles.fifo],
    "fifo-sequencer": [oracles.total, oracles.fifo],
}
BUGS: dict[str, Oracle] = {
    "fifo-no-holdback": oracles.fifo,
    "causal-no-deps": oracles.causal,
    "two-sequencers": oracles.total,
}


@pytest.mark.parametrize("protocol", sorted(PROMISES))
@pytest.mark.parametrize("model", [None, ASYNC], ids=["sync", "async"])
def test_correct_protocols_keep_their_promise(protocol: str, model: SystemModel | None) -> None:
    for seed in range(8):
        events = run_broadcast(protocol, seed=seed, model=model).trace.events
        assert oracles.reliable(events, NAMES) == []
        for check in PROMISES[protocol]:
            assert check(events) == [], (protocol, seed)


@pytest.mark.parametrize("protocol", sorted(BUGS))
def test_buggy_protocols_are_caught_on_an_early_seed(protocol: str) -> None:
    caught = [seed for seed in range(5)
              if BUGS[protocol](run_broadcast(protocol, seed=seed).trace.events)]
    assert caught


def test_eager_relay_survives_a_sender_crash() -> None:
    # n1 crashes 1 ms after its first broadcast: some peers hear it only through relays.
    for seed in range(10):
        sim = run_broadcast("reliable", seed=seed, messages=3,
                            faults=(Crash("n1", 2 * MS),), model=ASYNC)
        assert oracles.reliable(sim.trace.events, NAMES) == []


def test_causal_without_relay_order_is_caught_by_the_vector_clock_oracle() -> None:
    # The oracle itself can fail: a hand-made trace delivering an effect before its cause.
    events = [
        {"node": "a", "type": "broadcast", "msg": "a.1", "vc": {"a": 1}},
        {"node": "b", "type": "deliver", "msg": "a.1", "vc": {"a": 1, "b": 1}},
        {"node": "b", "type": "broadcast", "msg": "b.1", "vc": {"a": 1, "b": 2}},
        {"node": "c", "type": "deliver", "msg": "b.1", "vc": {"a": 1, "b": 2, "c": 1}},
        {"node": "c", "type": "deliver", "msg": "a.1", "vc": {"a": 1, "b": 2, "c": 2}},
    ]
    assert oracles.causal(events) == ["c delivered b.1 before its cause a.1"]


def test_same_seed_same_trace() -> None:
    first = run_broadcast("causal", seed=3, model=ASYNC).trace.to_bytes()
    assert first == run_broadcast("causal", seed=3, model=ASYNC).trace.to_bytes()
