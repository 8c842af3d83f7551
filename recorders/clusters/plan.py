"""What a test run is asked to do, and the faults it injects: a schedule fixed by the seed.

A nemesis (Jepsen's word) is the test's adversary. Its schedule is computed before the run from
``--seed`` alone, so a run can be repeated: after a quiet ``interval`` it starts one fault, holds
it for ``duration``, heals it, and so on until the run ends, when every fault still on is healed.
A fault names its target when it starts; a ``leader-`` fault asks the cluster for its current
leader (or primary) at that moment, so only its kind, not its target, is fixed in advance.

Each start and each heal is logged as an ``info`` event of the process ``nemesis`` (as Jepsen
records them), with the targets as its value, so the history says when each fault was on.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from histcheck.values import Value

NEMESIS_KINDS: tuple[str, ...] = ("none", "kill", "pause", "leader-kill", "leader-pause")
"""``kill``: SIGKILL a node's process group, restart it at the heal. ``pause``: SIGSTOP it,
SIGCONT at the heal. ``leader-``: the same for the node the cluster names its leader (or
primary) when the fault starts. ``none``: clients only."""

HEALS = {"kill": "start", "pause": "resume"}
"""The event that ends each kind of fault."""


@dataclass(frozen=True)
class RunPlan:
    """Everything ``histcheck test`` was asked for, as one value."""

    system: str
    workload: str
    out: Path
    nodes: int = 3
    nemesis: tuple[str, ...] = ()
    seconds: float = 10.0
    isolation: str | None = None
    consistency: str | None = None
    options: Mapping[str, str] = field(default_factory=dict)
    seed: int = 0
    interval: float = 2.0
    duration: float = 2.0

    def option(self, name: str, default: str) -> str:
        return self.options.get(name, default)

    def flag(self, name: str) -> bool:
        """An ``--opt NAME=true`` switch (true/false, yes/no, 1/0)."""
        return self.option(name, "false").strip().lower() in {"true", "yes", "1", "on"}


@dataclass(frozen=True)
class CheckTarget:
    """How to check what a run recorded: the model, the consistency level (``None``: the
    model's strongest) and the model's options."""

    model: str
    consistency: str | None
    options: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Fault:
    """One fault of the schedule: its kind, when it starts and heals (seconds into the run), and
    the node it hits (``None`` for a leader fault, which is resolved when it starts)."""

    kind: str
    start: float
    heal: float
    target: str | None

    @property
    def action(self) -> str:
        """``kill`` or ``pause``, whatever chose the target."""
        return self.kind.removeprefix("leader-")


def schedule(plan: RunPlan, node_names: Sequence[str]) -> list[Fault]:
    """The faults of a run, in order: one at a time, quiet ``interval`` before each."""
    kinds = [kind for kind in plan.nemesis if kind != "none"]
    if not kinds or not node_names:
        return []
    rng = random.Random(plan.seed)
    faults: list[Fault] = []
    at = plan.interval
    while at + plan.duration <= plan.seconds:
        kind = rng.choice(kinds)
        target = None if kind.startswith("leader-") else rng.choice(list(node_names))
        faults.append(Fault(kind, at, at + plan.duration, target))
        at += plan.duration + plan.interval
    return faults


class Node(Protocol):
    """One process of a system under test that faults can hit (its whole process group)."""

    @property
    def name(self) -> str: ...

    def kill(self) -> None:
        """SIGKILL the node; returns once it is dead."""

    def start(self) -> None:
        """Start the node again after ``kill``, on its old data."""

    def pause(self) -> None:
        """SIGSTOP the node."""

    def resume(self) -> None:
        """SIGCONT the node."""


Log = Callable[[str, Value], None]
"""Logs a nemesis event: its ``f`` (``kill``, ``start``, ``pause``, ``resume``) and value."""


class Nemesis:
    """Runs a schedule against named nodes in a thread: ``with Nemesis(...):`` around the clients.

    ``leader`` returns the current leader's name, or ``None`` when the cluster has none (the
    fault is then skipped, and logged as such). Leaving the block heals whatever is still on.
    """

    def __init__(self, faults: Sequence[Fault], nodes: Mapping[str, Node], log: Log,
                 leader: Callable[[], str | None] = lambda: None) -> None:
        self._faults = list(faults)
        self._nodes = nodes
        self._log = log
        self._leader = leader
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="nemesis", daemon=True)
        self._on: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self.error: BaseException | None = None

    def __enter__(self) -> Nemesis:
        self._began = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._heal_all()

    def _wait_until(self, at: float) -> bool:
        """Sleep until ``at`` seconds into the run; False when the run ended first."""
        return not self._stop.wait(max(0.0, self._began + at - time.monotonic()))

    def _run(self) -> None:
        try:
            for fault in self._faults:
                if not self._wait_until(fault.start):
                    return
                target = fault.target if fault.target is not None else self._leader()
                if target is None:
                    self._log(fault.action, "no leader")
                    continue
                self._hit(fault.action, target)
                if not self._wait_until(fault.heal):
                    return
                self._heal_all()
        except BaseException as exc:  # reported by the caller; the clients must not hang on it
            self.error = exc

    def _hit(self, action: str, target: str) -> None:
        node = self._nodes[target]
        self._log(action, (target,))
        node.kill() if action == "kill" else node.pause()
        with self._lock:
            self._on.append((action, target))

    def _heal_all(self) -> None:
        with self._lock:
            on, self._on = self._on, []
        for action, target in on:
            node = self._nodes[target]
            node.start() if action == "kill" else node.resume()
            self._log(HEALS[action], (target,))
