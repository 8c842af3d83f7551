"""Why a history is not linearizable (or not sequentially consistent), in words people follow.

Three pieces, as Knossos and Porcupine users expect and a little more:

1. The operation that cannot be placed: at the deepest configuration the search reached, the
   required operation that returns first and could not take effect.
2. The longest linearizable prefix, with the model state after each step.
3. A small subset of operations that is already impossible on its own, found by deleting
   operations while the rest stays invalid (a ddmin-style shrink with a time cap), and printed as
   a short timeline: one line per operation, a bar spanning its real-time interval (for a
   history without real time, each operation's place in its process instead). The search for it
   has a share of the time (``core.py``); when the share ran out first, the text says so, and a
   long subset shows only the operations nearest the culprit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from histcheck.history import History, Operation
from histcheck.linear.model import Resolved

PREFIX_SHOWN = 8
"""How many of the last steps of the longest prefix the text shows (the report shows all)."""
TIMELINE_SHOWN = 40
"""How many operations of the impossible subset the text draws (the result lists them all)."""


def timeline(history: History, ops: Sequence[Operation], model: Resolved,
             culprit: int | None = None) -> list[str]:
    """One line per operation: process, a bar over its interval, what it did.

    Columns are the ranks of the distinct invocation and return instants, so the picture keeps
    real-time order (which bars overlap) and nothing else. A history that records no real
    time gets no bars: each line says where the operation stands in its process.
    """
    if not history.realtime:
        return _process_lines(history, ops, model, culprit)
    bounds = {op.id: history.interval(op) for op in ops}
    instants = sorted({t for lo, hi in bounds.values() for t in (lo, hi) if t != float("inf")})
    column = {t: 2 * i for i, t in enumerate(instants)}
    width = 2 * len(instants) + 1
    label_width = max((len(str(op.process)) for op in ops), default=1)
    lines = []
    for op in sorted(ops, key=lambda o: bounds[o.id]):
        lo, hi = bounds[op.id]
        start = column[lo]
        end = width if hi == float("inf") else column[hi]
        bar = " " * start + "|" + "-" * max(0, end - start - 1) + ("|" if end < width else ">")
        mark = "  <- cannot be placed" if op.id == culprit else ""
        lines.append(f"  p{str(op.process).ljust(label_width)} {bar.ljust(width + 1)} "
                     f"{model.describe_op(op)}{mark}")
    return lines


def _process_lines(history: History, ops: Sequence[Operation], model: Resolved,
                   culprit: int | None) -> list[str]:
    rank: dict[int, int] = {}
    seen: dict[object, int] = {}
    for op in history.operations:
        seen[op.process] = rank[op.id] = seen.get(op.process, 0) + 1
    label_width = max((len(str(op.process)) for op in ops), default=1)
    lines = []
    for op in sorted(ops, key=lambda o: (str(o.process), rank.get(o.id, 0))):
        mark = "  <- cannot be placed" if op.id == culprit else ""
        place = rank.get(op.id, 0)
        lines.append(f"  p{str(op.process).ljust(label_width)} operation {place} of its "
                     f"process: {model.describe_op(op)}{mark}")
    return lines


def prefix_lines(steps: Sequence[tuple[Operation, Any]], model: Resolved,
                 shown: int = PREFIX_SHOWN) -> list[str]:
    """The last ``shown`` steps of a linearizable prefix, each with the state after it."""
    lines = []
    skipped = len(steps) - shown
    if skipped > 0:
        lines.append(f"  ... {skipped} earlier steps")
    for number, (op, state) in enumerate(steps[-shown:], start=max(skipped, 0) + 1):
        lines.append(f"  {number:>4}. p{op.process} {model.describe_op(op):<28} "
                     f"-> {model.describe_state(state)}")
    return lines


def explain_invalid(history: History, model: Resolved, what: str, culprit: Operation | None,
                    steps: Sequence[tuple[Operation, Any]], core: Sequence[Operation],
                    where: str = "", note: str = "", complete: bool = True) -> str:
    """The full text of an invalid verdict (see the module docstring)."""
    text = [f"not {what}{where}."]
    if note:
        text.append(f"Proof without search: {note}.")
    if culprit is not None:
        text.append(f"Operation {culprit.id} (p{culprit.process} "
                    f"{model.describe_op(culprit)}) cannot be placed after the longest "
                    f"{what.replace('sequentially consistent', 'sequential')} prefix "
                    f"({len(steps)} steps):")
    elif steps:
        text.append(f"The longest prefix ({len(steps)} steps):")
    last = model.describe_state(steps[-1][1]) if steps else model.describe_state(model.initial())
    if culprit is not None or steps:
        text.extend(prefix_lines(steps, model) or [f"  (stuck at the start; state {last})"])
    if core:
        text.append(("This operation is already impossible on its own" if len(core) == 1
                     else f"These {len(core)} operations are already impossible together")
                    + ("" if complete else " (its search was cut short at its time share)") + ":")
        shown = _nearest(history, core, culprit)
        text.extend(timeline(history, shown, model, None if culprit is None else culprit.id))
        if len(shown) < len(core):
            text.append(f"  ... and {len(core) - len(shown)} more, further from the culprit")
    return "\n".join(text) + "\n"


def _nearest(history: History, ops: Sequence[Operation], culprit: Operation | None,
             shown: int = TIMELINE_SHOWN) -> Sequence[Operation]:
    """At most ``shown`` of ``ops``: the culprit and those closest to it in real time."""
    if len(ops) <= shown:
        return ops
    if culprit is None or not history.realtime:
        return ops[:shown]
    lo, hi = history.interval(culprit)

    def distance(op: Operation) -> float:
        a, b = history.interval(op)
        return max(0.0, lo - b, a - hi)

    return sorted(ops, key=lambda op: (op is not culprit, distance(op)))[:shown]
