"""The happens-before graph as a networkx DiGraph (for analysis; checks use vector clocks).

Nodes are event ids with attributes ``node``, ``kind``, ``line`` and ``label`` (the event's
description); edges carry ``kind``: ``"local"`` (next event at the same node), ``"message"``, or
``"left-out"`` for a message edge whose receipt comes before its send (see ``early``). Only the
covering edges are stored: happens-before is the transitive closure of the local and message
edges, which is never built (``networkx.has_path`` answers one pair; vector clocks answer any
pair in O(1)).
"""

from __future__ import annotations

import itertools

import networkx as nx

from histcheck.trace.clocks import vector_clocks
from histcheck.trace.model import Trace


def hb_graph(trace: Trace) -> nx.DiGraph:
    graph = nx.DiGraph()
    for event in trace.events:
        graph.add_node(event.id, node=event.node, kind=event.kind.value, line=event.line,
                       label=event.describe())
    for timeline in trace.timelines.values():
        graph.add_edges_from(itertools.pairwise(timeline), kind="local")
    left_out = vector_clocks(trace).left_out.receipts()
    for event in trace.events:
        sent = trace.source_of[event.id]
        if sent >= 0:
            graph.add_edge(sent, event.id, msg=event.msg,
                           kind="left-out" if event.id in left_out else "message")
    return graph
