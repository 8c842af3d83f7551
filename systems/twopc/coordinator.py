"""The two-phase commit coordinator, and the clients that send it transactions.

Phase one: the coordinator splits a transaction by partition and sends each participant a
``Prepare`` of its part (resent to silent participants every ``retry``). Any ``no`` vote, or
silence for ``vote_timeout``, aborts: the coordinator tells the participants and the client
(``fail``: nothing was applied anywhere). Phase two: once every participant voted yes the
coordinator **logs the commit decision** (the point of no return), answers the client with the
reads the participants did, and resends ``Decide(commit)`` until every participant acknowledges;
then it logs the end of the transaction.

Presumed abort: aborts are not logged before they are sent. A coordinator that restarts resumes
the commits it logged and answers an ``Inquire`` about a transaction it knows nothing of with
abort (and logs that answer, so it never changes its mind). While the coordinator is down,
participants that voted yes are blocked in doubt, holding their locks, and the clients of those
transactions time out: the history shows them as indeterminate (``info``), never as errors,
because the coordinator may have logged a commit just before it crashed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from histcheck.history import OK
from histcheck.systems.clients import Client, Op
from histcheck.systems.sim.models import MS
from histcheck.systems.sim.node import Node
from histcheck.systems.twopc.messages import (
    Begin,
    Decide,
    Done,
    Inquire,
    MicroOp,
    Outcome,
    Prepare,
    Txn,
    Vote,
)


def owner(key: Any, participants: tuple[str, ...]) -> str:
    """The participant that holds ``key`` (keys are integers, partitioned by remainder)."""
    return participants[int(key) % len(participants)]


@dataclass(slots=True)
class Active:
    """A transaction in phase one: who must vote, the votes so far, when to give up."""

    client: str
    ops: Txn
    parts: dict[str, tuple[tuple[int, MicroOp], ...]]
    votes: dict[str, tuple[tuple[int, Any], ...]]
    deadline: int


class Coordinator(Node):
    def __init__(self, name: str, *, participants: tuple[str, ...], retry: int = 30 * MS,
                 vote_timeout: int = 80 * MS) -> None:
        super().__init__(name)
        self.participants = participants
        self.retry, self.vote_timeout = retry, vote_timeout
        self.active: dict[str, Active] = {}
        self.decided: dict[str, bool] = {}
        self.unacked: dict[str, dict[str, None]] = {}

    def start(self) -> None:
        if self.restarted:
            for key, parts in self.storage.prefixed("decision/").items():
                tid = key.removeprefix("decision/")
                self.decided[tid] = parts is not None
                if parts is not None and f"end/{tid}" not in self.storage:
                    self.unacked[tid] = dict.fromkeys(parts)
            self._resend_decisions()
        self.set_timer(self.retry, self._tick)

    def receive(self, src: str, msg: Any) -> None:
        if isinstance(msg, Begin):
            self._begin(src, msg)
        elif isinstance(msg, Vote):
            self._vote(src, msg)
        elif isinstance(msg, Done):
            waiting = self.unacked.get(msg.tid)
            if waiting is not None:
                waiting.pop(src, None)
                if not waiting:
                    del self.unacked[msg.tid]
                    self.storage.put(f"end/{msg.tid}", True)
        elif isinstance(msg, Inquire):
            if msg.tid in self.decided:
                self.send(src, Decide(msg.tid, self.decided[msg.tid]))
            elif msg.tid not in self.active:  # presumed abort, remembered
                self.storage.put(f"decision/{msg.tid}", None)
                self.decided[msg.tid] = False
                self.send(src, Decide(msg.tid, False))

    def _begin(self, client: str, msg: Begin) -> None:
        if msg.tid in self.decided or msg.tid in self.active:  # a duplicated Begin
            return
        parts: dict[str, list[tuple[int, MicroOp]]] = {}
        for index, op in enumerate(msg.ops):
            parts.setdefault(owner(op[1], self.participants), []).append((index, op))
        active = Active(client, msg.ops, {p: tuple(ops) for p, ops in parts.items()}, {},
                        self.now + self.vote_timeout)
        self.active[msg.tid] = active
        for participant, ops in active.parts.items():
            self.send(participant, Prepare(msg.tid, ops))

    def _vote(self, src: str, msg: Vote) -> None:
        active = self.active.get(msg.tid)
        if active is None or src not in active.parts:
            return
        if not msg.yes:
            self._abort(msg.tid, active)
            return
        active.votes[src] = msg.reads
        if len(active.votes) < len(active.parts):
            return
        del self.active[msg.tid]
        self.storage.put(f"decision/{msg.tid}", tuple(active.parts))  # the commit point
        self.decided[msg.tid] = True
        filled = list(active.ops)
        for reads in active.votes.values():
            for index, value in reads:
                kind, key, _ = filled[index]
                filled[index] = (kind, key, value)
        self.send(active.client, Outcome(msg.tid, True, tuple(filled)))
        self.unacked[msg.tid] = dict.fromkeys(active.parts)
        for participant in active.parts:
            self.send(participant, Decide(msg.tid, True))

    def _abort(self, tid: str, active: Active) -> None:
        del self.active[tid]
        self.decided[tid] = False
        for participant in active.parts:
            self.send(participant, Decide(tid, False))
        self.send(active.client, Outcome(tid, False))

    def _tick(self) -> None:
        for tid, active in list(self.active.items()):
            if self.now >= active.deadline:
                self._abort(tid, active)
                continue
            for participant, ops in active.parts.items():
                if participant not in active.votes:
                    self.send(participant, Prepare(tid, ops))
        self._resend_decisions()
        self.set_timer(self.retry, self._tick)

    def _resend_decisions(self) -> None:
        for tid, waiting in self.unacked.items():
            for participant in waiting:
                self.send(participant, Decide(tid, True))


class TxnClient(Client):
    """Sends each transaction once to the coordinator and records what it answers."""

    def __init__(self, name: str, number: int, ops: list[Op], *, stride: int,
                 coordinator: str) -> None:
        super().__init__(name, number, ops, stride=stride)
        self.coordinator = coordinator

    def begin(self, number: int, op: Op) -> None:
        assert isinstance(op.value, tuple)
        self.send(self.coordinator, Begin(f"{self.name}.{number}", op.value))  # type: ignore[arg-type]

    def receive(self, src: str, msg: Any) -> None:
        if not isinstance(msg, Outcome):
            return
        number = int(msg.tid.rpartition(".")[2])
        if msg.committed:
            self.finish(number, OK, msg.ops)
        else:
            self.fail(number)
