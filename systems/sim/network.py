"""The simulated network: delays, loss, duplication, reordering and partitions.

``send`` decides a message's fate at once from the shared random source: lost (fair-loss and
arbitrary networks), duplicated (arbitrary), and when each copy arrives (the timing model's delay;
with ``reorder=False`` a link never overtakes itself). A partition drops messages that cross it,
whether they were sent during it or were in flight when it began. A node that is down when a
message arrives never sees it.

With ``record_links`` on, every send and every arrival is a ``send``/``recv`` trace event
(message ids ``p1``, ``p2``, ...): the trace then shows exactly what the network did.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from histcheck.systems.sim.core import Simulator


class Network:
    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.record_links = True
        self._count = 0
        self._last_arrival: dict[tuple[str, str], int] = {}

    def send(self, src: str, dst: str, payload: Any) -> None:
        sim = self.sim
        if not sim.alive(src):
            return
        self._count += 1
        msg_id = f"p{self._count}"
        sim.stats.sent += 1
        if self.record_links:
            sim.trace.send(src, dst, msg_id)
        if src == dst:
            sim.schedule(0, lambda: self._arrive(src, dst, payload, msg_id))
            return
        model = sim.model.network
        rng = sim.rng
        if sim.partitioned(src, dst) or (model.loss and rng.random() < model.loss):
            sim.stats.lost += 1
            return
        copies = 1
        if model.duplicate and rng.random() < model.duplicate:
            copies = 2
            sim.stats.duplicated += 1
        for _ in range(copies):
            arrival = sim.now + sim.model.timing.delay(rng, sim.now)
            if not model.reorder:
                arrival = max(arrival, self._last_arrival.get((src, dst), 0))
                self._last_arrival[(src, dst)] = arrival
            sim.schedule(arrival - sim.now, lambda: self._arrive(src, dst, payload, msg_id))

    def _arrive(self, src: str, dst: str, payload: Any, msg_id: str) -> None:
        sim = self.sim
        if not sim.alive(dst) or sim.partitioned(src, dst):
            sim.stats.lost += 1
            return
        sim.stats.delivered += 1
        if self.record_links:
            sim.trace.recv(dst, src, msg_id)
        sim.node(dst).receive(src, payload)
