"""Pausing Python's cyclic garbage collector while millions of objects are made.

Reading a big history and checking it allocate millions of small containers that form no
cycles that matter; meanwhile each full collection walks the whole heap, so left on, the
collector rescans the same objects again and again (it doubled read times in measurements).
Paused, memory is still freed by reference counting.

Turning it back on is not free either: the first collection afterwards walks everything made
while it was off. When a budget stopped the work, that walk would delay the answer unknown, so
it is put off until the answer is out (``histcheck.watchdog.release``).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

from histcheck.errors import BudgetExhausted


@contextmanager
def paused_collector() -> Iterator[None]:
    """Pause the cyclic garbage collector for the block, restoring it afterwards."""
    from histcheck.watchdog import after_answer, stopping

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    except BaseException as exc:
        if enabled and (isinstance(exc, BudgetExhausted) or stopping(exc)):
            after_answer(gc.enable)
            enabled = False
        raise
    finally:
        if enabled:
            gc.enable()
