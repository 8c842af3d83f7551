"""The transactional, trace, stats and index pages in a real browser: they load without console
errors, the transactional filter hides the other anomalies, and choosing a trace finding
singles out its events."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from histcheck.cli import main
from tests.browser import errors

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1] / "histories"


def _report(out: Path, *args: str) -> None:
    result = CliRunner().invoke(main, [*args, "--report", str(out)])
    assert result.exit_code in (0, 1), result.output


def _load(driver: Any, page: Path) -> None:
    driver.get_log("browser")
    driver.get(page.as_uri())


def test_the_transactional_filter_shows_one_anomaly(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    _report(tmp_path, "check", str(ROOT / "elle/paper-example.edn"), "--model", "list-append",
            "--consistency", "serializable")
    _load(browser, tmp_path / "paper-example_edn" / "index.html")
    sections = browser.find_elements(By.CSS_SELECTOR, "section.anomaly")
    assert len(sections) == 3 and all(s.is_displayed() for s in sections)
    Select(browser.find_element(By.ID, "filter")).select_by_value("G2-item")
    shown = [s.get_attribute("data-name") for s in sections if s.is_displayed()]
    assert shown == ["G2-item"]
    assert errors(browser) == []


def test_choosing_a_trace_finding_singles_out_its_events(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    _report(tmp_path, "check", str(ROOT / "traces/broadcast-causal-bad.jsonl"), "--model",
            "broadcast", "--consistency", "causal")
    _load(browser, tmp_path / "broadcast-causal-bad_jsonl" / "index.html")
    browser.find_element(By.CSS_SELECTOR, '#findings li[data-finding="1"]').click()
    assert "focused" in browser.find_element(By.TAG_NAME, "svg").get_attribute("class")
    assert len(browser.find_elements(By.CSS_SELECTOR, "svg g.chosen")) == 4
    assert errors(browser) == []


def test_the_stats_page_and_the_index_load_cleanly(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    _report(tmp_path / "stats", "stats", str(ROOT / "jepsen/bank.edn"))
    _load(browser, tmp_path / "stats" / "index.html")
    plots = browser.find_elements(By.CSS_SELECTOR, ".plot svg")
    assert len(plots) == 3 and all(p.size["width"] > 300 for p in plots)
    assert errors(browser) == []
    _report(tmp_path / "runs", "check", str(ROOT / "txn-formats/dbcop"), "--model",
            "rw-register", "--consistency", "serializable")
    _load(browser, tmp_path / "runs" / "index.html")
    links = browser.find_elements(By.CSS_SELECTOR, "td a")
    assert links
    links[0].click()
    assert browser.find_element(By.TAG_NAME, "h1").text in ("VALID", "INVALID")
    assert errors(browser) == []
