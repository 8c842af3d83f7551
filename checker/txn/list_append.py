"""Inference for list-append: version orders recovered from the reads themselves.

Every append is unique, so a read ``[1 2 3]`` of key x says which transactions wrote x's first
three versions and in which order. Rules (Elle's list-append):

1. Every read of x must be a prefix of the longest read of x; otherwise ``incompatible-order``.
2. The longest read is x's version order; consecutive writers give ww edges.
3. A read of length L gives wr from the writer of element L, and rw to the writer of element
   L+1 (the reader did not see it). An empty read is rw to the first writer.
4. Appends no read ever saw were placed after everything seen: the last writer ww-> them and
   the readers of the longest version rw-> them (readers did not see them). Their order among
   themselves is unknown: a ``Choice`` per pair for the solver (it matters for snapshot
   isolation). Unseen appends of failed or indeterminate transactions are dropped: they may
   never have happened.

Non-cycle anomalies: ``garbage-read`` (an element nobody appended), ``G1a`` (an element of an
aborted transaction), ``G1b`` (a read ending in a transaction's non-final append),
``duplicate-elements``, ``internal`` (a read that does not reflect the transaction's own appends)
and ``dirty-update`` (a committed append ordered after an aborted one).
"""

from __future__ import annotations

from histcheck.history import History
from histcheck.result import Anomaly
from histcheck.txn.facts import Choice, Facts
from histcheck.txn.model import RW, WR, WW, Graph, Reason, Txn, transactions
from histcheck.values import Value, show

Read = tuple[int, Value, tuple[Value, ...]]


def infer(history: History) -> Facts:
    txns = transactions(history)
    graph = Graph(len(txns))
    facts = Facts(txns, graph)
    writer: dict[tuple[Value, Value], int] = {}
    last_append: dict[tuple[int, Value], Value] = {}
    for txn in txns[1:]:
        for f, k, v in txn.mops:
            if f == "append":
                if (k, v) in writer and writer[(k, v)] != txn.node:
                    raise history.error(f"list-append needs unique appends: {show(v)} was "
                                        f"appended to {show(k)} twice", txn.op)
                writer[(k, v)] = txn.node
                last_append[(txn.node, k)] = v
    for (node, k), v in last_append.items():
        facts.values[(node, k)] = v
    reads, wholes = _external_reads(txns, facts)
    longest, bad_keys = _orders(facts, wholes)
    for k, (node, order) in longest.items():
        if k not in bad_keys:
            _key_edges(history, facts, k, order, writer, last_append)
            _elements(facts, node, k, order, writer)
    by_key: dict[Value, list[tuple[int, tuple[Value, ...]]]] = {}
    for node, k, seen in reads:
        by_key.setdefault(k, []).append((node, seen))
    for k, key_reads in by_key.items():
        if k in bad_keys:
            continue
        order = longest[k][1]
        for node, seen in key_reads:
            _read_edges(facts, node, k, seen, order, writer, last_append)
    seen_pairs = {(k, v) for k, (_, order) in longest.items() for v in order}
    unseen: dict[Value, dict[int, None]] = {}
    full_readers: dict[Value, list[int]] = {}
    for node, k, seen in wholes:
        if k not in bad_keys and len(seen) == len(longest[k][1]):
            full_readers.setdefault(k, []).append(node)
    for (k, v), node in writer.items():
        txn = txns[node]
        if (k, v) in seen_pairs or not txn.committed:
            continue
        order = longest[k][1] if k in longest else ()
        if order and (k, order[-1]) in writer:
            graph.add(writer[(k, order[-1])], node, WW, Reason(k, order[-1], v))
        for reader in full_readers.get(k, ()):
            if reader != node:
                graph.add(reader, node, RW, Reason(k, order, v))
        facts.writers.setdefault(k, {0}).add(node)
        unseen.setdefault(k, {})[node] = None
    for k, members in unseen.items():
        nodes = list(members)
        facts.chains[k] = [(a, a, ()) for a in nodes]
        for i, a in enumerate(nodes):
            facts.choices.extend(Choice(k, a, a, (), b, b, ()) for b in nodes[i + 1:])
    return facts


def _ops(txns: list[Txn], *nodes: int) -> tuple[int, ...]:
    return tuple(txns[n].op.id for n in nodes if txns[n].op is not None)  # type: ignore[union-attr]


def _orders(facts: Facts, wholes: list[Read],
            ) -> tuple[dict[Value, tuple[int, tuple[Value, ...]]], set[Value]]:
    """Each key's longest read (its reader and value), and the keys whose reads disagree.

    Reads of hot keys are long and many, so the work is done once per distinct read value
    (histories often share one tuple between reads of the same version) with tuple slices and
    comparisons; only the longest read, and reads that are not its prefixes, are searched for
    duplicate elements (a prefix of a list without duplicates has none).
    """
    txns = facts.txns
    longest: dict[Value, tuple[int, tuple[Value, ...]]] = {}
    distinct: dict[Value, dict[int, tuple[Value, ...]]] = {}
    for node, k, seen in wholes:
        distinct.setdefault(k, {})[id(seen)] = seen
        if k not in longest or len(seen) > len(longest[k][1]):
            longest[k] = (node, seen)
    odd: set[int] = set()
    for k, values in distinct.items():
        full = longest[k][1]
        odd.update(i for i, seen in values.items()
                   if seen is not full and full[: len(seen)] != seen)
        if len(set(full)) != len(full):
            odd.add(id(full))
    bad_keys: set[Value] = set()
    for node, k, seen in wholes:
        if id(seen) not in odd:
            continue
        full = longest[k][1]
        if full[: len(seen)] != seen:
            bad_keys.add(k)
            facts.anomalies.append(Anomaly(
                "incompatible-order",
                f"{txns[node].name} read {show(k)} = {show(seen)}, which is not a prefix of "
                f"{show(full)}: no single order of appends explains both",
                _ops(txns, node), {"key": show(k)}))
        if len(set(seen)) != len(seen):
            facts.anomalies.append(Anomaly(
                "duplicate-elements", f"{txns[node].name} read {show(k)} = {show(seen)}, "
                "with an element twice", _ops(txns, node), {"key": show(k)}))
    return longest, bad_keys


def _elements(facts: Facts, node: int, k: Value, order: tuple[Value, ...],
              writer: dict[tuple[Value, Value], int]) -> None:
    """Garbage and aborted elements, checked once per key on its longest read (by ``node``)."""
    txns = facts.txns
    for v in order:
        w = writer.get((k, v))
        if w is None:
            facts.anomalies.append(Anomaly(
                "garbage-read", f"{txns[node].name} read {show(v)} in {show(k)} = "
                f"{show(order)}, but no transaction appended it", _ops(txns, node),
                {"key": show(k)}))
        elif txns[w].aborted:
            facts.anomalies.append(Anomaly(
                "G1a", f"{txns[node].name} read {show(k)} = {show(order)}, including "
                f"{txns[w].name}'s append of {show(v)}, which aborted",
                _ops(txns, node, w), {"key": show(k)}))


def _external_reads(txns: list[Txn], facts: Facts) -> tuple[list[Read], list[Read]]:
    """Each committed read minus the txn's own appends (for edges), and whole (for orders)."""
    found: list[Read] = []
    wholes: list[Read] = []
    for txn in txns[1:]:
        if not txn.committed:
            continue
        own: dict[Value, list[Value]] = {}
        last_read: dict[Value, tuple[Value, ...]] = {}
        for f, k, v in txn.mops:
            if f == "append":
                own.setdefault(k, []).append(v)
                continue
            if f != "r":
                continue
            seen = tuple(v) if isinstance(v, tuple) else ()
            whole = seen
            mine = tuple(own.get(k, ()))
            expected = last_read[k] + mine if k in last_read else None
            if (expected is not None and seen != expected) or (mine and not (
                    len(seen) >= len(mine) and seen[len(seen) - len(mine):] == mine)):
                steps = [f"read {show(k)} = {show(last_read[k])}"] if expected is not None \
                    else []
                steps += [f"appended {show(mine)}"] if mine else []
                facts.anomalies.append(Anomaly(
                    "internal", f"{txn.name} {' and '.join(steps)}, but then read {show(k)} = "
                    f"{show(seen)}; it expected {show(expected or ('...', *mine))}",
                    _ops(txns, txn.node), {"key": show(k)}))
                if mine and seen[len(seen) - len(mine):] != mine:
                    continue  # its own appends are missing: nothing external to learn
            # A read that ends in the transaction's own appends shows, before them, a version
            # some other transaction installed: a non-repeatable read under read committed
            # is still a read of that version, and gives its edges.
            seen = seen[: len(seen) - len(mine)]
            last_read[k] = whole
            own.pop(k, None)
            found.append((txn.node, k, seen))
            wholes.append((txn.node, k, whole))
    return found, wholes


def _key_edges(history: History, facts: Facts, k: Value, order: tuple[Value, ...],
               writer: dict[tuple[Value, Value], int],
               last_append: dict[tuple[int, Value], Value]) -> None:
    txns, graph = facts.txns, facts.graph
    previous: int | None = None
    prev_value: Value = None
    aborted_before = None
    keyset = facts.writers.setdefault(k, {0})
    for v in order:
        node = writer.get((k, v))
        if node is None:
            continue
        keyset.add(node)
        txn = txns[node]
        if txn.aborted and aborted_before is None:
            aborted_before = (node, v)
        elif txn.committed and aborted_before is not None and aborted_before[0] != node:
            facts.anomalies.append(Anomaly(
                "dirty-update", f"{txn.name} appended {show(v)} to {show(k)} after "
                f"{txns[aborted_before[0]].name}'s aborted append of {show(aborted_before[1])}",
                _ops(txns, node, aborted_before[0]), {"key": show(k)}))
            aborted_before = None
        if previous is not None and previous != node:
            graph.add(previous, node, WW, Reason(k, prev_value, v))
        previous, prev_value = node, v


def _read_edges(facts: Facts, node: int, k: Value, seen: tuple[Value, ...],
                order: tuple[Value, ...], writer: dict[tuple[Value, Value], int],
                last_append: dict[tuple[int, Value], Value]) -> None:
    txns, graph = facts.txns, facts.graph
    reader = txns[node]
    if seen:
        last = seen[-1]
        w = writer.get((k, last))
        if w is not None:
            graph.add(w, node, WR, Reason(k, last, seen))
            facts.reads.append((node, k, w))
            final = last_append.get((w, k))
            if final != last and w != node and not txns[w].aborted:
                facts.anomalies.append(Anomaly(
                    "G1b", f"{reader.name} read {show(k)} = {show(seen)}, ending in "
                    f"{txns[w].name}'s intermediate append of {show(last)} (its last was "
                    f"{show(final)})", _ops(txns, node, w), {"key": show(k)}))
    else:
        facts.reads.append((node, k, 0))
    if len(seen) < len(order):
        nxt = order[len(seen)]
        w = writer.get((k, nxt))
        if w is not None:
            graph.add(node, w, RW, Reason(k, seen, nxt))
