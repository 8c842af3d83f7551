"""The transactional models users can name: list-append and rw-register (Elle's workloads)."""

from __future__ import annotations

from histcheck.registry import ModelSpec
from histcheck.txn.levels import NAMES

_ORDER = ("serializable", *(n for n in NAMES if n != "serializable"))

MODELS: tuple[ModelSpec, ...] = (
    ModelSpec("list-append", "transactions of [append k v] and [r k [v ...]] (Elle); isolation "
              "levels from read-uncommitted to strict-serializable", _ORDER,
              "histcheck.txn.check:check", "histcheck.txn.report:write_report"),
    ModelSpec("rw-register", "transactions of [w k v] and [r k v], values unique per key; "
              "version orders found by a polygraph solver (Cobra, PolySI)", _ORDER,
              "histcheck.txn.check:check", "histcheck.txn.report:write_report"),
)
