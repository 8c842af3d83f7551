"""The compiled next-move loop makes the search take exactly the steps the Python loop takes.

Each random history of every built-in model is searched twice, with ``histcheck._speedups`` and
with it switched off. The outcomes must be identical, down to the linearization found, the
operations left stuck, the furthest partial linearizations and the number of configurations
explored (which any difference in the candidate lists or their order would change).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from histcheck import speedups
from histcheck.budget import UNLIMITED
from histcheck.history import History
from histcheck.linear.model import resolve
from histcheck.linear.models import BUILTIN
from histcheck.linear.parts import split
from histcheck.linear.search import linearize

from .brute import histories
from .test_differential import CASES

COMPILED = speedups.loaded


def _outcomes(history: History, name: str, compiled: bool) -> list[Any]:
    saved = speedups.loaded
    speedups.loaded = COMPILED if compiled else None
    try:
        model = resolve(BUILTIN[name])
        return [linearize(part, model, UNLIMITED.start()) for part in split(history, model)]
    except ValueError as exc:  # an operation the model does not have: the same error both ways
        return [("error", str(exc))]
    finally:
        speedups.loaded = saved


@pytest.mark.skipif(COMPILED is None, reason="histcheck._speedups is not built")
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_compiled_moves_search_exactly_as_the_python_ones(name: str) -> None:
    invoke, result = CASES[name]

    @settings(max_examples=60, deadline=None, derandomize=True,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(histories(invoke, result, max_ops=12, processes=4))
    def same(history: History) -> None:
        assert _outcomes(history, name, True) == _outcomes(history, name, False), history

    same()
