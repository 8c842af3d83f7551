"""The fuzz loop: hypothesis picks a case and every choice of the run, a checker judges the run,
and on a violation hypothesis shrinks the case and the choices to the smallest failing one.

``search(cases, attempt, config)`` is independent of what is run: ``cases`` is a strategy for the
explicit part of an example (workload size, faults), ``attempt(case)`` runs it (inside
``random_source``, so the simulator's choices are hypothesis's too) and returns the verdict with
whatever should be kept (a simulator, a history). ``histcheck.systems.fuzz.catalogue`` uses it
for the catalogue's systems; a user can use it for their own simulated system.

Reproducing: a search is deterministic given ``FuzzConfig.seed`` (hypothesis is seeded with it and
has no example database), and a failure also comes with hypothesis's reproduction blob, which
``FuzzConfig.replay`` runs again as the one example (``@reproduce_failure``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

import hypothesis
from hypothesis import HealthCheck, Phase, Verbosity, given
from hypothesis import strategies as st
from hypothesis.errors import DidNotReproduce

from histcheck.errors import UsageError
from histcheck.result import CheckResult
from histcheck.systems.fuzz.choices import ChoiceRandom, HypothesisChooser
from histcheck.systems.fuzz.strategies import choosers
from histcheck.systems.sim.core import random_source

C = TypeVar("C")
K = TypeVar("K")

_BLOB = re.compile(r"@reproduce_failure\('([^']+)', b'([^']*)'\)")


@dataclass(frozen=True, slots=True)
class FuzzConfig:
    """How long to search and how to make it reproducible.

    ``max_examples`` counts generated examples (shrinking runs more). ``seed`` seeds hypothesis;
    ``replay`` is a blob from an earlier failure, run as the only example. ``choice_limit`` is how
    many of a run's random choices hypothesis makes (and shrinks) before a seeded continuation.
    """

    max_examples: int = 200
    seed: int = 0
    replay: str | None = None
    choice_limit: int = 500
    shrink: bool = True

    def settings(self) -> hypothesis.settings:
        phases = [Phase.explicit, Phase.generate] + ([Phase.shrink] if self.shrink else [])
        return hypothesis.settings(max_examples=self.max_examples, database=None, deadline=None,
                                   derandomize=False, phases=phases, print_blob=True,
                                   report_multiple_bugs=False, verbosity=Verbosity.quiet,
                                   suppress_health_check=list(HealthCheck))


DEFAULT_CONFIG = FuzzConfig()


@dataclass(frozen=True, slots=True)
class Failure(Generic[C, K]):
    """The shrunk counterexample: its case, its verdict, what the run kept, how to replay it."""

    case: C
    result: CheckResult
    kept: K
    blob: str | None
    hypothesis_version: str
    first_failure_at: int
    """The example (counting from 1) that first failed, before any shrinking."""
    choices: int
    """How many of the shrunk run's random choices hypothesis made."""


@dataclass(frozen=True, slots=True)
class Outcome(Generic[C, K]):
    """What a search found: ``failure`` is None when every example passed."""

    failure: Failure[C, K] | None
    examples: int
    seconds: float
    unknown: int
    """Examples whose check ran out of budget (neither pass nor fail)."""

    @property
    def examples_per_second(self) -> float:
        return self.examples / self.seconds if self.seconds else 0.0


class _Violation(Exception):
    def __init__(self, case: object, result: CheckResult, kept: object, choices: int) -> None:
        super().__init__(result.explanation)
        self.case, self.result, self.kept, self.choices = case, result, kept, choices


@dataclass(slots=True)
class _Counts:
    examples: int = 0
    first_failure: int = 0
    unknown: int = 0


Report = Callable[[int, CheckResult], None]
"""Called after every example with the number run so far and its verdict (for progress)."""


@contextmanager
def _without_local_constants() -> Iterator[None]:
    """Keep hypothesis from mixing constants of the caller's own modules into its draws.

    Hypothesis sometimes draws a constant found in the source of loaded modules that are not
    installed packages. That makes a search depend on which modules happen to be loaded and on
    whether histcheck runs from a checkout or from site-packages: the same ``--seed`` would find
    different runs. Its built-in constants stay (they are the same everywhere). This reaches
    into hypothesis's internals; if they change, the search still works, only less repeatably.
    """
    try:
        from hypothesis.internal.conjecture import providers
    except ImportError:  # pragma: no cover - a hypothesis without the mechanism
        yield
        return
    original = getattr(providers, "_get_local_constants", None)
    constants = getattr(providers, "Constants", None)
    cache = getattr(getattr(providers, "CONSTANTS_CACHE", None), "cache", None)
    if original is None or constants is None or cache is None:  # pragma: no cover
        yield
        return
    none = constants()
    cache.clear()
    providers._get_local_constants = lambda: none
    try:
        yield
    finally:
        providers._get_local_constants = original
        cache.clear()


def search(cases: st.SearchStrategy[C], attempt: Callable[[C], tuple[CheckResult, K]],
           config: FuzzConfig = DEFAULT_CONFIG, report: Report | None = None) -> Outcome[C, K]:
    """Run ``attempt`` on hypothesis-chosen cases until one is invalid, then shrink it.

    ``attempt`` runs under ``random_source``: every ``Simulator`` it builds draws its choices
    from hypothesis. A verdict of ``False`` is a failure; ``"unknown"`` is counted, not failed.
    """
    counts = _Counts()

    @given(case=cases, chooser=choosers(limit=config.choice_limit))
    def example(case: C, chooser: HypothesisChooser) -> None:
        counts.examples += 1
        with random_source(lambda _seed: ChoiceRandom(chooser)):
            result, kept = attempt(case)
        if report is not None:
            report(counts.examples, result)
        if result.valid == "unknown":
            counts.unknown += 1
        if result.valid is False:
            counts.first_failure = counts.first_failure or counts.examples
            raise _Violation(case, result, kept, chooser.made)

    test = hypothesis.seed(config.seed)(config.settings()(example))
    if config.replay is not None:
        test = hypothesis.reproduce_failure(hypothesis.__version__,
                                            config.replay.encode("ascii"))(test)
    started = time.perf_counter()
    try:
        with _without_local_constants():
            test()
    except DidNotReproduce:
        raise UsageError("the replay blob does not fail here: replay it with the same system, "
                         "variant, options and hypothesis version that found it") from None
    except _Violation as violation:
        notes = "\n".join(getattr(violation, "__notes__", []))
        found = _BLOB.search(notes)
        failure: Failure[C, K] = Failure(
            case=violation.case, result=violation.result, kept=violation.kept,  # type: ignore[arg-type]
            blob=found.group(2) if found else config.replay,
            hypothesis_version=hypothesis.__version__,
            first_failure_at=counts.first_failure or 1, choices=violation.choices)
        return Outcome(failure, counts.examples, time.perf_counter() - started, counts.unknown)
    return Outcome(None, counts.examples, time.perf_counter() - started, counts.unknown)
