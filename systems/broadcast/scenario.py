"""Run a broadcast protocol in the simulator with a random workload.

Each of ``nodes`` nodes broadcasts ``messages`` messages at times drawn uniformly from
``[0, horizon]``; the run continues until the network is quiet. Traces record ``broadcast`` and
``deliver`` (and, with ``links=True``, every network ``send``/``recv`` too).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from histcheck.systems.broadcast.base import BroadcastNode
from histcheck.systems.broadcast.reliable import (
    Causal,
    CausalIgnoringDependencies,
    EagerReliable,
    Fifo,
    FifoWithoutHoldBack,
)
from histcheck.systems.broadcast.total import FifoSequencer, LamportTotal, Sequencer, TwoSequencers
from histcheck.systems.sim.core import Simulator
from histcheck.systems.sim.faults import Fault
from histcheck.systems.sim.models import MS, SystemModel

PROTOCOLS: dict[str, Callable[[str], BroadcastNode]] = {
    "reliable": EagerReliable,
    "fifo": Fifo,
    "fifo-no-holdback": FifoWithoutHoldBack,
    "causal": Causal,
    "causal-no-deps": CausalIgnoringDependencies,
    "sequencer": Sequencer,
    "lamport": LamportTotal,
    "fifo-sequencer": FifoSequencer,
    "two-sequencers": TwoSequencers,
}


def _broadcast(sim: Simulator, name: str, body: str) -> None:
    node = sim.node(name)
    assert isinstance(node, BroadcastNode)
    node.broadcast(body)


def run_broadcast(protocol: str, *, seed: int, nodes: int = 4, messages: int = 5,
                  model: SystemModel | None = None, faults: tuple[Fault, ...] = (),
                  horizon: int = 100 * MS, links: bool = False) -> Simulator:
    sim = Simulator(seed, model, faults)
    sim.network.record_links = links
    names = [f"n{i}" for i in range(1, nodes + 1)]
    for name in names:
        sim.add_node(name, PROTOCOLS[protocol])
    for name in names:
        for k in range(messages):
            sim.schedule(sim.rng.randint(0, horizon), partial(_broadcast, sim, name, f"{name}:{k}"),
                         node=name)
    sim.run()
    return sim
