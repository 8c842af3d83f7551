"""The exact linearizability search (Wing & Gong, with Lowe's cache), over one part.

A configuration is (the set of operations linearized so far, the model state). From each
configuration the search tries every operation that may come next: one that is not yet placed
and that no unplaced operation precedes in real time (its invocation is no later than the
earliest return among unplaced operations). Configurations already explored are cached: the
same set and state have the same future, so a second visit is cut at once. Sets are bitsets
(Python ints) in the cache and a bytearray while walking.

Reductions, each sound and complete:

- A pure operation (a read) that can take effect now is placed at once, without trying others
  first: moving a read earlier breaks no real-time order and changes no state.
- Interchangeable info operations are placed in invocation order (see ``parts.py``).
- Info operations are optional: the search succeeds when every required operation is placed.

The search keeps the deepest configuration it reached (the most required operations placed) as a
persistent path, so an invalid verdict can show the longest linearizable prefix at no extra cost.
"""

from __future__ import annotations

from collections.abc import Generator
from dataclasses import dataclass
from typing import Any

from checker.budget import Deadline
from checker.linear.model import Choices, Resolved
from checker.linear.parts import Part

CHECK_EVERY = 2048

Path = tuple[int, Any, Any] | None
"""A persistent path: (operation index, state after it, previous path), newest first."""


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the search found in one part.

    ``valid`` tells whether the part is linearizable. ``steps`` is the linearization (when valid)
    or the deepest partial one (when not), as (operation index, state after) pairs in order.
    ``stuck`` lists the required operations that could not be placed next from the deepest
    configuration; ``explored`` counts configurations. ``note`` says how an engine proved
    invalidity when it did not search (a cycle of forced orders, an unsat core): ``stuck`` then
    holds the operations of that proof.
    """

    valid: bool
    steps: tuple[tuple[int, Any], ...]
    stuck: tuple[int, ...]
    explored: int
    note: str = ""


def unwind(path: Path) -> tuple[tuple[int, Any], ...]:
    """The steps of a persistent path, oldest first."""
    steps: list[tuple[int, Any]] = []
    while path is not None:
        steps.append((path[0], path[1]))
        path = path[2]
    steps.reverse()
    return tuple(steps)


def _expand(state: Any, result: Any) -> tuple[Any, ...]:
    if result is None:
        return ()
    if type(result) is Choices:
        return tuple(result)
    return (result,)


def linearize(part: Part, model: Resolved, deadline: Deadline) -> Outcome:
    """Search for a linearization of ``part``; see the module docstring."""
    search = searching(part, model)
    while True:
        try:
            explored = next(search)
        except StopIteration as stop:
            outcome: Outcome = stop.value
            return outcome
        deadline.check(explored)


def searching(part: Part, model: Resolved) -> Generator[int, None, Outcome]:
    """The search as a generator: it yields the configurations explored so far every
    ``CHECK_EVERY`` of them (so a caller can check its budget or switch to another part) and
    returns the ``Outcome``."""
    ops = part.ops
    n = len(ops)
    calls, rets, required, pure = part.calls, part.rets, part.required, part.pure
    before = part.before
    step = model.step
    total = part.required_count
    initial = model.initial()
    if total == 0:
        return Outcome(True, (), (), 0)
    done = bytearray(n)
    seen: set[tuple[int, Any]] = set()
    # A frame: [linearized bitset, state, candidates, next candidate, lowest unplaced, path, count]
    stack: list[list[Any]] = []
    best_path: Path = None
    best_count = -1
    explored = 0

    def candidates(lo: int, state: Any) -> list[tuple[int, Any]]:
        """Operations that may come next, with their successor states; a pure move alone."""
        minret = float("inf")
        scan: list[int] = []
        i = lo
        while i < n:
            if not done[i]:
                if calls[i] > minret:
                    break
                minret = min(minret, rets[i])
                scan.append(i)
            i += 1
        first: list[tuple[int, Any]] = []
        later: list[tuple[int, Any]] = []
        for j in scan:
            if calls[j] > minret:
                continue
            b = before[j]
            if b >= 0 and not done[b]:
                continue
            for nxt in _expand(state, step(state, ops[j])):
                if pure[j] and nxt == state:
                    return [(j, nxt)]
                (first if required[j] else later).append((j, nxt))
        first.extend(later)
        return first

    stack.append([0, initial, candidates(0, initial), 0, 0, None, 0])
    while stack:
        frame = stack[-1]
        cands = frame[2]
        k = frame[3]
        if k >= len(cands):
            stack.pop()
            if frame[5] is not None:
                done[frame[5][0]] = 0
            continue
        frame[3] = k + 1
        j, nxt = cands[k]
        linearized = frame[0] | (1 << j)
        key = (linearized, nxt)
        if key in seen:
            continue
        seen.add(key)
        explored += 1
        if explored % CHECK_EVERY == 0:
            yield explored
        count = frame[6] + required[j]
        path = (j, nxt, frame[5])
        if count > best_count:
            best_count, best_path = count, path
        if count == total:
            return Outcome(True, unwind(path), (), explored)
        done[j] = 1
        lo = frame[4]
        while lo < n and done[lo]:
            lo += 1
        stack.append([linearized, nxt, candidates(lo, nxt), 0, lo, path, count])
    return Outcome(False, unwind(best_path), _stuck(part, best_path), explored)


def _stuck(part: Part, path: Path) -> tuple[int, ...]:
    """Required operations left unplaced at the deepest configuration, earliest return first."""
    placed = {step_[0] for step_ in unwind(path)}
    left = [i for i in range(len(part)) if part.required[i] and i not in placed]
    left.sort(key=lambda i: (part.rets[i], part.calls[i]))
    return tuple(left)
