"""Every random choice of a simulation, made by hypothesis so that it can shrink them.

The decision, and why
---------------------
A simulated run makes hundreds of small choices: when each workload call happens, which client
does what, whether a message is lost or duplicated, how long each copy takes. The simulator draws
them all from one ``random.Random`` (``sim.rng``). Two ways to fuzz it were possible:

1. hypothesis picks a *seed* plus an explicit fault schedule and workload size. Simple, but the
   seed is opaque: shrinking can remove crashes and operations, never a lost message or a
   reordering, and a shrunk seed is just another random run.
2. hypothesis *is* the random source. Each ``sim.rng`` call becomes a hypothesis choice, so the
   shrinker works on the very choices that made the bug happen.

We do (2), with the smallest possible change to the simulator:
``histcheck.systems.sim.core.random_source`` lets a fuzzer hand every new ``Simulator`` its own
``random.Random``; without it the simulator builds ``random.Random(seed)`` exactly as before
(same seed, same bytes). ``ChoiceRandom`` is that ``random.Random``: every method goes through one
primitive, ``Chooser.below(n)`` (a choice in ``[0, n)``), and is encoded so that **0 is the
boring case** (hypothesis shrinks toward 0):

- ``randrange``/``randint``/``choice``: 0 is the first option: the smallest delay
  (messages arrive in the order they were sent), the earliest time, the first kind of call;
- ``random()`` maps choice ``k`` to ``1 - (k + 1) / 1024``, so 0 gives 0.999: every
  ``rng.random() < p`` test ("lose it?", "duplicate it?") is false, and shrinking removes losses
  and duplicates rather than adding them.

A long run may make thousands of choices, more than hypothesis likes in one example; after
``limit`` choices ``HypothesisChooser`` continues from a ``random.Random`` seeded by a choice of its
own. The early choices (where most bugs start) shrink; the tail is still reproducible.
"""

from __future__ import annotations

import random
from typing import Protocol

RESOLUTION = 1024
"""``random()`` returns multiples of 1/RESOLUTION: fine enough for loss and duplicate rates."""


class Chooser(Protocol):
    """The one primitive: a choice in ``[0, n)``, where 0 is the least surprising outcome."""

    def below(self, n: int) -> int: ...


class SeededChooser:
    """Choices from a seeded ``random.Random``: for replaying or sampling without hypothesis."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(seed)

    def below(self, n: int) -> int:
        return self._rng.randrange(n)


class HypothesisChooser:
    """Choices made by hypothesis (shrinkable), then, after ``limit`` of them, by a seeded rng.

    ``source`` is a ``random.Random`` from ``st.randoms(use_true_random=False)``: its
    ``randrange`` is a hypothesis choice that shrinks toward the start of the range and is not
    printed in the falsifying example (a run makes too many to read).
    """

    def __init__(self, source: random.Random, *, limit: int = 1500, fallback_seed: int = 0) -> None:
        self._source = source
        self._left = limit
        self._fallback = random.Random(fallback_seed)
        self.made = 0
        """How many choices hypothesis made (the rest came from the fallback)."""

    def below(self, n: int) -> int:
        if n <= 1:
            return 0
        if self._left <= 0:
            return self._fallback.randrange(n)
        self._left -= 1
        self.made += 1
        return self._source.randrange(n)


class ChoiceRandom(random.Random):
    """A ``random.Random`` whose every draw is ``chooser.below(n)``, with 0 the boring outcome.

    ``_randbelow`` is the primitive CPython's ``randrange``, ``randint``, ``choice``, ``sample``
    and ``shuffle`` use; ``random()`` (and so ``uniform`` and the probability tests of the
    network) and ``getrandbits`` are overridden too. ``seed`` is ignored: the chooser decides.
    """

    def __init__(self, chooser: Chooser) -> None:
        self.chooser = chooser
        super().__init__(0)

    def seed(self, a: object = None, version: int = 2) -> None:
        """Ignored: a ``ChoiceRandom`` has no state of its own to seed."""

    def _randbelow(self, n: int) -> int:
        return self.chooser.below(n)

    def random(self) -> float:
        return 1.0 - (self.chooser.below(RESOLUTION) + 1) / RESOLUTION

    def getrandbits(self, k: int) -> int:
        return self.chooser.below(1 << k) if k > 0 else 0
