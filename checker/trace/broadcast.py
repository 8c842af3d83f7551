"""Broadcast orders: reliable, FIFO, causal, total order and FIFO-total order.

Every level includes reliability (Cachin, Guerraoui and Rodrigues' reliable broadcast):

- no creation: a node delivers only messages that were broadcast, from their real sender;
- no duplication: no node delivers a message twice;
- agreement: a message broadcast by a correct node, or delivered by any correct node, is
  delivered by every correct node (the sender included).

The orders, each checked at every node that delivers, crashed nodes included:

- FIFO: if one node broadcast m1 before m2, a node that delivers m2 has delivered m1 before it;
- causal: if broadcast(m1) -> broadcast(m2), a node that delivers m2 has delivered m1 before it;
- total order: two nodes that both deliver m1 and m2 deliver them in the same order.

FIFO and causal are checked in one pass per node: a node's deliveries from each sender must
cover a prefix of that sender's broadcasts, so the node keeps one counter per sender (how long the
delivered prefix is). What delivering m2 needs is read off the vector clock of broadcast(m2): per
sender, how many of its broadcasts happen before it, a vector computed once per broadcast. Both
vectors are packed into integers, so each delivery costs one guarded subtraction (see
``ordered``); only a failing comparison looks at which sender falls short.

Built for million-event traces: every per-delivery step that can run in C does (sets, ``map``,
arrays), and the slow, explaining code runs only for the nodes or pairs that fail a fast test.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from itertools import islice, pairwise
from operator import attrgetter, eq, lshift, lt

from histcheck.trace.clocks import VectorClocks
from histcheck.trace.findings import Findings, ordinal
from histcheck.trace.model import Kind, Trace, TraceEvent

_PEER = attrgetter("peer")
LEVELS = ("reliable", "fifo", "causal", "total-order", "fifo-total-order")


def check_broadcast(trace: Trace, level: str, clocks: VectorClocks | None,
                    findings: Findings) -> None:
    """Add every violation of ``level`` to ``findings`` (``clocks`` is needed for causal)."""
    split = _split(trace)
    reliable(trace, split, findings)
    if level == "causal":
        assert clocks is not None
        ordered(trace, split, findings, clocks)
    elif level in ("fifo", "fifo-total-order"):
        ordered(trace, split, findings, None)
    if level in ("total-order", "fifo-total-order"):
        total_order(trace, split, findings)


@dataclass(frozen=True)
class _Split:
    """Each node's broadcasts and deliveries in its local order, and the broadcasts numbered.

    Broadcast ``g`` (numbered by sender column, then local order) is ``who[g] = (column, k)``:
    the k-th (0-based) broadcast of node ``nodes[column]``. ``numbers[node]`` gives, per delivery
    of the node, the number of the broadcast it delivers, or -1 for a message never broadcast.
    """

    sent: dict[str, list[TraceEvent]]
    delivered: dict[str, list[TraceEvent]]
    who: list[tuple[int, int]]
    numbers: dict[str, array[int]]


def _split(trace: Trace) -> _Split:
    events, broadcast, deliver = trace.events, Kind.BROADCAST, Kind.DELIVER
    sent: dict[str, list[TraceEvent]] = {}
    delivered: dict[str, list[TraceEvent]] = {}
    for node in trace.nodes:
        mine = [events[i] for i in trace.timelines[node]]
        sent[node] = [e for e in mine if e.kind is broadcast]
        delivered[node] = [e for e in mine if e.kind is deliver]
    # number_at[position of a broadcast] = its number; one extra -1 at the end, so that the -1 of
    # source_of (a delivery of a message never broadcast) indexes it and yields -1.
    number_at = array("i", [-1]) * (len(events) + 1)
    who: list[tuple[int, int]] = []
    for c, node in enumerate(trace.nodes):
        for k, event in enumerate(sent[node]):
            number_at[event.id] = len(who)
            who.append((c, k))
    source_of = trace.source_of
    numbers = {node: array("i", [number_at[source_of[e.id]] for e in delivered[node]])
               for node in trace.nodes}  # arrays: 4 bytes a delivery, not a 28-byte int
    return _Split(sent, delivered, who, numbers)


def reliable(trace: Trace, split: _Split, findings: Findings) -> None:
    correct = trace.correct()
    origin_of = [trace.nodes[column] for column, _ in split.who]
    complete = True  # every correct node delivered every broadcast (so nothing is lost)
    ghosts: dict[str, set[str | None]] = {}  # messages never broadcast, by the nodes delivering
    for node in trace.nodes:
        numbers, mine = split.numbers[node], split.delivered[node]
        got = set(numbers)
        peers = list(map(_PEER, mine))
        if not (-1 not in got and len(got) == len(numbers) and
                sum(map(eq, peers, map(origin_of.__getitem__, numbers))) +
                peers.count(None) == len(numbers)):
            # some unknown message, duplicate or wrong sender: look delivery by delivery
            _node_findings(trace, split, node, origin_of, findings)
        if -1 in got:
            ghosts[node] = {e.msg for e, g in zip(mine, numbers, strict=True) if g < 0}
        got.discard(-1)
        complete = complete and (node not in correct or len(got) == len(split.who))
    if not complete:
        _lost(trace, split, {n: set(split.numbers[n]) for n in correct}, correct, findings)
    if any(node in ghosts for node in correct):
        _lost_ghosts(split, ghosts, correct, findings)


def _node_findings(trace: Trace, split: _Split, node: str, origin_of: list[str],
                   findings: Findings) -> None:
    """A node's unknown messages, wrong senders and duplicates, delivery by delivery."""
    seen = bytearray(len(split.who))
    ghosts: dict[str | None, TraceEvent] = {}
    for event, g in zip(split.delivered[node], split.numbers[node], strict=True):
        if g < 0:
            findings.add("unknown-message", f"{event.describe()} delivers {event.msg!r}, "
                         f"which no node broadcast", [event])
            first = ghosts.setdefault(event.msg, event)
            if first is not event:
                findings.add("duplicate-delivery", f"{node} delivers {event.msg!r} twice: "
                             f"{first.describe()} and again on line {event.line}",
                             [first, event])
            continue
        origin = split.sent[origin_of[g]][split.who[g][1]]
        if event.peer is not None and event.peer != origin_of[g]:
            findings.add("wrong-sender", f"{event.describe()} says {event.msg!r} came "
                         f"from {event.peer}, but {origin.describe()} broadcast it",
                         [origin, event])
        if seen[g]:
            first = next(e for e in split.delivered[node] if e.msg == event.msg)
            findings.add("duplicate-delivery", f"{node} delivers {event.msg!r} twice: "
                         f"{first.describe()} and again on line {event.line}",
                         [origin, first, event])
        seen[g] = 1


def _lost(trace: Trace, split: _Split, distinct: dict[str, set[int]], correct: tuple[str, ...],
          findings: Findings) -> None:
    """Agreement: what a correct node broadcast or delivered, every correct node delivers."""
    nodes = trace.nodes
    required: dict[int, TraceEvent] = {}  # broadcast number -> why it is required
    offsets = [0]  # the number of each node's first broadcast
    for node in nodes:
        offsets.append(offsets[-1] + len(split.sent[node]))
    for node in correct:
        start = offsets[nodes.index(node)]
        for k, event in enumerate(split.sent[node]):
            required.setdefault(start + k, event)
        for event, g in zip(split.delivered[node], split.numbers[node], strict=True):
            if g >= 0:
                required.setdefault(g, event)
    for g, witness in required.items():
        missing = [n for n in correct if g not in distinct[n]]
        if not missing:
            continue
        column, k = split.who[g]
        origin = split.sent[nodes[column]][k]
        why = ("was broadcast by correct node " + origin.node if witness.kind is Kind.BROADCAST
               else f"was delivered by correct node {witness.node} (line {witness.line})")
        findings.add("lost-delivery", f"{origin.msg!r} ({origin.describe()}) {why}, but correct "
                     f"node{'s' if len(missing) > 1 else ''} {', '.join(missing)} never "
                     f"deliver{'' if len(missing) > 1 else 's'} it",
                     [origin] if witness is origin else [origin, witness])


def _lost_ghosts(split: _Split, ghosts: dict[str, set[str | None]], correct: tuple[str, ...],
                 findings: Findings) -> None:
    """Agreement for messages never broadcast: one delivered by a correct node is owed by all."""
    witnesses: dict[str | None, TraceEvent] = {}
    for node in correct:
        for event in split.delivered[node]:
            if event.msg in ghosts.get(node, ()):
                witnesses.setdefault(event.msg, event)
    for msg, witness in sorted(witnesses.items(), key=lambda item: item[1].line):
        missing = [n for n in correct if msg not in ghosts.get(n, ())]
        if missing:
            findings.add("lost-delivery", f"{msg!r}, which no node broadcast, was delivered by "
                         f"correct node {witness.node} (line {witness.line}), but correct "
                         f"node{'s' if len(missing) > 1 else ''} {', '.join(missing)} never "
                         f"deliver{'' if len(missing) > 1 else 's'} it", [witness])


def ordered(trace: Trace, split: _Split, findings: Findings,
            clocks: VectorClocks | None) -> None:
    """FIFO (``clocks`` None) or causal order: each delivery must follow the deliveries it needs.

    ``needs[g][c]`` is how many of column c's broadcasts must be delivered before broadcast g
    (for FIFO, only its own sender's earlier ones), and ``prefix[c]`` how many (a prefix) the
    node has delivered so far. Both are also packed into one integer each, fields of ``bits``
    bits whose top (guard) bit is 0, so that ``prefix >= need`` in every field is one test:
    ``((prefix | G) - need) & G == G`` (a field's guard bit survives the subtraction exactly
    when its prefix is at least its need; see ``clocks.py``).
    """
    nodes, who, sent = trace.nodes, split.who, split.sent
    width = len(nodes)
    if clocks is None:
        needs = [tuple(k if c == column else 0 for c in range(width)) for column, k in who]
    else:
        needs = _causal_needs(trace, split, clocks)
    bits = max(len(sent[n]) for n in nodes).bit_length() + 1
    shifts = [c * bits for c in range(width)]
    guard = sum(1 << (shift + bits - 1) for shift in shifts)
    packed = [sum(map(lshift, need, shifts)) for need in needs]
    for node in nodes:
        prefix = [0] * width
        have = 0  # prefix, packed
        early: list[set[int]] = [set() for _ in nodes]
        seen = bytearray(len(who))
        for j, g in enumerate(split.numbers[node]):
            if g < 0 or seen[g]:
                continue  # unknown messages and duplicates are reliability findings
            seen[g] = 1
            sender, k = who[g]
            if ((have | guard) - packed[g]) & guard != guard:
                for other, count in enumerate(needs[g]):
                    if prefix[other] < count:
                        _report(trace, findings, sent[nodes[other]][prefix[other]],
                                sent[nodes[sender]][k], split.delivered[node][j],
                                clocks is not None)
            if k == prefix[sender]:
                k += 1
                pending = early[sender]
                while k in pending:
                    pending.discard(k)
                    k += 1
                have += (k - prefix[sender]) << shifts[sender]
                prefix[sender] = k
            else:
                early[sender].add(k)


def _causal_needs(trace: Trace, split: _Split, clocks: VectorClocks) -> list[tuple[int, ...]]:
    """For each broadcast (numbered as in ``ordered``): per column, how many of that column's
    broadcasts happen before it."""
    upto: list[list[int]] = []  # upto[c][i]: broadcasts among node c's first i events
    for node in trace.nodes:
        end = len(trace.timelines[node]) + 1
        counts = [0] * end
        starts = [e.index for e in split.sent[node]] + [end]
        for k in range(1, len(starts)):  # k broadcasts from the k-th one's index on
            counts[starts[k - 1]:starts[k]] = [k] * (starts[k] - starts[k - 1])
        upto.append(counts)
    needs: list[tuple[int, ...]] = []
    for c, node in enumerate(trace.nodes):
        for event in split.sent[node]:
            need = list(map(list.__getitem__, upto, clocks.clock(event.id)))
            need[c] -= 1  # the broadcast itself
            needs.append(tuple(need))
    return needs


def _report(trace: Trace, findings: Findings, first: TraceEvent, second: TraceEvent,
            delivery: TraceEvent, causal: bool) -> None:
    name = "fifo-order" if first.node == second.node else "causal-order"
    if findings.skip(name):
        return
    later = next((e for e in trace.timeline(delivery.node) if e.kind is Kind.DELIVER
                  and e.msg == first.msg and e.index > delivery.index), None)
    when = f"only later (line {later.line})" if later else "never"
    if name == "fifo-order":
        count = sum(1 for e in trace.timeline(first.node)
                    if e.kind is Kind.BROADCAST and e.index <= first.index)
        rule = (f"{first.node} broadcast {first.msg!r} ({ordinal(count)}, line {first.line}) "
                f"before {second.msg!r} (line {second.line})")
    else:
        rule = (f"broadcast({first.msg!r}) at {first.node} (line {first.line}) happens before "
                f"broadcast({second.msg!r}) at {second.node} (line {second.line})")
    note = " (causal order includes FIFO)" if causal and name == "fifo-order" else ""
    findings.add(name, f"{rule}, but {delivery.node} delivers {second.msg!r} (line "
                 f"{delivery.line}) and {first.msg!r} {when}{note}",
                 [first, second, delivery, *([later] if later else [])])


def total_order(trace: Trace, split: _Split, findings: Findings) -> None:
    """Any two nodes deliver the messages they have in common in the same order.

    Fast test per pair (a, b): a's first deliveries, mapped to their places in b's order, must
    be increasing; only a pair that fails it (or a trace with deliveries of unknown messages,
    which have no number) is explained by ``_pair_order``.
    """
    nodes = trace.nodes
    if any(-1 in split.numbers[node] for node in nodes):
        orders = None
    else:
        orders = [list(dict.fromkeys(split.numbers[node])) for node in nodes]  # first deliveries
        places = []
        for order in orders:
            place = array("i", [-1]) * len(split.who)
            for i, g in enumerate(order):
                place[g] = i
            places.append(place)
    firsts: dict[str, dict[str, TraceEvent]] = {}
    for i, a in enumerate(nodes):
        for j in range(i + 1, len(nodes)):
            if orders is not None:
                seen = [p for p in map(places[j].__getitem__, orders[i]) if p >= 0]
                if all(map(lt, seen, islice(seen, 1, None))):
                    continue
            _pair_order(split, a, nodes[j], firsts, findings)


def _pair_order(split: _Split, a: str, b: str, firsts: dict[str, dict[str, TraceEvent]],
                findings: Findings) -> None:
    """Report the first pair of common messages that ``a`` and ``b`` deliver in opposite orders."""
    for node in (a, b):
        if node not in firsts:
            first: dict[str, TraceEvent] = {}
            for event in split.delivered[node]:
                first.setdefault(event.msg, event)  # type: ignore[arg-type]
            firsts[node] = first
    mine, theirs = firsts[a], firsts[b]
    common = [(e.index, theirs[m].index, m) for m, e in mine.items() if m in theirs]
    common.sort()
    for (_, pb1, m1), (_, pb2, m2) in pairwise(common):
        if pb2 < pb1:
            findings.add("total-order", f"{a} delivers {m1!r} (line {mine[m1].line}) "
                         f"before {m2!r} (line {mine[m2].line}), but {b} delivers "
                         f"{m2!r} (line {theirs[m2].line}) before {m1!r} (line "
                         f"{theirs[m1].line})",
                         [mine[m1], mine[m2], theirs[m2], theirs[m1]])
            break
