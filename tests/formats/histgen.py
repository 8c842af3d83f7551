"""Hypothesis strategies for random, well-formed histories (shared by the format tests)."""

from __future__ import annotations

from hypothesis import strategies as st

from histcheck.history import FAIL, INFO, INVOKE, OK, Event, History, from_events
from histcheck.values import FALSE, TRUE, Float, FrozenDict, Value

NAMES = st.text(alphabet="abcxyz_-", min_size=1, max_size=6)
SCALARS = (st.none() | st.sampled_from([TRUE, FALSE]) | st.integers(-(2**40), 2**40)
           | st.integers(-(2**70), 2**70) | st.sampled_from([0, 1, Float(0.0), Float(1.0)])
           | st.floats(allow_nan=False, allow_infinity=False).map(Float) | st.text(max_size=8))
"""Values as readers make them: ``Bool``, integers beyond 64 bits, ``Float`` next to equal
integers (``1`` and ``1.0`` must stay apart)."""
VALUES: st.SearchStrategy[Value] = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4).map(tuple)
    | st.dictionaries(NAMES, inner, max_size=3).map(FrozenDict),
    max_leaves=8,
)
MOPS = st.lists(
    st.tuples(st.sampled_from(["r", "w", "append"]), st.integers(0, 5) | NAMES,
              st.none() | st.integers(0, 99) | st.lists(st.integers(0, 9), max_size=3).map(tuple)),
    min_size=1, max_size=4,
).map(tuple)
EXTRA_NAMES = st.sampled_from(["node", "error", "debug", "z"])
PROCESSES = st.integers(0, 4) | st.sampled_from(["nemesis", "3", "worker"])


@st.composite
def histories(draw: st.DrawFn, timed: bool | None = None) -> History:
    """A random history: interleaved clients, a nemesis, extra fields, keys, nested values."""
    use_time = draw(st.booleans()) if timed is None else timed
    steps = draw(st.integers(1, 40))
    open_f: dict[object, str] = {}
    events: list[Event] = []
    clock = 0
    for _ in range(steps):
        process = draw(PROCESSES)
        clock += draw(st.integers(0, 3))
        time = clock if use_time else None
        extra = tuple((name, draw(VALUES)) for name in
                      dict.fromkeys(draw(st.lists(EXTRA_NAMES, max_size=2))))
        if process == "nemesis":
            kind = draw(st.sampled_from([INFO, INVOKE]))
            events.append(Event(process, kind, draw(NAMES), draw(VALUES), None, time, extra))
            continue
        f = open_f.pop(process, None)
        if f is None:
            kind = INVOKE
            f = draw(st.sampled_from(["read", "write", "cas", "txn"]))
            open_f[process] = f
        else:
            kind = draw(st.sampled_from([OK, FAIL, INFO]))
        value = draw(MOPS if f == "txn" else VALUES)
        key = draw(st.none() | st.integers(0, 3) | NAMES) if f != "txn" else None
        events.append(Event(process, kind, f, value, key, time, extra))
    return from_events(events)


def same(a: History, b: History) -> None:
    """Assert two histories hold the same operations and other events."""
    assert a.operations == b.operations
    assert a.others == b.others
    assert a.size == b.size
    assert a.timed == b.timed
