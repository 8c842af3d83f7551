"""Where an explanation's shrink starts: a few operations read off the longest linearizable prefix.

The search's deepest configuration places a prefix of the part and then cannot place the
culprit. Replaying that prefix shows the places where the culprit could have taken effect: the
states it accepts (for a read, a state holding its value). The story is then usually three
operations: the one that set such a state, one that had to come before the culprit (it returned
before the culprit was invoked) and had moved the state away by then, and the culprit itself.
When the move was only seen through a read (the write itself never returned), the read and the
operation that set the state it saw stand for it.

A seed is a guess: the same searches that decide every subset prove it or drop it, and the shrink
starts from a telling seed instead of from the culprit's whole neighbourhood, which makes a
small explanation a handful of searches instead of dozens. Seeds are tried for the last few
states the culprit accepts (one per operation that set them), latest first. They need real time:
a sequential check has no "returned before it was invoked", so it gets no seeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from histcheck.history import History, Operation
from histcheck.linear.model import Resolved

SEEDS = 3
"""How many states the culprit accepts are tried as starting points, latest first."""
REACH = 1024
"""How far back in the prefix the seeds look."""


def seeds(history: History, model: Resolved, prefix: Sequence[tuple[Operation, Any]],
          culprit: Operation) -> list[list[Operation]]:
    """Small subsets with the culprit, to shrink first (see the module docstring).

    ``prefix`` is the longest linearizable prefix as (operation, state after it) pairs.
    """
    tail = prefix[-REACH:]
    before = prefix[-REACH - 1][1] if len(prefix) > REACH else model.initial()
    ops = [op for op, _ in tail]
    states = [before, *(state for _, state in tail)]  # states[k]: before ops[k]
    invoked = history.interval(culprit)[0]
    step = model.step

    def setter(k: int) -> int:
        """The index in ``ops`` of the operation that left ``states[k]`` (-1: none in reach)."""
        while k > 0 and states[k - 1] == states[k]:
            k -= 1
        return k - 1

    found: list[list[Operation]] = []
    setters: set[int] = set()
    for k in range(len(states) - 1, -1, -1):
        if len(found) == SEEDS:
            break
        if step(states[k], culprit) is None:
            continue
        accepted_by = setter(k)
        if accepted_by in setters:
            continue
        setters.add(accepted_by)
        chosen = {accepted_by, *_mover(history, ops, states, k, invoked, setter)} - {-1}
        if chosen:
            found.append([culprit, *(ops[j] for j in sorted(chosen))])
    return found


def _mover(history: History, ops: list[Operation], states: list[Any], k: int, invoked: float,
           setter: Any) -> list[int]:
    """The first operation after ``states[k]`` that returned before the culprit was invoked and
    shows the state moved: it moved it, or it saw another state (then with that state's setter)."""
    for j in range(k, len(ops)):
        if history.interval(ops[j])[1] >= invoked:
            continue
        if states[j + 1] != states[j]:
            return [j]
        if states[j + 1] != states[k]:
            return [j, setter(j + 1)]
    return []
