"""The pytest plugin turns labelled histories into test items that fail with an explanation."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

GOOD = ('{"process": 0, "type": "invoke", "f": "write", "value": 1}\n'
        '{"process": 0, "type": "ok", "f": "write", "value": 1}\n')
BAD = ('{"process": 1, "type": "invoke", "f": "write", "value": 2}\n'
       '{"process": 1, "type": "fail", "f": "write", "value": 2}\n')
PLUGIN_ONCE = ("-p", "no:histcheck", "-p", "histcheck.pytest_plugin", "-p", "no:cacheprovider")
"""Load the plugin once, whether or not histcheck's entry point also provides it."""
HEADER = "path\tmodel\tconsistency\texpected\toptions\torigin\n"


@pytest.fixture
def tester(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeconftest(
        "import histcheck.registry\n"
        "histcheck.registry.FAMILIES = (*histcheck.registry.FAMILIES, 'tests.contract_models')\n")
    pytester.syspathinsert(str(pytest.importorskip("tests").__path__[0] + "/.."))
    return pytester


def test_labels_file_rows_become_items(tester: pytest.Pytester) -> None:
    tester.makefile(".jsonl", good=GOOD, bad=BAD)
    tester.makefile(".tsv", LABELS=HEADER + "good.jsonl\tno-fail\tno-fail\tvalid\t\tt\n"
                    "bad.jsonl\tno-fail\tno-fail\tvalid\t\tt\n")
    result = tester.runpytest(*PLUGIN_ONCE)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*expected VALID for no-fail/no-fail, got INVALID*",
                                 "*operation 0 failed*"])


def test_file_names_give_the_verdict(tester: pytest.Pytester) -> None:
    tester.makefile(".jsonl", **{"run-ok": GOOD, "run-bad": BAD, "other-ok": BAD})
    tester.makeini("[pytest]\nhistcheck_model = no-fail\n")
    result = tester.runpytest(*PLUGIN_ONCE)
    result.assert_outcomes(passed=2, failed=1)


def test_the_plugin_is_installed_under_its_entry_point() -> None:
    from importlib.metadata import entry_points

    found = [ep for ep in entry_points(group="pytest11") if ep.name == "histcheck"]
    if not found:
        pytest.skip("histcheck is not installed in this environment (running from the source tree)")
    assert found[0].value == "histcheck.pytest_plugin"
