"""Jepsen workload models users can name; each is checked for the one property it tests.

Each declares the operations of its workload (``histcheck.vocabulary``); a history with any
other client operation is refused before checking.
"""

from __future__ import annotations

from histcheck.registry import ModelSpec
from histcheck.vocabulary import (
    ANY,
    LIST_OR_NIL,
    MAP_OR_NIL,
    NUMBER,
    NUMBER_OR_NIL,
    Txn,
    Vocabulary,
)

BANK = Vocabulary.of({"read": MAP_OR_NIL, "transfer": MAP_OR_NIL})
COUNTER = Vocabulary.of({"add": NUMBER, "increment": NUMBER, "read": NUMBER_OR_NIL})
SET = Vocabulary.of({"add": ANY, "read": LIST_OR_NIL})
_LONG_FORK_TXN = Txn((("r", ANY), ("w", ANY)))
LONG_FORK = Vocabulary.of({"txn": _LONG_FORK_TXN, "read": _LONG_FORK_TXN,
                           "write": _LONG_FORK_TXN})
"""Jepsen's long-fork writes ``txn`` (its group reads and single writes); some recorded
histories name the reads ``read`` and the writes ``write``."""

MODELS: tuple[ModelSpec, ...] = (
    ModelSpec("bank", "transfers between accounts; every read sees the same total and, unless "
              "allowed, no negative balance (Jepsen bank)", ("conserved-total",),
              "histcheck.workloads.bank:check", options=("negative-balances", "total"),
              vocabulary=BANK),
    ModelSpec("counter", "increments and reads; each read lies between the increments surely "
              "done and those possibly done (Jepsen counter)", ("counter-bounds",),
              "histcheck.workloads.counter:check", vocabulary=COUNTER),
    ModelSpec("set", "adds and a final read; every acknowledged add is read, nothing else "
              "(Jepsen set)", ("set-complete",), "histcheck.workloads.sets:check_set",
              vocabulary=SET),
    ModelSpec("set-full", "adds and repeated reads; no element disappears once known "
              "(Jepsen set-full)", ("no-lost-elements",), "histcheck.workloads.sets:check_set_full",
              options=("linearizable",), vocabulary=SET),
    ModelSpec("long-fork", "single-key writes and group reads; no two reads see writes in "
              "incompatible orders (Jepsen long-fork, a snapshot-isolation test)",
              ("no-long-fork",), "histcheck.workloads.long_fork:check", options=("group-size",),
              vocabulary=LONG_FORK),
)
