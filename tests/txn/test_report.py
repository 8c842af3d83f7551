"""``--report`` writes a text file per anomaly class and an SVG per cycle."""

from __future__ import annotations

from pathlib import Path

from histcheck.api import check
from histcheck.formats import read_history
from histcheck.txn.report import write_report

PAPER = Path(__file__).resolve().parents[2] / "histories/elle/paper-example.edn"


def test_report_files(tmp_path: Path) -> None:
    history = read_history(PAPER)
    result = check(history, model="list-append", consistency="serializable")
    files = write_report(history, result, tmp_path)
    names = {f.name for f in files}
    assert "G2-item.txt" in names
    svg = next(f for f in files if f.suffix == ".svg")
    assert svg.read_text().startswith("<svg") and "T3" in svg.read_text()
    assert "contradiction" in (tmp_path / "G2-item.txt").read_text()
