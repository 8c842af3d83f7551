"""Hostile ShiViz logs: the file's own expression, its clocks and the text between records.

Each is malformed input: one stderr line naming file and line, exit 2, never a traceback, a hang
or a verdict on a log that was not read whole.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from histcheck.errors import FormatError
from histcheck.trace import load_trace, shiviz
from histcheck.trace.safe_regex import UnsafeRegex, check_regex

TRACES = Path(__file__).resolve().parents[2] / "histories" / "traces"
DEFAULT = "(?<event>.*)\\n(?<host>\\S*) (?<clock>{.*})\n\n"

HOSTILE = {
    "catastrophic-expression": ("(?<event>(a+)+b)(?<host>x)(?<clock>{})\n\n" + "a" * 40 + "\n",
                                1, "holds a quantifier"),
    "bad-expression": ("(?<event>.*)(?<host>\\S*) (?<host>x)(?<clock>{.*})\n\n", 1,
                       "not a usable regular expression"),
    "zero-counter": (DEFAULT + 'ev\nn1 {"n1":0}\n', 3, "must be a positive integer, not 0"),
    "nested-clock": (DEFAULT + "ev\nn1 " + '{"n1":' * 990 + "1" + "}" * 990 + "\n", 3,
                     "flat JSON object"),
    "cut-record": (DEFAULT + 'ev\nn1 {"n1":1}\nev2\nn1 {"n1":\n', 5,
                   "does not match the regular expression: 'ev2'"),
    "unmatched-text": (DEFAULT + 'ev\nn1 {"n1":1}\nstray words\n', 5,
                       "does not match the regular expression"),
    "counter-skips": (DEFAULT + 'ev\nn1 {"n1":1}\nev2\nn1 {"n1":3}\n', 5, "expected 2"),
    "counter-starts-late": (DEFAULT + 'ev\nn1 {"n1":2}\n', 3, "expected 1"),
    "counter-repeats": (DEFAULT + 'ev\nn1 {"n1":1}\nev2\nn1 {"n1":1}\n', 5, "expected 2"),
    "clock-goes-back": (DEFAULT + 'ev\nn2 {"n2":1}\nev\nn1 {"n1":1,"n2":1}\nev2\nn1 {"n1":2}\n',
                        7, "goes back for 'n2': 0 after 1"),
    "string-counter": (DEFAULT + 'ev\nn1 {"n1":"1"}\n', 3, "positive integer"),
    "clock-not-object": (DEFAULT + "ev\nn1 {1}\n", 3, "the clock is not JSON"),
    "nested-native-label": (DEFAULT + '{"type":"local","label":' + "[" * 990 + "]" * 990
                            + '}\nn1 {"n1":1}\n', 3, "must be a JSON scalar"),
    "back-reference-delimiter": (DEFAULT.replace("\n\n", "\n(a)\\1\n"), 2, "back-reference"),
}


def run_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from histcheck.cli import main; main()", "check", str(path),
         "--format", "shiviz", "--model", "broadcast", "--consistency", "causal",
         "--timeout", "1"],
        capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_log_is_one_located_error(name: str, tmp_path: Path) -> None:
    text, line, problem = HOSTILE[name]
    path = tmp_path / f"{name}.log"
    path.write_text(text)
    started = time.monotonic()
    done = run_check(path)
    assert time.monotonic() - started < 10
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"histcheck: {path}:{line}: "), lines[0]
    assert problem in lines[0]


def test_catastrophic_expression_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "redos.log"
    path.write_text(HOSTILE["catastrophic-expression"][0])
    started = time.monotonic()
    with pytest.raises(FormatError):
        load_trace(path)
    assert time.monotonic() - started < 2


def test_slow_expression_inside_the_subset_runs_out_of_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shiviz, "MATCH_SECONDS", 0.3)
    path = tmp_path / "slow.log"
    path.write_text("(?<event>" + ".*" * 12 + "!)\\n(?<host>\\S*) (?<clock>{.*})\n\n"
                    + "a" * 3000 + "\nn1 {\"n1\":1}\n")
    started = time.monotonic()
    with pytest.raises(FormatError, match="took longer than"):
        load_trace(path)
    assert time.monotonic() - started < 2


@pytest.mark.parametrize("expression", [
    "(?P<event>.*)\\n(?P<host>\\S*) (?P<clock>{.*})",
    "(?P<host>\\S*) (?P<clock>{.*})\\n(?P<event>.*)",
    "(?P<date>\\d{4}-\\d\\d) (?P<host>[^ \\]]+) (?P<clock>\\{[^}]*\\}) (?P<event>.*?)$",
    "(?:x|y)z+?",
])
def test_safe_subset_accepts(expression: str) -> None:
    check_regex(expression)


@pytest.mark.parametrize(("expression", "problem"), [
    ("(a+)+b", "holds a quantifier"),
    ("(a|aa)*", "alternation"),
    ("(?:a*)*", "holds a quantifier"),
    ("(a)\\1", "back-reference"),
    ("(?P<x>a)(?P=x)", "lookarounds"),
    ("(?=a)", "lookarounds"),
    ("(?<=a)b", "lookarounds"),
    ("(?<!a)b", "lookarounds"),
    ("(?<x>(a+)+)", "column 10"),
    ("(?i)a", "inline flags"),
    ("a{1,100000}", "at most"),
    ("(" * 40 + ")" * 40, "nest deeper"),
    ("a" * 3000, "longer than"),
    ("[a", "never closed"),
])
def test_safe_subset_refuses(expression: str, problem: str) -> None:
    with pytest.raises(UnsafeRegex, match=problem):
        check_regex(expression)


def test_corpus_shiviz_log_still_checks() -> None:
    done = run_check(TRACES / "broadcast-causal-ok.shiviz.log")
    assert done.returncode == 0, done.stderr
    assert "VALID" in done.stdout


def test_foreign_log_with_blank_lines_between_records(tmp_path: Path) -> None:
    path = tmp_path / "x.log"
    path.write_text("(?<host>\\S*) (?<clock>{.*})\\n(?<event>.*)\n\n"
                    'a {"a":1}\nsend x\n\nb {"a":1,"b":1}\ngot x\n\n')
    trace = load_trace(path)
    assert [e.node for e in trace] == ["a", "b"]
    assert trace.source_of[1] == 0
