"""Jepsen workload models users can name; each is checked for the one property it tests."""

from __future__ import annotations

from histcheck.registry import ModelSpec

MODELS: tuple[ModelSpec, ...] = (
    ModelSpec("bank", "transfers between accounts; every read sees the same total and, unless "
              "allowed, no negative balance (Jepsen bank)", ("conserved-total",),
              "histcheck.workloads.bank:check", options=("negative-balances", "total")),
    ModelSpec("counter", "increments and reads; each read lies between the increments surely "
              "done and those possibly done (Jepsen counter)", ("counter-bounds",),
              "histcheck.workloads.counter:check"),
    ModelSpec("set", "adds and a final read; every acknowledged add is read, nothing else "
              "(Jepsen set)", ("set-complete",), "histcheck.workloads.sets:check_set"),
    ModelSpec("set-full", "adds and repeated reads; no element disappears once known "
              "(Jepsen set-full)", ("no-lost-elements",), "histcheck.workloads.sets:check_set_full",
              options=("linearizable",)),
    ModelSpec("long-fork", "single-key writes and group reads; no two reads see writes in "
              "incompatible orders (Jepsen long-fork, a snapshot-isolation test)",
              ("no-long-fork",), "histcheck.workloads.long_fork:check", options=("group-size",)),
)
