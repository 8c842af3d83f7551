"""Differential tests: both engines, both consistency levels, against the brute-force oracle.

Random small histories per model; every verdict must equal brute force, the two engines must
agree, and a linearizable history must be sequentially consistent. The default run keeps a few
dozen examples per model; ``-m slow`` runs a thousand.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from histcheck.history import History
from histcheck.linear.check import check_history
from histcheck.linear.models import BUILTIN

from .brute import brute_force, histories, plain_search

small = st.sampled_from
values = small([1, 2])


def _reads(*options: Any) -> Any:
    return lambda f, value: small(list(options)) if f in ("read", "get") else st.just(value)


def _cas_invoke() -> Any:
    return st.one_of(
        st.tuples(st.just("read"), st.none(), st.none()),
        st.tuples(st.just("write"), st.none(), values),
        st.tuples(st.just("cas"), st.none(), st.tuples(small([None, 1, 2]), values)),
    )


def _dequeue_result(f: str, value: Any) -> Any:
    return small([None, 1, 2]) if f == "dequeue" else st.just(value)


def _set_result(f: str, value: Any) -> Any:
    return small([(), (1,), (2,), (1, 2)]) if f == "read" else st.just(value)


def _txn_result(f: str, value: Any) -> Any:
    return st.tuples(*[st.tuples(st.just(m[0]), st.just(m[1]),
                                 small([None, 1, 2]) if m[0] == "r" else st.just(m[2]))
                       for m in value])


_mop = st.one_of(st.tuples(st.just("r"), small(["x", "y"]), st.none()),
                 st.tuples(st.just("w"), small(["x", "y"]), values))

CASES: dict[str, tuple[Any, Any]] = {
    "register": (st.one_of(st.tuples(st.just("read"), small(["x", "y"]), st.none()),
                           st.tuples(st.just("write"), small(["x", "y"]), values)),
                 _reads(None, 1, 2)),
    "cas-register": (_cas_invoke(), _reads(None, 1, 2)),
    "knossos-cas-register": (_cas_invoke(), _reads(None, 1, 2)),
    "etcd": (_cas_invoke(), _reads(None, 1, 2)),
    "mutex": (st.tuples(small(["acquire", "release"]), st.none(), st.none()),
              lambda f, value: st.just(value)),
    "kv": (st.one_of(st.tuples(st.just("get"), small(["a", "b"]), st.none()),
                     st.tuples(small(["put", "append"]), small(["a", "b"]), small(["x", "y"]))),
           _reads("", "x", "y", "xy", "yx")),
    "grow-set": (st.one_of(st.tuples(st.just("add"), st.none(), values),
                           st.tuples(st.just("read"), st.none(), st.none())), _set_result),
    "fifo-queue": (st.one_of(st.tuples(st.just("enqueue"), st.none(), values),
                             st.tuples(st.just("dequeue"), st.none(), st.none())),
                   _dequeue_result),
    "unordered-queue": (st.one_of(st.tuples(st.just("enqueue"), st.none(), values),
                                  st.tuples(st.just("dequeue"), st.none(), st.none())),
                        _dequeue_result),
    "lin-counter": (st.one_of(st.tuples(st.just("add"), st.none(), values),
                              st.tuples(st.just("read"), st.none(), st.none())),
                    _reads(0, 1, 2, 3)),
    "multi-register": (st.tuples(st.just("txn"), st.none(),
                                 st.lists(_mop, min_size=1, max_size=2).map(tuple)),
                       _txn_result),
}


def _verdicts(history: History, name: str) -> dict[tuple[str, str], Any]:
    model = BUILTIN[name]
    found = {}
    for consistency in ("linearizable", "sequential"):
        for engine in ("search", "smt"):
            result = check_history(history, model, consistency=consistency,
                                   options={"engine": engine, "explain": "false"})
            found[(consistency, engine)] = result.valid
    return found


def _agree(history: History, name: str) -> None:
    verdicts = _verdicts(history, name)
    for consistency in ("linearizable", "sequential"):
        expected = brute_force(history, BUILTIN[name], consistency)
        for engine in ("search", "smt"):
            assert verdicts[(consistency, engine)] is expected, (consistency, engine, history)
    if verdicts[("linearizable", "search")]:
        assert verdicts[("sequential", "search")]


def _run(name: str, examples: int, max_ops: int = 5) -> None:
    invoke, result = CASES[name]

    @settings(max_examples=examples, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(histories(invoke, result, max_ops=max_ops))
    def agree(history: History) -> None:
        _agree(history, name)

    agree()


@pytest.mark.parametrize("name", sorted(CASES))
def test_engines_agree_with_brute_force(name: str) -> None:
    _run(name, 25)


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(CASES))
def test_engines_agree_with_brute_force_thoroughly(name: str) -> None:
    _run(name, 1000, max_ops=6)


def test_every_builtin_model_is_covered() -> None:
    assert set(CASES) == set(BUILTIN)


MEDIUM = ["etcd", "cas-register", "kv", "register", "fifo-queue"]


@pytest.mark.parametrize("name", MEDIUM)
def test_reductions_agree_with_a_plain_search_on_medium_histories(name: str) -> None:
    _medium(name, 30)


@pytest.mark.slow
@pytest.mark.parametrize("name", MEDIUM)
def test_reductions_agree_with_a_plain_search_thoroughly(name: str) -> None:
    _medium(name, 600)


def _medium(name: str, examples: int) -> None:
    """The reductions (interchangeable info classes, subsumption, can_reach, pure-first) are
    checked against a plain cached Wing & Gong search on histories too long for brute force."""
    invoke, result = CASES[name]

    @settings(max_examples=examples, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(histories(invoke, result, max_ops=14, processes=4))
    def agree(history: History) -> None:
        expected = plain_search(history, BUILTIN[name])
        found = check_history(history, BUILTIN[name], options={"explain": "false"})
        assert found.valid is expected, history

    agree()
