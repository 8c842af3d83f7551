"""The broadcast hierarchy: reliable, FIFO, causal, total order, FIFO-total order.

``PROTOCOLS`` names each node class (the buggy ones included); ``run_broadcast`` runs one of
them in the simulator with a random workload and returns the simulator, whose trace holds the
``broadcast`` and ``deliver`` events.
"""

from histcheck.systems.broadcast.base import BroadcastNode, FifoLink, Message
from histcheck.systems.broadcast.reliable import (
    Causal,
    CausalIgnoringDependencies,
    EagerReliable,
    Fifo,
    FifoWithoutHoldBack,
)
from histcheck.systems.broadcast.scenario import PROTOCOLS, run_broadcast
from histcheck.systems.broadcast.total import FifoSequencer, LamportTotal, Sequencer, TwoSequencers

__all__ = [
    "PROTOCOLS",
    "BroadcastNode",
    "Causal",
    "CausalIgnoringDependencies",
    "EagerReliable",
    "Fifo",
    "FifoLink",
    "FifoSequencer",
    "FifoWithoutHoldBack",
    "LamportTotal",
    "Message",
    "Sequencer",
    "TwoSequencers",
    "run_broadcast",
]
