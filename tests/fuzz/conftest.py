"""The stand-in checkers (tests/fuzz/stand_ins.py), registered before histcheck's families."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import histcheck.registry


@pytest.fixture
def stand_ins(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Register the test-only models; histcheck's family with the same model name still wins."""
    monkeypatch.setattr(histcheck.registry, "FAMILIES",
                        ("tests.fuzz.stand_ins", *histcheck.registry.FAMILIES))
    yield
