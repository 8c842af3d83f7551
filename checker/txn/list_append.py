"""Inference for list-append: version orders recovered from the reads themselves.

Every append is unique, so a read ``[1 2 3]`` of key x says which transactions wrote x's first
three versions and in which order. Rules (Elle's list-append):

1. Every read of x must be a prefix of the longest read of x; otherwise ``incompatible-order``.
2. The longest read is x's version order; consecutive writers give ww edges. In it each
   transaction's appends to x form one block, in program order; a block that stops short is
   the end of the list (an intermediate read). Anything else (``[1 3]`` when 2 and 3 were
   appended together, ``[3 2]``) is a state no execution reaches: ``incompatible-order``.
3. A read of length L gives wr from the writer of element L, and rw to the writer of element
   L+1 (the reader did not see it). An empty read is rw to the first writer.
4. Appends no read ever saw were placed after everything seen: the last writer ww-> them and
   the readers of the longest version rw-> them (readers did not see them). Their order among
   themselves is unknown: a ``Choice`` per pair for the solver (it matters for snapshot
   isolation). Unseen appends of a failed or indeterminate transaction are dropped until a
   read shows any of its appends: that read proves it took effect (for a failed one, that its
   writes were visible, which only read uncommitted allows), and then all of them exist.

Every read is checked, a transaction's reads of its own appends included. Non-cycle
anomalies: ``garbage-read`` (an element nobody appended), ``future-read`` (an element the
reading transaction appends only later), ``G1a`` (an element of an aborted transaction),
``G1b`` (a read ending in a transaction's non-final append), ``duplicate-elements``,
``internal`` (a read that does not reflect the transaction's own earlier appends and reads)
and ``dirty-update`` (a committed append ordered after an aborted one). A read that is
``internal`` because it lacks the transaction's own appends still shows a version of the key:
it gives that version's edges.
"""

from __future__ import annotations

from typing import NamedTuple

from histcheck.history import History
from histcheck.result import Anomaly
from histcheck.txn.facts import Facts
from histcheck.txn.model import RW, WR, WW, Graph, Txn, transactions
from histcheck.values import Value, show

Read = tuple[int, Value, tuple[Value, ...]]


class _Observation(NamedTuple):
    """One committed read, as (reader, key, whole value), with what its transaction did before.

    ``mine`` are the reader's own appends to the key since its previous read of it (all of
    them when there was none); ``before`` is that previous read; ``later`` the values the
    reader appends to the key after this read. ``version`` is the part other transactions
    wrote: the whole read less the reader's own appends when it ends in all of them (the
    reader's view is that version plus its own appends), the whole read otherwise.

    Reads are many, so they are kept as plain tuples of these fields (``Observation``); this
    class names the fields where a read is reported.
    """

    node: int
    key: Value
    whole: tuple[Value, ...]
    mine: tuple[Value, ...]
    before: tuple[Value, ...] | None
    later: tuple[Value, ...]
    version: tuple[Value, ...]


Observation = tuple[int, Value, tuple[Value, ...], tuple[Value, ...], tuple[Value, ...] | None,
                    tuple[Value, ...], tuple[Value, ...]]


def infer(history: History) -> Facts:
    txns = transactions(history)
    graph = Graph(len(txns))
    facts = Facts(txns, graph)
    writer: dict[tuple[Value, Value], int] = {}
    last_append: dict[tuple[int, Value], Value] = {}
    appends: dict[tuple[int, Value], list[Value]] = {}
    """A transaction's appends to a key, in program order, when it touches the key more than
    once; otherwise its one append is ``last_append``'s."""
    observations: list[Observation] = []
    observe = observations.append
    for txn in txns[1:]:
        node = txn.node
        mops = txn.mops
        # Each key once (the usual case): a read has no own appends, earlier read or later
        # appends to account for, and is taken in the same pass as the appends.
        distinct = len(mops) == 1 or len({m[1] for m in mops}) == len(mops)
        simple = distinct and txn.committed
        for f, k, v in mops:
            if f == "append":
                if writer.setdefault((k, v), node) != node:
                    raise history.error(f"list-append needs unique appends: {show(v)} was "
                                        f"appended to {show(k)} twice", txn.op)
                last_append[(node, k)] = v
                if not distinct:
                    mine = appends.get((node, k))
                    if mine is None:
                        appends[(node, k)] = [v]
                    else:
                        mine.append(v)
            elif simple and f == "r":
                whole = tuple(v) if isinstance(v, tuple) else ()
                observe((node, k, whole, (), None, (), whole))
        if txn.committed and not simple:
            observations.extend(_observations(txn))
    facts.values.update(last_append)
    wholes = [(o[0], o[1], o[6]) for o in observations]
    longest, bad_keys = _orders(facts, wholes)
    incompatible = set(bad_keys)
    aborted = {txn.node for txn in txns if txn.aborted}
    key_writers: dict[Value, list[int | None]] = {}
    for k, (node, order) in longest.items():
        if k not in bad_keys:
            ws = key_writers[k] = [writer.get((k, v)) for v in order]
            _elements(facts, node, k, order, ws, aborted)
            if not _blocks(facts, node, k, order, ws, appends, last_append):
                bad_keys.add(k)
                continue
            _key_edges(facts, k, order, ws)
    if incompatible:
        for node, k, seen in _distinct_reads(wholes, incompatible):
            _elements(facts, node, k, seen, [writer.get((k, v)) for v in seen], aborted)
    full_readers = _read_edges(facts, observations, longest, bad_keys, key_writers,
                               last_append)
    _unseen(facts, longest, bad_keys, wholes, writer, full_readers)
    return facts


def _read_edges(facts: Facts, observations: list[Observation],
                longest: dict[Value, tuple[int, tuple[Value, ...]]], bad_keys: set[Value],
                key_writers: dict[Value, list[int | None]],
                last_append: dict[tuple[int, Value], Value]) -> dict[Value, list[int]]:
    """Check every read and give its edges (rule 3); the readers of each key's longest version.

    A read of length L gives wr from the writer of element L (``G1b`` when that was not the
    writer's last append to the key) and rw to the writer of element L+1. The key's reads are
    prefixes of its longest (other keys are bad), so those are the writers of the longest
    read's elements L and L+1 (``key_writers``).
    """
    txns, graph, reads = facts.txns, facts.graph, facts.reads
    out, reasons = graph.out, graph.reasons
    positions: dict[Value, dict[Value, int]] = {}
    full_readers: dict[Value, list[int]] = {}
    for o in observations:
        node, k, whole, mine, before, later, version = o
        if version is not whole and len(set(whole)) != len(whole):
            _duplicates(facts, node, k, whole)
        if k in bad_keys:
            if later and set(later) & set(whole):
                _future(facts, o)
            else:
                _internal(facts, o)
            continue
        order = longest[k][1]
        length = len(version)
        if length == len(order):
            readers = full_readers.get(k)
            if readers is None:
                full_readers[k] = [node]
            else:
                readers.append(node)
        if later:
            if k not in positions:
                positions[k] = {v: i for i, v in enumerate(order)}
            where = positions[k]
            if any(where.get(v, length) < length for v in later):
                _future(facts, o)
                continue
        if mine or before is not None:
            _internal(facts, o)
        ws = key_writers[k]
        if length:
            last = version[-1]
            w = ws[length - 1]
            if w is not None and w != node:
                edges = out[w]  # _add inlined, here and below: this loop runs once per read
                old = edges.get(node, 0)
                if not old & WR:
                    edges[node] = old | WR
                    reasons[(w, node, WR)] = (k, last, version)
                reads.append((node, k, w))
                final = last_append.get((w, k))
                if final != last and not txns[w].aborted:
                    facts.anomalies.append(Anomaly(
                        "G1b", f"{txns[node].name} read {show(k)} = {show(version)}, ending "
                        f"in {txns[w].name}'s intermediate append of {show(last)} (its last "
                        f"was {show(final)})", _ops(txns, node, w), {"key": show(k)}))
        else:
            reads.append((node, k, 0))
        if length < len(order):
            nxt = order[length]
            w = ws[length]
            if w is not None and w != node:
                edges = out[node]
                old = edges.get(w, 0)
                if not old & RW:
                    edges[w] = old | RW
                    reasons[(node, w, RW)] = (k, version, nxt)
    return full_readers


def _unseen(facts: Facts, longest: dict[Value, tuple[int, tuple[Value, ...]]],
            bad_keys: set[Value], wholes: list[Read], writer: dict[tuple[Value, Value], int],
            full_readers: dict[Value, list[int]]) -> None:
    """Rule 4: appends no read saw follow everything seen, in an order left to the solver."""
    txns, graph = facts.txns, facts.graph
    seen_in: dict[Value, set[Value]] = {}
    observed: set[int] = set()
    for k, (_, order) in longest.items():
        if k not in bad_keys:
            seen_in[k] = set(order)
            observed.update(facts.writers.get(k, ()))  # the writers of the order's elements
    for _, k, seen in wholes:
        if k in bad_keys:
            for v in seen:
                w = writer.get((k, v))
                if w is not None:
                    observed.add(w)
    unseen: dict[Value, dict[int, None]] = {}
    nothing: set[Value] = set()
    for (k, v), node in writer.items():
        if k in bad_keys or v in seen_in.get(k, nothing):
            continue
        txn = txns[node]
        if not (txn.committed or node in observed):
            continue
        order = longest[k][1] if k in longest else ()
        if order and (k, order[-1]) in writer:
            _add(graph, writer[(k, order[-1])], node, WW, k, order[-1], v)
        for reader in full_readers.get(k, ()):
            if reader != node:
                _add(graph, reader, node, RW, k, order, v)
        facts.writers.setdefault(k, {0}).add(node)
        unseen.setdefault(k, {})[node] = None
    for k, members in unseen.items():
        nodes = list(members)
        facts.chains[k] = [(a, a, ()) for a in nodes]


def _ops(txns: list[Txn], *nodes: int) -> tuple[int, ...]:
    return tuple(txns[n].op.id for n in nodes if txns[n].op is not None)  # type: ignore[union-attr]


def _observations(txn: Txn) -> list[Observation]:
    """The reads of a committed transaction that touches some key more than once."""
    found: list[Observation] = []
    mops = txn.mops
    later: list[tuple[Value, ...]] = [()] * len(mops)
    after: dict[Value, tuple[Value, ...]] = {}
    for index in range(len(mops) - 1, -1, -1):
        f, k, v = mops[index]
        if f == "append":
            after[k] = (v, *after.get(k, ()))
        elif f == "r":
            later[index] = after.get(k, ())
    own: dict[Value, list[Value]] = {}
    since: dict[Value, list[Value]] = {}
    last_read: dict[Value, tuple[Value, ...]] = {}
    for index, (f, k, v) in enumerate(mops):
        if f == "append":
            own.setdefault(k, []).append(v)
            since.setdefault(k, []).append(v)
        elif f == "r":
            whole = tuple(v) if isinstance(v, tuple) else ()
            mine = tuple(own.get(k, ()))
            version = whole
            if mine and len(whole) >= len(mine) and whole[len(whole) - len(mine):] == mine:
                version = whole[: len(whole) - len(mine)]
            found.append((txn.node, k, whole, tuple(since.pop(k, ())), last_read.get(k),
                          later[index], version))
            last_read[k] = whole
    return found


def _future(facts: Facts, read: Observation) -> None:
    txns, o = facts.txns, _Observation._make(read)
    shown = [v for v in o.later if v in set(o.whole)]
    facts.anomalies.append(Anomaly(
        "future-read", f"{txns[o.node].name} read {show(o.key)} = {show(o.whole)}, including "
        f"its own append of {show(shown[0])}, which it makes only later: no database returns "
        "a value before it is written", _ops(txns, o.node), {"key": show(o.key)}))


def _internal(facts: Facts, read: Observation) -> None:
    """Check ``read`` against its transaction's own view: its previous read of the key plus
    what it appended since, or, without a previous read, some version followed by its
    appends."""
    txns, o = facts.txns, _Observation._make(read)
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
    for node, k, seen in wholes if odd else ():
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
              ws: list[int | None], aborted: set[int]) -> None:
    """Garbage and aborted elements, checked once per key on its longest read (by ``node``);
    ``ws`` are the elements' writers."""
    txns = facts.txns
    if None not in ws and aborted.isdisjoint(ws):
        return
    for v, w in zip(order, ws, strict=True):
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
            ws: list[int | None], appends: dict[tuple[int, Value], list[Value]],
            last_append: dict[tuple[int, Value], Value]) -> bool:
    """Each writer's appends in ``order`` must be one block, a prefix of its program order.

    Only the last block may stop short (the list then ends inside that transaction: an
    intermediate read); a transaction's appends out of order, split, or missing before
    another's are a list no execution produces.
    """
    txns = facts.txns
    done: set[int] = set()
    current, at = -1, 0
    mine: list[Value] = []  # the appends of ``current``
    problem: str | None = None
    for v, w in zip(order, ws, strict=True):
        if w is None:
            continue
        if w != current:
            if current >= 0 and at < len(mine):
                problem = (f"{txns[current].name} appended {show(tuple(mine))}"
                           f" but the list goes on after {show(mine[at - 1])}"
                           f" without {show(mine[at])}")
                break
            mine = appends.get((w, k)) or [last_append[(w, k)]]
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


def _key_edges(facts: Facts, k: Value, order: tuple[Value, ...],
               ws: list[int | None]) -> None:
    """Rule 2: ww edges between consecutive writers of ``order``, and ``dirty-update``."""
    txns, out, reasons = facts.txns, facts.graph.out, facts.graph.reasons
    previous: int | None = None
    prev_value: Value = None
    aborted_before = None
    keyset = facts.writers.setdefault(k, {0})
    for v, node in zip(order, ws, strict=True):
        if node is None:
            continue
        if node == previous:  # the rest of a block: nothing new
            prev_value = v
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
        if previous is not None:  # _add inlined: this runs once per block of every key
            edges = out[previous]
            old = edges.get(node, 0)
            if not old & WW:
                edges[node] = old | WW
                reasons[(previous, node, WW)] = (k, prev_value, v)
        previous, prev_value = node, v


def _add(graph: Graph, a: int, b: int, kind: int, key: Value, value: Value,
         other: Value) -> None:
    """``graph.add`` with the reason ``(key, value, other)``."""
    if a == b:
        return
    edges = graph.out[a]
    old = edges.get(b, 0)
    if not old & kind:
        edges[b] = old | kind
        graph.reasons[(a, b, kind)] = (key, value, other)
