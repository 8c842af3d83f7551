"""The linearizability report page: self-contained, carrying its data, for every kind of verdict."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

import pytest

from histcheck.api import check
from histcheck.budget import Budget
from histcheck.formats import read_history
from histcheck.history import History
from histcheck.labels import Label, read_labels
from histcheck.linear import BUILTIN, check_history
from histcheck.linear.model import resolve
from histcheck.linear.report import render, write_report
from histcheck.linear.report_data import points
from histcheck.linear.spec import MODELS
from histcheck.result import CheckResult

from .report_histories import kv_history

ROOT = Path(__file__).resolve().parents[2] / "histories"
OURS = {spec.name for spec in MODELS}
ROWS = [label for label in read_labels(ROOT / "LABELS.tsv") if label.model in OURS]
SAMPLE = [label for label in ROWS
          if label.path.parent.name != "porcupine-etcd" or label.path.name < "etcd_006"]
"""Every linearizability row but most etcd ones (six etcd histories, valid and invalid, stand
for the 102 of them)."""
DATA = re.compile(r'<script type="application/json" id="histcheck-data">(.*?)</script>', re.S)


def data_of(page: str) -> dict[str, Any]:
    found = DATA.search(page)
    assert found, "the page lost its data"
    data: dict[str, Any] = json.loads(found.group(1))
    return data


def assert_self_contained(page: str) -> None:
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.I)
    assert not re.search(r"<script[^>]*\bsrc\s*=", page, re.I)
    assert not re.search(r"<link\b", page, re.I)
    assert not re.search(r"@import|url\(\s*['\"]?(https?:)?//", page, re.I)
    assert page.count("</script>") == 2  # the data and the script, nothing closed early


def checked(label: Label) -> tuple[History, CheckResult]:
    history = read_history(label.path, None)
    result = check(history, model=label.model, consistency=label.consistency,
                   budget=Budget(seconds=60), options=dict(label.options))
    return history, result


@pytest.mark.parametrize("label", SAMPLE, ids=[str(r.path.relative_to(ROOT)) for r in SAMPLE])
def test_corpus_page_is_self_contained_and_carries_its_verdict(label: Label,
                                                               tmp_path: Path) -> None:
    history, result = checked(label)
    (page_path,) = write_report(history, result, tmp_path)
    page = page_path.read_text()
    assert_self_contained(page)
    data = data_of(page)
    assert data["count"] == len(history) == len(data["ops"]["id"])
    assert sorted(i for p in data["partitions"] for i in p["ops"]) == list(range(len(history)))
    if label.expected:
        assert data["verdict"] == "VALID"
        assert {p["verdict"] for p in data["partitions"]} == {"valid"}
        placed = {o["partition"] for o in data["orders"]}
        assert placed <= {p["name"] for p in data["partitions"]} and placed
    else:
        assert data["verdict"] == "INVALID"
        assert data["partitions"][0]["verdict"] == "invalid", "the failing partition comes first"
        assert data["orders"] and data["orders"][0]["partition"] == data["partitions"][0]["name"]
        assert data["culprit"] is not None or data["core"]


REST = [label for label in ROWS if label not in SAMPLE]


@pytest.mark.slow
@pytest.mark.parametrize("label", REST, ids=[str(r.path.relative_to(ROOT)) for r in REST])
def test_every_other_corpus_page(label: Label, tmp_path: Path) -> None:
    test_corpus_page_is_self_contained_and_carries_its_verdict(label, tmp_path)


def test_sample_covers_the_kinds_of_history() -> None:
    origins = {(r.path.relative_to(ROOT).parts[0], r.expected) for r in SAMPLE}
    assert {("porcupine-etcd", True), ("porcupine-etcd", False), ("porcupine-kv", True),
            ("porcupine-kv", False), ("knossos", True), ("knossos", False)} <= origins


def test_invalid_etcd_page_marks_culprit_and_states() -> None:
    history = read_history(ROOT / "porcupine-etcd/etcd_000.log", None)
    result = check_history(history, BUILTIN["etcd"])
    data = data_of(render(history, result))
    (order,) = data["orders"]
    assert order["initial"] == "nil", "replaying etcd from its absent start"
    assert [history.operations[i].id for i, _, _ in order["steps"]] == \
        [i for i, _ in result.details["parts"][0]["steps"]]
    assert history.operations[data["culprit"]].id == result.details["culprit"]
    assert data["culpritRefused"], "the model refuses the culprit after the prefix"
    assert {history.operations[i].id for i in data["core"]} == set(result.details["core"])
    assert any("One partial linearization reaches furthest" in note for note in data["notes"])


def test_valid_kv_page_gives_each_key_its_own_linearization() -> None:
    history = read_history(ROOT / "porcupine-kv/c10-ok.txt", None)
    data = data_of(render(history, check_history(history, BUILTIN["kv"])))
    names = [p["name"] for p in data["partitions"]]
    assert len(names) == 10 and sorted(o["partition"] for o in data["orders"]) == sorted(names)
    for order in data["orders"]:
        members = set(next(p["ops"] for p in data["partitions"]
                           if p["name"] == order["partition"]))
        assert {i for i, _, _ in order["steps"]} <= members, "an order stays in its key"
        assert order["initial"] == "''"


def test_indeterminate_operations_stay_open() -> None:
    history = read_history(ROOT / "porcupine-etcd/etcd_002.log", None)
    data = data_of(render(history, check_history(history, BUILTIN["etcd"])))
    info = [i for i, kind in enumerate(data["ops"]["type"]) if kind == 1]
    assert info and all(data["ops"]["ret"][i] is None for i in info)


def test_lanes_are_sorted_by_process() -> None:
    history = read_history(ROOT / "porcupine-etcd/etcd_000.log", None)
    data = data_of(render(history, check_history(history, BUILTIN["etcd"])))
    assert data["lanes"] == [str(p) for p in sorted({op.process for op in history.operations})]


def test_points_lie_in_their_intervals_in_order() -> None:
    history = read_history(ROOT / "porcupine-kv/c50-ok.txt", None)
    result = check_history(history, BUILTIN["kv"])
    by_id = {op.id: op for op in history.operations}
    for part in result.details["parts"]:
        ops = [by_id[i] for i, _ in part["steps"]]
        placed = points(history, ops)
        assert placed == sorted(placed)
        for op, point in zip(ops, placed, strict=True):
            start, end = history.interval(op)
            assert start <= point <= end


def test_hostile_values_cannot_end_the_data_early() -> None:
    from histcheck.history import Event, EventType, from_events

    hostile = "</script><script>alert(1)</script>"
    history = from_events([Event(0, EventType.INVOKE, "put", hostile, "k"),
                           Event(0, EventType.OK, "put", hostile, "k")])
    page = render(history, check_history(history, BUILTIN["kv"]))
    assert_self_contained(page)
    assert hostile in json.dumps(data_of(page))


def test_ten_thousand_operation_kv_history_gets_a_page(tmp_path: Path) -> None:
    history = kv_history(10_000)
    result = check_history(history, BUILTIN["kv"])
    assert result.valid is True
    started = time.monotonic()
    (page_path,) = write_report(history, result, tmp_path)
    seconds = time.monotonic() - started
    size = page_path.stat().st_size
    assert size < 2_000_000, f"{size} bytes for 10,000 operations"
    assert seconds < 5
    data = data_of(page_path.read_text())
    assert data["count"] == 10_000 and len(data["partitions"]) == 50
    assert sum(len(o["steps"]) for o in data["orders"]) > 9_000


@pytest.mark.slow
def test_hundred_thousand_operation_kv_history_gets_a_page(tmp_path: Path) -> None:
    history = kv_history(100_000, processes=50, keys=500)
    result = check_history(history, BUILTIN["kv"])
    (page_path,) = write_report(history, result, tmp_path)
    size = page_path.stat().st_size
    assert size < 12_000_000, f"{size} bytes for 100,000 operations"
    data = data_of(page_path.read_text())
    assert data["count"] == 100_000 and len(data["partitions"]) == 500
    assert any("did not keep the linearization" in note for note in data["notes"])


def test_every_partial_linearization_of_the_furthest_reach_is_offered() -> None:
    """c50-bad's failing key has several partial linearizations as deep as the one the search
    met first: each is a legal run of the model over distinct operations, and the page offers
    every one."""
    history = read_history(ROOT / "porcupine-kv" / "c50-bad.txt", None)
    model = BUILTIN["kv"]
    result = check_history(history, model)
    (anomaly,) = result.anomalies
    deepest = [anomaly.data["longest-prefix"], *anomaly.data["furthest"]]
    assert len(deepest) > 2
    assert {len(run) for run in deepest} == {len(deepest[0])}
    assert len({tuple(op for op, _ in run) for run in deepest}) == len(deepest)
    by_id = {op.id: op for op in history.operations}
    resolved = resolve(model)
    for run in deepest:
        ids = [op for op, _ in run]
        assert len(set(ids)) == len(ids)
        assert all(by_id[i].key == by_id[ids[0]].key for i in ids)  # one key's part
        state = resolved.initial()
        for op_id, shown in run:
            state = resolved.step(state, by_id[op_id])
            assert state is not None  # the model accepts every step
            assert resolved.describe_state(state) == shown
    data = data_of(render(history, result))
    failing = [o for o in data["orders"] if o["partition"] == data["partitions"][0]["name"]]
    assert len(failing) == len(deepest)
    assert f"{len(deepest)} partial linearizations reach furthest" in " ".join(data["notes"])
