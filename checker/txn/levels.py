"""Isolation levels as data: what each forbids, what it implies, and where that comes from.

Each row names a level, the anomalies it forbids on top of the levels it implies, the levels it
implies (a history satisfying it satisfies them), whether it orders a process's transactions
(``session``) or real time (``realtime``), and a citation. Behaviour is reachability over this
table: a level forbids its own anomalies and those of everything it implies.

Anomaly names follow Elle. ``-process`` and ``-realtime`` variants of cycle anomalies are
forbidden only by levels that order sessions or real time; the data anomalies in ``EVERYWHERE``
(values nobody wrote, lists no database could produce) are forbidden at every level. ``internal``
is not among them: it is forbidden from read-atomic up, as in Elle.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Level:
    """One isolation level of the table."""

    name: str
    forbids: tuple[str, ...]
    implies: tuple[str, ...]
    citation: str
    session: bool = False
    realtime: bool = False


EVERYWHERE: tuple[str, ...] = ("garbage-read", "duplicate-elements", "incompatible-order",
                               "cyclic-versions")
CYCLES: tuple[str, ...] = ("G0", "G1c", "G-single", "G-nonadjacent", "G2-item")

LEVELS: tuple[Level, ...] = (
    Level("read-uncommitted", ("G0", *EVERYWHERE), (), "Adya 1999, PL-1"),
    Level("read-committed", ("G1a", "G1b", "G1c", "dirty-update"), ("read-uncommitted",),
          "Adya 1999, PL-2"),
    Level("monotonic-atomic-view", ("fractured-read",), ("read-committed",),
          "Bailis et al. 2013 (HAT); decided as Cerone 2015 / Biswas-Enea 2019 read atomic"),
    # ``internal`` (a read that does not show the transaction's own earlier writes, or differs
    # from its earlier read plus its own writes) breaks Cerone's INT axiom. Elle's table
    # (consistency_model.clj, direct-proscribed-anomalies) forbids it at read-atomic, prefix,
    # causal, parallel SI, SI and serializable, and not at PL-1, PL-2 or PL-2.99: under read
    # committed a transaction may see other transactions' commits between two of its reads.
    Level("read-atomic", ("internal",), ("monotonic-atomic-view",),
          "Cerone, Bernardi, Gotsman 2015 (INT axiom); Elle forbids internal from here up"),
    Level("causal", ("causality-violation",), ("read-atomic",),
          "Cerone 2015 / Biswas-Enea 2019 causal consistency (session order included)",
          session=True),
    Level("repeatable-read", ("G-single", "G-nonadjacent", "G2-item", "lost-update", "G2"),
          ("monotonic-atomic-view",), "Adya 1999, PL-2.99 (item anti-dependency cycles)"),
    Level("snapshot-isolation", ("G-single", "G-nonadjacent", "lost-update", "GSI"),
          ("read-atomic",), "Adya 1999 PL-SI; Cerone-Gotsman 2016 (no cycle without adjacent rw)"),
    Level("serializable", ("G2-item", "G2"), ("repeatable-read", "snapshot-isolation"),
          "Adya 1999 PL-3; Cobra (Tan et al. 2020) polygraph"),
    Level("strong-session-read-uncommitted", (), ("read-uncommitted",),
          "Elle: process order added", session=True),
    Level("strong-session-read-committed", (), ("read-committed",
                                                "strong-session-read-uncommitted"),
          "Elle: process order added", session=True),
    Level("strong-session-snapshot-isolation", (), ("snapshot-isolation", "causal",
                                                    "strong-session-read-committed"),
          "Daudjee-Salem 2006, strong session SI", session=True),
    Level("strong-session-serializable", (), ("serializable",
                                              "strong-session-snapshot-isolation"),
          "Daudjee-Salem 2004, strong session serializability", session=True),
    Level("strict-serializable", (), ("strong-session-serializable",),
          "Adya 1999 PL-SS; Herlihy-Wing real-time order", session=True, realtime=True),
)

BY_NAME: dict[str, Level] = {level.name: level for level in LEVELS}
NAMES: tuple[str, ...] = tuple(level.name for level in LEVELS)


def implied(name: str) -> set[str]:
    """``name`` and every level it implies (transitively)."""
    seen: set[str] = set()
    todo = [name]
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(BY_NAME[current].implies)
    return seen


def orders_sessions(name: str) -> bool:
    return any(BY_NAME[n].session for n in implied(name))


def orders_realtime(name: str) -> bool:
    return any(BY_NAME[n].realtime for n in implied(name))


def forbidden(name: str) -> set[str]:
    """Every anomaly ``name`` forbids, with the -process/-realtime variants it also rules out."""
    base = {a for n in implied(name) for a in BY_NAME[n].forbids}
    result = set(base)
    for anomaly in base & set((*CYCLES, "G1c")):
        if orders_sessions(name):
            result.add(anomaly + "-process")
        if orders_realtime(name):
            result.add(anomaly + "-realtime")
    return result


def violated_by(anomalies: set[str]) -> list[str]:
    """The levels that forbid at least one of ``anomalies``."""
    return [n for n in NAMES if forbidden(n) & anomalies]


def weakest(levels: list[str]) -> list[str]:
    """The members of ``levels`` that imply no other member."""
    chosen = set(levels)
    return [n for n in levels if not (implied(n) - {n}) & chosen]


def strongest(levels: list[str]) -> list[str]:
    """The members of ``levels`` that no other member implies."""
    chosen = set(levels)
    return [n for n in levels if not any(n in implied(m) for m in chosen - {n})]
