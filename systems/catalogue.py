"""The catalogue: every reference system and variant, what it promises, and how to run it.

Each entry names the check that judges it (``model`` and ``consistency`` as given to
``histcheck check``) and what that check must say: ``valid`` for a guarantee the variant keeps on
every seed, ``invalid`` for a bug the check must catch on some of the first few seeds with the
default options. ``simulate`` runs an entry and returns the trace as bytes (JSON Lines).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from histcheck.errors import UsageError
from histcheck.systems.clients import Progress
from histcheck.systems.sim.core import Simulator
from histcheck.systems.sim.faults import Fault
from histcheck.systems.sim.models import SystemModel

if TYPE_CHECKING:
    from histcheck.systems.dsm.run import Access


@dataclass(frozen=True, slots=True)
class Options:
    """What ``histcheck simulate`` can vary; None means the system's default."""

    clients: int | None = None
    operations: int | None = None
    model: SystemModel | None = None
    faults: tuple[Fault, ...] = ()
    links: bool = False
    progress: Progress | None = field(default=None, compare=False)
    accesses: tuple[tuple[Access, ...], ...] | None = None
    """dsm only: each node's memory accesses instead of random ones (and, by default, the
    network's partitions without the crash: see ``histcheck.systems.dsm.run``)."""


@dataclass(frozen=True, slots=True)
class Entry:
    system: str
    variant: str
    model: str
    consistency: str
    expect: str
    summary: str
    protocol: str = field(default="", compare=False)

    def as_dict(self) -> dict[str, str]:
        return {"system": self.system, "variant": self.variant, "model": self.model,
                "consistency": self.consistency, "expect": self.expect, "summary": self.summary}

    @property
    def records_history(self) -> bool:
        """Storage systems record a client history; the others a trace."""
        from histcheck.systems.storage import RUNNERS

        return self.system in RUNNERS

    def write(self, sim: Simulator, path: str | Path) -> None:
        """Write what this entry is checked on: the history, or the trace."""
        if self.records_history:
            sim.operations.write(path)
        else:
            sim.trace.write(path)

    def run(self, seed: int, options: Options = Options()) -> Simulator:
        """Simulate this entry; the returned simulator holds the trace (or the history)."""
        if self.records_history:
            from histcheck.systems.storage import RUNNERS

            return RUNNERS[self.system](self.protocol, seed, options, options.progress)
        if self.model == "rpc":
            from histcheck.systems.rpc.simulated import run_rpc
            return run_rpc(self.protocol, seed=seed, clients=options.clients or 3,
                           calls=options.operations or 10, model=options.model,
                           faults=options.faults).sim
        if self.model == "channel":
            from histcheck.systems.transport.simulated import run_channel
            return run_channel(self.protocol, seed=seed, nodes=options.clients or 3,
                               messages=options.operations or 20, model=options.model,
                               faults=options.faults)
        from histcheck.systems.broadcast.scenario import run_broadcast
        return run_broadcast(self.protocol, seed=seed, nodes=options.clients or 4,
                             messages=options.operations or 5, model=options.model,
                             faults=options.faults, links=options.links)


def _e(system: str, variant: str, model: str, consistency: str, expect: str, protocol: str,
       summary: str) -> Entry:
    return Entry(system, variant, model, consistency, expect, summary, protocol)


# -- storage systems -----------------------------------------------------------------------------
# The checkers' model and consistency names, in one place so they are trivial to adjust.
REGISTER, CAS_REGISTER, KV, MULTI_REGISTER = "register", "cas-register", "kv", "multi-register"
LIST_APPEND, RW_REGISTER, CAUSAL_KV = "list-append", "rw-register", "causal-kv"
CAUSAL_MEMORY = "CM"
LINEARIZABLE, SEQUENTIAL = "linearizable", "sequential"
SERIALIZABLE, STRICT_SERIALIZABLE = "serializable", "strict-serializable"

STORAGE: tuple[Entry, ...] = (
    _e("register", "abd", REGISTER, LINEARIZABLE, "valid", "abd",
       "ABD: quorum writes, quorum reads that write back what they read"),
    _e("register", "leader-cas", CAS_REGISTER, LINEARIZABLE, "valid", "leader-cas",
       "ABD reads; writes and compare-and-sets ordered by a fixed leader, each stored at a "
       "majority before the next"),
    _e("register", "no-write-back", REGISTER, LINEARIZABLE, "invalid", "no-write-back",
       "bug: reads skip the write-back phase: a value stored at a minority is read, then unread "
       "(new-old inversion)"),
    _e("register", "single-replica", REGISTER, LINEARIZABLE, "invalid", "single-replica",
       "bug: reads ask one replica (the nearest), which may lag: stale reads"),
    _e("register", "async-primary-backup", REGISTER, LINEARIZABLE, "invalid",
       "async-primary-backup",
       "bug: the primary acknowledges before replicating; failover loses acknowledged writes"),
    _e("smr-kv", "raft", KV, LINEARIZABLE, "valid", "raft",
       "Raft-like log: terms, votes, log matching, majority commit; reads through the log"),
    _e("smr-kv", "stale-reads", KV, LINEARIZABLE, "invalid", "stale-reads",
       "bug: leaders answer reads locally; a partitioned old leader serves stale values"),
    _e("2pc", "2pl", LIST_APPEND, STRICT_SERIALIZABLE, "valid", "2pl/list-append",
       "two-phase commit, strict 2PL, write-ahead log; in-doubt participants ask the coordinator"),
    _e("2pc", "2pl-rw-register", RW_REGISTER, STRICT_SERIALIZABLE, "valid", "2pl/rw-register",
       "the same store with the rw-register workload"),
    _e("2pc", "early-release", LIST_APPEND, SERIALIZABLE, "invalid", "early-release/list-append",
       "bug: participants release their locks when they vote, before the decision"),
    _e("2pc", "unlocked-reads", LIST_APPEND, SERIALIZABLE, "invalid",
       "unlocked-reads/list-append", "bug: reads take no locks (read committed at best)"),
    _e("2pc", "forget-prepared", LIST_APPEND, SERIALIZABLE, "invalid",
       "forget-prepared/list-append",
       "bug: prepare records are not logged; a participant that restarts forgets its part of "
       "committed transactions (atomicity broken)"),
    _e("dsm", "ivy", MULTI_REGISTER, SEQUENTIAL, "valid", "ivy",
       "Ivy, central manager: page-based write-invalidate, waits for every invalidation ack"),
    _e("dsm", "ivy-distributed", MULTI_REGISTER, SEQUENTIAL, "valid", "ivy-distributed",
       "Ivy with a fixed distributed manager (node i manages pages p with p % n == i)"),
    _e("dsm", "no-wait-invalidate", MULTI_REGISTER, SEQUENTIAL, "invalid", "no-wait-invalidate",
       "bug: a write proceeds without waiting for invalidations to be acknowledged"),
    _e("dsm", "no-invalidate", MULTI_REGISTER, SEQUENTIAL, "invalid", "no-invalidate",
       "bug: read copies are never invalidated"),
    _e("dsm", "total-order", MULTI_REGISTER, SEQUENTIAL, "valid", "total-order",
       "writes by total-order broadcast (a sequencer), local reads: sequentially consistent"),
    _e("dsm", "total-order-vs-linearizable", MULTI_REGISTER, LINEARIZABLE, "invalid",
       "total-order", "the same memory is not linearizable: local reads are stale in real time"),
    _e("dsm", "causal", CAUSAL_KV, CAUSAL_MEMORY, "valid", "causal",
       "writes by causal broadcast, local reads: causal memory"),
    _e("dsm", "causal-vs-sequential", MULTI_REGISTER, SEQUENTIAL, "invalid", "causal",
       "the causal memory is not sequentially consistent: concurrent writes seen in different "
       "orders"),
    _e("dsm", "fifo", MULTI_REGISTER, SEQUENTIAL, "invalid", "fifo",
       "writes by FIFO broadcast, local reads: PRAM only, not sequentially consistent"),
)
"""Entries whose runs record client histories (see ``histcheck.systems.storage``)."""

CATALOGUE: tuple[Entry, ...] = (
    _e("rpc", "at-most-once", "rpc", "at-most-once", "valid", "at-most-once",
       "send once, never retry: a call may be lost, never repeated"),
    _e("rpc", "at-least-once", "rpc", "at-least-once", "valid", "at-least-once",
       "retry until a reply: every call happens, perhaps twice"),
    _e("rpc", "exactly-once", "rpc", "exactly-once", "valid", "exactly-once",
       "retry, and the server de-duplicates by request id"),
    _e("rpc", "retry-twice", "rpc", "exactly-once", "invalid", "retry-twice",
       "bug: claims exactly-once but executes retried requests again"),
    _e("channel", "reliable", "channel", "fifo", "valid", "reliable",
       "reliable transport: acks, adaptive timeouts, in-order delivery, flow control"),
    _e("channel", "unordered", "channel", "fifo", "invalid", "unordered",
       "bug: hands early segments up without the reorder buffer"),
    _e("channel", "no-retransmit", "channel", "reliable", "invalid", "no-retransmit",
       "bug: never retransmits, so lost segments stay lost"),
    _e("broadcast-reliable", "eager", "broadcast", "reliable", "valid", "reliable",
       "eager relay: every node relays a message the first time it sees it"),
    _e("broadcast-fifo", "hold-back", "broadcast", "fifo", "valid", "fifo",
       "per-sender sequence numbers and a hold-back buffer"),
    _e("broadcast-fifo", "no-hold-back", "broadcast", "fifo", "invalid", "fifo-no-holdback",
       "bug: delivers in arrival order"),
    _e("broadcast-causal", "vector-clock", "broadcast", "causal", "valid", "causal",
       "delivers once every dependency in the message's vector clock is delivered"),
    _e("broadcast-causal", "ignore-deps", "broadcast", "causal", "invalid", "causal-no-deps",
       "bug: ignores the dependencies"),
    _e("broadcast-total", "sequencer", "broadcast", "total-order", "valid", "sequencer",
       "one sequencer numbers every message"),
    _e("broadcast-total", "lamport", "broadcast", "total-order", "valid", "lamport",
       "Lamport timestamps with acks over FIFO links"),
    _e("broadcast-total", "two-sequencers", "broadcast", "total-order", "invalid",
       "two-sequencers", "bug: the sequencer fails over to two sequencers (split brain)"),
    _e("broadcast-fifo-total", "fifo-sequencer", "broadcast", "fifo-total-order", "valid",
       "fifo-sequencer", "a sequencer fed through FIFO links"),
    *STORAGE,
)


def find(system: str, variant: str | None = None) -> Entry:
    """The entry for ``system`` and ``variant`` (the first, correct, variant when None)."""
    matches = [e for e in CATALOGUE if e.system == system]
    if not matches:
        known = ", ".join(dict.fromkeys(e.system for e in CATALOGUE))
        raise UsageError(f"unknown system {system!r}; known: {known}")
    if variant is None:
        return matches[0]
    for entry in matches:
        if entry.variant == variant:
            return entry
    raise UsageError(f"system {system!r} has no variant {variant!r}; known: "
                     f"{', '.join(e.variant for e in matches)}")
