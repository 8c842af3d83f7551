"""Sequential consistency: one total order that respects each process's program order.

Unlike linearizability this is not local (store buffering is SC on each key, not as a whole),
so the history is one part and a partitioned model's state is the tuple of its parts' states.

The search walks process frontiers: a configuration is the next operation of each process plus
the model state; a move runs one process's next operation, or skips it when it is an
indeterminate operation (which may never have happened). Configurations are cached as in the
linearizability search (a configuration that matches a visited one but has used up more final
indeterminate operations has fewer futures and is cut), and the same reductions apply: a pure
operation that can run now runs at once; interchangeable indeterminate operations at the ends of
their processes run in order.

A read at a process frontier that no unplaced operation could ever satisfy (the model's
``can_reach``, given everything not yet placed) ends the configuration.

For registers with unique written values (``saturate.py``) the forced edges come first: a cycle
is already a proof. Otherwise they become extra precedence for the search, with one more sound
pruning: never run a write over a value that a pending read still needs (values are unique, so
that read could never be satisfied afterwards).
"""

from __future__ import annotations

from collections.abc import Generator, Hashable
from typing import Any

from histcheck.linear.model import Resolved
from histcheck.linear.parts import Part, lift
from histcheck.linear.registers import NIL
from histcheck.linear.saturate import accesses, saturate
from histcheck.linear.search import CHECK_EVERY, Outcome, Path, _expand, subsumed, unwind


def _proof_note(cycle: tuple[int, ...]) -> str:
    if len(cycle) == 1:
        return "a read of a value that no write wrote"
    return ("the forced orders (program order, reads-from, and the write orders they imply) "
            "form a cycle through these operations")


def _twins(part: Part, lanes: list[list[int]]) -> list[tuple[tuple[int, int, int], ...]]:
    """For each indeterminate operation that ends its process: the earlier ones with the same
    effect, as (operation, lane, position). When such a twin can run now too, the two are
    interchangeable (nothing follows either in program order), so only the earlier one runs."""
    where = {lane[-1]: (no, len(lane) - 1) for no, lane in enumerate(lanes)}
    classes: dict[tuple[str, Any, Any], list[int]] = {}
    twins: list[tuple[tuple[int, int, int], ...]] = [()] * len(part)
    for j in sorted(where):
        op = part.ops[j]
        if part.required[j]:
            continue
        members = classes.setdefault((op.f, op.key, op.value), [])
        twins[j] = tuple((m, *where[m]) for m in members)
        members.append(j)
    return twins


def searching(part: Part, model: Resolved) -> Generator[int, None, Outcome]:
    """Search for a sequential order of ``part``; yields progress like ``search.searching``."""
    ops = part.ops
    n = len(ops)
    required = part.required
    calls = part.calls
    total = part.required_count
    whole, slots = lift(model, part)
    initial = whole.initial()
    base_step = whole.step
    partition = model.partition
    key_index = [slots[partition(op)] for op in ops] if partition is not None else [0] * n

    def step(state: Any, j: int) -> Any:
        return base_step(state, ops[j])

    by_process: dict[Hashable, list[int]] = {}
    for i in range(n):
        by_process.setdefault(ops[i].process, []).append(i)
    lanes = list(by_process.values())
    twins = _twins(part, lanes)
    view = accesses(ops, model)
    preds: list[frozenset[int]] = [frozenset()] * n
    needed: dict[tuple[Hashable, Any], tuple[int, ...]] = {}
    if view is not None:
        saturation = saturate(ops, view)
        if saturation.cycle:
            return Outcome(False, (), saturation.cycle, 0, note=_proof_note(saturation.cycle))
        preds = list(saturation.preds)
        needed = saturation.reads_of
    placed = bytearray(n)
    if total == 0:
        return Outcome(True, (), (), 0)

    def overwrites_needed(j: int, state: Any) -> bool:
        if view is None or view[j].kind != "w":
            return False
        held = state[key_index[j]] if slots else state
        value = None if held is NIL else held
        return any(not placed[r] for r in needed.get((view[j].key, value), ()))

    can_reach = model.can_reach
    same_key: dict[int, list[int]] = {}
    for i in range(n):
        same_key.setdefault(key_index[i], []).append(i)
    lane_of = {j: no for no, lane in enumerate(lanes) for j in lane}

    def unreachable(j: int, state: Any) -> bool:
        """A read that nothing still unplaced (and not after it in its process) can satisfy."""
        if can_reach is None or not part.pure[j] or not required[j]:
            return False
        lane = lane_of[j]
        available = [ops[k] for k in same_key[key_index[j]]
                     if not placed[k] and k != j and (lane_of[k] != lane or calls[k] < calls[j])]
        return not can_reach(state[key_index[j]] if slots else state, ops[j], available)

    dead_read = [-1]  # the read that ended the last configuration found dead, if any

    def moves(frontier: tuple[int, ...], state: Any, moved: int,
              used: int) -> list[tuple[int, int, Any]]:
        """(lane, operation or -1 for a skip, next state); a pure move alone; none when a
        pending read can never be satisfied. Only reads that the last move (of operation or
        skip ``moved``, -1 at the start) could have affected are checked: its key, its lane."""
        key = key_index[moved] if moved >= 0 else -1
        moved_lane = lane_of[moved] if moved >= 0 else -1
        found: list[tuple[int, int, Any]] = []
        for lane_no, pos in enumerate(frontier):
            lane = lanes[lane_no]
            if pos >= len(lane) or used >> lane_no & 1:
                continue
            j = lane[pos]
            if not required[j] and pos + 1 < len(lane):
                found.append((lane_no, -1, state))
            if twins[j] and any(not placed[m] and frontier[lane_m] == pos_m
                                for m, lane_m, pos_m in twins[j]):
                continue
            if any(not placed[p] for p in preds[j]) or overwrites_needed(j, state):
                continue
            results = _expand(state, step(state, j))
            for nxt in results:
                if part.pure[j] and nxt == state:
                    return [(lane_no, j, nxt)]
                found.append((lane_no, j, nxt))
            if not results and (moved < 0 or key_index[j] == key or lane_no == moved_lane) \
                    and unreachable(j, state):
                dead_read[0] = j
                return []
        # real-time order first (a linearizable history's order is sequential), info last
        found.sort(key=lambda move: (move[1] < 0 or not required[move[1]],
                                     calls[lanes[move[0]][frontier[move[0]]]]))
        return found

    start = tuple(0 for _ in lanes)
    # (frontier, state) -> sets of lanes whose final info operation was used, as visited; the
    # frontier does not move for those (see the subsumption rule in search.py)
    seen: dict[tuple[tuple[int, ...], Any], int | list[int]] = {}
    # A frame: [frontier, state, moves, next move, path, count, operation or -1, used lanes]
    stack: list[list[Any]] = [[start, initial, moves(start, initial, -1, 0), 0, None, 0, -1, 0]]
    best_path: Path = None
    best_count = -1
    best_dead = dead_read[0]
    explored = 0
    while stack:
        frame = stack[-1]
        cands = frame[2]
        k = frame[3]
        if k >= len(cands):
            stack.pop()
            if frame[6] >= 0:
                placed[frame[6]] = 0
            continue
        frame[3] = k + 1
        lane_no, j, nxt = cands[k]
        frontier = frame[0]
        used = frame[7]
        if j >= 0 and not required[j] and frontier[lane_no] + 1 == len(lanes[lane_no]):
            used |= 1 << lane_no
        else:
            frontier = (*frontier[:lane_no], frontier[lane_no] + 1, *frontier[lane_no + 1:])
        if subsumed(seen, (frontier, nxt), used):
            continue
        explored += 1
        if explored % CHECK_EVERY == 0:
            yield explored
        count = frame[5] + (required[j] if j >= 0 else 0)
        path = frame[4] if j < 0 else (j, nxt, frame[4])
        if count > best_count:
            best_count, best_path = count, path
        if count == total:
            return Outcome(True, unwind(path), (), explored)
        if j >= 0:
            placed[j] = 1
        moved = j if j >= 0 else lanes[lane_no][frame[0][lane_no]]
        dead_read[0] = -1
        following = moves(frontier, nxt, moved, used)
        if path is best_path:
            best_dead = dead_read[0]
        stack.append([frontier, nxt, following, 0, path, count, j, used])
    done = {i for i, _ in unwind(best_path)}
    stuck = sorted((i for i in range(n) if required[i] and i not in done),
                   key=lambda i: (i != best_dead, part.calls[i]))
    return Outcome(False, unwind(best_path), tuple(stuck), explored)
