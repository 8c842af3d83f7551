"""The happens-before graph as a networkx DiGraph (for analysis; checks use vector clocks).

Nodes are event ids with attributes ``node``, ``kind``, ``line`` and ``label`` (the event's
description); edges carry ``kind``: ``"local"`` (next event at the same node) or ``"message"``.
Only the covering edges are stored: happens-before is their transitive closure, which is never
built (``networkx.has_path`` answers one pair; vector clocks answer any pair in O(1)).
"""

from __future__ import annotations

import itertools

import networkx as nx

from histcheck.trace.model import Trace


def hb_graph(trace: Trace) -> nx.DiGraph:
    graph = nx.DiGraph()
    for event in trace.events:
        graph.add_node(event.id, node=event.node, kind=event.kind.value, line=event.line,
                       label=event.describe())
    for timeline in trace.timelines.values():
        graph.add_edges_from(itertools.pairwise(timeline), kind="local")
    for event in trace.events:
        sent = trace.source_of[event.id]
        if sent >= 0:
            graph.add_edge(sent, event.id, kind="message", msg=event.msg)
    return graph
