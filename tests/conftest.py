"""Shared fixtures: the bundled corpus, and a registry extended with the contract test models."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

import histcheck.registry

ROOT = Path(__file__).resolve().parent.parent
HISTORIES = ROOT / "histories"

settings.register_profile("ci", max_examples=200, deadline=None, derandomize=True)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile("ci")


@pytest.fixture
def contract_models(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Register tests.contract_models beside the real families."""
    monkeypatch.setattr(histcheck.registry, "FAMILIES",
                        (*histcheck.registry.FAMILIES, "tests.contract_models"))
    yield
