"""The readers' hot loop in C, when the compiled module is there.

``histcheck._speedups`` reads Jepsen-style EDN lines (``histcheck.formats.edn_lines``). Its loop
takes only the common line and returns where it stopped, so the Python code around it keeps
every decision and every error message; without a C compiler at install time the same work
runs in Python, with the same results. ``HISTCHECK_NO_SPEEDUPS=1`` turns the C loop off
(the tests compare both ways). Callers read ``speedups.loaded`` when they run, so a test can
switch it.
"""

from __future__ import annotations

import os
from types import ModuleType


def _load() -> ModuleType | None:
    if os.environ.get("HISTCHECK_NO_SPEEDUPS"):
        return None
    try:
        from histcheck import _speedups
    except ImportError:
        return None
    return _speedups


loaded: ModuleType | None = _load()
"""The compiled module, or None when it is absent or turned off."""
