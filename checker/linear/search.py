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
- A read must be placed before its return, so only operations invoked by then can come before
  it; when no mix of those can satisfy the read (the model's ``can_reach`` says so), the
  configuration is dead.
- Interchangeable info operations are placed in invocation order (see ``parts.py``).
- Info operations are optional: the search succeeds when every required operation is placed.
- Subsumption: a configuration with the same required operations placed and the same state as
  one already visited, but more info operations used up, has fewer futures; it is cut. So the
  cache key is (required set, state), and it keeps the info sets seen with it.

The required set is stored as a window, so a cache entry costs the concurrency, not the history:
numbering required operations by invocation, it is (h, bits) where the first h are all placed
and bit i says whether operation h + i is. Every placed operation beyond h was a candidate while
h was still unplaced, so it was invoked before h returned: the bits span only the operations
concurrent with h, whatever the length of the part.

The search keeps the deepest configuration it reached (the most required operations placed) as a
persistent path, so an invalid verdict can show the longest linearizable prefix at no extra cost.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Generator
from typing import Any

import msgspec

from histcheck import speedups
from histcheck.budget import Deadline
from histcheck.linear.model import Choices, Resolved
from histcheck.linear.parts import Part

CHECK_EVERY = 512
REACH_LOOKAHEAD = 200
"""``can_reach`` is asked only when at most this many operations may come before the read."""
WALK_MOST = REACH_LOOKAHEAD + 1
INF = float("inf")

Path = tuple[int, Any, Any] | None
"""A persistent path: (operation index, state after it, previous path), newest first."""


class Outcome(msgspec.Struct, frozen=True):
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
    furthest: tuple[tuple[tuple[int, Any], ...], ...] = ()
    """When not valid: other partial linearizations that reach as far as ``steps`` (at most
    ``FURTHEST`` in all, the first found), for reports."""


FURTHEST = 16
"""The most partial linearizations of the deepest reach an invalid outcome keeps."""


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


def searching(part: Part, model: Resolved, every: int = CHECK_EVERY,
              ) -> Generator[int, None, Outcome]:
    """The search as a generator: it yields the configurations explored so far every ``every``
    of them (so a caller can check its budget or switch to another part) and returns the
    ``Outcome``."""
    ops = part.ops
    n = len(ops)
    calls, rets, required, pure = part.calls, part.rets, part.required, part.pure
    before = part.before
    step = model.step
    can_reach = model.can_reach
    total = part.required_count
    initial = model.initial()
    if total == 0:
        return Outcome(True, (), (), 0)
    # Unplaced operations as a doubly linked list in invocation order (n is the head), so the
    # scan for candidates visits only unplaced operations; placing and unplacing happen in LIFO
    # order, which lets a removed node relink itself (Knuth's dancing links, as Porcupine does).
    succ = [*range(1, n + 1), n]
    pred = [n, *range(n)]
    succ[n], pred[n] = 0, n - 1
    placed = bytearray(n)
    # the rank of each required operation among the required, and of each optional one among
    # the optional (the bit it owns in its set)
    rank: list[int] = []
    counts = [0, 0]
    for flag in required:
        rank.append(counts[flag])
        counts[flag] += 1
    # (h, window, state) -> the info sets placed with them, as visited (see the module docstring)
    seen: dict[tuple[int, int, Any], int | list[int]] = {}
    # A frame: [h, window, state, candidates, next candidate, path, count, info placed]
    stack: list[list[Any]] = []
    best_path: Path = None
    best_count = -1
    deepest: list[Path] = []  # every path of best_count found, up to FURTHEST
    explored = 0

    fast = speedups.loaded

    def candidates(state: Any) -> list[Any]:
        """Operations that may come next (lazily: indices), or a pure move alone (with its
        state). The compiled module computes the same list when it is there."""
        if fast is not None:
            moves: list[Any] | None = fast.candidates(
                state, n, succ, calls, rets, before, placed, pure, required, ops, step,
                can_reach, Choices, WALK_MOST, REACH_LOOKAHEAD)
            if moves is not None:
                return moves
        minret = INF
        scan: list[int] = []
        i = succ[n]
        while i != n:
            if calls[i] > minret:
                break
            r = rets[i]
            if r < minret:  # noqa: PLR1730 (a call to min costs more in this loop)
                minret = r
            scan.append(i)
            i = succ[i]
        first: list[Any] = []
        later: list[Any] = []
        # unplaced operations in invocation order, walked once for all the reads below
        walked: list[int] = []
        cursor = succ[n]
        for j in scan:
            if calls[j] > minret:
                continue
            b = before[j]
            if b >= 0 and not placed[b]:
                continue
            if pure[j]:
                after = step(state, ops[j])
                if after is not None and type(after) is not Choices and after == state:
                    return [(j, after)]
                if required[j] and can_reach is not None:
                    # only operations invoked before the read returns may come before it
                    limit = rets[j]
                    while cursor != n and calls[cursor] <= limit and len(walked) <= WALK_MOST:
                        walked.append(cursor)
                        cursor = succ[cursor]
                    if cursor == n or calls[cursor] > limit:  # else too many to be worth a look
                        end = bisect_right(walked, limit, key=calls.__getitem__)
                        available = [ops[k] for k in walked[:end] if k != j]
                        if (len(available) <= REACH_LOOKAHEAD
                                and not can_reach(state, ops[j], available)):
                            return []
            (first if required[j] else later).append(j)
        first.extend(later)
        return first

    stack.append([0, 0, initial, candidates(initial), 0, None, 0, 0])
    while stack:
        frame = stack[-1]
        cands = frame[3]
        k = frame[4]
        if k >= len(cands):
            stack.pop()
            path = frame[5]
            if path is not None:
                j = path[0]
                placed[j] = 0
                succ[pred[j]] = j
                pred[succ[j]] = j
            continue
        frame[4] = k + 1
        cand = cands[k]
        if type(cand) is int:
            j = cand
            result = step(frame[2], ops[j])
            if result is None:
                continue
            if type(result) is Choices:
                cands[k + 1:k + 1] = [(j, other) for other in result[1:]]
                result = result[0]
            nxt = result
        else:
            j, nxt = cand
        h, window, optional = frame[0], frame[1], frame[7]
        if required[j]:
            offset = rank[j] - h
            window |= 1 << offset
            if offset == 0:  # h itself placed: slide past the run of placed operations
                run = ((window + 1) & ~window).bit_length() - 1
                h += run
                window >>= run
        else:
            optional |= 1 << rank[j]
        if subsumed(seen, (h, window, nxt), optional):
            continue
        explored += 1
        if explored % every == 0:
            yield explored
        count = frame[6] + required[j]
        path = (j, nxt, frame[5])
        if count > best_count:
            best_count, best_path = count, path
            deepest = [path]
        elif count == best_count and len(deepest) < FURTHEST:
            deepest.append(path)
        if count == total:
            return Outcome(True, unwind(path), (), explored)
        placed[j] = 1
        succ[pred[j]] = succ[j]
        pred[succ[j]] = pred[j]
        stack.append([h, window, nxt, candidates(nxt), 0, path, count, optional])
    return Outcome(False, unwind(best_path), _stuck(part, best_path), explored,
                   furthest=tuple(unwind(other) for other in deepest[1:]))


def subsumed(seen: dict[Any, int | list[int]], key: Any, used: int) -> bool:
    """Whether a configuration was covered by one visited with a subset of the optional
    (indeterminate) operations ``used``; otherwise remember it.

    Using fewer indeterminate operations leaves strictly more choices open, so a visited
    configuration with the same key and a subset of ``used`` already explored everything this
    one could. One set is kept as a bare int (the common case, and the smallest entry).
    """
    covering = seen.get(key)
    if covering is None:
        seen[key] = used
        return False
    if type(covering) is int:
        if covering & ~used == 0:
            return True
        seen[key] = [covering, used]
        return False
    assert isinstance(covering, list)
    if any(other & ~used == 0 for other in covering):
        return True
    covering.append(used)
    return False


def _stuck(part: Part, path: Path) -> tuple[int, ...]:
    """Required operations left unplaced at the deepest configuration, earliest return first."""
    placed = {step_[0] for step_ in unwind(path)}
    left = [i for i in range(len(part)) if part.required[i] and i not in placed]
    left.sort(key=lambda i: (part.rets[i], part.calls[i]))
    return tuple(left)
