"""The linearizability family's entry point: one history, one model, one consistency level.

``check`` is what the registry calls for the built-in models; ``check_history`` is the library
call for any model, built-in or user-defined. Both split the history into independent parts
where that is sound (linearizability only: sequential consistency is not local), run an engine
on the parts, and turn the outcome into a ``CheckResult`` whose explanation shows why an invalid
history is invalid.

Engines (``options["engine"]``): ``search`` (default; the exact cached search of ``search.py``
and the frontier search of ``sequential.py``) and ``smt`` (a z3 encoding, ``smt.py``; slower,
an independent oracle). Other options: ``workers`` (processes; default: automatic), ``explain``
(``false`` skips the shrink), ``shrink-seconds`` (time for the shrink, default 1).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from histcheck.budget import UNLIMITED, Budget, Deadline, peak_rss_bytes
from histcheck.collector import paused_collector
from histcheck.errors import BudgetExhausted, HistcheckError, HistoryError, UsageError
from histcheck.history import History, Operation
from histcheck.linear.model import Model, Resolved, resolve
from histcheck.linear.parts import Part, lift, split
from histcheck.linear.schedule import Searcher, first_invalid, run_parts
from histcheck.linear.search import Outcome
from histcheck.options import choice, flag, number
from histcheck.result import UNKNOWN, Anomaly, CheckResult
from histcheck.values import show

LINEARIZABLE = "linearizable"
SEQUENTIAL = "sequential"
CONSISTENCIES = (LINEARIZABLE, SEQUENTIAL)
ENGINES = ("search", "smt")
LINEARIZABLE_SLICE = 2.0
"""Seconds a sequential check spends first on the (usually much easier) linearizable check."""
EXPLANATION_FLOOR = 0.2
"""Seconds the explanation may always take (below its ``shrink-seconds`` cap), however fast
the verdict came."""
DETAIL_LIMIT = 20_000
"""Histories up to this many operations carry their whole linearization in the result."""


def check(history: History, *, model: str, consistency: str, deadline: Deadline,
          options: Mapping[str, Any]) -> CheckResult:
    """The registry's entry for the built-in models (``models.BUILTIN``) and plugin models."""
    from histcheck.linear.models import BUILTIN, builtin_model

    if model in BUILTIN:
        return check_model(history, builtin_model(model, options), consistency=consistency,
                           deadline=deadline, options=options)
    from histcheck.plugins import in_one_line, plugin_models

    plugin = plugin_models().get(model)
    if plugin is None:
        raise UsageError(f"unknown linearizability model {model!r}")
    try:
        return check_model(history, plugin.model, consistency=consistency, deadline=deadline,
                           options=options)
    except (HistcheckError, MemoryError, RecursionError):
        raise
    except Exception as exc:  # a bug in the plugin's model: say whose, in one line
        raise UsageError(f"plugin model {model!r} from {plugin.origin} failed: "
                         f"{in_one_line(exc)}") from exc


def check_history(history: History, model: Model[Any], *, consistency: str = LINEARIZABLE,
                  budget: Budget = UNLIMITED,
                  options: Mapping[str, Any] | None = None) -> CheckResult:
    """Check ``history`` against any model (see ``Model``); a spent budget gives unknown.

    A model with a ``vocabulary`` refuses a history with other operations first
    (``histcheck.vocabulary.admit``).
    """
    resolved = resolve(model)
    vocabulary = getattr(model, "vocabulary", None)
    if vocabulary is not None:
        from histcheck.vocabulary import admit

        admit(history, vocabulary, resolved.name)
    try:
        return check_model(history, model, consistency=consistency, deadline=budget.start(),
                           options=options or {})
    except BudgetExhausted as exc:
        return CheckResult(valid=UNKNOWN, model=resolved.name, consistency=consistency,
                           explanation=f"no verdict: {exc.reason}",
                           figures={"explored": exc.explored,
                                    "peak_rss_mb": round(peak_rss_bytes() / 2**20, 1)})


def _searcher(engine: str, consistency: str, deadline: Deadline | None = None) -> Searcher:
    if engine == "smt":
        from histcheck.linear.smt import SOLVER_MS, solving

        def by_smt(part: Part, model: Resolved) -> Any:
            limit = SOLVER_MS
            if deadline is not None and deadline.budget.seconds is not None:
                left = deadline.budget.seconds - deadline.elapsed()
                limit = max(1, min(limit, int(left * 1000)))
            return solving(part, model, consistency, limit)

        return by_smt
    if consistency == SEQUENTIAL:
        from histcheck.linear.sequential import searching as sc_searching

        sequential: Searcher = sc_searching
        return sequential
    from histcheck.linear.search import searching

    return searching


def check_model(history: History, model: Model[Any], *, consistency: str, deadline: Deadline,
                options: Mapping[str, Any]) -> CheckResult:
    """Check with a deadline (raises ``BudgetExhausted`` when it passes)."""
    if consistency not in CONSISTENCIES:
        raise UsageError(f"consistency must be one of {', '.join(CONSISTENCIES)}, "
                         f"not {consistency!r}")
    if consistency == LINEARIZABLE and not history.realtime:
        raise HistoryError("linearizable orders operations by real time, which this history "
                           "does not record (its format records sessions only)",
                           path=history.source)
    engine = choice(options, "engine", ENGINES, "search")
    workers = int(number(options, "workers", 0)) or None
    explain = flag(options, "explain", True)
    shrink_seconds = number(options, "shrink-seconds", 1.0)
    resolved = resolve(model)
    searcher = _searcher(engine, consistency, deadline)
    started = time.monotonic()
    try:
        if consistency == SEQUENTIAL and engine == "search" and history.realtime:
            shortcut = _linearizable_first(history, resolved, deadline, workers)
            if shortcut is not None:
                return shortcut
        with paused_collector():  # the search's cache holds millions of acyclic entries
            parts = split(history, resolved, by_key=consistency == LINEARIZABLE)
            done, explored = run_parts(parts, resolved, deadline, searcher,
                                       1 if engine == "smt" else workers)
    except ValueError as exc:
        raise UsageError(f"{resolved.name}: {exc}") from None
    figures: dict[str, Any] = {"explored": explored, "parts": len(parts), "engine": engine}
    bad = first_invalid(done)
    what = "linearizable" if consistency == LINEARIZABLE else "sequentially consistent"
    if bad is None:
        if consistency == SEQUENTIAL:
            resolved = lift(resolved, done[0][0])[0]
        details = _details(done, resolved) if len(history) <= DETAIL_LIMIT else {}
        return CheckResult(valid=True, model=resolved.name, consistency=consistency,
                           explanation="", figures=figures, details=details)
    part, outcome = bad
    if consistency == SEQUENTIAL:
        resolved = lift(resolved, part)[0]
    steps = [(part.ops[i], state) for i, state in outcome.steps]
    culprit = part.ops[outcome.stuck[0]] if outcome.stuck and not outcome.note else None
    core: list[Operation] = [part.ops[i] for i in outcome.stuck] if outcome.note else []
    complete = True
    if explain:
        from histcheck.linear.core import find_core

        explaining = time.monotonic()
        # the core is proven with the search engine (fast, and bounded by small budgets)
        found = find_core(history, resolved, part, _searcher("search", consistency),
                          core or part.ops, culprit,
                          _explanation_seconds(shrink_seconds, deadline,
                                               time.monotonic() - started), steps)
        core, complete = list(found.operations), found.complete
        figures["explanation-seconds"] = round(time.monotonic() - explaining, 3)
        figures["explanation-explored"] = found.explored
    from histcheck.linear.explain import explain_invalid

    where = "" if part.key is None else f" (key {_key_text(part)})"
    text = explain_invalid(history, resolved, what, culprit, steps, core, where, outcome.note,
                           complete)
    anomaly = Anomaly(
        name="nonlinearizable" if consistency == LINEARIZABLE else "not-sequential",
        explanation=text.splitlines()[0] + (f" Operation {culprit.id} cannot be placed."
                                            if culprit else ""),
        operations=tuple(op.id for op in core) or ((culprit.id,) if culprit else ()),
        data={"culprit": None if culprit is None else culprit.id,
              "key": _key_text(part),
              "longest-prefix": [[op.id, resolved.describe_state(s)] for op, s in steps],
              "furthest": [[[part.ops[i].id, resolved.describe_state(s)] for i, s in other]
                           for other in outcome.furthest],
              "core": [op.id for op in core], "core-complete": complete})
    details = {"parts": [_part_detail(part, outcome, resolved)],
               "culprit": None if culprit is None else culprit.id,
               "core": [op.id for op in core]}
    return CheckResult(valid=False, model=resolved.name, consistency=consistency,
                       anomalies=(anomaly,), explanation=text, figures=figures,
                       details=details)


def _linearizable_first(history: History, model: Resolved, deadline: Deadline,
                        workers: int | None) -> CheckResult | None:
    """Every linearizable history is sequentially consistent, and real time prunes far more
    than program order: try linearizability first, with a slice of the budget. Returns the
    sequential verdict when that settles it, None otherwise."""
    from histcheck.linear.search import searching

    seconds = deadline.budget.seconds
    remaining = None if seconds is None else max(0.0, seconds - deadline.elapsed())
    slice_ = LINEARIZABLE_SLICE if remaining is None else min(LINEARIZABLE_SLICE, remaining / 4)
    try:
        parts = split(history, model, by_key=True)
        done, explored = run_parts(parts, model, Budget(slice_, deadline.budget.memory_bytes)
                                   .start(), searching, workers)
    except BudgetExhausted:
        return None
    if first_invalid(done) is not None:
        return None
    return CheckResult(valid=True, model=model.name, consistency=SEQUENTIAL,
                       explanation="linearizable, hence sequentially consistent",
                       figures={"explored": explored, "parts": len(parts), "engine": "search",
                                "via": "linearizable"},
                       details=_details(done, model) if len(history) <= DETAIL_LIMIT else {})


def _part_detail(part: Part, outcome: Outcome, model: Resolved) -> dict[str, Any]:
    return {"key": _key_text(part), "valid": outcome.valid,
            "steps": [[part.ops[i].id, model.describe_state(s)] for i, s in outcome.steps]}


def _key_text(part: Part) -> str | None:
    key: Any = part.key
    return None if key is None else show(key)


def _details(done: list[tuple[Part, Outcome]], model: Resolved) -> dict[str, Any]:
    return {"parts": [_part_detail(part, outcome, model) for part, outcome in done]}


def _explanation_seconds(shrink_seconds: float, deadline: Deadline, checked: float) -> float:
    """The explanation's share: its own cap, at most half of what the check has left, and no
    more than the check took to reach its verdict (with a floor, so that small histories get
    a minimal subset), so that explaining never costs more than deciding."""
    left = deadline.remaining()
    share = min(shrink_seconds, max(EXPLANATION_FLOOR, checked))
    return share if left is None else max(0.0, min(share, left / 2))
