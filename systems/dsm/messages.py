"""Ivy's messages, and the journal of who holds which page (for the single-writer invariant).

Every manager transaction on a page has a number (``txn``), increasing per page; grants and
invalidations carry it, so a node can tell a stale, duplicated grant from a new one.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from histcheck.values import Value

PageData = tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class Request:
    """Node -> manager: a read or write fault on ``page``."""

    page: int
    kind: str


@dataclass(frozen=True, slots=True)
class Forward:
    """Manager -> owner: send ``page`` to ``requester`` (giving it up for a write)."""

    page: int
    kind: str
    requester: str
    txn: int


@dataclass(frozen=True, slots=True)
class Grant:
    """Owner -> requester: the page, with read or write access."""

    page: int
    kind: str
    data: PageData
    txn: int


@dataclass(frozen=True, slots=True)
class Confirm:
    """Requester -> manager: the page arrived; the transaction is over."""

    page: int
    txn: int


@dataclass(frozen=True, slots=True)
class Invalidate:
    page: int
    txn: int


@dataclass(frozen=True, slots=True)
class InvalidateAck:
    page: int
    txn: int


@dataclass(frozen=True, slots=True)
class Lost:
    """Owner -> manager: I restarted and no longer have the page (its only copy is gone)."""

    page: int
    txn: int


@dataclass(frozen=True, slots=True)
class Unavailable:
    """Manager -> requester: nobody has the page any more; the access fails."""

    page: int


@dataclass
class Journal:
    """Who holds each page with which access, as the nodes change it, and every moment the
    single-writer invariant broke: a writable copy while another node holds any copy."""

    holders: dict[int, dict[str, str]] = field(default_factory=dict)
    violations: list[str] = field(default_factory=list)

    def set(self, now: int, node: str, page: int, access: str | None) -> None:
        held = self.holders.setdefault(page, {})
        if access is None:
            held.pop(node, None)
            return
        held[node] = access
        others = [(n, a) for n, a in held.items() if n != node]
        if others and (access == "write" or any(a == "write" for _, a in others)):
            self.violations.append(f"at {now}: page {page}: {node} has {access} access while "
                                   f"{others} hold copies")

    def forget(self, node: str) -> None:
        """A restarted node's memory is empty."""
        for held in self.holders.values():
            held.pop(node, None)
