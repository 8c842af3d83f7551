"""The elle, jepsen and txn-formats rows of histories/LABELS.tsv give the expected verdicts."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from histcheck.api import check
from histcheck.errors import HistcheckError
from histcheck.formats import read_history
from histcheck.registry import models

ROOT = Path(__file__).resolve().parents[2] / "histories"
OURS = ("elle/", "jepsen/", "txn-formats/")


def _rows() -> list[dict[str, str]]:
    with (ROOT / "LABELS.tsv").open() as fh:
        lines = [line for line in fh if not line.startswith("#")]
    return [row for row in csv.DictReader(lines, delimiter="\t")
            if row["path"].startswith(OURS)]


def _options(text: str) -> dict[str, str]:
    return dict(item.split("=", 1) for item in text.split(";") if item)


@pytest.mark.parametrize("row", _rows(), ids=lambda r: f"{r['path']}:{r['consistency']}")
def test_label(row: dict[str, str]) -> None:
    assert row["model"] in models()
    try:
        history = read_history(ROOT / row["path"])
    except HistcheckError as exc:
        if row["path"].startswith("txn-formats/"):
            pytest.skip(f"reader for this format not available yet: {exc}")
        raise
    result = check(history, model=row["model"], consistency=row["consistency"],
                   options=_options(row["options"]))
    assert result.valid is (row["expected"] == "valid"), result.explanation
