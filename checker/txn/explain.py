"""Turning a cycle into sentences: one per edge, each saying why one transaction precedes another.

Finding a cycle and explaining it are kept apart (Elle's DataExplainer idea): each edge kind has
one sentence pattern filled from the ``Reason`` recorded when the edge was inferred.
"""

from __future__ import annotations

from histcheck.txn.cycles import Cycle
from histcheck.txn.model import PROCESS, REALTIME, RW, WR, WW, Graph, Txn
from histcheck.values import show


def edge_sentence(graph: Graph, txns: list[Txn], a: int, b: int, kind: int,
                  workload: str) -> str:
    ta, tb = txns[a].name, txns[b].name
    r = graph.reason(a, b, kind)
    k = show(r.key) if r else "?"
    verb = "append" if workload == "list-append" else "write"
    if kind == WW:
        other = show(r.other) if r else "?"
        return (f"{ta}'s {verb} of {show(r.value) if r else '?'} to {k} came before {tb}'s "
                f"{verb} of {other}, so {ta} < {tb}")
    if kind == WR:
        value = show(r.value) if r else "?"
        return f"{tb} read {ta}'s {verb} of {value} to {k}, so {ta} < {tb}"
    if kind == RW:
        seen = show(r.value) if r else "?"
        other = show(r.other) if r else "?"
        return (f"{ta} read {k} = {seen} and did not see {tb}'s {verb} of {other}, "
                f"so {ta} < {tb}")
    if kind == PROCESS:
        proc = show(r.key) if r else "?"
        return f"process {proc} ran {ta} before {tb}, so {ta} < {tb}"
    if kind == REALTIME:
        return f"{ta} completed before {tb} began, so {ta} < {tb}"
    return f"{ta} < {tb}"


KIND_NAMES = {WW: "ww", WR: "wr", RW: "rw", PROCESS: "process", REALTIME: "realtime"}
"""How reports label an edge of each kind."""


def explain(graph: Graph, txns: list[Txn], cycle: Cycle, workload: str) -> str:
    """The cycle as a paragraph ending in the contradiction."""
    lines = [edge["sentence"] for edge in edges(graph, txns, cycle, workload)]
    first = txns[cycle.nodes[0]].name
    return "; ".join(lines) + f": {first} < {first}, a contradiction."


def edges(graph: Graph, txns: list[Txn], cycle: Cycle, workload: str) -> list[dict[str, str]]:
    """The cycle's edges in order, each with its ends, kind and sentence (for reports)."""
    nodes = list(cycle.nodes)
    pairs = zip(nodes, nodes[1:] + nodes[:1], cycle.kinds, strict=False)
    return [{"from": txns[a].name, "to": txns[b].name, "kind": KIND_NAMES.get(kind, "?"),
             "sentence": edge_sentence(graph, txns, a, b, kind, workload)}
            for a, b, kind in pairs]


def describe(txns: list[Txn], nodes: tuple[int, ...]) -> list[str]:
    """``T3 = [[r x [1 2]] [append y 4]]`` lines for the transactions of a cycle."""
    out = []
    for n in nodes:
        txn = txns[n]
        body = "initial state" if txn.op is None else show(txn.op.value)
        process = "" if txn.op is None else f" (process {show(txn.op.process)}, op {txn.op.id})"
        out.append(f"{txn.name}{process} = {body}")
    return out
