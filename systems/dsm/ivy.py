"""Ivy's processors: each node runs a client process over the shared pages it caches.

An address ``a`` lives on page ``a // PAGE_SIZE``. A node holds some pages with read or write
access. A read of a page it holds, or a write of a page it holds writable, happens at once,
locally. Otherwise it **faults**: it asks the page's manager (``Request``, resent every
``retry`` until the page comes) and performs the access when the ``Grant`` arrives; it confirms
to the manager, ending the page's transaction. An ``Invalidate`` drops the copy and is
acknowledged. A ``Forward`` makes the node, as owner, send the page on: a read copy (it keeps
its own, read-only) or the page itself for a write (it drops its copy). A node that no longer has
a page it is asked to forward (it restarted: memory lost) says ``Lost``.

Accesses are recorded as single-micro-op transactions, ``[["r", a, v]]`` and ``[["w", a, v]]``:
the multi-register shape (one register per address), which the causal checks accept too.

Grants carry the manager's transaction number for the page; a node installs a grant only if it
is newer than anything it has seen for that page (a duplicated or resent grant must not
resurrect a copy that was invalidated since), and confirms again for the one it installed.
"""

from __future__ import annotations

from typing import Any

from histcheck.history import FAIL, OK
from histcheck.systems.clients import Client, Op
from histcheck.systems.dsm.manager import Flavour, ManagerRole
from histcheck.systems.dsm.messages import (
    Confirm,
    Forward,
    Grant,
    Invalidate,
    InvalidateAck,
    Journal,
    Lost,
    PageData,
    Request,
    Unavailable,
)
from histcheck.systems.sim.models import MS
from histcheck.systems.sim.node import Node
from histcheck.values import Value

PAGE_SIZE = 2


CORRECT = Flavour()


def page_of(address: Value) -> int:
    assert isinstance(address, int)
    return address // PAGE_SIZE


def access_of(op: Op) -> tuple[str, int, Value]:
    """The one micro-op of a memory access: ``(kind, address, value)``."""
    assert isinstance(op.value, tuple) and isinstance(op.value[0], tuple)
    kind, address, value = op.value[0]
    assert isinstance(kind, str) and isinstance(address, int)
    return kind, address, value


class IvyNode(Client):
    """A processor: caches pages, faults to the manager, and may host a manager role."""

    def __init__(self, name: str, number: int, ops: list[Op], *, stride: int,
                 managers: dict[int, str], owned: tuple[int, ...], journal: Journal,
                 manages: dict[int, str | None] | None = None, flavour: Flavour = CORRECT,
                 retry: int = 30 * MS) -> None:
        super().__init__(name, number, ops, stride=stride)
        self.managers, self.journal, self.retry = managers, journal, retry
        self.access: dict[int, str] = {}
        self.data: dict[int, PageData] = {}
        self.seen: dict[int, int] = {}
        self.handed: dict[int, Grant] = {}
        self.owned = owned
        self.manages, self.flavour = manages, flavour
        self.role: ManagerRole | None = None
        self.wanted: tuple[int, int, str] | None = None

    def start(self) -> None:
        self.journal.forget(self.name)
        if self.manages:
            self.role = ManagerRole(_forgotten(self.manages) if self.restarted else
                                    dict(self.manages), self.send, self.flavour)
        if self.restarted:  # the process died with the node: its operation stays indeterminate
            self.next_index = len(self.ops)
        else:
            for page in self.owned:  # every page starts all nil, writable at its first owner
                self._install(page, "write", (None,) * PAGE_SIZE)
            super().start()
        self.set_timer(self.retry, self._resend)

    def _install(self, page: int, access: str | None, data: PageData = ()) -> None:
        if access is None:
            self.access.pop(page, None)
            self.data.pop(page, None)
        else:
            self.access[page], self.data[page] = access, data
        self.journal.set(self.now, self.name, page, access)

    # -- the client side -----------------------------------------------------------------------
    def begin(self, number: int, op: Op) -> None:
        kind, address, _ = access_of(op)
        page = page_of(address)
        need = "read" if kind == "r" else "write"
        if self.access.get(page) in (need, "write"):
            self._perform(number, op)
            return
        self.wanted = (number, page, need)
        self.send(self.managers[page], Request(page, need))

    def _perform(self, number: int, op: Op) -> None:
        kind, address, value = access_of(op)
        page, offset = page_of(address), address % PAGE_SIZE
        data = list(self.data[page])
        if kind == "r":
            value = data[offset]
        else:
            data[offset] = value
            self._install(page, "write", tuple(data))
        self.finish(number, OK, (("r" if kind == "r" else "w", address, value),))

    def abandon(self, number: int) -> None:
        self.wanted = None

    def _resend(self) -> None:
        if self.wanted is not None and self.is_live(self.wanted[0]):
            _, page, need = self.wanted
            self.send(self.managers[page], Request(page, need))
        if self.role is not None:
            self.role.resend()
        self.set_timer(self.retry, self._resend)

    # -- messages ------------------------------------------------------------------------------
    def receive(self, src: str, msg: Any) -> None:
        if self.role is not None and self.role.handles(msg):
            self.role.receive(src, msg)
        elif isinstance(msg, Grant):
            self._granted(msg)
        elif isinstance(msg, Invalidate):
            if msg.txn > self.seen.get(msg.page, 0):
                self.seen[msg.page] = msg.txn
                self._install(msg.page, None)
            self.send(src, InvalidateAck(msg.page, msg.txn))
        elif isinstance(msg, Forward):
            self._forward(msg)
        elif isinstance(msg, Unavailable) and self.wanted and self.wanted[1] == msg.page:
            number = self.wanted[0]
            self.wanted = None
            self.finish(number, FAIL)

    def _granted(self, grant: Grant) -> None:
        manager = self.managers[grant.page]
        if grant.txn < self.seen.get(grant.page, 0):
            return
        if grant.txn == self.seen.get(grant.page, 0):  # resent: confirm again
            self.send(manager, Confirm(grant.page, grant.txn))
            return
        self.seen[grant.page] = grant.txn
        self._install(grant.page, grant.kind, grant.data)
        self.send(manager, Confirm(grant.page, grant.txn))
        wanted = self.wanted
        if wanted is not None and wanted[1] == grant.page and self.is_live(wanted[0]) and \
                self.access[grant.page] in (wanted[2], "write"):
            self.wanted = None
            assert self.current is not None
            self._perform(wanted[0], self.current.op)

    def _forward(self, msg: Forward) -> None:
        handed = self.handed.get(msg.page)
        if handed is not None and handed.txn == msg.txn:  # the forward was resent
            self.send(msg.requester, handed)
            return
        if msg.page not in self.access:
            self.send(self.managers[msg.page], Lost(msg.page, msg.txn))
            return
        grant = Grant(msg.page, msg.kind, self.data[msg.page], msg.txn)
        self.handed[msg.page] = grant
        if msg.requester != self.name:
            self._install(msg.page, None if msg.kind == "write" else "read",
                          self.data[msg.page])
        self.send(msg.requester, grant)


class CentralManager(Node):
    """A node that only manages (Ivy's central manager)."""

    def __init__(self, name: str, *, pages: dict[int, str | None], flavour: Flavour = CORRECT,
                 retry: int = 30 * MS) -> None:
        super().__init__(name)
        self.pages, self.flavour = pages, flavour
        self.role = ManagerRole(pages, self.send, flavour)
        self.retry = retry

    def start(self) -> None:
        if self.restarted:
            self.role = ManagerRole(_forgotten(self.pages), self.send, self.flavour)
        self.set_timer(self.retry, self._resend)

    def _resend(self) -> None:
        self.role.resend()
        self.set_timer(self.retry, self._resend)

    def receive(self, src: str, msg: Any) -> None:
        if self.role.handles(msg):
            self.role.receive(src, msg)





def _forgotten(pages: dict[int, str | None]) -> dict[int, str | None]:
    """A restarted manager's table: it no longer knows who owns anything."""
    return dict.fromkeys(pages)
