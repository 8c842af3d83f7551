"""Small transactional histories that aim at the awkward cases, for the axiom oracle.

A history is written as a ``Spec``: transactions with a process, a status, micro-operations (read
values included) and an interval. ``generate`` draws one from a ``Chooser`` (seeded ``random``,
or hypothesis's ``draw``, which then shrinks it): a simulated database applies the transactions
that take effect (``ok`` ones, most ``info`` ones, some ``fail`` ones) in a commit order, and
each read shows a snapshot plus the transaction's own writes, or on purpose something else: a
later state, an older one, another transaction's intermediate state, its own later write, a
value nobody wrote, an element twice, a list with a gap or two elements swapped. The first
option of every choice is the plain one, so shrinking heads towards serial histories.
``shrink`` deletes transactions, micro-operations and details while a property still holds.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol, TypeVar

from hypothesis import strategies as st

from histcheck.errors import HistcheckError
from histcheck.history import FAIL, INFO, INVOKE, OK, Event, History, from_events

T = TypeVar("T")
KEYS = ("x", "y", "z")
WORKLOADS = ("list-append", "rw-register")
Mop = tuple[str, Any, Any]


@dataclass(frozen=True)
class TxnSpec:
    """One transaction: ``end`` None means it never completed (only for ``info``)."""

    process: int
    status: str
    mops: tuple[Mop, ...]
    start: int
    end: int | None
    info_event: bool = True


@dataclass(frozen=True)
class Spec:
    workload: str
    txns: tuple[TxnSpec, ...]
    timed: bool = False

    def history(self) -> History:
        return to_history(self)

    def __str__(self) -> str:
        lines = [f"{self.workload}{' (timed)' if self.timed else ''}:"]
        for i, t in enumerate(self.txns, 1):
            mops = " ".join(f"[{f} {k} {_show(v)}]" for f, k, v in t.mops)
            end = "-" if t.end is None else t.end
            lines.append(f"  T{i} p{t.process} {t.status:4} {t.start}..{end}  {mops}")
        return "\n".join(lines)


def _show(value: Any) -> str:
    if value is None:
        return "nil"
    if isinstance(value, tuple):
        return "[" + " ".join(map(str, value)) + "]"
    return str(value)


def txn(*mops: Mop, status: str = "ok", process: int | None = None) -> TxnSpec:
    """A transaction for ``spec``: lists may be written as Python lists."""
    fixed = tuple((f, k, tuple(v) if isinstance(v, list) else v) for f, k, v in mops)
    return TxnSpec(-1 if process is None else process, status, fixed, 0, 0)


def spec(workload: str, *txns: TxnSpec, times: Sequence[tuple[int, int | None]] = ()) -> Spec:
    """Transactions run one after another (or at ``times``), each on its own process unless
    given one."""
    placed = []
    for i, t in enumerate(txns):
        start, end = times[i] if times else (2 * i, 2 * i + 1)
        process = i + 100 if t.process < 0 else t.process
        placed.append(replace(t, process=process, start=start, end=end))
    return Spec(workload, tuple(placed), timed=bool(times))


def to_history(s: Spec) -> History:
    """Events in time order (completions first at equal times); reads are nil in invocations
    and in ``fail``/``info`` completions, as clients record them."""
    timed: list[tuple[int, int, Event]] = []
    for t in s.txns:
        invoked = tuple((f, k, None if f == "r" else v) for f, k, v in t.mops)
        timed.append((t.start, 1, Event(t.process, INVOKE, "txn", invoked, time=t.start)))
        if t.end is None or (t.status == "info" and not t.info_event):
            continue
        kind = {"ok": OK, "fail": FAIL, "info": INFO}[t.status]
        value = t.mops if t.status == "ok" else invoked
        timed.append((t.end, 0, Event(t.process, kind, "txn", value, time=t.end)))
    timed.sort(key=lambda e: (e[0], e[1]))
    events = [e if s.timed else replace_time(e) for _, _, e in timed]
    return from_events(events)


def replace_time(event: Event) -> Event:
    return Event(event.process, event.type, event.f, event.value, event.key, None, event.extra)


# -- choosing ---------------------------------------------------------------------------------


class Chooser(Protocol):
    def integer(self, lo: int, hi: int) -> int: ...

    def pick(self, options: Sequence[T]) -> T: ...


class RandomChooser:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def integer(self, lo: int, hi: int) -> int:
        return self.rng.randint(lo, hi)

    def pick(self, options: Sequence[T]) -> T:
        return self.rng.choice(list(options))


class DrawChooser:
    def __init__(self, draw: Callable[[st.SearchStrategy[Any]], Any]) -> None:
        self.draw = draw

    def integer(self, lo: int, hi: int) -> int:
        return int(self.draw(st.integers(lo, hi)))

    def pick(self, options: Sequence[T]) -> T:
        return options[self.draw(st.integers(0, len(options) - 1))]


READ_MODES = ("snapshot",) * 6 + ("fresh", "fresh", "partial", "partial", "stale",
                                   "intermediate", "gap", "swap", "own-later", "garbage")


def generate(c: Chooser, workload: str, max_txns: int = 5) -> Spec:
    lists = workload == "list-append"
    n = c.integer(1, max_txns)
    keys = KEYS[:c.integer(1, 3)]
    statuses = [c.pick(("ok", "ok", "ok", "info", "fail")) for _ in range(n)]
    counter = iter(range(1, 1000))
    programs = []
    for _ in range(n):
        program = []
        for _ in range(c.integer(1, 4)):
            key = c.pick(keys)
            program.append(("r", key, None) if c.pick((True, False)) else
                           ("append" if lists else "w", key, next(counter)))
        programs.append(program)
    effective = [i for i in range(n)
                 if statuses[i] == "ok" or c.pick({"info": (True, True, False),
                                                   "fail": (False, False, True)}[statuses[i]])]
    order = list(effective)
    for i in range(len(order) - 1):
        j = i + c.integer(0, len(order) - 1 - i)
        order[i], order[j] = order[j], order[i]

    def apply(state: dict[str, Any], mops: Sequence[Mop]) -> dict[str, Any]:
        state = dict(state)
        for f, k, v in mops:
            if f != "r":
                state[k] = (*state.get(k, ()), v) if lists else v
        return state

    states: list[dict[str, Any]] = [{}]
    for i in order:
        states.append(apply(states[-1], programs[i]))
    middles = [apply(states[p], programs[i][:j]) for p, i in enumerate(order)
               for j in range(1, len(programs[i]))]
    others = [apply({}, programs[i]) for i in range(n) if i not in effective]
    position = {i: p for p, i in enumerate(order)}

    txns = []
    for i in range(n):
        p = position.get(i, c.integer(0, len(order)))
        taken = p - c.integer(0, p)
        snapshot = states[taken]
        mops: list[Mop] = []
        for j, (f, k, v) in enumerate(programs[i]):
            shown = v
            if f == "r" and statuses[i] == "ok":
                missed = order[c.integer(0, taken - 1)] if taken else None
                partial = apply({}, [m for u in order[:taken] if u != missed
                                     for m in programs[u]])
                shown = _read(c, lists, k, snapshot, programs[i], j,
                              [*states[taken:p + 1], partial], states, middles, others)
            mops.append((f, k, shown))
        txns.append(mops)
    return Spec(workload, _schedule(c, statuses, txns, position, len(order)),
                timed=c.pick((False, True)))


def _read(c: Chooser, lists: bool, key: str, snapshot: dict[str, Any], program: list[Mop],
          index: int, fresh: list[dict[str, Any]], states: list[dict[str, Any]],
          middles: list[dict[str, Any]], others: list[dict[str, Any]]) -> Any:
    mode = c.pick(READ_MODES)
    base = snapshot
    if mode == "fresh":
        base = c.pick(fresh[:-1])
    elif mode == "partial":
        base = fresh[-1]
    elif mode == "stale":
        base = c.pick(states + others)
    elif mode == "intermediate" and middles:
        base = c.pick(middles)
    own = [v for f, k, v in program[:index] if f != "r" and k == key]
    later = [v for f, k, v in program[index + 1:] if f != "r" and k == key]
    if mode == "own-later" and later:
        own = [*own, later[0]]
    if not lists:
        if mode == "garbage":
            return 900 + c.integer(0, 9)
        return own[-1] if own and c.pick((True, True, True, False)) else base.get(key)
    value = list(base.get(key, ()))
    if own and c.pick((True, True, True, False)):
        value += own
    if mode == "garbage" and (not value or c.pick((True, False))):
        value.insert(c.integer(0, len(value)), 900 + c.integer(0, 9))
    elif mode == "garbage":
        value.insert(c.integer(0, len(value)), c.pick(value))
    elif mode == "gap" and value:
        del value[c.integer(0, len(value) - 1)]
    elif mode == "swap" and len(value) > 1:
        j = c.integer(0, len(value) - 2)
        value[j], value[j + 1] = value[j + 1], value[j]
    return tuple(value) if value or c.pick((True, False)) else None


def _schedule(c: Chooser, statuses: list[str], txns: list[list[Mop]], position: dict[int, int],
              effective: int) -> tuple[TxnSpec, ...]:
    """Intervals around each commit point, then processes: a free one (its last transaction
    ended earlier and was not ``info``) or a new one."""
    slots = []
    for i in range(len(txns)):
        centre = 10 * (position[i] if i in position else c.integer(0, effective)) + 5
        start = centre - c.integer(0, 12)
        end = (None if statuses[i] == "info" and c.pick((False, True))
               else centre + 1 + c.integer(0, 12))
        slots.append((start, end, i))
    placed: dict[int, TxnSpec] = {}
    free_at: dict[int, float] = {}
    for start, end, i in sorted(slots, key=lambda s: (s[0], s[2])):
        free = [p for p, at in free_at.items() if at <= start]
        process = c.pick(free) if free and c.pick((True, True, False)) else len(free_at)
        free_at[process] = float("inf") if statuses[i] == "info" or end is None else end
        placed[i] = TxnSpec(process, statuses[i], tuple(txns[i]), start, end,
                            info_event=end is not None)
    return tuple(placed[i] for i in range(len(txns)))


def specs(workload: str, max_txns: int = 5) -> st.SearchStrategy[Spec]:
    """A hypothesis strategy of ``generate``'s histories."""
    @st.composite
    def draw(d: Callable[[st.SearchStrategy[Any]], Any]) -> Spec:
        return generate(DrawChooser(d), workload, max_txns)
    return draw()


def seeded(workload: str, count: int, first: int = 0, max_txns: int = 5) -> list[Spec]:
    return [generate(RandomChooser(seed * 2 + WORKLOADS.index(workload)), workload, max_txns)
            for seed in range(first, first + count)]


# -- shrinking --------------------------------------------------------------------------------


def _smaller(s: Spec) -> Iterator[Spec]:
    txns = list(s.txns)
    for i in range(len(txns)):
        yield replace(s, txns=(*txns[:i], *txns[i + 1:]))
    if s.timed:
        yield replace(s, timed=False)
    in_order = sorted(txns, key=lambda t: t.start)
    sequential = tuple(replace(t, start=2 * i, end=None if t.end is None else 2 * i + 1)
                       for i, t in enumerate(in_order))
    if sequential != s.txns:
        yield replace(s, txns=sequential, timed=False)
    for i, t in enumerate(txns):
        def with_txn(new: TxnSpec, i: int = i) -> Spec:
            return replace(s, txns=(*txns[:i], new, *txns[i + 1:]))
        if t.status != "ok":
            yield with_txn(replace(t, status="ok", end=t.end if t.end is not None
                                   else t.start + 1))
        for j in range(len(t.mops)):
            if len(t.mops) > 1:
                yield with_txn(replace(t, mops=t.mops[:j] + t.mops[j + 1:]))
            f, k, v = t.mops[j]
            if f == "r" and isinstance(v, tuple) and v:
                for shorter in (v[1:], v[:-1]):
                    yield with_txn(replace(t, mops=(*t.mops[:j], ("r", k, shorter),
                                                    *t.mops[j + 1:])))
            elif f == "r" and v is not None:
                yield with_txn(replace(t, mops=(*t.mops[:j], ("r", k, None), *t.mops[j + 1:])))


def shrink(s: Spec, holds: Callable[[Spec], bool], rounds: int = 200) -> Spec:
    """A smaller spec on which ``holds`` is still true (greedy, first improvement)."""
    for _ in range(rounds):
        for smaller in _smaller(s):
            try:
                if holds(smaller):
                    s = smaller
                    break
            except HistcheckError:
                continue
        else:
            return s
    return s
