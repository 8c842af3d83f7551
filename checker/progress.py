"""Progress on standard error while long work runs: on a terminal only, never with ``--quiet``.

A command turns progress on once (``enable``, when stderr is a terminal and the user did not ask
for quiet); code anywhere below it then opens counters (``counter``) that cost nothing when
progress is off: no bar, no import of the bar library (tqdm), one call of a no-op per update.
A bar appears only for work that runs longer than ``DELAY`` seconds and disappears when done,
so quick checks print nothing extra. What is counted: histories done of all in a folder run,
bytes read of a file, and the solvers' work (configurations explored, conflicts).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from typing import Any

DELAY = 0.5
"""Seconds a piece of work runs before its bar is shown (``HISTCHECK_PROGRESS_DELAY`` sets
another)."""

_state: dict[str, bool] = {"on": False}


def enable(quiet: bool = False) -> bool:
    """Show progress from now on if stderr is a terminal and ``quiet`` is not asked for."""
    _state["on"] = not quiet and sys.stderr.isatty()
    return _state["on"]


def disable() -> None:
    _state["on"] = False


def enabled() -> bool:
    return _state["on"]


def _nothing(amount: int = 1) -> None:
    return None


@contextmanager
def writing() -> Iterator[None]:
    """Around a line of output while bars may be shown: they step aside and come back."""
    if not _state["on"] or "tqdm" not in sys.modules:
        yield
        return
    from tqdm import tqdm

    with tqdm.external_write_mode(file=sys.stderr):
        yield


@contextmanager
def counter(description: str, *, total: int | None = None, unit: str = "it",
            scale: bool = False) -> Iterator[Callable[[int], None]]:
    """A function to call with each increment while the block runs; ``scale`` shows large
    counts with SI prefixes (bytes as kB, MB)."""
    if not _state["on"]:
        yield _nothing
        return
    from tqdm import tqdm

    delay = DELAY
    with suppress(ValueError):
        delay = float(os.environ.get("HISTCHECK_PROGRESS_DELAY", DELAY))
    bar: Any = tqdm(total=total, desc=description, unit=unit, unit_scale=scale,
                    file=sys.stderr, leave=False, delay=delay, mininterval=0.2,
                    dynamic_ncols=True)
    try:
        yield bar.update
    finally:
        bar.close()
