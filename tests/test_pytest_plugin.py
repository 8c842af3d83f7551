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


def test_a_file_named_by_labels_and_by_its_suffix_is_collected_once(
        tester: pytest.Pytester) -> None:
    sub = tester.mkdir("sub")
    (sub / "run-ok.jsonl").write_text(GOOD)
    (sub / "other-ok.jsonl").write_text(GOOD)
    tester.makefile(".tsv", LABELS=HEADER + "sub/run-ok.jsonl\tno-fail\tno-fail\tvalid\t\tt\n")
    tester.makeini("[pytest]\nhistcheck_model = no-fail\n")
    result = tester.runpytest(*PLUGIN_ONCE, "--collect-only", "-q")
    items = [line for line in result.stdout.lines if "::" in line]
    assert sorted(items) == ["LABELS.tsv::run-ok.jsonl [no-fail/no-fail]",
                             "sub/other-ok.jsonl::other-ok.jsonl"]


def test_trace_rows_are_read_with_their_loader(tester: pytest.Pytester) -> None:
    trace = ('{"node": "n1", "type": "broadcast", "msg": "m1"}\n'
             '{"node": "n1", "type": "deliver", "msg": "m1", "from": "n1"}\n')
    tester.makefile(".jsonl", trace=trace)
    tester.makefile(".tsv", LABELS=HEADER + "trace.jsonl\tbroadcast\treliable\tvalid\t\tt\n"
                    "trace.jsonl\tbroadcast\tcausal\tinvalid\t\tt\n")
    result = tester.runpytest(*PLUGIN_ONCE)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*expected INVALID for broadcast/causal, got VALID*"])


def test_a_failure_is_a_few_lines_and_never_a_traceback(tester: pytest.Pytester) -> None:
    many = "".join(f'{{"process": {p}, "type": "{kind}", "f": "write", "value": 1}}\n'
                   for p in range(40) for kind in ("invoke", "fail"))
    tester.makefile(".jsonl", many=many, broken='{"process": 0, "type": "ok"}\n')
    tester.makefile(".tsv", LABELS=HEADER + "many.jsonl\tno-fail\tno-fail\tvalid\t\tt\n"
                    "broken.jsonl\tno-fail\tno-fail\tvalid\t\tt\n"
                    "many.jsonl\tno-fail\tno-fial\tvalid\t\tt\n")
    result = tester.runpytest(*PLUGIN_ONCE)
    result.assert_outcomes(failed=3)
    text = result.stdout.str()
    assert "Traceback" not in text and "raise " not in text and ".py:" not in text
    result.stdout.fnmatch_lines([
        "*many.jsonl: expected VALID for no-fail/no-fail, got INVALID",
        "operation 0 failed", "*", "... 28 more lines: histcheck check *many.jsonl --model "
        "no-fail --consistency no-fail",
        "*broken.jsonl: no verdict: *broken.jsonl:1: *",
        "*many.jsonl: no verdict: unknown consistency 'no-fial' for model no-fail; did you "
        "mean no-fail?"])


def test_the_plugin_is_installed_under_its_entry_point() -> None:
    from importlib.metadata import entry_points

    found = [ep for ep in entry_points(group="pytest11") if ep.name == "histcheck"]
    if not found:
        pytest.skip("histcheck is not installed in this environment (running from the source tree)")
    assert found[0].value == "histcheck.pytest_plugin"
