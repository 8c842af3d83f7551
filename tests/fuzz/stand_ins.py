"""Test-only checkers, so the fuzz machinery can be tested against simple oracles.

- ``toy-register`` (and ``register``, used only where the linearizability family is not
  registered): a brute-force Wing & Gong search for small register histories.
- ``rpc``, ``channel``, ``broadcast``: the catalogue's trace models, judged by the test oracles
  of ``tests/systems/oracles.py`` and read by a ``loader`` (the interface trace models have).

The fixture puts this family *first* in ``FAMILIES``: histcheck's own families come later and
win every name they register, so in this package only ``toy-register`` is judged here.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import orjson

from histcheck.budget import Deadline
from histcheck.history import History, Operation
from histcheck.registry import ModelSpec
from histcheck.result import Anomaly, CheckResult
from tests.systems import oracles

LEVELS = ("linearizable", "sequential")


class TraceSpec(ModelSpec, frozen=True):
    """A ModelSpec with a loader, as trace models declare it."""

    loader: str | None = "tests.fuzz.stand_ins:load_trace"

    def load(self, path: Path, fmt: str | None) -> Any:
        return load_trace(path, fmt)


MODELS = (
    ModelSpec("toy-register", "test-only: brute-force register linearizability", LEVELS,
              "tests.fuzz.stand_ins:check_register"),
    ModelSpec("register", "test-only stand-in for the linearizability family's register", LEVELS,
              "tests.fuzz.stand_ins:check_register"),
    TraceSpec("rpc", "test-only: rpc oracle", ("at-most-once", "at-least-once", "exactly-once"),
              "tests.fuzz.stand_ins:check_trace"),
    TraceSpec("channel", "test-only: channel oracle", ("fifo", "reliable"),
              "tests.fuzz.stand_ins:check_trace"),
    TraceSpec("broadcast", "test-only: broadcast oracle",
              ("reliable", "fifo", "causal", "total-order", "fifo-total-order"),
              "tests.fuzz.stand_ins:check_trace"),
)


def load_trace(path: Path, fmt: str | None) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in Path(path).read_bytes().splitlines() if line]


def trace_problems(model: str, consistency: str, events: list[dict[str, Any]]) -> list[str]:
    if model == "rpc":
        return oracles.rpc(events, consistency)
    if model == "channel":
        found = oracles.channel_reliable(events)
        return found + (oracles.channel_fifo(events) if consistency == "fifo" else [])
    nodes = sorted({e["node"] for e in events if e["type"] in ("broadcast", "deliver")})
    found = oracles.reliable(events, nodes)
    if "fifo" in consistency or consistency == "causal":
        found += oracles.fifo(events)
    if consistency == "causal":
        found += oracles.causal(events)
    if "total" in consistency:
        found += oracles.total(events)
    return found


def check_trace(history: Any, *, model: str, consistency: str, deadline: Deadline,
                options: Mapping[str, Any]) -> CheckResult:
    problems = trace_problems(model, consistency, history)
    return CheckResult(valid=not problems, model=model, consistency=consistency,
                       anomalies=tuple(Anomaly("oracle", p) for p in problems),
                       explanation="\n".join(problems))


def check_register(history: History, *, model: str, consistency: str, deadline: Deadline,
                   options: Mapping[str, Any]) -> CheckResult:
    """Valid when some order of the operations, respecting real time (or, for ``sequential``,
    each process's order), replays on one register per key starting at None."""
    ops = tuple(op for op in history if not op.failed)
    realtime = consistency == "linearizable"

    def must_precede(b: Operation, a: Operation) -> bool:
        if not b.ok:  # an indeterminate operation may take effect at any later time
            return False
        if realtime:
            return b.ret_time is not None and a.call_time is not None and \
                b.ret_time < a.call_time
        return b.process == a.process and b.ret is not None and b.ret < a.call

    before = [frozenset(j for j, b in enumerate(ops) if j != i and must_precede(b, a))
              for i, a in enumerate(ops)]

    @cache
    def search(left: frozenset[int], state: tuple[tuple[Any, Any], ...]) -> bool:
        deadline.check()
        if all(ops[i].indeterminate or ops[i].ret is None for i in left):
            return True
        values = dict(state)
        for i in left:
            op = ops[i]
            if before[i] & left:
                continue
            if op.f == "read":
                if op.ok and values.get(op.key) != op.value:
                    continue
                nxt = state
            else:
                nxt = tuple(sorted({**values, op.key: op.value}.items(), key=repr))
            if search(left - {i}, nxt):
                return True
        return False

    valid = search(frozenset(range(len(ops))), ())
    explanation = "" if valid else (
        f"no {consistency} order of these {len(ops)} operations replays on a register:\n" +
        "\n".join(f"  {op.process} {op.f} {op.key}={op.value!r} [{op.call_time}, "
                  f"{op.ret_time}]" for op in ops))
    return CheckResult(valid=valid, model=model, consistency=consistency,
                       anomalies=() if valid else (Anomaly("not-linearizable", explanation),),
                       explanation=explanation)
