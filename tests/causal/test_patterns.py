"""The bad-pattern checks agree with the definitions of CC, CM and CCv, decided by brute force.

The brute force follows the definitions (with co = (po | wr)+, which suffices for histories with
unique written values): CC, every operation's causal past has a serialization, respecting co,
in which that operation's own read is valid; CM, the same with every read of the operation's
session up to it valid; CCv, one total order of all operations extends co and every read returns
the last write to its key among its causal past in that order.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from histcheck.api import check
from histcheck.budget import UNLIMITED
from histcheck.causal.check import causal_patterns
from histcheck.errors import HistoryError
from histcheck.history import INVOKE, OK, Event, History, from_events

Op = tuple[int, str, str, int | None]  # (process, f, key, value)


def history_of(ops: list[Op]) -> History:
    events = []
    for process, f, key, value in ops:
        events.append(Event(process, INVOKE, f, value if f == "write" else None, key))
        events.append(Event(process, OK, f, value, key))
    return from_events(events)


def linear_extensions(items: list[int], before: set[tuple[int, int]]) -> Iterator[list[int]]:
    for order in itertools.permutations(items):
        place = {x: i for i, x in enumerate(order)}
        if all(place[a] < place[b] for a, b in before if a in place and b in place):
            yield list(order)


def brute(ops: list[Op], level: str) -> bool:
    n = len(ops)
    writer = {(k, v): i for i, (_, f, k, v) in enumerate(ops) if f == "write"}
    edges = {(i, j) for i in range(n) for j in range(i + 1, n) if ops[i][0] == ops[j][0]}
    for j, (_, f, k, v) in enumerate(ops):
        if f == "read" and v is not None:
            if (k, v) not in writer:
                return False
            edges.add((writer[(k, v)], j))
    co = set(edges)
    while True:
        more = {(a, d) for a, b in co for c, d in co if b == c} - co
        if not more:
            break
        co |= more
    if any((a, a) in co for a in range(n)):
        return False

    def valid(order: list[int], checked: set[int]) -> bool:
        state: dict[str, int | None] = {}
        for i in order:
            _, f, k, v = ops[i]
            if f == "write":
                state[k] = v
            elif i in checked and state.get(k) != v:
                return False
        return True

    def past(o: int) -> list[int]:
        return [a for a in range(n) if (a, o) in co] + [o]

    if level == "CCv":
        return any(all(valid([x for x in arb if x in set(past(o))], {o}) for o in range(n))
                   for arb in linear_extensions(list(range(n)), co))
    for o in range(n):
        checked = {o} if level == "CC" else {
            i for i in range(o + 1) if ops[i][0] == ops[o][0]}
        if not any(valid(order, checked) for order in linear_extensions(past(o), co)):
            return False
    return True


@st.composite
def histories(draw: st.DrawFn) -> list[Op]:
    count = draw(st.integers(2, 6))
    ops: list[Op] = []
    written: list[tuple[str, int]] = []
    for i in range(count):
        process = draw(st.integers(0, 2))
        key = draw(st.sampled_from("xy"))
        if draw(st.booleans()):
            ops.append((process, "write", key, i + 1))
            written.append((key, i + 1))
        else:
            choices = [None, *[v for k, v in written if k == key], 99]
            # a read may also see a write that comes later in the list (another session's)
            choices += [j + 1 for j in range(i + 1, count)]
            ops.append((process, "read", key, draw(st.sampled_from(choices))))
    # values read from "later" writes only exist when those writes exist; drop the others
    values = {(k, v) for _, f, k, v in ops if f == "write"}
    return [op if op[1] == "write" or op[3] in (None, 99) or (op[2], op[3]) in values
            else (op[0], op[1], op[2], None) for op in ops]


@pytest.mark.parametrize("level", ["CC", "CM", "CCv"])
@settings(max_examples=250, deadline=None)
@given(ops=histories())
def test_bad_patterns_match_the_definition(level: str, ops: list[Op]) -> None:
    found = causal_patterns(history_of(ops), keyed=True, consistency=level,
                            deadline=UNLIMITED.start())
    assert (not found) == brute(ops, level), (ops, [p.name for p in found])


# Classic litmus histories, verdicts by reasoning (names in the order CC, CM, CCv).
LITMUS: list[tuple[str, list[Op], tuple[bool, bool, bool]]] = [
    # p1 sees y=1 (written after x=1 by p0) and then the initial x: x=1 is in its causal past.
    ("write-co-init-read", [(0, "write", "x", 1), (0, "write", "y", 1),
                            (1, "read", "y", 1), (1, "read", "x", None)], (False, False, False)),
    # p0 writes x=1, reads x=2 (p1's), then reads its own x=1 back: CC allows it (each read alone
    # is explainable), CM does not (one order of p0's view must explain both reads), nor CCv
    # (x=1 must come before x=2 for the first read and after it for the second).
    ("cc-only", [(0, "write", "x", 1), (0, "read", "x", 2), (0, "read", "x", 1),
                 (1, "write", "x", 2)], (True, False, False)),
    # CM but not CCv: p2 and p3 see the concurrent writes in opposite orders, each session
    # consistently (CM), but no single order of the two writes explains both (CCv).
    ("cm-not-ccv", [(0, "write", "x", 1), (1, "write", "x", 2), (2, "read", "x", 1),
                    (2, "read", "x", 2), (3, "read", "x", 2), (3, "read", "x", 1)],
     (True, True, False)),
]


@pytest.mark.parametrize(("name", "ops", "expected"), LITMUS, ids=[x[0] for x in LITMUS])
def test_litmus(name: str, ops: list[Op], expected: tuple[bool, bool, bool]) -> None:
    for level, want in zip(("CC", "CM", "CCv"), expected, strict=True):
        result = check(history_of(ops), model="causal-kv", consistency=level)
        assert result.valid is want, (name, level, result.explanation)
        assert brute(ops, level) is want, (name, level)


def test_thin_air_read_is_named() -> None:
    result = check(history_of([(0, "read", "x", 5)]), model="causal-kv", consistency="CC")
    assert result.valid is False
    assert [a.name for a in result.anomalies] == ["ThinAirRead"]


def test_duplicate_written_values_are_bad_input() -> None:
    with pytest.raises(HistoryError, match="unique written values"):
        check(history_of([(0, "write", "x", 1), (1, "write", "x", 1)]), model="causal-kv",
              consistency="CC")
