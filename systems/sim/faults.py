"""Faults scheduled explicitly, so that a test or a fuzzer chooses them.

A fault schedule is a tuple of frozen events: ``Crash``, ``Recover`` and ``Partition`` (which
heals at ``until``). ``parse_fault`` reads the command line's spelling:

    crash:n2@50          node n2 crashes at 50 ms
    recover:n2@120       n2 restarts at 120 ms (crash-recovery nodes only)
    partition:n1,n2|n3@10-60   {n1, n2} and {n3} cannot talk from 10 ms until 60 ms

Times on the command line are milliseconds; in code, microseconds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from histcheck.errors import UsageError
from histcheck.systems.sim.models import MS


@dataclass(frozen=True, slots=True)
class Crash:
    node: str
    at: int


@dataclass(frozen=True, slots=True)
class Recover:
    node: str
    at: int


@dataclass(frozen=True, slots=True)
class Partition:
    """Nodes in different groups cannot exchange messages during ``[at, until)``."""

    groups: tuple[tuple[str, ...], ...]
    at: int
    until: int

    def separates(self, a: str, b: str) -> bool:
        side = {node: i for i, group in enumerate(self.groups) for node in group}
        return a in side and b in side and side[a] != side[b]


Fault = Crash | Recover | Partition


def parse_fault(text: str) -> Fault:
    """A fault from its command-line spelling (see the module docstring)."""
    kind, _, rest = text.partition(":")
    what, _, when = rest.partition("@")
    try:
        if kind == "crash":
            return Crash(what, int(float(when) * MS))
        if kind == "recover":
            return Recover(what, int(float(when) * MS))
        if kind == "partition":
            start, _, end = when.partition("-")
            groups = tuple(tuple(g.split(",")) for g in what.split("|"))
            return Partition(groups, int(float(start) * MS), int(float(end) * MS))
    except ValueError:
        pass
    raise UsageError(f"cannot read fault {text!r}: expected crash:NODE@MS, recover:NODE@MS or "
                     f"partition:A,B|C@START-END")


def random_faults(rng: random.Random, nodes: tuple[str, ...], *, horizon: int, crashes: int = 0,
                  partitions: int = 0, recover: bool = False) -> tuple[Fault, ...]:
    """A random schedule drawn from ``rng``: ``crashes`` crashes and healing partitions."""
    faults: list[Fault] = []
    for node in rng.sample(list(nodes), min(crashes, len(nodes))):
        at = rng.randint(0, horizon // 2)
        faults.append(Crash(node, at))
        if recover:
            faults.append(Recover(node, at + rng.randint(horizon // 10, horizon // 2)))
    for _ in range(partitions):
        shuffled = rng.sample(list(nodes), len(nodes))
        cut = rng.randint(1, len(nodes) - 1)
        at = rng.randint(0, horizon // 2)
        faults.append(Partition((tuple(sorted(shuffled[:cut])), tuple(sorted(shuffled[cut:]))),
                                at, at + rng.randint(horizon // 20, horizon // 4)))
    return tuple(faults)
