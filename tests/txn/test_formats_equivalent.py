"""The txn-formats corpus histories, rebuilt by hand, get their labelled verdicts.

PolySI's text lines are ``op(key, value, session, txn)``. This test turns galera.txt into
ordinary rw-register transactions itself (one process per session, each transaction an invoke
and an ok), independently of the ``polysi`` reader, and the two must give the same verdicts.
"""

from __future__ import annotations

import re
from pathlib import Path

from histcheck.api import check
from histcheck.formats import read_history
from histcheck.history import INVOKE, OK, Event, from_events

GALERA = Path(__file__).resolve().parents[2] / "histories/txn-formats/polysi-text/galera.txt"


def _polysi(text: str):
    txns: dict[tuple[int, int], list[tuple[str, int, int]]] = {}
    for line in text.split():
        m = re.fullmatch(r"([rw])\((\d+),(\d+),(\d+),(\d+)\)", line)
        assert m is not None, line
        f, key, value, session, txn = m.groups()
        txns.setdefault((int(session), int(txn)), []).append((f, int(key), int(value)))
    events = []
    for (session, _), mops in txns.items():
        events.append(Event(session, INVOKE, "txn", tuple(mops)))
        events.append(Event(session, OK, "txn", tuple(mops)))
    return from_events(events)


def test_galera_violates_si_and_serializability() -> None:
    history = _polysi(GALERA.read_text())
    for level in ("snapshot-isolation", "serializable"):
        result = check(history, model="rw-register", consistency=level)
        assert result.valid is False
        assert "lost-update" in {a.name for a in result.anomalies}
    assert check(history, model="rw-register", consistency="read-committed").valid is True
    read = read_history(GALERA, "polysi")
    for level in ("read-committed", "snapshot-isolation", "serializable"):
        assert check(read, model="rw-register", consistency=level).valid is \
            check(history, model="rw-register", consistency=level).valid


def test_cobra_style_g2_is_not_serializable() -> None:
    # Two read-modify-write chains that each read the other's key before it changed (G2).
    history = from_events([
        Event(1, INVOKE, "txn", (("w", 1, 10), ("w", 2, 20))),
        Event(1, OK, "txn", (("w", 1, 10), ("w", 2, 20))),
        Event(2, INVOKE, "txn", (("r", 1, 10), ("w", 2, 21))),
        Event(3, INVOKE, "txn", (("r", 2, 20), ("w", 1, 11))),
        Event(2, OK, "txn", (("r", 1, 10), ("w", 2, 21))),
        Event(3, OK, "txn", (("r", 2, 20), ("w", 1, 11))),
    ])
    assert check(history, model="rw-register", consistency="serializable").valid is False
    assert check(history, model="rw-register", consistency="snapshot-isolation").valid is True
