"""Receipts before their send are verdicts, not bad input; and the faults the oracle found.

Each test names a trace the checker once got wrong, its expected verdict and anomaly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from histcheck.api import check
from histcheck.cli import main
from histcheck.trace import vector_clocks
from histcheck.trace.broadcast import LEVELS
from histcheck.trace.graph import hb_graph
from histcheck.trace.links import CHANNEL_LEVELS, RPC_LEVELS
from histcheck.trace.model import Trace
from tests.trace.helpers import make_trace

Rows = list[dict[str, Any]]

DELIVERED_FIRST: Rows = [  # n1 delivers m6, then broadcasts it
    {"node": "n1", "type": "deliver", "msg": "m6"},
    {"node": "n1", "type": "broadcast", "msg": "m6"},
    {"node": "n2", "type": "deliver", "msg": "m6"},
]
DELIVERY_CYCLE: Rows = [  # each node delivers the other's message before it is broadcast
    {"node": "n1", "type": "deliver", "msg": "m2"},
    {"node": "n1", "type": "broadcast", "msg": "m1"},
    {"node": "n2", "type": "deliver", "msg": "m1"},
    {"node": "n2", "type": "broadcast", "msg": "m2"},
    {"node": "n1", "type": "deliver", "msg": "m1"},
    {"node": "n2", "type": "deliver", "msg": "m2"},
]
RECEIVE_CYCLE: Rows = [
    {"node": "a", "type": "recv", "msg": "m2"},
    {"node": "a", "type": "send", "msg": "m1", "to": "b"},
    {"node": "b", "type": "recv", "msg": "m1"},
    {"node": "b", "type": "send", "msg": "m2", "to": "a"},
]
EXECUTED_FIRST: Rows = [  # the server runs, answers, and only then is the attempt made
    {"node": "s", "type": "execute", "rpc": "r1", "msg": "q1"},
    {"node": "s", "type": "reply", "rpc": "r1", "msg": "a1", "to": "c"},
    {"node": "c", "type": "ack", "rpc": "r1", "msg": "a1"},
    {"node": "c", "type": "request", "rpc": "r1", "msg": "q1", "to": "s"},
]


def names(trace: Trace, model: str, level: str) -> list[str]:
    result = check(trace, model=model, consistency=level)  # type: ignore[arg-type]
    assert result.valid is not result.anomalies
    return [a.name for a in result.anomalies]


@pytest.mark.parametrize("level", LEVELS)
def test_delivery_before_its_broadcast_is_invalid_at_every_level(level: str) -> None:
    trace = make_trace(DELIVERED_FIRST)
    result = check(trace, model="broadcast", consistency=level)  # type: ignore[arg-type]
    assert result.valid is False
    assert [a.name for a in result.anomalies] == ["received-before-sent"]
    assert ("n1 deliver m6 (line 1) comes before n1 broadcast m6 (line 2) in n1's own log"
            in result.explanation)
    assert result.anomalies[0].operations == (1, 0)  # the broadcast, then the delivery


@pytest.mark.parametrize("level", LEVELS)
def test_deliveries_in_a_cycle_are_one_finding_naming_the_cycle(level: str) -> None:
    result = check(make_trace(DELIVERY_CYCLE), model="broadcast",  # type: ignore[arg-type]
                   consistency=level)
    assert result.valid is False
    others = {"total-order": 1} if "total" in level else {}  # m1, m2 in opposite orders
    assert result.details["counts"] == {"received-before-sent": 1, **others}
    text = result.anomalies[0].explanation
    assert text.startswith("n1 deliver m2 (line 1) happens before its own broadcast "
                           "(n2 broadcast m2 (line 4)) through n1 broadcast m1 (line 2) -> "
                           "n2 deliver m1 (line 3)")
    assert "'m1', 'm2' form a cycle" in text


def test_happens_before_leaves_the_cycle_out_and_stays_a_partial_order() -> None:
    trace = make_trace(DELIVERY_CYCLE)
    clocks = vector_clocks(trace)
    assert clocks.left_out.groups == ((0, 2),)
    for a in range(len(trace)):
        for b in range(len(trace)):
            assert not (clocks.happens_before(a, b) and clocks.happens_before(b, a))
    assert clocks.relation(0, 3) == "||"  # n1's early delivery and m2's broadcast
    kinds = {(a, b): k for a, b, k in hb_graph(trace).edges(data="kind")}
    assert kinds[(1, 2)] == "left-out" and kinds[(0, 1)] == "local"
    early = vector_clocks(make_trace(DELIVERED_FIRST))
    assert early.left_out.early == (0,) and early.relation(1, 2) == "->"


def test_a_cycle_early_in_a_long_trace_leaves_the_rest_ordered() -> None:
    rows = [*DELIVERY_CYCLE]
    for i in range(50):
        rows += [{"node": "n1", "type": "broadcast", "msg": f"x{i}"},
                 {"node": "n1", "type": "deliver", "msg": f"x{i}"},
                 {"node": "n2", "type": "deliver", "msg": f"x{i}"}]
    trace = make_trace(rows)
    result = check(trace, model="broadcast", consistency="causal")  # type: ignore[arg-type]
    assert result.details["counts"] == {"received-before-sent": 1}
    clocks = vector_clocks(trace)
    assert clocks.happens_before(len(rows) - 3, len(rows) - 1)


@pytest.mark.parametrize("level", CHANNEL_LEVELS)
def test_receive_before_its_send_is_a_channel_verdict(level: str) -> None:
    assert names(make_trace(RECEIVE_CYCLE), "channel", level) == ["received-before-sent"]
    early = make_trace([{"node": "a", "type": "send", "msg": "m0", "to": "b"},
                        {"node": "b", "type": "recv", "msg": "m1"},
                        {"node": "b", "type": "send", "msg": "m1", "to": "a"},
                        {"node": "b", "type": "recv", "msg": "m0"},
                        {"node": "a", "type": "recv", "msg": "m1"}])
    result = check(early, model="channel", consistency=level)  # type: ignore[arg-type]
    assert result.details["counts"] == {"received-before-sent": 1, "misdelivered": 1,
                                        "duplicate-receipt": 1}
    assert "'m1' is received before it is sent" in result.explanation


@pytest.mark.parametrize("level", RPC_LEVELS)
def test_execution_before_its_request_is_an_rpc_verdict(level: str) -> None:
    result = check(make_trace(EXECUTED_FIRST), model="rpc",  # type: ignore[arg-type]
                   consistency=level)
    assert result.valid is False
    assert [a.name for a in result.anomalies] == ["received-before-sent"]
    assert "s execute rpc r1 q1 (line 1) happens before its own request" in result.explanation


def test_the_cli_gives_a_verdict_and_draws_the_trace(tmp_path: Path) -> None:
    path = tmp_path / "early.jsonl"
    path.write_text("".join(f"{row}\n".replace("'", '"') for row in DELIVERED_FIRST))
    runner = CliRunner()
    out = runner.invoke(main, ["check", str(path), "--model", "broadcast", "-c", "causal"])
    assert out.exit_code == 1, out.output
    assert "received-before-sent" in out.output
    drawn = runner.invoke(main, ["hb", str(path), "--svg", str(tmp_path / "t.svg")])
    assert drawn.exit_code == 0, drawn.output
    assert "happens-before leaves out 1 message edges" in drawn.output
    assert "<svg" in (tmp_path / "t.svg").read_text()


def test_a_message_never_broadcast_is_owed_and_counted_like_any_other() -> None:
    """Agreement and no-duplication also hold for deliveries of messages nobody broadcast."""
    ghost = make_trace([{"node": "n1", "type": "deliver", "msg": "g"},
                        {"node": "n1", "type": "deliver", "msg": "g"},
                        {"node": "n2", "type": "local"}])
    result = check(ghost, model="broadcast", consistency="reliable")  # type: ignore[arg-type]
    assert result.details["counts"] == {"unknown-message": 2, "duplicate-delivery": 1,
                                        "lost-delivery": 1}
    assert "'g', which no node broadcast, was delivered by correct node n1" in result.explanation


def test_a_message_only_misdelivered_is_lost() -> None:
    trace = make_trace([{"node": "a", "type": "send", "msg": "s0", "to": "b"},
                        {"node": "a", "type": "recv", "msg": "s0"},
                        {"node": "b", "type": "local"}])
    assert sorted(names(trace, "channel", "reliable")) == ["lost-message", "misdelivered"]


def test_channel_fifo_passes_over_rpc_attempts() -> None:
    trace = make_trace([{"node": "a", "type": "request", "rpc": "r", "msg": "q", "to": "b"},
                        {"node": "b", "type": "recv", "msg": "q"}])
    assert names(trace, "channel", "fifo") == []


def test_a_request_to_a_server_outside_the_trace_is_not_owed() -> None:
    """The nodes of a trace are those that record an event; a server that records nothing is
    not a correct node, as for channels. Another attempt to a correct one makes it owed."""
    away = [{"node": "c", "type": "request", "rpc": "r", "msg": "q1", "to": "gone"},
            {"node": "s", "type": "local"}]
    assert names(make_trace(away), "rpc", "at-least-once") == []
    retried = [*away, {"node": "c", "type": "request", "rpc": "r", "msg": "q2", "to": "s"}]
    assert names(make_trace(retried), "rpc", "at-least-once") == ["never-executed"]
