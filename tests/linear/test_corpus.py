"""Every linearizability row of histories/LABELS.tsv gets its labelled verdict."""

from __future__ import annotations

from pathlib import Path

import pytest

from histcheck.api import check
from histcheck.budget import Budget
from histcheck.formats import read_history
from histcheck.labels import Label, read_labels
from histcheck.linear.spec import MODELS

ROOT = Path(__file__).resolve().parents[2] / "histories"
OUR_MODELS = {spec.name for spec in MODELS}
ROWS = [label for label in read_labels(ROOT / "LABELS.tsv") if label.model in OUR_MODELS]


def test_rows_cover_the_corpus() -> None:
    origins = {label.path.relative_to(ROOT).parts[0] for label in ROWS}
    assert {"porcupine-etcd", "porcupine-kv", "knossos"} <= origins
    assert sum(1 for label in ROWS if label.path.parent.name == "porcupine-etcd") == 102
    assert any(label.model == "multi-register" for label in ROWS)


@pytest.mark.parametrize("label", ROWS, ids=[str(label.path.relative_to(ROOT)) for label in ROWS])
def test_labelled_verdict(label: Label) -> None:
    history = read_history(label.path, None)
    result = check(history, model=label.model, consistency=label.consistency,
                   budget=Budget(seconds=60), options={**dict(label.options), "explain": "false"})
    assert result.valid is label.expected, result.explanation
