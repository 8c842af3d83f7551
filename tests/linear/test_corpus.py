"""Every linearizability row of histories/LABELS.tsv gets its labelled verdict."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from histcheck.api import check
from histcheck.budget import Budget
from histcheck.formats import read_history
from histcheck.linear.spec import MODELS

ROOT = Path(__file__).resolve().parents[2] / "histories"
OUR_MODELS = {spec.name for spec in MODELS}


def rows() -> list[tuple[str, str, str, str]]:
    found = []
    with open(ROOT / "LABELS.tsv", newline="") as fh:
        for row in csv.reader(fh, delimiter="\t"):
            if not row or row[0].startswith("#") or row[0] == "path":
                continue
            path, model, consistency, expected = row[:4]
            if model in OUR_MODELS:
                found.append((path, model, consistency, expected))
    return found


ROWS = rows()


def test_rows_cover_the_corpus() -> None:
    origins = {path.split("/")[0] for path, *_ in ROWS}
    assert {"porcupine-etcd", "porcupine-kv", "knossos"} <= origins
    assert sum(1 for path, *_ in ROWS if path.startswith("porcupine-etcd/")) == 102


@pytest.mark.parametrize(("path", "model", "consistency", "expected"), ROWS,
                         ids=[row[0] for row in ROWS])
def test_labelled_verdict(path: str, model: str, consistency: str, expected: str) -> None:
    history = read_history(ROOT / path, None)
    result = check(history, model=model, consistency=consistency, budget=Budget(seconds=60),
                   options={"explain": "false"})
    assert result.valid == (expected == "valid"), result.explanation
