"""The JSON Lines reader's typed fast path gives exactly what the precise per-line path gives."""

from __future__ import annotations

import contextlib
import gc
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from histcheck.errors import FormatError
from histcheck.trace import load_trace
from histcheck.trace.model import Trace
from tests.trace.helpers import make_trace

names = st.one_of(st.sampled_from(["a", "b", "c"]), st.integers(0, 2))
anything = st.one_of(st.none(), st.integers(0, 3), st.floats(0, 3), st.text(max_size=2),
                     st.booleans(), st.lists(st.integers(0, 2), max_size=2))
WELL_TYPED = {"seq": st.one_of(st.none(), st.integers(0, 3), st.floats(0, 3)),
              "time": st.one_of(st.none(), st.integers(0, 3), st.floats(0, 3)),
              "label": anything, "msg": st.one_of(st.none(), names),
              "to": st.one_of(st.none(), names), "from": st.one_of(st.none(), names),
              "rpc": st.one_of(st.none(), names),
              "vc": st.one_of(st.none(), st.dictionaries(st.sampled_from(["a", "b"]),
                                                         st.integers(0, 3)))}


@st.composite
def odd_rows(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Local events with optional fields, well typed or (now and then) of any type at all."""
    rows = []
    for _ in range(draw(st.integers(1, 8))):
        row: dict[str, Any] = {"node": draw(names), "type": "local"}
        for field, values in WELL_TYPED.items():
            if draw(st.booleans()):
                row[field] = draw(anything if draw(st.integers(0, 5)) == 0 else values)
        rows.append(row)
    return rows


def snapshot(trace: Trace) -> tuple[object, ...]:
    return (trace.events, trace.nodes, dict(trace.timelines), list(trace.source_of))


def outcome(read: Any) -> object:
    try:
        return snapshot(read())
    except FormatError as exc:
        return str(exc).split(":", 1)[1]  # the same line and problem, whatever the file name


@settings(max_examples=150, deadline=None)
@given(rows=odd_rows())
@example(rows=[{"node": "a", "type": "local", "seq": None, "time": 2},
               {"node": "a", "type": "local", "time": 1}])  # "seq": null hides "time"
@example(rows=[{"node": 0, "type": "local", "to": 1.5, "msg": 2, "vc": {"a": 1}},
               {"node": "0", "type": "local", "label": [1], "rpc": True}])
def test_fast_path_agrees_with_precise_path(tmp_path_factory: pytest.TempPathFactory,
                                            rows: list[dict[str, Any]]) -> None:
    path = tmp_path_factory.mktemp("odd") / "t.jsonl"
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    assert outcome(lambda: load_trace(path)) == outcome(lambda: make_trace(rows))


def test_blank_lines_comments_and_messages_keep_their_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('# a comment\n\n{"node": 1, "type": "send", "msg": 7, "to": 2}\n'
                    '  \n{"node": 2, "type": "recv", "msg": 7, "from": 1, "vc": {"1": 1}}\n'
                    '{"node": 2, "type": "local", "seq": null, "time": 3}\n')
    trace = load_trace(path)
    assert [e.line for e in trace.events] == [3, 5, 6]
    assert trace.events[1].msg == "7" and trace.events[1].peer == "1"
    assert trace.events[1].vc == (("1", 1),)
    assert list(trace.source_of) == [-1, 0, -1]


def test_seq_reorders_a_node_and_reindexes_its_events(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"node": "a", "type": "local", "seq": 2, "label": "second"}\n'
                    '{"node": "a", "type": "local", "seq": 1, "label": "first"}\n')
    trace = load_trace(path)
    assert trace.timelines["a"] == (1, 0)
    assert [(e.label, e.index) for e in trace.events] == [("second", 2), ("first", 1)]


@pytest.mark.parametrize("text", ['{"node": "a", "type": "local"}\n',
                                  '{"node": "a", "type": "lokal"}\n'])
def test_reading_leaves_the_garbage_collector_as_it_was(tmp_path: Path, text: str) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(text)
    assert gc.isenabled()
    with contextlib.suppress(FormatError):
        load_trace(path)
    assert gc.isenabled()
