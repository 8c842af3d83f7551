"""A Raft-like replicated log: terms, votes, log matching, commit by majority.

Every server is a follower, a candidate or the leader of a *term*. A follower that hears nothing
from a leader for its (randomised) election timeout starts a term of its own and asks for votes;
a server votes once per term, and only for a candidate whose log is at least as up to date as its
own (last term, then length). A candidate with votes from a majority leads that term, so there is
at most one leader per term.

The leader appends client commands to its log and sends ``Append`` (the entries after what it
believes the follower has, with the index and term just before them). A follower accepts only if
its log holds that (index, term): by induction, two logs that agree on an entry's term agree on
everything before it (log matching). An entry of the leader's current term stored at a majority is
*committed*, and everything up to it is applied to the state machine (``KvMachine``) in order on
every server; the leader then answers the client. Term, vote and log are written to stable
storage before any reply, so a restarted server keeps its promises.

Reads go through the log like writes: a read is answered only once a majority has accepted an
entry after it, so a leader cut off from the majority cannot answer with a stale value. The buggy
flavour (``local_reads``) answers ``get`` from the leader's own state at once; a leader that was
partitioned away does not know it was replaced and keeps serving old values (split brain).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from histcheck.systems.sim.core import Timer
from histcheck.systems.sim.models import MS
from histcheck.systems.sim.node import Node
from histcheck.systems.smr.machine import Command, KvMachine
from histcheck.systems.smr.messages import (
    Append,
    AppendReply,
    ClientReply,
    ClientRequest,
    LogEntry,
    RequestVote,
    Vote,
)


@dataclass(frozen=True, slots=True)
class Journal:
    """What the servers did, for test oracles: leaders by term, and the entries each server
    incarnation (``s1/1``, ``s1/2`` after a restart) applied, in order."""

    leaders: list[tuple[int, str]]
    applied: dict[str, list[tuple[int, int, Command]]]


class RaftServer(Node):
    def __init__(self, name: str, *, servers: tuple[str, ...], journal: Journal,
                 local_reads: bool = False, heartbeat: int = 15 * MS,
                 election: tuple[int, int] = (60 * MS, 120 * MS)) -> None:
        super().__init__(name)
        self.servers, self.journal, self.local_reads = servers, journal, local_reads
        self.heartbeat, self.election = heartbeat, election
        self.term = 0
        self.voted_for: str | None = None
        self.log: list[LogEntry] = []
        self.role = "follower"
        self.leader: str | None = None
        self.commit = 0
        self.machine = KvMachine()
        self.votes: dict[str, bool] = {}
        self.next_index: dict[str, int] = {}
        self.match: dict[str, int] = {}
        self.waiting: dict[tuple[str, int], str] = {}
        self.timer: Timer | None = None
        self.incarnation = name
        self.stored = 0

    # -- persistence and timers ----------------------------------------------------------------
    def start(self) -> None:
        boots = self.storage.get("boots", 0) + 1
        self.storage.put("boots", boots)
        self.incarnation = f"{self.name}/{boots}"  # a restarted server re-applies its log
        self.term, self.voted_for = self.storage.get("vote", (0, None))
        length = self.storage.get("log-length", 0)
        self.log = [self.storage.get(f"log/{i}") for i in range(1, length + 1)]
        self.stored = length
        first = self.election[0] // 6 if self.name == self.servers[0] and not self.restarted \
            else None
        self._reset_election(first)

    def _persist(self) -> None:
        """Write term and vote, and the log entries not yet on disk (each entry once: copying
        the whole log at every append would make a long run quadratic)."""
        self.storage.put("vote", (self.term, self.voted_for))
        for index in range(self.stored + 1, len(self.log) + 1):
            self.storage.put(f"log/{index}", self.log[index - 1])
        self.stored = len(self.log)
        self.storage.put("log-length", self.stored)

    def _reset_election(self, delay: int | None = None) -> None:
        if self.timer is not None:
            self.timer.cancel()
        wait = delay if delay is not None else self.rng.randint(*self.election)
        self.timer = self.set_timer(wait, self._election_timeout)

    def _last(self) -> tuple[int, int]:
        return len(self.log), self.log[-1].term if self.log else 0

    def _term_at(self, index: int) -> int:
        return self.log[index - 1].term if index > 0 else 0

    # -- elections -----------------------------------------------------------------------------
    def _election_timeout(self) -> None:
        if self.role == "leader":
            return
        self.term += 1
        self.voted_for, self.role, self.leader = self.name, "candidate", None
        self.votes = {self.name: True}
        self._persist()
        last_index, last_term = self._last()
        for server in self._others():
            self.send(server, RequestVote(self.term, last_index, last_term))
        self._reset_election()

    def _others(self) -> list[str]:
        return [s for s in self.servers if s != self.name]

    def _observe(self, term: int) -> None:
        if term > self.term:
            self.term, self.voted_for = term, None
            self._persist()
            if self.role != "follower":
                self.role = "follower"
                self.waiting.clear()
                self._reset_election()

    def _on_vote_request(self, src: str, msg: RequestVote) -> None:
        up_to_date = (msg.last_term, msg.last_index) >= tuple(reversed(self._last()))
        grant = msg.term == self.term and self.voted_for in (None, src) and up_to_date
        if grant:
            self.voted_for = src
            self._persist()
            self._reset_election()
        self.send(src, Vote(self.term, grant))

    def _on_vote(self, src: str, msg: Vote) -> None:
        if self.role != "candidate" or msg.term != self.term or not msg.granted:
            return
        self.votes[src] = True
        if len(self.votes) > len(self.servers) // 2:
            self.role, self.leader = "leader", self.name
            self.journal.leaders.append((self.term, self.name))
            self.next_index = {s: len(self.log) + 1 for s in self._others()}
            self.match = {s: 0 for s in self._others()}
            self._broadcast_append()

    # -- replication ---------------------------------------------------------------------------
    def _broadcast_append(self) -> None:
        if self.role != "leader":
            return
        for server in self._others():
            prev = self.next_index[server] - 1
            entries = tuple(self.log[prev:prev + 64])
            self.send(server, Append(self.term, prev, self._term_at(prev), entries, self.commit))
        if self.timer is not None:
            self.timer.cancel()
        self.timer = self.set_timer(self.heartbeat, self._broadcast_append)

    def _on_append(self, src: str, msg: Append) -> None:
        if msg.term < self.term:
            self.send(src, AppendReply(self.term, False, 0))
            return
        self.role, self.leader = "follower", src
        self._reset_election()
        if msg.prev_index > len(self.log) or self._term_at(msg.prev_index) != msg.prev_term:
            self.send(src, AppendReply(self.term, False, min(msg.prev_index - 1, len(self.log))))
            return
        index = msg.prev_index
        changed = False
        for entry in msg.entries:
            index += 1
            if index <= len(self.log) and self.log[index - 1].term != entry.term:
                del self.log[index - 1:]  # a conflicting suffix was never committed
                self.stored = min(self.stored, index - 1)
            if index > len(self.log):
                self.log.append(entry)
                changed = True
        if changed:
            self._persist()
        self._advance(min(msg.commit, index))
        self.send(src, AppendReply(self.term, True, index))

    def _on_append_reply(self, src: str, msg: AppendReply) -> None:
        if self.role != "leader" or msg.term != self.term:
            return
        if msg.success:
            self.match[src] = max(self.match[src], msg.match)
            self.next_index[src] = self.match[src] + 1
            for n in range(len(self.log), self.commit, -1):
                count = 1 + sum(1 for s in self._others() if self.match[s] >= n)
                if count > len(self.servers) // 2 and self.log[n - 1].term == self.term:
                    self._advance(n)
                    break
        else:
            self.next_index[src] = max(1, min(self.next_index[src] - 1, msg.match + 1))

    def _advance(self, commit: int) -> None:
        while self.commit < commit:
            self.commit += 1
            entry = self.log[self.commit - 1]
            result = self.machine.apply(entry.command)
            self.journal.applied.setdefault(self.incarnation, []).append(
                (self.commit, entry.term, entry.command))
            key = (entry.command.client, entry.command.number)
            src = self.waiting.pop(key, None)
            if src is not None and self.role == "leader":
                self.send(src, ClientReply(key, True, result, self.name))

    # -- clients -------------------------------------------------------------------------------
    def _on_request(self, src: str, msg: ClientRequest) -> None:
        if self.role != "leader":
            self.send(src, ClientReply(msg.key, False, None, self.leader))
            return
        command = msg.command
        if self.local_reads and command.f == "get":
            self.send(src, ClientReply(msg.key, True, self.machine.read(command.k), self.name))
            return
        self.log.append(LogEntry(self.term, command))
        self._persist()
        self.waiting[msg.key] = src
        self._broadcast_append()

    def receive(self, src: str, msg: Any) -> None:
        if isinstance(msg, ClientRequest):
            self._on_request(src, msg)
            return
        self._observe(msg.term)
        if isinstance(msg, RequestVote):
            self._on_vote_request(src, msg)
        elif isinstance(msg, Vote):
            self._on_vote(src, msg)
        elif isinstance(msg, Append):
            self._on_append(src, msg)
        elif isinstance(msg, AppendReply):
            self._on_append_reply(src, msg)
