"""The deterministic simulator: virtual time, system models, nodes, faults."""

from histcheck.systems.sim.core import Simulator, Stats, Timer
from histcheck.systems.sim.faults import (
    Crash,
    Fault,
    Partition,
    Recover,
    parse_fault,
    random_faults,
)
from histcheck.systems.sim.models import MS, NS_PER_TICK, NetworkModel, SystemModel, TimingModel
from histcheck.systems.sim.node import Node, StableStorage

__all__ = [
    "MS",
    "NS_PER_TICK",
    "Crash",
    "Fault",
    "NetworkModel",
    "Node",
    "Partition",
    "Recover",
    "Simulator",
    "StableStorage",
    "Stats",
    "SystemModel",
    "Timer",
    "TimingModel",
    "parse_fault",
    "random_faults",
]
