"""Ivy's page manager: one transaction per page at a time, invalidations, forwarding to owners.

Li and Hudak's manager algorithms keep, for each page, its **owner** (the node that last had
write access; it always holds a copy) and its **copy set** (nodes holding read copies). Faults
are serialised per page: the manager handles one request on a page at a time and queues the
others until the requester confirms that the page arrived.

- Read fault: the manager forwards the request to the owner, which sends a read copy (keeping
  its own, read-only from now on); on confirmation the requester joins the copy set.
- Write fault: the manager sends ``Invalidate`` to every other holder of a copy and **waits for
  every acknowledgement**; then it forwards to the owner, which sends the page and drops its own
  copy; on confirmation the requester is the owner and the only holder. While the write access
  exists, nobody else has a copy (the single-writer invariant), which is what makes the memory
  sequentially consistent.

Messages lost to partitions are resent every ``retry`` (invalidations to holders that have not
acknowledged, the forward until the confirmation). A node that restarted has lost its memory: it
answers a forward with ``Lost``, and the manager answers requests for that page
``Unavailable`` from then on (the access fails; nothing is invented). An owner that crashed for
good never answers: requests for its pages wait until their clients give up (indeterminate). A
manager that restarts has lost its page table: it knows no owner, so its pages are unavailable
(it cannot tell which copy is current, and guessing would invent data).

``ManagerRole`` is the manager's state and logic for the pages it manages; a node that hosts it
passes it the messages (a central manager node hosts every page; with the fixed distributed
manager, node ``i`` of ``n`` manages the pages ``p`` with ``p % n == i``).

Buggy flavours: ``wait_for_acks=False`` sends the invalidations once and forwards at once (a
lost or slow invalidation leaves a stale copy readable after the write); ``invalidate=False``
never invalidates (caches are never invalidated).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from histcheck.systems.dsm.messages import (
    Confirm,
    Forward,
    Invalidate,
    InvalidateAck,
    Lost,
    Request,
    Unavailable,
)


@dataclass(frozen=True, slots=True)
class Flavour:
    invalidate: bool = True
    wait_for_acks: bool = True


@dataclass(slots=True)
class Transaction:
    """The request a page is busy with: who asked, for what, and whose acknowledgements remain."""

    txn: int
    requester: str
    kind: str
    unacked: dict[str, None] = field(default_factory=dict)
    forwarded: bool = False


@dataclass(slots=True)
class PageState:
    owner: str | None
    copies: dict[str, None]
    busy: Transaction | None = None
    queue: list[tuple[str, str]] = field(default_factory=list)
    txns: int = 0


class ManagerRole:
    """The manager of ``pages``; ``send`` is the hosting node's send."""

    def __init__(self, pages: dict[int, str | None], send: Callable[[str, Any], None],
                 flavour: Flavour = Flavour()) -> None:
        self.pages = {page: PageState(owner, {} if owner is None else {owner: None})
                      for page, owner in pages.items()}
        self.send = send
        self.flavour = flavour

    def handles(self, msg: Any) -> bool:
        return isinstance(msg, Request | Confirm | InvalidateAck | Lost) and \
            msg.page in self.pages

    def receive(self, src: str, msg: Any) -> None:
        state = self.pages[msg.page]
        busy = state.busy
        if isinstance(msg, Request):
            if (busy and busy.requester == src) or (src, msg.kind) in state.queue:
                return  # a resent request: already being served or queued
            state.queue.append((src, msg.kind))
            self._next(msg.page, state)
        elif busy is None or msg.txn != busy.txn:
            return
        elif isinstance(msg, InvalidateAck):
            busy.unacked.pop(src, None)
            self._forward(msg.page, state, busy)
        elif isinstance(msg, Confirm):
            if busy.kind == "write":
                state.owner, state.copies = busy.requester, {busy.requester: None}
            else:
                state.copies[busy.requester] = None
            state.busy = None
            self._next(msg.page, state)
        elif isinstance(msg, Lost):
            state.owner, state.copies, state.busy = None, {}, None
            self.send(busy.requester, Unavailable(msg.page))
            self._next(msg.page, state)

    def _next(self, page: int, state: PageState) -> None:
        while state.busy is None and state.queue:
            requester, kind = state.queue.pop(0)
            if state.owner is None:
                self.send(requester, Unavailable(page))
                continue
            state.txns += 1
            busy = Transaction(state.txns, requester, kind)
            state.busy = busy
            if kind == "write" and self.flavour.invalidate:
                stale = [n for n in state.copies if n not in (requester, state.owner)]
                for node in stale:
                    self.send(node, Invalidate(page, busy.txn))
                if self.flavour.wait_for_acks:
                    busy.unacked = dict.fromkeys(stale)
            self._forward(page, state, busy)

    def _forward(self, page: int, state: PageState, busy: Transaction) -> None:
        if busy.unacked or busy.forwarded or state.owner is None:
            return
        busy.forwarded = True
        self.send(state.owner, Forward(page, busy.kind, busy.requester, busy.txn))

    def resend(self) -> None:
        """Called every ``retry`` by the host: resend what has not been answered."""
        for page, state in self.pages.items():
            busy = state.busy
            if busy is None:
                continue
            for node in busy.unacked:
                self.send(node, Invalidate(page, busy.txn))
            if busy.forwarded and state.owner is not None:
                self.send(state.owner, Forward(page, busy.kind, busy.requester, busy.txn))
