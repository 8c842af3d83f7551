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

import msgspec


class Level(msgspec.Struct, frozen=True):
    """One isolation level of the table: its rule in a sentence, and where the rule is from."""

    name: str
    forbids: tuple[str, ...]
    implies: tuple[str, ...]
    citation: str
    definition: str
    session: bool = False
    realtime: bool = False


EVERYWHERE: tuple[str, ...] = ("garbage-read", "future-read", "duplicate-elements",
                               "incompatible-order", "cyclic-versions")
CYCLES: tuple[str, ...] = ("G0", "G1c", "G-single", "G-nonadjacent", "G2-item")

LEVELS: tuple[Level, ...] = (
    Level("read-uncommitted", ("G0", *EVERYWHERE), (), "Adya 1999, PL-1",
          "some version order makes the write-write dependencies acyclic; every value read was "
          "written, and never later in the reading transaction"),
    Level("read-committed", ("G1a", "G1b", "G1c", "dirty-update"), ("read-uncommitted",),
          "Adya 1999, PL-2",
          "PL-1, and no read of an aborted or intermediate value; write-write and write-read "
          "dependencies acyclic"),
    Level("monotonic-atomic-view", ("fractured-read",), ("read-committed",),
          "Bailis et al. 2013 (HAT); the read-atomic axiom of Biswas and Enea 2019 without "
          "session order",
          "read committed, and a transaction that saw one write of T sees every write of T: "
          "if T3 reads x from T1 and read anything from T2, a writer of x, then T2 precedes T1"),
    # ``internal`` (a read that does not show the transaction's own earlier writes, or differs
    # from its earlier read plus its own writes) breaks Cerone's INT axiom. Elle's table
    # (consistency_model.clj, direct-proscribed-anomalies) forbids it at read-atomic, prefix,
    # causal, parallel SI, SI and serializable, and not at PL-1 or PL-2: under read committed
    # a transaction may see other transactions' commits between two of its reads. Repeatable
    # read here is serializability over items, so it forbids ``internal`` as well.
    Level("read-atomic", ("internal",), ("monotonic-atomic-view",),
          "Elle's read atomic: Cerone, Bernardi, Gotsman 2015 (INT and EXT axioms) without "
          "their SESSION axiom",
          "monotonic atomic view, and every read after the transaction's own operations on a "
          "key shows them (INT); session order is not assumed"),
    Level("strong-session-read-atomic", (), ("read-atomic", "strong-session-read-committed"),
          "Cerone, Bernardi, Gotsman 2015, read atomic (INT, EXT and SESSION); Biswas and "
          "Enea 2019, read atomic",
          "read atomic with session order: a transaction sees every earlier transaction of "
          "its session, and the read-atomic rule counts them as seen", session=True),
    Level("causal", ("causality-violation",), ("strong-session-read-atomic",),
          "Cerone, Bernardi, Gotsman 2015 / Biswas and Enea 2019, causal consistency",
          "visibility is transitive through reads and session order: if T3 reads x from T1 "
          "and a writer T2 of x is visible to T3 through any chain, T2 precedes T1",
          session=True),
    Level("repeatable-read", ("G-single", "G-nonadjacent", "G2-item", "lost-update", "G2",
                              "internal"),
          ("monotonic-atomic-view",), "Adya 1999, PL-2.99 (item anti-dependency cycles)",
          "PL-2, and no dependency cycle with anti-dependencies on items: for these "
          "workloads, without predicates, the same as serializable, so reads show the "
          "transaction's own writes"),
    Level("snapshot-isolation", ("G-single", "G-nonadjacent", "lost-update", "GSI"),
          ("read-atomic",), "Adya 1999, PL-SI; Cerone and Gotsman 2016",
          "each transaction reads a snapshot taken at its start plus its own writes, and two "
          "transactions writing a common key never overlap; session order is not assumed "
          "(every cycle has two adjacent anti-dependencies)"),
    Level("serializable", ("G2-item", "G2"), ("repeatable-read", "snapshot-isolation"),
          "Adya 1999, PL-3; Cobra (Tan et al. 2020) polygraph",
          "some total order of the committed transactions, run one at a time, gives every "
          "read its value; session order is not assumed"),
    Level("strong-session-read-uncommitted", (), ("read-uncommitted",),
          "Elle: process order added", "read uncommitted, with each session's transactions "
          "in session order", session=True),
    Level("strong-session-read-committed", (), ("read-committed",
                                                "strong-session-read-uncommitted"),
          "Elle: process order added", "read committed, with each session's transactions in "
          "session order", session=True),
    Level("strong-session-snapshot-isolation", (), ("snapshot-isolation", "causal",
                                                    "strong-session-read-committed"),
          "Daudjee and Salem 2006, strong session SI; Cerone, Bernardi, Gotsman 2015, SI "
          "(with SESSION)", "snapshot isolation where each transaction's snapshot includes "
          "every earlier transaction of its session", session=True),
    Level("strong-session-serializable", (), ("serializable",
                                              "strong-session-snapshot-isolation"),
          "Daudjee and Salem 2004, strong session serializability",
          "serializable in an order that keeps each session's transactions in session order",
          session=True),
    Level("strict-serializable", (), ("strong-session-serializable",),
          "Adya 1999, PL-SS; Herlihy and Wing's real-time order",
          "serializable in an order where a transaction that completed before another was "
          "invoked comes first", session=True, realtime=True),
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
    for anomaly in base & set((*CYCLES, "fractured-read")):
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
