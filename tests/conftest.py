"""Shared fixtures: the bundled corpus, a registry extended with the contract test models, and a
real browser for the report pages."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

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


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="selenium is absent: pip install '.[test]'")
    driver_path = shutil.which("chromedriver")
    if driver_path is None or CHROMIUM is None:
        pytest.skip("chromium or chromedriver is absent: "
                    "apt-get install -y chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1400,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    from selenium.webdriver.chrome.service import Service

    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()
