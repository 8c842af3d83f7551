"""Protocol nodes: message handlers, timers, and stable storage that survives a crash.

Write a protocol by subclassing ``Node``: keep volatile state in ``__init__``, react to messages in
``receive(src, msg)`` (a ``match`` on frozen message dataclasses reads well), start work in
``start()`` and use ``send``, ``set_timer`` and ``storage``. The simulator builds a node from a
factory; after a crash and restart it builds a *fresh* object from the same factory and hands it
the same ``StableStorage``, so memory is really lost and only what was written survives.
``start()`` runs on the first start and after every restart (``self.restarted`` tells which).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import random

    from histcheck.recorders.trace import TraceRecorder
    from histcheck.systems.sim.core import Simulator, Timer


class StableStorage:
    """A node's disk: values are copied on write and read, so memory cannot alias them."""

    def __init__(self) -> None:
        self._data: dict[str, Any] = {}
        self.writes = 0

    def put(self, key: str, value: Any) -> None:
        self._data[key] = copy.deepcopy(value)
        self.writes += 1

    def get(self, key: str, default: Any = None) -> Any:
        return copy.deepcopy(self._data.get(key, default))

    def prefixed(self, prefix: str) -> dict[str, Any]:
        """Every entry whose key starts with ``prefix`` (in the order written first)."""
        return {k: copy.deepcopy(v) for k, v in self._data.items() if k.startswith(prefix)}

    def __contains__(self, key: str) -> bool:
        return key in self._data


class Node:
    """One process of a simulated system. Subclasses override ``start`` and ``receive``."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._sim: Simulator | None = None
        self.storage = StableStorage()
        self.restarted = False

    def attach(self, sim: Simulator, storage: StableStorage, restarted: bool) -> None:
        self._sim = sim
        self.storage = storage
        self.restarted = restarted

    @property
    def sim(self) -> Simulator:
        if self._sim is None:
            raise RuntimeError(f"node {self.name} is not part of a simulation")
        return self._sim

    @property
    def now(self) -> int:
        return self.sim.now

    @property
    def rng(self) -> random.Random:
        return self.sim.rng

    @property
    def trace(self) -> TraceRecorder:
        return self.sim.trace

    @property
    def peers(self) -> tuple[str, ...]:
        """Every node of the system, this one included, in the order they were added."""
        return self.sim.names

    def start(self) -> None:
        """Called when the node starts, and again (on a fresh object) after each restart."""

    def receive(self, src: str, msg: Any) -> None:
        """Called for each message that arrives."""

    def send(self, dst: str, msg: Any) -> None:
        self.sim.network.send(self.name, dst, msg)

    def set_timer(self, delay: int, callback: Callable[[], None]) -> Timer:
        """Run ``callback`` after ``delay`` microseconds, unless this node crashes first."""
        return self.sim.schedule(delay, callback, node=self.name)
