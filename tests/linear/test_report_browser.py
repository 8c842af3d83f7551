"""The report page in a real browser (Chromium through chromedriver): it draws without console
errors, hovering shows an operation's states, choosing a key redraws its lanes, and a
10,000-operation page loads in well under 3 seconds."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from histcheck.formats import read_history
from histcheck.linear import BUILTIN, check_history
from histcheck.linear.report import write_report
from histcheck.result import CheckResult
from tests.browser import errors

from .report_histories import kv_history

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2] / "histories"
LOAD_SECONDS = 3.0


def _open(driver: Any, page: Path) -> float:
    """Load ``page`` and return the seconds until the page says it has drawn."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get_log("browser")  # drop what earlier pages logged
    started = time.monotonic()
    driver.get(page.as_uri())
    WebDriverWait(driver, 30, poll_frequency=0.02).until(
        lambda d: d.execute_script("return document.body.dataset.ready === '1'"))
    return time.monotonic() - started


def _page(tmp_path: Path, name: str, model: str) -> tuple[Path, Any]:
    history = read_history(ROOT / name, None)
    result = check_history(history, BUILTIN[model])
    (page,) = write_report(history, result, tmp_path / Path(name).stem)
    return page, result


def _hover(driver: Any, op_id: int) -> str:
    """Move the pointer onto operation ``op_id`` (scrolled into view) and return the tooltip."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    canvas = driver.find_element(By.ID, "canvas")
    where = driver.execute_script("return window.histcheckPage.where(arguments[0])", op_id)
    assert where is not None, f"operation {op_id} is not drawn"
    driver.execute_script("window.scrollTo(0, arguments[0].getBoundingClientRect().top"
                          " + window.scrollY + arguments[1] - 300)", canvas, where["y"])
    left, top = driver.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.left, r.top]", canvas)
    actions = ActionChains(driver)
    actions.w3c_actions.pointer_action.move_to_location(int(left + where["x"]),
                                                        int(top + where["y"]))
    actions.perform()
    text: str = driver.execute_script("return window.histcheckPage.tip()")
    return text


def test_invalid_page_draws_without_errors_and_hover_shows_states(browser: Any,
                                                                  tmp_path: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    page, result = _page(tmp_path, "porcupine-etcd/etcd_000.log", "etcd")
    _open(browser, page)
    assert errors(browser) == []
    first, state = result.details["parts"][0]["steps"][0]
    tip = _hover(browser, first)
    assert f"operation {first} " in tip
    assert "state before: nil" in tip and f"state after:  {state}" in tip
    culprit = _hover(browser, result.details["culprit"])
    assert "CANNOT BE PLACED" in culprit
    ActionChains(browser).click().perform()
    _hover(browser, first)
    assert browser.execute_script("return window.histcheckPage.tip()") == culprit, \
        "a click pins the tooltip"
    assert errors(browser) == []


def test_invalid_key_opens_on_its_partial_linearization(browser: Any, tmp_path: Path) -> None:
    page, result = _page(tmp_path, "porcupine-kv/c50-bad.txt", "kv")
    _open(browser, page)
    data = browser.execute_script("return window.histcheckPage.data")
    t0, t1 = browser.execute_script("return window.histcheckPage.view()")
    chosen = data["partitions"][0]
    assert chosen["verdict"] == "invalid"
    calls = [data["ops"]["call"][i] for i in chosen["ops"]]
    assert t1 - t0 < (max(calls) - min(calls)) / 2, "the view narrows to the story"
    story = [i for i, _, _ in data["orders"][0]["steps"]] + [data["culprit"]]
    assert all(t0 <= data["ops"]["call"][i] <= t1 for i in story)
    assert "CANNOT BE PLACED" in _hover(browser, result.details["culprit"])
    assert errors(browser) == []


def test_choosing_a_key_redraws_its_lanes(browser: Any, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    page, _ = _page(tmp_path, "porcupine-kv/c10-ok.txt", "kv")
    _open(browser, page)
    data = browser.execute_script("return window.histcheckPage.data")
    shown = browser.execute_script("return window.histcheckPage.lanes()")
    Select(browser.find_element(By.ID, "partition")).select_by_index(3)
    chosen = data["partitions"][3]
    canvas = browser.find_element(By.ID, "canvas")
    assert canvas.get_attribute("data-partition") == chosen["name"]
    expected = sorted({data["ops"]["lane"][i] for i in chosen["ops"]})
    lanes = browser.execute_script("return window.histcheckPage.lanes()")
    assert lanes == [data["lanes"][i] for i in expected] and shown
    assert canvas.get_attribute("data-operations") == str(len(chosen["ops"]))
    first_key_op = data["ops"]["id"][data["partitions"][0]["ops"][0]]
    assert browser.execute_script("return window.histcheckPage.where(arguments[0])",
                                  first_key_op) is None, "the first key's bars are gone"
    order = next(o for o in data["orders"] if o["partition"] == chosen["name"])
    op_id = data["ops"]["id"][order["steps"][-1][0]]
    assert f"state after:  {order['steps'][-1][2]}" in _hover(browser, op_id)
    assert errors(browser) == []


def test_ten_thousand_operation_page_loads_fast(browser: Any, tmp_path: Path) -> None:
    history = kv_history(10_000)
    (page,) = write_report(history, check_history(history, BUILTIN["kv"]), tmp_path)
    seconds = min(_open(browser, page) for _ in range(2))
    assert errors(browser) == []
    assert seconds < LOAD_SECONDS, f"{seconds:.2f} s to load {page.stat().st_size} bytes"


def test_hundred_thousand_operations_in_one_partition_stay_usable(browser: Any,
                                                                  tmp_path: Path) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By

    history = kv_history(100_000, processes=50, keys=1, functions=("get", "put"))
    # the verdict as the checker gives it at this size (no linearization kept); checking one
    # key of 100,000 operations takes half a minute, and drawing is what is tested here
    valid = CheckResult(valid=True, model="kv", consistency="linearizable")
    (page,) = write_report(history, valid, tmp_path)
    seconds = _open(browser, page)
    assert seconds < 4 * LOAD_SECONDS, f"{seconds:.2f} s for 100,000 operations"
    assert browser.execute_script("return window.histcheckPage.paint()") < 250, "ms per frame"
    canvas = browser.find_element(By.ID, "canvas")
    browser.execute_script("arguments[0].scrollIntoView()", canvas)
    before = browser.execute_script("return window.histcheckPage.view()")
    browser.execute_script(
        "const c = arguments[0], r = c.getBoundingClientRect();"
        "c.dispatchEvent(new WheelEvent('wheel', {deltaY: -800, clientX: r.left + 600,"
        " clientY: r.top + 50, bubbles: true, cancelable: true}));", canvas)
    zoomed = browser.execute_script("return window.histcheckPage.view()")
    assert zoomed[1] - zoomed[0] < (before[1] - before[0]) / 2, "the wheel zooms in"
    ActionChains(browser).move_to_element(canvas).click_and_hold().move_by_offset(-200, 0) \
        .release().perform()
    panned = browser.execute_script("return window.histcheckPage.view()")
    assert panned[0] > zoomed[0], "dragging left moves later times into view"
    assert browser.execute_script("return window.histcheckPage.paint()") < 250
    assert errors(browser) == []
