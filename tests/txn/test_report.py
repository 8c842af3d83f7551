"""``--report`` for transactional checks: one self-contained page with each anomaly's cycle drawn
and explained, text files and pictures for an invalid verdict, the certificate for a valid one."""

from __future__ import annotations

import re
from pathlib import Path

from histcheck.api import check
from histcheck.formats import read_history
from histcheck.txn.report import cycle_svg, write_report

HISTORIES = Path(__file__).resolve().parents[2] / "histories"
PAPER = HISTORIES / "elle/paper-example.edn"
WRITE_SKEW = HISTORIES / "txn-formats/dbcop/write-skew.json"


def _self_contained(page: str) -> None:
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "<script src" not in page and "@import" not in page


def test_an_invalid_verdict_gets_a_page_text_files_and_pictures(tmp_path: Path) -> None:
    history = read_history(PAPER)
    result = check(history, model="list-append", consistency="serializable")
    files = write_report(history, result, tmp_path)
    names = {f.name for f in files}
    assert files[0].name == "index.html"
    assert {"G2-item.txt", "G2-item-1.svg"} <= names
    assert "contradiction" in (tmp_path / "G2-item.txt").read_text()
    page = (tmp_path / "index.html").read_text()
    _self_contained(page)
    assert '<option value="G2-item">G2-item</option>' in page  # the filter
    g2 = page[page.index('data-name="G2-item"'):]
    g2 = g2[:g2.index("</section>")]
    assert g2.count('<span class="kind"') == 3  # one sentence per edge beside the picture
    assert g2.count(">rw</span> T") == 2 and g2.count(">wr</span> T") == 1
    assert "<td>T3</td>" in g2  # the transactions table
    assert "allowed by this level" not in g2


def test_a_valid_verdict_shows_its_certificate_and_files_no_allowed_anomaly(
        tmp_path: Path) -> None:
    history = read_history(WRITE_SKEW)
    result = check(history, model="rw-register", consistency="snapshot-isolation")
    assert result.valid is True
    files = write_report(history, result, tmp_path)
    assert sorted(f.name for f in files) == ["certificate.json", "index.html"]
    page = (tmp_path / "index.html").read_text()
    _self_contained(page)
    assert "Certificate: the commit order found" in page
    assert "Anomalies the level allows" in page and "allowed by this level" in page


def test_two_opposite_edges_are_drawn_apart_and_both_labelled() -> None:
    svg = cycle_svg([{"from": "T1", "to": "T2", "kind": "rw", "sentence": "T1 < T2"},
                     {"from": "T2", "to": "T1", "kind": "ww", "sentence": "T2 < T1"}])
    paths = re.findall(r'<path d="M([\d.]+),([\d.]+) Q([\d.]+),([\d.]+)', svg)
    assert len(paths) == 2
    (_, _, cx1, cy1), (_, _, cx2, cy2) = paths
    assert abs(float(cx1) - float(cx2)) + abs(float(cy1) - float(cy2)) > 40  # bent apart
    assert ">rw</text>" in svg and ">ww</text>" in svg
    assert "<title>T1 &lt; T2</title>" in svg
