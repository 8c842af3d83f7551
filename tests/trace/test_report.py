"""``check --report`` on a message trace: the happens-before lanes with each finding marked."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from histcheck.api import check
from histcheck.cli import main
from histcheck.trace.draw import COLOURS
from histcheck.trace.io import load_trace
from histcheck.trace.report import write_report

BAD = Path(__file__).resolve().parents[2] / "histories/traces/broadcast-causal-bad.jsonl"


def test_each_finding_is_listed_with_its_lines_and_its_events_ringed(tmp_path: Path) -> None:
    trace = load_trace(BAD)
    result = check(trace, model="broadcast", consistency="causal")
    assert result.valid is False
    (page,) = write_report(trace, result, tmp_path)
    text = page.read_text()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)
    assert '<li data-finding="1"><b>causal-order</b>' in text
    assert "(lines 1, 4, 6, 7)" in text
    assert text.count('<g class="hit f1">') == 4
    lanes = re.findall(r'font-weight="bold">([^<]+)</text>', text)
    assert lanes == sorted(lanes) == ["n1", "n2", "n3"]
    assert "line 6: deliver m2" in text


def test_every_event_kind_has_its_own_colour() -> None:
    assert len(set(COLOURS.values())) == len(COLOURS)


def test_the_cli_writes_a_trace_report(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["check", str(BAD), "--model", "broadcast",
                                       "--consistency", "causal", "--report", str(out)])
    assert result.exit_code == 1
    assert "has no report" not in result.stderr
    assert (out / "broadcast-causal-bad_jsonl" / "index.html").is_file()
