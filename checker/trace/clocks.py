"""Vector clocks for a trace, computed in one topological pass; happens-before in O(1) per pair.

An event's vector clock counts, for every node, how many of that node's events happen before it
or are it. One pass computes them all: walk each node's timeline, and when an event receives a
message whose sending event has not been visited yet, park the node until it has. Each event's
clock is its node's running clock with its own entry bumped, merged (entrywise max) with the
sender's clock for a receive. No transitive closure is built (that would cost O(n^2) memory).

Because an event's own entry is its index at its node, ``a -> b`` iff ``a != b`` and
``clock(b)[node(a)] >= index(a)``: a single comparison.

**Packed clocks.** A clock is one Python integer holding every entry in a field of ``bits`` bits
(node column c in bits ``c*bits`` and up), the field's top bit a guard that is always 0 in a
stored clock. Bumping the own entry is one addition, and the entrywise max of two clocks is eight
operations on whole integers (SIMD within a register), each running in C over all fields at once:

    d = (a | G) - b          # per field: a_i + 2^(bits-1) - b_i; no borrow crosses a field
    g = d & G                # guard bit set exactly where a_i >= b_i
    m = g - (g >> (bits-1))  # those fields filled with ones below the guard
    max = b ^ ((a ^ b) & m)  # a_i where a_i >= b_i, else b_i

where ``G`` has the guard bit of every field set. Against a list comprehension over the entries
this is about four times faster on 16 nodes, and a million clocks over 16 nodes take about as
much memory as a flat array of 32-bit entries would (one 64-byte integer each).

**Receipts before their send.** Local logs are the one order a trace records faithfully, so a
message edge that contradicts them is left out of happens-before (``LeftOut``, see
``histcheck.trace.early``) and reported by every check as ``received-before-sent``, never as bad
input. The pass finds the plain case on the way: a receipt whose send comes later in the same
node's log. A pass that then cannot finish has met a cycle through several nodes; the events it
could not reach are split into strongly connected groups, every message edge inside a group is
left out (the trace cannot tell which of its receipts came first), and the pass runs again.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import repeat
from operator import and_, rshift

from histcheck.trace.early import LeftOut, cycle_groups
from histcheck.trace.model import Trace, TraceEvent


@dataclass(frozen=True, eq=False)
class VectorClocks:
    """The clock of every event of ``trace``, node columns in ``trace.nodes`` order.

    ``packed[i]`` is event i's clock, entry c in bits ``c*bits`` to ``c*bits + bits - 2``.
    ``source_of`` is the trace's message edges less those ``left_out`` (receipts before their
    send): the edges happens-before is made of.
    """

    trace: Trace
    packed: list[int]
    bits: int
    source_of: Sequence[int]
    left_out: LeftOut

    @property
    def width(self) -> int:
        return len(self.trace.nodes)

    def entry(self, event_id: int, column: int) -> int:
        """How many events of node ``trace.nodes[column]`` happen before the event or are it."""
        return (self.packed[event_id] >> (column * self.bits)) & ((1 << self.bits) - 1)

    def clock(self, event_id: int) -> tuple[int, ...]:
        width = self.width
        return tuple(map(and_, map(rshift, repeat(self.packed[event_id], width), self._shifts),
                         repeat((1 << self.bits) - 1, width)))

    @cached_property
    def _shifts(self) -> list[int]:
        return [c * self.bits for c in range(self.width)]

    def as_dict(self, event_id: int) -> dict[str, int]:
        """The clock as ShiViz writes it: node -> counter, zero entries left out."""
        return {node: c for node, c in zip(self.trace.nodes, self.clock(event_id), strict=True)
                if c}

    def happens_before(self, a: int, b: int) -> bool:
        """True when event ``a`` happens before event ``b`` (a -> b)."""
        first = self.trace.events[a]
        return a != b and self.entry(b, self.trace.columns[first.node]) >= first.index

    def concurrent(self, a: int, b: int) -> bool:
        return a != b and not self.happens_before(a, b) and not self.happens_before(b, a)

    def relation(self, a: int, b: int) -> str:
        """``"->"``, ``"<-"``, ``"||"`` or ``"=="`` for the pair (a, b)."""
        if a == b:
            return "=="
        if self.happens_before(a, b):
            return "->"
        if self.happens_before(b, a):
            return "<-"
        return "||"


def vector_clocks(trace: Trace) -> VectorClocks:
    """Compute every event's vector clock, leaving out receipts placed before their own send."""
    bits = max(len(t) for t in trace.timelines.values()).bit_length() + 1  # every count, a guard
    source_of: Sequence[int] = trace.source_of
    early: list[int] = []
    packed, done = _pass(trace, source_of, bits, early)
    groups: tuple[tuple[int, ...], ...] = ()
    if 0 in done:
        groups = cycle_groups(trace, source_of, done, early)
        cut = array("i", source_of)
        for group in groups:
            for event_id in group:
                cut[event_id] = -1
        source_of = cut
        early.clear()
        packed, done = _pass(trace, source_of, bits, early)
        assert 0 not in done, "without the edges inside cycle groups no cycle is left"
    if early:
        cut = array("i", source_of)
        for event_id in early:
            cut[event_id] = -1
        source_of = cut
    return VectorClocks(trace, packed, bits, source_of, LeftOut(tuple(early), groups))


def _pass(trace: Trace, source_of: Sequence[int], bits: int,
          early: list[int]) -> tuple[list[int], bytearray]:
    """One topological pass; appends to ``early`` each receipt whose send comes later at its own
    node (it gets no merge), and leaves undone the events a cycle keeps it from reaching."""
    nodes, events = trace.nodes, trace.events
    width = len(nodes)
    timelines = [trace.timelines[n] for n in nodes]
    low = bits - 1
    guard = sum(1 << (c * bits + low) for c in range(width))
    packed = [0] * len(events)
    done = bytearray(len(events))
    waiting: dict[int, list[int]] = {}
    cursor = [0] * width
    running = [0] * width
    ready = list(range(width - 1, -1, -1))
    while ready:
        col = ready.pop()
        timeline = timelines[col]
        clock = running[col]
        bump = 1 << (col * bits)
        position = cursor[col]
        end = len(timeline)
        while position < end:
            event_id = timeline[position]
            sent = source_of[event_id]
            if sent >= 0:
                if done[sent]:
                    other = packed[sent]
                    ge = ((clock | guard) - other) & guard
                    clock = other ^ ((clock ^ other) & (ge - (ge >> low)))
                elif events[sent].node == nodes[col]:
                    early.append(event_id)  # its send is later in this very log
                else:
                    waiting.setdefault(sent, []).append(col)
                    break
            clock += bump
            packed[event_id] = clock
            done[event_id] = 1
            position += 1
            woken = waiting.pop(event_id, None)
            if woken is not None:
                ready.extend(woken)
        cursor[col] = position
        running[col] = clock
    return packed, done


def clock_mismatches(trace: Trace, clocks: VectorClocks) -> Iterator[tuple[TraceEvent, str]]:
    """Events whose recorded ``vc`` differs from the derived clock, with what the gap means.

    Recorded clocks are read with the usual rule: a node bumps its own entry at every event and
    merges the sender's clock on receipt (ShiViz's convention). A recorded entry above the derived
    one claims knowledge of events that do not happen before this one (an unrecorded message, or a
    clock bumped twice); an entry below it misses events that do (a merge skipped on receipt).
    """
    for event in trace.events:
        if event.vc is None:
            continue
        derived = clocks.as_dict(event.id)
        recorded = {node: c for node, c in event.vc if c}
        if recorded == derived:
            continue
        diffs = []
        for node in sorted(set(recorded) | set(derived)):
            have, want = recorded.get(node, 0), derived.get(node, 0)
            if have > want:
                diffs.append(f"{node}: recorded {have} > derived {want} (claims events that do "
                             f"not happen before it)")
            elif have < want:
                diffs.append(f"{node}: recorded {have} < derived {want} (misses events that "
                             f"happen before it)")
        yield event, "; ".join(diffs)
