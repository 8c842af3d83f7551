"""A straightforward list-append inference, the reference the fast one is held to.

It follows the rules of ``histcheck.txn.list_append`` literally: tuples and slices per read,
one pass per concern. tests/txn/test_list_append_fast.py checks that both give the same facts
(edges, reasons, reads, writers, chains, choices, anomalies) on thousands of odd histories.
"""

from __future__ import annotations

from dataclasses import dataclass

from histcheck.history import History
from histcheck.result import Anomaly
from histcheck.txn.facts import Facts
from histcheck.txn.model import RW, WR, WW, Graph, Reason, Txn, transactions
from histcheck.values import Value, show

Read = tuple[int, Value, tuple[Value, ...]]


@dataclass(frozen=True, slots=True)
class _Observation:
    """One committed read, as (reader, key, whole value), with what its transaction did before.

    ``mine`` are the reader's own appends to the key since its previous read of it (all of
    them when there was none); ``before`` is that previous read; ``later`` the values the
    reader appends to the key after this read. ``version`` is the part other transactions
    wrote: the whole read less the reader's own appends when it ends in all of them (the
    reader's view is that version plus its own appends), the whole read otherwise.
    """

    node: int
    key: Value
    whole: tuple[Value, ...]
    mine: tuple[Value, ...]
    before: tuple[Value, ...] | None
    later: tuple[Value, ...]
    version: tuple[Value, ...]


def infer(history: History) -> Facts:
    txns = transactions(history)
    graph = Graph(len(txns))
    facts = Facts(txns, graph)
    writer: dict[tuple[Value, Value], int] = {}
    last_append: dict[tuple[int, Value], Value] = {}
    appends: dict[tuple[int, Value], list[Value]] = {}
    for txn in txns[1:]:
        for f, k, v in txn.mops:
            if f == "append":
                if (k, v) in writer and writer[(k, v)] != txn.node:
                    raise history.error(f"list-append needs unique appends: {show(v)} was "
                                        f"appended to {show(k)} twice", txn.op)
                writer[(k, v)] = txn.node
                last_append[(txn.node, k)] = v
                appends.setdefault((txn.node, k), []).append(v)
    for (node, k), v in last_append.items():
        facts.values[(node, k)] = v
    observations = _observations(txns)
    wholes = [(o.node, o.key, o.version) for o in observations]
    longest, bad_keys = _orders(facts, wholes)
    incompatible = set(bad_keys)
    for k, (node, order) in longest.items():
        if k not in bad_keys:
            _elements(facts, node, k, order, writer)
            if not _blocks(facts, node, k, order, writer, appends):
                bad_keys.add(k)
                continue
            _key_edges(history, facts, k, order, writer, last_append)
    for node, k, seen in _distinct_reads(wholes, incompatible):
        _elements(facts, node, k, seen, writer)
    positions: dict[Value, dict[Value, int]] = {}
    for o in observations:
        if o.version is not o.whole and len(set(o.whole)) != len(o.whole):
            _duplicates(facts, o.node, o.key, o.whole)
        if o.key in bad_keys:
            if o.later and set(o.later) & set(o.whole):
                _future(facts, o)
            else:
                _internal(facts, o)
            continue
        if o.later:
            if o.key not in positions:
                positions[o.key] = {v: i for i, v in enumerate(longest[o.key][1])}
            where = positions[o.key]
            if any(where.get(v, len(o.version)) < len(o.version) for v in o.later):
                _future(facts, o)
                continue
        _internal(facts, o)
        _read_edges(facts, o.node, o.key, o.version, longest[o.key][1], writer, last_append)
    seen_pairs = {(k, v) for k, (_, order) in longest.items() if k not in bad_keys
                  for v in order}
    seen_pairs.update((k, v) for _, k, seen in wholes if k in bad_keys for v in seen)
    observed = {writer[p] for p in seen_pairs if p in writer}
    unseen: dict[Value, dict[int, None]] = {}
    full_readers: dict[Value, list[int]] = {}
    for node, k, seen in wholes:
        if k not in bad_keys and len(seen) == len(longest[k][1]):
            full_readers.setdefault(k, []).append(node)
    for (k, v), node in writer.items():
        txn = txns[node]
        if (k, v) in seen_pairs or k in bad_keys or not (txn.committed or node in observed):
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
    return facts


def _ops(txns: list[Txn], *nodes: int) -> tuple[int, ...]:
    return tuple(txns[n].op.id for n in nodes if txns[n].op is not None)  # type: ignore[union-attr]


def _observations(txns: list[Txn]) -> list[_Observation]:
    """Every read of every committed transaction, in history order."""
    found: list[_Observation] = []
    for txn in txns[1:]:
        if not txn.committed:
            continue
        later: list[tuple[Value, ...]] = [()] * len(txn.mops)
        after: dict[Value, tuple[Value, ...]] = {}
        for index in range(len(txn.mops) - 1, -1, -1):
            f, k, v = txn.mops[index]
            if f == "append":
                after[k] = (v, *after.get(k, ()))
            elif f == "r":
                later[index] = after.get(k, ())
        own: dict[Value, list[Value]] = {}
        since: dict[Value, list[Value]] = {}
        last_read: dict[Value, tuple[Value, ...]] = {}
        for index, (f, k, v) in enumerate(txn.mops):
            if f == "append":
                own.setdefault(k, []).append(v)
                since.setdefault(k, []).append(v)
            elif f == "r":
                whole = tuple(v) if isinstance(v, tuple) else ()
                mine = tuple(own.get(k, ()))
                version = whole
                if mine and len(whole) >= len(mine) and whole[len(whole) - len(mine):] == mine:
                    version = whole[: len(whole) - len(mine)]
                found.append(_Observation(txn.node, k, whole, tuple(since.pop(k, ())),
                                          last_read.get(k), later[index], version))
                last_read[k] = whole
    return found


def _future(facts: Facts, o: _Observation) -> None:
    txns = facts.txns
    shown = [v for v in o.later if v in set(o.whole)]
    facts.anomalies.append(Anomaly(
        "future-read", f"{txns[o.node].name} read {show(o.key)} = {show(o.whole)}, including "
        f"its own append of {show(shown[0])}, which it makes only later: no database returns "
        "a value before it is written", _ops(txns, o.node), {"key": show(o.key)}))


def _internal(facts: Facts, o: _Observation) -> None:
    """Check ``o`` against its transaction's own view: its previous read of the key plus what
    it appended since, or, without a previous read, some version followed by its appends."""
    txns = facts.txns
    seen, mine = o.whole, o.mine
    expected = o.before + mine if o.before is not None else None
    ends_mine = len(seen) >= len(mine) and seen[len(seen) - len(mine):] == mine
    if (expected is not None and seen != expected) or not ends_mine:
        steps = [f"read {show(o.key)} = {show(o.before)}"] if o.before is not None else []
        steps += [f"appended {show(mine)}"] if mine else []
        facts.anomalies.append(Anomaly(
            "internal", f"{txns[o.node].name} {' and '.join(steps)}, but then read "
            f"{show(o.key)} = {show(seen)}; it expected {show(expected or ('...', *mine))}",
            _ops(txns, o.node), {"key": show(o.key)}))


def _duplicates(facts: Facts, node: int, k: Value, seen: tuple[Value, ...]) -> None:
    txns = facts.txns
    facts.anomalies.append(Anomaly(
        "duplicate-elements", f"{txns[node].name} read {show(k)} = {show(seen)}, with an "
        "element twice", _ops(txns, node), {"key": show(k)}))


def _distinct_reads(wholes: list[Read], keys: set[Value]) -> list[Read]:
    """One read per distinct value of each of ``keys`` (each is checked on its own)."""
    chosen: dict[tuple[Value, tuple[Value, ...]], Read] = {}
    for node, k, seen in wholes:
        if k in keys:
            chosen.setdefault((k, seen), (node, k, seen))
    return list(chosen.values())


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
            _duplicates(facts, node, k, seen)
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


def _blocks(facts: Facts, node: int, k: Value, order: tuple[Value, ...],
            writer: dict[tuple[Value, Value], int],
            appends: dict[tuple[int, Value], list[Value]]) -> bool:
    """Each writer's appends in ``order`` must be one block, a prefix of its program order.

    Only the last block may stop short (the list then ends inside that transaction: an
    intermediate read); a transaction's appends out of order, split, or missing before
    another's are a list no execution produces.
    """
    txns = facts.txns
    done: set[int] = set()
    current, at = -1, 0
    problem: str | None = None
    for v in order:
        w = writer.get((k, v))
        if w is None:
            continue
        mine = appends[(w, k)]
        if w != current:
            if current >= 0 and at < len(appends[(current, k)]):
                problem = (f"{txns[current].name} appended {show(tuple(appends[(current, k)]))}"
                           f" but the list goes on after {show(appends[(current, k)][at - 1])}"
                           f" without {show(appends[(current, k)][at])}")
                break
            if w in done or mine[0] != v:
                problem = (f"{txns[w].name} appended {show(tuple(mine))} in that order, "
                           f"but the list shows {show(v)} "
                           + ("apart from its other appends" if w in done else
                              f"before {show(mine[0])}"))
                break
            done.add(w)
            current, at = w, 1
        elif at < len(mine) and mine[at] == v:
            at += 1
        else:
            problem = (f"{txns[w].name} appended {show(tuple(mine))} in that order, but the "
                       f"list shows {show(v)} out of that order")
            break
    if problem is not None:
        facts.anomalies.append(Anomaly(
            "incompatible-order", f"{txns[node].name} read {show(k)} = {show(order)}: "
            f"{problem}, and no execution produces that list", _ops(txns, node),
            {"key": show(k)}))
    return problem is None


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
        if w is not None and w != node:
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
