"""Readers, bad input, ShiViz round trips, clocks against networkx, channels, RPC and the CLI."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from histcheck.api import check
from histcheck.cli import main
from histcheck.errors import FormatError
from histcheck.trace import load_trace, vector_clocks, write_trace
from tests.trace.helpers import closure, make_trace


def write(tmp_path: Path, text: str, name: str = "t.jsonl") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(("text", "problem"), [
    ('{"node": "a", "type": "shout", "msg": "m"}\n', "t.jsonl:1: unknown event type 'shout'"),
    ('{"node": "a", "type": "local"}\n{"node": "a",\n', "t.jsonl:2: invalid JSON"),
    ('{"node": "b", "type": "recv", "msg": "m"}\n', "t.jsonl:1: recv of message 'm' that no"),
    ('{"node": "a", "type": "send", "msg": "m"}\n', "t.jsonl:1: a send event needs 'to'"),
    ('{"node": "a", "type": "crash"}\n{"node": "a", "type": "local"}\n', "after its crash"),
    ('{"node": "a", "type": "send", "msg": "m", "to": "b"}\n'
     '{"node": "a", "type": "send", "msg": "m", "to": "b"}\n', "t.jsonl:2: message id 'm' is sent"),
])
def test_bad_input_is_one_located_line(tmp_path: Path, text: str, problem: str) -> None:
    with pytest.raises(FormatError) as info:
        vector_clocks(load_trace(write(tmp_path, text)))
    assert problem in str(info.value)
    assert "\n" not in str(info.value)


@st.composite
def message_traces(draw: st.DrawFn) -> list[dict[str, object]]:
    nodes = ["a", "b", "c"]
    rows: list[dict[str, object]] = []
    in_flight: list[tuple[str, str]] = []
    for i in range(draw(st.integers(1, 14))):
        node = draw(st.sampled_from(nodes))
        pending = [m for m in in_flight if m[1] == node]
        action = draw(st.sampled_from(["send", "recv", "local"]))
        if action == "recv" and pending:
            msg = draw(st.sampled_from(pending))
            in_flight.remove(msg)
            rows.append({"node": node, "type": "recv", "msg": msg[0]})
        elif action == "send":
            to = draw(st.sampled_from([n for n in nodes if n != node]))
            rows.append({"node": node, "type": "send", "msg": f"m{i}", "to": to})
            in_flight.append((f"m{i}", to))
        else:
            rows.append({"node": node, "type": "local"})
    return rows


@settings(max_examples=100, deadline=None)
@given(rows=message_traces())
def test_vector_clocks_decide_happens_before(rows: list[dict[str, object]]) -> None:
    trace = make_trace(rows)
    clocks, hb = vector_clocks(trace), closure(trace)
    for a, b in itertools.permutations(range(len(trace)), 2):
        assert clocks.happens_before(a, b) == hb.has_edge(a, b)


@pytest.mark.parametrize(("nodes", "length"), [(40, 3), (3, 63), (2, 64)])
def test_packed_clocks_with_wide_fields_and_full_counters(nodes: int, length: int) -> None:
    """Many nodes (a wide integer), and counters at the top of their field (3 nodes of 63 events
    fill all six bits below the guard, 2 nodes of 96 use seven): clocks equal the definition."""
    rows: list[dict[str, object]] = []
    for i in range(length):  # a ring of messages and local steps, so every entry moves
        node, to = f"n{i % nodes}", f"n{(i + 1) % nodes}"
        rows.append({"node": node, "type": "send", "msg": f"m{i}", "to": to})
        rows.append({"node": to, "type": "recv", "msg": f"m{i}"})
        rows.append({"node": node, "type": "local"})
    trace = make_trace(rows)
    clocks, hb = vector_clocks(trace), closure(trace)
    for event in trace.events:
        past = [trace.events[a] for a in hb.predecessors(event.id)] + [event]
        expected = tuple(sum(1 for e in past if e.node == n) for n in trace.nodes)
        assert clocks.clock(event.id) == expected


@settings(max_examples=50, deadline=None)
@given(rows=message_traces())
def test_shiviz_round_trip_keeps_happens_before(rows: list[dict[str, object]]) -> None:
    import tempfile

    trace = make_trace(rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "t.log"
        write_trace(trace, path)
        again = load_trace(path)
    assert sorted(e.kind.value for e in again) == sorted(e.kind.value for e in trace)
    one, two = vector_clocks(trace), vector_clocks(again)
    assert sorted(tuple(sorted(one.as_dict(e.id).items())) for e in trace) == \
        sorted(tuple(sorted(two.as_dict(e.id).items())) for e in again)


def test_foreign_shiviz_log_infers_messages(tmp_path: Path) -> None:
    log = ('(?<host>\\S*) (?<clock>{.*})\\n(?<event>.*)\n\n'
           'a {"a":1}\nsend x\nb {"b":1}\nidle\nb {"a":1,"b":2}\ngot x\n'
           'c {"a":1,"b":2,"c":1}\nrelay\n')
    trace = load_trace(write(tmp_path, log, "x.log"))
    clocks = vector_clocks(trace)
    edges = {(trace.events[s].node, trace.events[r].node)
             for r, s in enumerate(trace.source_of) if s >= 0}
    assert edges == {("a", "b"), ("b", "c")}  # c learnt of a through b, not from a
    assert clocks.relation(0, 1) == "||"
    result = check(trace, model="channel", consistency="reliable")  # type: ignore[arg-type]
    assert result.valid is True  # recorded clocks agree with the derived ones


def test_recorded_clock_that_contradicts_the_order_is_a_finding() -> None:
    rows = [{"node": "a", "type": "send", "msg": "m", "to": "b", "vc": {"a": 1}},
            {"node": "b", "type": "recv", "msg": "m", "vc": {"b": 1}}]
    result = check(make_trace(rows), model="channel")  # type: ignore[arg-type]
    assert [a.name for a in result.anomalies] == ["clock-mismatch"]
    assert "misses events" in result.anomalies[0].explanation
    assert check(make_trace(rows), model="channel",  # type: ignore[arg-type]
                 options={"clocks": "ignore"}).valid is True


def test_channel_levels() -> None:
    rows = [{"node": "a", "type": "send", "msg": "m1", "to": "b"},
            {"node": "a", "type": "send", "msg": "m2", "to": "b"},
            {"node": "b", "type": "recv", "msg": "m2"},
            {"node": "b", "type": "recv", "msg": "m1"}]
    trace = make_trace(rows)
    assert check(trace, model="channel", consistency="reliable").valid is True  # type: ignore[arg-type]
    fifo = check(trace, model="channel", consistency="fifo")  # type: ignore[arg-type]
    assert [a.name for a in fifo.anomalies] == ["fifo-order"]
    lost = make_trace([*rows[:3], {"node": "b", "type": "recv", "msg": "m2"}])
    names = {a.name for a in check(lost, model="channel", consistency="reliable").anomalies}  # type: ignore[arg-type]
    assert names == {"lost-message", "duplicate-receipt"}


def test_rpc_retry_semantics() -> None:
    retried = make_trace([
        {"node": "c", "type": "request", "rpc": "r1", "msg": "q1", "to": "s"},
        {"node": "s", "type": "execute", "rpc": "r1", "msg": "q1"},
        {"node": "c", "type": "request", "rpc": "r1", "msg": "q2", "to": "s"},
        {"node": "s", "type": "execute", "rpc": "r1", "msg": "q2"},
        {"node": "s", "type": "reply", "rpc": "r1", "msg": "a2", "to": "c"},
        {"node": "c", "type": "ack", "rpc": "r1", "msg": "a2"}])
    verdicts = {level: check(retried, model="rpc", consistency=level).valid  # type: ignore[arg-type]
                for level in ("at-most-once", "at-least-once", "exactly-once")}
    assert verdicts == {"at-most-once": False, "at-least-once": True, "exactly-once": False}
    phantom = make_trace([{"node": "c", "type": "request", "rpc": "r1", "to": "s"},
                          {"node": "c", "type": "ack", "rpc": "r1"}])
    result = check(phantom, model="rpc", consistency="at-least-once")  # type: ignore[arg-type]
    assert [a.name for a in result.anomalies] == ["acked-not-executed"]
    assert check(phantom, model="rpc", consistency="at-most-once").valid is True  # type: ignore[arg-type]


def test_cli_check_and_hb(tmp_path: Path) -> None:
    path = write(tmp_path, '{"node": "a", "type": "broadcast", "msg": "m"}\n'
                 '{"node": "a", "type": "deliver", "msg": "m"}\n'
                 '{"node": "b", "type": "deliver", "msg": "m"}\n'
                 '{"node": "b", "type": "local"}\n')
    runner = CliRunner()
    ok = runner.invoke(main, ["check", str(path), "--model", "broadcast", "-c", "causal"])
    assert ok.exit_code == 0, ok.output
    out = runner.invoke(main, ["hb", str(path), "--pair", "a:2", "b:2", "--html",
                               str(tmp_path / "t.html"), "--dot", str(tmp_path / "t.dot")])
    assert out.exit_code == 0, out.output
    assert "a deliver m (line 2) is concurrent with b local (line 4)" in out.output
    assert "<svg" in (tmp_path / "t.html").read_text()
    assert "e0 -> e2" in (tmp_path / "t.dot").read_text()
    bad = runner.invoke(main, ["check", str(write(tmp_path, '{"node": 1}\n', "b.jsonl")),
                               "--model", "broadcast"])
    assert bad.exit_code == 2
