"""Shared memory replicated by broadcast: every node holds all of memory, reads locally, and
broadcasts its writes; the broadcast's ordering guarantee is the memory model.

- total order (a sequencer): every node applies the writes in one order, and a write completes
  only when its writer delivers it, so reads see a prefix of that order that grows along each
  process: **sequentially consistent**. Reads are local and may be stale in real time, so it is
  **not linearizable**.
- causal broadcast: a write completes at once (the writer delivers its own message
  immediately); writes are applied in an order that respects causality (a write a process saw,
  directly or transitively, is applied first everywhere): **causal memory**, but concurrent
  writes are applied in different orders at different nodes, so not sequentially consistent.
- FIFO broadcast: only each writer's own writes are applied in order everywhere: **PRAM**. It
  breaks causal memory (a write can arrive before one its writer had read) and SC.

The protocols are ``histcheck.systems.broadcast``'s own classes; a node here is a client process
and a broadcast node at once (cooperative multiple inheritance: ``Client`` then the protocol).
"""

from __future__ import annotations

from histcheck.history import OK
from histcheck.systems.broadcast.base import BroadcastNode, Message
from histcheck.systems.broadcast.reliable import Causal, Fifo
from histcheck.systems.broadcast.total import Sequencer
from histcheck.systems.clients import Client, Op
from histcheck.systems.dsm.ivy import access_of
from histcheck.values import Value


class ReplicatedMemory(Client, BroadcastNode):
    """Local reads; writes go out by ``broadcast`` (from the protocol class mixed in after)."""

    def __init__(self, name: str, number: int, ops: list[Op], *, stride: int) -> None:
        super().__init__(name, number, ops, stride=stride)
        self.memory: dict[Value, Value] = {}

    def begin(self, number: int, op: Op) -> None:
        kind, address, value = access_of(op)
        if kind == "r":
            self.finish(number, OK, (("r", address, self.memory.get(address)),))
        else:
            self.broadcast((address, value, number))

    def deliver(self, msg: Message) -> None:
        super().deliver(msg)
        address, value, number = msg.body
        self.memory[address] = value
        if msg.origin == self.name:  # my own write is applied here: it is done
            self.finish(number, OK, (("w", address, value),))


class TotalOrderMemory(ReplicatedMemory, Sequencer):
    pass


class CausalMemory(ReplicatedMemory, Causal):
    pass


class PramMemory(ReplicatedMemory, Fifo):
    pass
