"""Helpers for the report pages' browser tests (the ``browser`` fixture is in conftest.py:
Debian's Chromium through chromedriver and selenium, skipped with an install hint when one of
them is absent)."""

from __future__ import annotations

from typing import Any


def errors(driver: Any) -> list[str]:
    """What the pages loaded so far logged as errors (the log is emptied by reading it)."""
    return [entry["message"] for entry in driver.get_log("browser")
            if entry["level"] in ("SEVERE", "ERROR")]
