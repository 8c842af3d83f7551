"""Workload generators and the recorder's cheap self-checks (no server needed)."""

from __future__ import annotations

from collections import Counter

import pytest

from histcheck.history import FAIL, INVOKE, OK, Event, from_events
from histcheck.recorders.databases.errors import RecorderError
from histcheck.recorders.databases.workloads import (
    RegisterWorkload,
    TxnWorkload,
    duplicate_writes,
    list_prefix_problems,
)
from histcheck.values import Value


@pytest.mark.parametrize(("workload", "write"), [("list-append", "append"),
                                                 ("rw-register", "w")])
def test_txns_are_elle_shaped_with_unique_writes_per_key(workload: str, write: str) -> None:
    generator = TxnWorkload(workload, keys=3, max_writes_per_key=8, seed=7)
    txns = [generator() for _ in range(500)]
    writes: Counter[tuple[Value, Value]] = Counter()
    for op in txns:
        assert op.f == "txn"
        assert isinstance(op.value, tuple)
        assert 1 <= len(op.value) <= 4
        for mop in op.value:
            assert isinstance(mop, tuple)
            f, key, value = mop
            assert f in ("r", write)
            assert (value is None) == (f == "r")
            if f == write:
                writes[(key, value)] += 1
    assert max(writes.values()) == 1
    per_key = Counter(key for key, _ in writes)
    assert max(per_key.values()) <= 8
    assert len(per_key) > 3


def test_same_seed_same_transactions_and_zero_never_retires() -> None:
    first = TxnWorkload("list-append", keys=2, max_writes_per_key=0, seed=3)
    second = TxnWorkload("list-append", keys=2, max_writes_per_key=0, seed=3)
    ops = [first() for _ in range(300)]
    assert ops == [second() for _ in range(300)]
    keys = {mop[1] for op in ops for mop in op.value}  # type: ignore[index, union-attr]
    assert keys == {0, 1}


def test_register_workloads() -> None:
    plain_generator = RegisterWorkload("register", values=3, seed=1)
    plain = [plain_generator() for _ in range(200)]
    assert {op.f for op in plain} == {"read", "write"}
    assert all(op.key is None for op in plain)
    cas_generator = RegisterWorkload("cas-register", keys=4, seed=1)
    cas = [cas_generator() for _ in range(200)]
    assert {op.f for op in cas} == {"read", "write", "cas"}
    assert {op.key for op in cas} == {0, 1, 2, 3}
    assert all(len(op.value) == 2 for op in cas if op.f == "cas")  # type: ignore[arg-type]


def test_unknown_workloads_are_errors() -> None:
    with pytest.raises(RecorderError, match="known: list-append, rw-register"):
        TxnWorkload("bank")
    with pytest.raises(RecorderError, match="known: register, cas-register"):
        RegisterWorkload("set")


def txn(process: int, invoked: tuple[object, ...], done: tuple[object, ...] | None) -> list[Event]:
    kind = OK if done is not None else FAIL
    return [Event(process, INVOKE, "txn", invoked),  # type: ignore[arg-type]
            Event(process, kind, "txn", done if done is not None else invoked)]  # type: ignore[arg-type]


def test_prefix_self_check_accepts_prefixes_and_names_divergent_reads() -> None:
    good = from_events([
        *txn(0, (("append", 1, 1),), (("append", 1, 1),)),
        *txn(1, (("r", 1, None),), (("r", 1, (1,)),)),
        *txn(0, (("append", 1, 2), ("r", 1, None)), (("append", 1, 2), ("r", 1, (1, 2)))),
        *txn(1, (("r", 1, None),), (("r", 1, ()),)),
    ])
    assert list_prefix_problems(good) == []
    bad = from_events([
        *txn(0, (("r", 1, None),), (("r", 1, (1, 2)),)),
        *txn(1, (("r", 1, None),), (("r", 1, (2,)),)),
        *txn(1, (("r", 2, None),), (("r", 2, (3, 3)),)),
    ])
    problems = list_prefix_problems(bad)
    assert len(problems) == 2
    assert "operation 1 read [2], not a prefix of [1, 2]" in problems[0]
    assert "duplicate" in problems[1]


def test_duplicate_writes_are_found_in_invocations_even_when_aborted() -> None:
    history = from_events([
        *txn(0, (("w", 1, 5),), (("w", 1, 5),)),
        *txn(1, (("w", 1, 5), ("w", 2, 5)), None),
    ])
    assert duplicate_writes(history) == [(1, 5)]
