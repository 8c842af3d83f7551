"""``histcheck stats --report``: latency and throughput plots with the nemesis's faults shaded."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from histcheck.cli import main
from histcheck.formats import read_history
from histcheck.history import INFO, INVOKE, OK, Event, from_events
from histcheck.stats import history_stats
from histcheck.stats_report import fault_intervals, write_stats_report

BANK = Path(__file__).resolve().parents[1] / "histories/jepsen/bank.edn"


def test_faults_open_at_a_nemesis_action_and_close_at_the_one_that_ends_it() -> None:
    events = [Event("nemesis", INFO, "start-partition", "all", time=10),
              Event("nemesis", INFO, "start-partition", "[n1]", time=12),
              Event(0, INVOKE, "read", None, time=20), Event(0, OK, "read", 1, time=30),
              Event("nemesis", INFO, "stop-partition", None, time=40),
              Event("nemesis", INFO, "kill", "n2", time=50),
              Event(0, INVOKE, "read", None, time=60), Event(0, OK, "read", 1, time=70)]
    assert fault_intervals(from_events(events)) == [(10.0, 40.0, "start-partition"),
                                                    (50.0, 70.0, "kill")]


def test_a_jepsen_history_gets_three_plots_and_its_pauses_shaded(tmp_path: Path) -> None:
    history = read_history(BANK)
    faults = fault_intervals(history)
    assert len(faults) == 10 and {f for _, _, f in faults} == {"pause"}
    (page,) = write_stats_report(history, history_stats(history), tmp_path)
    text = page.read_text()
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)
    assert "<script" not in text
    assert text.count("<svg") == 3
    for title in ("Latency over time", "Latency quantiles over time", "Throughput over time"):
        assert f"<h2>{title}</h2>" in text
    assert "<td>read</td><td class=\"n\">169</td><td class=\"n\">101.3</td>" in text


def test_a_history_without_times_gets_the_table_and_no_plots(tmp_path: Path) -> None:
    history = from_events([Event(0, INVOKE, "write", 1), Event(0, OK, "write", 1)])
    (page,) = write_stats_report(history, history_stats(history), tmp_path)
    text = page.read_text()
    assert "<svg" not in text and "records no times" in text


def test_the_stats_command_writes_the_page(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["stats", str(BANK), "--report", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r" / "index.html").is_file()
