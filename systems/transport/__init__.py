"""Reliable transport: acks, adaptive timeouts, sequence numbers, ordering, flow control."""

from histcheck.systems.transport.reliable import (
    Connection,
    Environment,
    NoRetransmitConnection,
    RttEstimator,
    UnorderedConnection,
)
from histcheck.systems.transport.simulated import TransportNode, run_channel

__all__ = [
    "Connection",
    "Environment",
    "NoRetransmitConnection",
    "RttEstimator",
    "TransportNode",
    "UnorderedConnection",
    "run_channel",
]
