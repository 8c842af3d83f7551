"""The transactional models users can name: list-append and rw-register (Elle's workloads).

Every client operation of either is a ``txn``; its micro-operations are those of the workload
(list-append: ``r`` returning a list or nil, ``append``; rw-register: ``r`` and ``w``), and a
history with any other is refused before checking (``histcheck.vocabulary``).
"""

from __future__ import annotations

from histcheck.registry import ModelSpec
from histcheck.txn.levels import NAMES
from histcheck.vocabulary import ANY, LIST_OR_NIL, Txn, Vocabulary

_ORDER = ("serializable", *(n for n in NAMES if n != "serializable"))

LIST_APPEND = Vocabulary.of({"txn": Txn((("r", LIST_OR_NIL), ("append", ANY)))})
RW_REGISTER = Vocabulary.of({"txn": Txn((("r", ANY), ("w", ANY)))})

MODELS: tuple[ModelSpec, ...] = (
    ModelSpec("list-append", "transactions of [append k v] and [r k [v ...]] (Elle); isolation "
              "levels from read-uncommitted to strict-serializable", _ORDER,
              "histcheck.txn.check:check", "histcheck.txn.report:write_report",
              vocabulary=LIST_APPEND),
    ModelSpec("rw-register", "transactions of [w k v] and [r k v], values unique per key; "
              "version orders found by a polygraph solver (Cobra, PolySI)", _ORDER,
              "histcheck.txn.check:check", "histcheck.txn.report:write_report",
              vocabulary=RW_REGISTER),
)
