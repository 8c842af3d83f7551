"""The messages of the replicated log (Raft's RPCs as one-way messages) and of its clients."""

from __future__ import annotations

from dataclasses import dataclass

from histcheck.systems.smr.machine import Command
from histcheck.values import Value


@dataclass(frozen=True, slots=True)
class LogEntry:
    term: int
    command: Command


@dataclass(frozen=True, slots=True)
class RequestVote:
    term: int
    last_index: int
    last_term: int


@dataclass(frozen=True, slots=True)
class Vote:
    term: int
    granted: bool


@dataclass(frozen=True, slots=True)
class Append:
    """Entries after ``prev_index`` (whose term is ``prev_term``); empty for a heartbeat."""

    term: int
    prev_index: int
    prev_term: int
    entries: tuple[LogEntry, ...]
    commit: int


@dataclass(frozen=True, slots=True)
class AppendReply:
    """``match``: the follower's last matching index on success, a hint to back off otherwise."""

    term: int
    success: bool
    match: int


@dataclass(frozen=True, slots=True)
class ClientRequest:
    key: tuple[str, int]
    command: Command


@dataclass(frozen=True, slots=True)
class ClientReply:
    """``ok`` with the result, or a refusal naming the leader the server knows (if any)."""

    key: tuple[str, int]
    ok: bool
    value: Value
    leader: str | None
