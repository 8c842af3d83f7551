"""Forced orders for sequential consistency of registers with unique written values.

When every written value of a register is unique, a read names the write it read from, and many
orders are forced (TSOtool's derived edges; herd's ``acyclic po | rf | co | fr`` for SC):

- program order: each process's operations in the order it issued them;
- reads-from: the write of ``v`` precedes every read of ``v`` (a read of nil reads the initial
  value, a virtual write before every other write of its key);
- if another write ``w'`` must precede a read ``r`` of ``w``, it must precede ``w`` too
  (otherwise ``w'`` would overwrite ``w`` before ``r``);
- if ``w`` must precede another write ``w'``, then ``r`` must precede ``w'`` (it read ``w``
  before ``w'`` overwrote it).

The last two rules are applied to a fixpoint over reachability bitsets. This is polynomial and
sound: a cycle is a proof that no sequential order exists, found before any search. A read of a
value nobody wrote is a proof too. Otherwise the edges go to the search as extra precedence.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from histcheck.history import INFO, Operation
from histcheck.linear.model import Resolved
from histcheck.linear.registers import Register
from histcheck.values import Value


@dataclass(frozen=True, slots=True)
class Access:
    """A plain read or write of one register: ``kind`` is ``"r"`` or ``"w"``."""

    kind: str
    key: Hashable
    value: Value


@dataclass(frozen=True, slots=True)
class Saturation:
    """The derived order: ``preds[i]`` are operations that must come before operation ``i``.

    ``cycle`` holds operation indices on a cycle (or the read of an unwritten value) when the
    history is proven not sequentially consistent; it is empty otherwise.
    """

    preds: tuple[frozenset[int], ...]
    cycle: tuple[int, ...]
    reads_of: dict[tuple[Hashable, Value], tuple[int, ...]]


def accesses(ops: Sequence[Operation], model: Resolved) -> list[Access] | None:
    """The register view of ``ops``, or None when saturation does not apply (a model other than
    ``register``, an indeterminate operation, or a value written twice)."""
    if not isinstance(model.model, Register) or model.model.nil_reads_match_anything:
        return None
    found: list[Access] = []
    written: set[tuple[Hashable, Value]] = set()
    for op in ops:
        if op.type is INFO:
            return None
        if op.f == "write":
            if op.value is None or (op.key, op.value) in written:
                return None
            written.add((op.key, op.value))
            found.append(Access("w", op.key, op.value))
        elif op.f == "read":
            found.append(Access("r", op.key, op.value))
        else:
            return None
    return found


def saturate(ops: Sequence[Operation], view: Sequence[Access]) -> Saturation:
    """Derive forced edges to a fixpoint (see the module docstring)."""
    n = len(ops)
    init = n  # one virtual initial write per key would do; one shared node is enough for cycles
    edges: list[set[int]] = [set() for _ in range(n + 1)]
    last: dict[Hashable, int] = {}
    for i in sorted(range(n), key=lambda k: ops[k].call):
        p = ops[i].process
        if p in last:
            edges[last[p]].add(i)
        last[p] = i
    writer: dict[tuple[Hashable, Value], int] = {}
    writes_of: dict[Hashable, list[int]] = {}
    for i, acc in enumerate(view):
        if acc.kind == "w":
            writer[(acc.key, acc.value)] = i
            writes_of.setdefault(acc.key, []).append(i)
            edges[init].add(i)
    reads: list[tuple[int, int]] = []
    reads_of: dict[tuple[Hashable, Value], list[int]] = {}
    for i, acc in enumerate(view):
        if acc.kind != "r":
            continue
        reads_of.setdefault((acc.key, acc.value), []).append(i)
        if acc.value is None:
            source = init
        elif (acc.key, acc.value) in writer:
            source = writer[(acc.key, acc.value)]
        else:
            return Saturation((), (i,), {})
        edges[source].add(i)
        reads.append((i, source))
    while True:
        order = _topological(edges)
        if order is None:
            return Saturation((), tuple(x for x in _a_cycle(edges) if x != init), {})
        reach = _reach(edges, order)
        added = False
        for r, w in reads:
            for other in writes_of.get(view[r].key, ()):
                if other == w:
                    continue
                if reach[other] >> r & 1 and not reach[other] >> w & 1:
                    edges[other].add(w)
                    added = True
                if reach[w] >> other & 1 and not reach[r] >> other & 1:
                    edges[r].add(other)
                    added = True
        if not added:
            break
    preds: list[set[int]] = [set() for _ in range(n)]
    for a in range(n):
        for b in edges[a]:
            preds[b].add(a)
    return Saturation(tuple(frozenset(p) for p in preds), (),
                      {k: tuple(v) for k, v in reads_of.items()})


def _topological(edges: list[set[int]]) -> list[int] | None:
    indegree = [0] * len(edges)
    for targets in edges:
        for b in targets:
            indegree[b] += 1
    ready = [v for v, d in enumerate(indegree) if d == 0]
    order: list[int] = []
    while ready:
        v = ready.pop()
        order.append(v)
        for b in edges[v]:
            indegree[b] -= 1
            if indegree[b] == 0:
                ready.append(b)
    return order if len(order) == len(edges) else None


def _reach(edges: list[set[int]], order: list[int]) -> list[int]:
    reach = [0] * len(edges)
    for v in reversed(order):
        bits = 0
        for b in edges[v]:
            bits |= reach[b] | (1 << b)
        reach[v] = bits
    return reach


def _a_cycle(edges: list[set[int]]) -> list[int]:
    """Some cycle of the graph (depth-first search with colours)."""
    colour = [0] * len(edges)
    parent: dict[int, int] = {}
    for root in range(len(edges)):
        if colour[root]:
            continue
        stack = [(root, iter(sorted(edges[root])))]
        colour[root] = 1
        while stack:
            v, children = stack[-1]
            for b in children:
                if colour[b] == 0:
                    colour[b] = 1
                    parent[b] = v
                    stack.append((b, iter(sorted(edges[b]))))
                    break
                if colour[b] == 1:
                    cycle = [v]
                    while cycle[-1] != b:
                        cycle.append(parent[cycle[-1]])
                    return cycle[::-1]
            else:
                colour[v] = 2
                stack.pop()
    return []
