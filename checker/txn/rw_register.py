"""Inference for rw-register: reads-from from unique values, version order left to a solver.

Every written value is unique per key, so a read of x = 3 names its writer: a wr edge. Reads of
nil read the initial state (node 0). The version order of each key is unknown; what is certain:

1. Chains (Cobra's coalescing): when T reads x from W and then writes x, no other write of x can
   fall between W and T under snapshot isolation or serializability, so W's and T's versions are
   adjacent. Two transactions that both read x from W and both write x are a ``lost-update``.
2. Inside a chain, ww edges link consecutive writers, and whoever read a version rw-> the
   writer of the next one.
3. The initial state's chain comes first; the order of any two other chains of a key is a
   ``Choice`` for the polygraph solver.
4. An indeterminate transaction's writes exist once any of its values was read: that read
   proves it committed. Until then they may never have happened and are left out.

Non-cycle anomalies: ``garbage-read`` (a value nobody wrote), ``future-read`` (a value the
transaction itself writes only later), ``G1a`` (a value of an aborted transaction), ``G1b`` (a
value its writer overwrote itself), ``internal`` (a read that does not show the transaction's
own earlier write). A read after the transaction's own write that shows another value is
``internal`` and still a read of that value: the other checks and its edges apply to it.
"""

from __future__ import annotations

import itertools

from histcheck.history import History
from histcheck.result import Anomaly
from histcheck.txn.facts import Facts
from histcheck.txn.model import INIT, RW, WR, WW, Graph, Reason, Txn, transactions
from histcheck.values import Value, show


def infer(history: History) -> Facts:
    txns = transactions(history)
    graph = Graph(len(txns))
    facts = Facts(txns, graph, assumed=WW | RW)
    writer: dict[tuple[Value, Value], int] = {}
    final: dict[tuple[int, Value], Value] = {}
    for txn in txns[1:]:
        for f, k, v in txn.mops:
            if f == "w":
                if (k, v) in writer and writer[(k, v)] != txn.node:
                    raise history.error(f"rw-register needs unique writes per key: {show(v)} "
                                        f"was written to {show(k)} twice", txn.op)
                writer[(k, v)] = txn.node
                final[(txn.node, k)] = v
    facts.values.update(final)
    readers: dict[tuple[int, Value], list[int]] = {}
    pred: dict[tuple[int, Value], int] = {}
    lost: set[tuple[int, Value]] = set()

    def problem(name: str, text: str, *nodes: int, key: Value = None) -> None:
        ops = tuple(txns[n].op.id for n in nodes if txns[n].op is not None)  # type: ignore[union-attr]
        facts.anomalies.append(Anomaly(name, text, ops, {"key": show(key)}))

    observed = _observed(txns, writer)
    for txn in txns[1:]:
        if not txn.committed:
            continue
        own: dict[Value, Value] = {}
        external: dict[Value, int] = {}
        written_at: dict[tuple[Value, Value], int] = {}
        for i, (f, k, v) in enumerate(txn.mops):
            if f == "w":
                written_at.setdefault((k, v), i)
        for index, (f, k, v) in enumerate(txn.mops):
            if f == "w":
                own[k] = v
                continue
            if f != "r":
                continue
            w = INIT if v is None else writer.get((k, v))
            if w == txn.node and written_at[(k, v)] > index:
                problem("future-read", f"{txn.name} read {show(k)} = {show(v)} before writing "
                        "that value itself: no database returns a value before it is written",
                        txn.node, key=k)
                continue
            if k in own:
                if v == own[k]:
                    continue
                problem("internal", f"{txn.name} wrote {show(k)} = {show(own[k])} and then "
                        f"read {show(k)} = {show(v)}", txn.node, key=k)
                if w == txn.node:
                    continue
            # Below read atomic a read after the transaction's own write is still a read of
            # some version: it must exist, and it gives the edges any read of it gives.
            if w is None:
                problem("garbage-read", f"{txn.name} read {show(k)} = {show(v)}, a value no "
                        "transaction wrote", txn.node, key=k)
                continue
            if txns[w].aborted:
                problem("G1a", f"{txn.name} read {show(k)} = {show(v)}, written by "
                        f"{txns[w].name}, which aborted", txn.node, w, key=k)
                continue
            if w != INIT and final.get((w, k)) != v:
                problem("G1b", f"{txn.name} read {show(k)} = {show(v)}, an intermediate value "
                        f"of {txns[w].name} (which finally wrote {show(final.get((w, k)))})",
                        txn.node, w, key=k)
                continue
            graph.add(w, txn.node, WR, Reason(k, v))
            facts.reads.append((txn.node, k, w))
            readers.setdefault((w, k), []).append(txn.node)
            if k not in own:
                external[k] = w
        for k in own:
            if k in external:
                w = external[k]
                other = next((r for r in readers[(w, k)] if pred.get((r, k)) == w), None)
                if other is not None and other != txn.node:
                    if (w, k) not in lost:
                        lost.add((w, k))
                        problem("lost-update", f"{txns[other].name} and {txn.name} both read "
                                f"{show(k)} = {show(final.get((w, k)))} from {txns[w].name} "
                                f"and both wrote {show(k)}: one update is lost",
                                other, txn.node, key=k)
                    continue
                pred[(txn.node, k)] = w
    keys_writers: dict[Value, list[int]] = {}
    for (node, k) in final:
        if txns[node].committed or node in observed:
            keys_writers.setdefault(k, []).append(node)
    for (_, k) in readers:
        keys_writers.setdefault(k, [])
    for k, nodes in keys_writers.items():
        _chains(facts, k, [INIT, *nodes], pred, readers, final)
    return facts


def _observed(txns: list[Txn], writer: dict[tuple[Value, Value], int]) -> set[int]:
    """Indeterminate transactions a committed transaction read a value from.

    Reading any one of its values proves an indeterminate transaction committed, so all of
    its writes exist, observed or not.
    """
    found: set[int] = set()
    for txn in txns[1:]:
        if txn.committed:
            for f, k, v in txn.mops:
                if f == "r" and v is not None:
                    w = writer.get((k, v))
                    if w is not None and w != txn.node and not txns[w].committed \
                            and not txns[w].aborted:
                        found.add(w)
    return found


def _chains(facts: Facts, k: Value, nodes: list[int], pred: dict[tuple[int, Value], int],
            readers: dict[tuple[int, Value], list[int]], final: dict[tuple[int, Value], Value],
            ) -> None:
    graph = facts.graph
    facts.writers[k] = set(nodes)
    succ: dict[int, int] = {}
    for node in nodes:
        p = pred.get((node, k))
        if p is not None and p not in succ:
            succ[p] = node
    heads = [n for n in nodes if (n, k) not in pred or pred[(n, k)] not in nodes
             or succ.get(pred[(n, k)]) != n]
    chains: list[list[int]] = []
    placed: set[int] = set()
    for head in heads:
        chain = [head]
        placed.add(head)
        while chain[-1] in succ and succ[chain[-1]] not in placed:
            chain.append(succ[chain[-1]])
            placed.add(chain[-1])
        chains.append(chain)
    for node in nodes:
        if node not in placed:  # a cycle of chain links: each read the other's write
            chains.append([node])
            placed.add(node)

    def link(a: int, b: int, chained: bool = False) -> None:
        if not chained:  # a chain link is already a wr edge: b read a's version
            graph.add(a, b, WW, Reason(k, final.get((a, k)), final.get((b, k))))
        for r in readers.get((a, k), ()):
            graph.add(r, b, RW, Reason(k, final.get((a, k)), final.get((b, k))))

    for chain in chains:
        for a, b in itertools.pairwise(chain):
            link(a, b, chained=True)
    first = next((c for c in chains if c[0] == INIT), None)
    others = [c for c in chains if c is not first]
    if first is not None:
        for chain in others:
            link(first[-1], chain[0])
    facts.chains[k] = [(c[0], c[-1], tuple(readers.get((c[-1], k), ()))) for c in others]
