"""The bundled sample traces give the verdicts recorded for them in histories/LABELS.tsv."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from histcheck.api import check
from histcheck.formats import read_history
from histcheck.registry import get_model

HISTORIES = Path(__file__).resolve().parents[2] / "histories"
MINE = ("broadcast", "channel", "rpc", "causal-kv", "causal-register")


def rows() -> list[dict[str, str]]:
    with (HISTORIES / "LABELS.tsv").open() as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return [r for r in csv.DictReader(lines, delimiter="\t") if r["model"] in MINE]


@pytest.mark.parametrize("row", rows(), ids=lambda r: f"{r['path']}-{r['consistency']}")
def test_sample_verdict(row: dict[str, str]) -> None:
    spec = get_model(row["model"])
    path = HISTORIES / row["path"]
    subject = spec.load(path, None) if spec.loader else read_history(path)
    result = check(subject, model=row["model"], consistency=row["consistency"])
    assert result.valid is (row["expected"] == "valid"), result.explanation
