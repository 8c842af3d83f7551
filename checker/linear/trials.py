"""Deciding many subsets of one part, as an explanation's shrink does: cheaply, and each once.

A shrink asks two questions of hundreds of small subsets: is it linearizable, and can it be
ordered at all once real time is erased. Three things keep the answers cheap:

- A subset's part is cut from the whole part's columns (already in invocation order), so
  nothing is sorted or rebuilt from the history.
- Every answer is remembered, so a subset asked about twice is searched once.
- Every order a search found is kept (the few newest). An order that, cut down to a new subset,
  still satisfies the model and keeps real-time order proves that subset linearizable without
  a search; one that only satisfies the model proves it can be ordered. A failed replay proves
  nothing, and the search decides.

Each search runs under the smaller of its own budget and what is left of the shrink's time.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from histcheck.budget import Budget
from histcheck.errors import BudgetExhausted
from histcheck.history import Operation
from histcheck.linear.model import Choices, Resolved
from histcheck.linear.parts import INFINITY, Part, interchangeable, linked
from histcheck.linear.schedule import Searcher
from histcheck.linear.search import Outcome

DECIDE_SECONDS = 0.2
"""The budget of one search deciding whether a subset is invalid."""
ORDERABLE_SECONDS = 0.01
"""The budget of one search for an order of a subset with real time erased."""
ORDERABLE_CONFIGURATIONS = 512
"""And its budget in configurations: with real time erased every order is open, and on models
with many states (strings appended to) the search can take exponential time to fail. Nearly
every subset an explanation asks about is decided within a hundred."""
ORDERABLE_CHECK_EVERY = 64
"""How often (in configurations) that search stops to look at its budgets."""
KEPT_ORDERS = 4
"""How many of the orders found are kept to decide later subsets without a search."""
REPLAY_STATES = 64
"""A replay that has more possible states than this gives up (and the search decides)."""


class Trials:
    """Decides subsets of ``part``; searches stop by ``until`` (a ``time.monotonic()`` instant).

    ``searcher`` decides validity; the order-only question always uses the linearizability
    search with every interval made [0, infinity).
    """

    def __init__(self, part: Part, model: Resolved, searcher: Searcher, until: float) -> None:
        from histcheck.linear.search import searching

        self.part = part
        self.model = model
        self.searcher = searcher
        self.until = until
        self._timeless = searching
        self.realtime = searcher is searching
        """Whether ``searcher`` orders by real time, so that a replayed order can stand for it."""
        self._index = {op.id: i for i, op in enumerate(part.ops)}
        self._classes = interchangeable(part.ops)
        self._answers: dict[tuple[tuple[int, ...], bool], bool | None] = {}
        self._orders: list[tuple[int, ...]] = []  # newest first, as part indices
        self.searches = 0
        """Searches run so far (answers remembered or replayed cost none)."""
        self.explored = 0
        """Configurations those searches explored."""

    def invalid(self, ops: Sequence[Operation]) -> bool:
        """Proven not linearizable (a search that ran out of budget proves nothing)."""
        return self.decided(ops, timeless=False) is False

    def orderable(self, ops: Sequence[Operation]) -> bool | None:
        """Whether some order of ``ops`` satisfies the model once real time is erased (None:
        the search ran out of budget)."""
        return self.decided(ops, timeless=True)

    def decided(self, ops: Sequence[Operation], *, timeless: bool) -> bool | None:
        """Whether the subset is linearizable (with real time erased when ``timeless``), or
        None when its search ran out of budget."""
        chosen = tuple(sorted(self._index[op.id] for op in ops))
        key = (chosen, timeless)
        if key in self._answers:
            return self._answers[key]
        answer: bool | None
        if (timeless or self.realtime) and self._replays(chosen, keep_time=not timeless):
            answer = True
        else:
            answer = self._search(chosen, timeless)
        self._answers[key] = answer
        return answer

    def _search(self, chosen: tuple[int, ...], timeless: bool) -> bool | None:
        part = self._cut(chosen, timeless)
        if timeless:
            run = self._timeless(part, self.model, ORDERABLE_CHECK_EVERY)
            limit, most = ORDERABLE_SECONDS, ORDERABLE_CONFIGURATIONS
        else:
            run = self.searcher(part, self.model)
            limit, most = DECIDE_SECONDS, None
        deadline = Budget(seconds=max(0.0, min(limit, self.until - time.monotonic()))).start()
        explored = 0
        try:
            while True:
                explored = next(run)
                deadline.check(explored)
                if most is not None and explored >= most:
                    raise BudgetExhausted("configurations")
        except StopIteration as stop:
            outcome: Outcome = stop.value
        except BudgetExhausted:
            self.explored += explored
            return None
        finally:
            self.searches += 1
        self.explored += outcome.explored
        if outcome.valid and (timeless or self.realtime):
            self._orders.insert(0, tuple(chosen[i] for i, _ in outcome.steps))
            del self._orders[KEPT_ORDERS:]
        return bool(outcome.valid)

    def _replays(self, chosen: tuple[int, ...], *, keep_time: bool) -> bool:
        """Whether a kept order, cut down to ``chosen``, satisfies the model (and, with
        ``keep_time``, keeps real-time order). Optional operations may be left out of it."""
        wanted = set(chosen)
        required = self.part.required
        for order in self._orders:
            covered = wanted.intersection(order)
            if any(required[i] for i in wanted - covered):
                continue
            cut = [i for i in order if i in covered]
            if keep_time and not self._in_real_time(cut):
                continue
            if self._satisfies(cut):
                return True
        return False

    def _in_real_time(self, order: list[int]) -> bool:
        """No operation comes after one that was invoked only after it returned."""
        calls, rets = self.part.calls, self.part.rets
        latest = -INFINITY
        for i in order:
            if rets[i] < latest:
                return False
            latest = max(latest, calls[i])
        return True

    def _satisfies(self, order: list[int]) -> bool:
        """Whether the model accepts ``order``, each optional operation taking effect or not."""
        step, ops, required = self.model.step, self.part.ops, self.part.required
        states = [self.model.initial()]
        for i in order:
            following: list[Any] = []
            for state in states:
                after = step(state, ops[i])
                if type(after) is Choices:
                    following.extend(after)
                elif after is not None:
                    following.append(after)
            if not required[i]:
                following.extend(states)
            states = list(dict.fromkeys(following))
            if not states or len(states) > REPLAY_STATES:
                return False
        return True

    def _cut(self, chosen: tuple[int, ...], timeless: bool) -> Part:
        """The part of the operations at ``chosen``, with interchangeable classes relinked."""
        part, classes = self.part, self._classes
        before = linked([classes[i] for i in chosen])
        size = len(chosen)
        calls, rets = part.calls, part.rets
        return Part(part.key, tuple([part.ops[i] for i in chosen]),
                    (0.0,) * size if timeless else tuple([calls[i] for i in chosen]),
                    (INFINITY,) * size if timeless else tuple([rets[i] for i in chosen]),
                    tuple([part.required[i] for i in chosen]), before,
                    tuple([part.pure[i] for i in chosen]))
