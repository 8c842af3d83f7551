"""What inference learns from a history, whatever the workload.

- ``graph``: dependency edges that hold in every explanation of the history (ww, wr, rw);
- ``reads``: every external read as (reader, key, writer) for the saturation checks;
- ``writers``: per key, the transactions whose version of the key exists (node 0 included);
- ``choices``: version-order decisions left open: for two chains of writes X and Y of one key,
  either X precedes Y (X's last writer ww-> Y's first, and X's last version's readers rw-> Y's
  first) or the other way round. Every pair of a key's ``chains`` is one, so a hot key with c
  chains makes c^2/2 of them: they are built only when first asked for (a candidate order,
  ``witness``, settles most valid histories from the chains alone);
- ``anomalies``: problems visible without any cycle (garbage, aborted and intermediate reads...);
- ``assumed``: the edge kinds of ``graph`` that hold only under an assumption the weak levels do
  not make. rw-register's version orders come from read-then-write chains (no write falls
  between the version a transaction read and the one it wrote), which snapshot isolation and
  serializability guarantee and read committed does not: its ww and rw edges are ``assumed``.
  Cycle classes forbidden at read-uncommitted and read-committed (G0, G1c) are searched without
  them, so that a name never claims more than the level's own decision can prove.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from histcheck.result import Anomaly
from histcheck.txn.model import REALTIME, Graph, Txn, realtime_frontier
from histcheck.values import Value

if TYPE_CHECKING:
    from histcheck.history import History


@dataclass(frozen=True, slots=True)
class Choice:
    """Two chains of one key whose order is unknown: Cobra's constraint."""

    key: Value
    x_first: int
    x_last: int
    x_readers: tuple[int, ...]
    y_first: int
    y_last: int
    y_readers: tuple[int, ...]


@dataclass
class Facts:
    txns: list[Txn]
    graph: Graph
    reads: list[tuple[int, Value, int]] = field(default_factory=list)
    writers: dict[Value, set[int]] = field(default_factory=dict)
    anomalies: list[Anomaly] = field(default_factory=list)
    assumed: int = 0
    chains: dict[Value, list[tuple[int, int, tuple[int, ...]]]] = field(default_factory=dict)
    """Per key, the chains whose order ``choices`` leaves open, as (first writer, last writer,
    readers of the last version): what a candidate version order is made of (``witness``)."""
    values: dict[tuple[int, Value], Value] = field(default_factory=dict)
    """(writer, key) -> the value it installed, for explanations."""
    known_acyclic: dict[int, bool] = field(default_factory=dict)
    """Edge-kind masks whose part of ``graph`` is known to be acyclic (True) or cyclic (False),
    filled by ``cycles.acyclic`` once the graph is complete; ``order`` is a topological order
    of the ``order_kinds`` part, when one is known."""
    order: list[int] = field(default_factory=list)
    order_kinds: int = 0
    deferred: History | None = None
    """The history whose real-time edges ``graph`` still lacks (``check.infer`` with
    ``defer_realtime``): ``cycles.acyclic`` answers for them without them, by a sweep, and
    ``complete`` adds them."""

    def complete(self) -> None:
        """Add the deferred real-time edges, if any."""
        if self.deferred is not None:
            live = [t for t in self.txns[1:] if not t.aborted and t.op is not None]
            out = self.graph.out
            for before, after in realtime_frontier(self.deferred, live):
                edges = out[before]
                edges[after] = edges.get(after, 0) | REALTIME
            self.deferred = None

    _choices: list[Choice] | None = field(default=None, repr=False, compare=False)

    @property
    def choices(self) -> list[Choice]:
        """Every pair of one key's chains, in key order, then chain order (built once)."""
        if self._choices is None:
            self._choices = [Choice(k, *x, *y) for k, chains in self.chains.items()
                             for i, x in enumerate(chains) for y in chains[i + 1:]]
        return self._choices

    @property
    def choice_count(self) -> int:
        """``len(choices)``, without building them."""
        return sum(len(c) * (len(c) - 1) // 2 for c in self.chains.values())
