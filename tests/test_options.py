"""Option values are read one way for every model, and a value that cannot be read is refused
before any work, whatever the verdict would have been."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from histcheck.cli import main
from histcheck.errors import UsageError
from histcheck.options import choice, flag, integer, mapping, number
from histcheck.values import FrozenDict

ROOT = Path(__file__).resolve().parent.parent
KV_OK = str(ROOT / "histories" / "porcupine-kv" / "c10-ok.txt")
TRACE = str(ROOT / "histories" / "traces" / "broadcast-causal-ok.jsonl")


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("ON", True), ("1", True),
                                               (True, True), ("no", False), ("0", False),
                                               (False, False)])
def test_flags(raw: object, expected: bool) -> None:
    assert flag({"x": raw}, "x") is expected


def test_bad_values_name_the_option() -> None:
    with pytest.raises(UsageError, match="option x must be true or false, not 'maybe'"):
        flag({"x": "maybe"}, "x")
    with pytest.raises(UsageError, match=r"option n must be an integer, not '1\.5'"):
        integer({"n": "1.5"}, "n", None)
    with pytest.raises(UsageError, match="option n must be an integer"):
        integer({"n": True}, "n", None)
    with pytest.raises(UsageError, match="must not be negative"):
        number({"s": "-1"}, "s", 0)
    with pytest.raises(UsageError, match="must not be negative"):
        number({"s": "nan"}, "s", 0)
    with pytest.raises(UsageError, match="one of search, smt, not 'smtt'; did you mean smt"):
        choice({"engine": "smtt"}, "engine", ("search", "smt"), "search")
    assert integer({}, "n", None) is None and number({}, "s", 2.5) == 2.5


@pytest.mark.parametrize(("args", "message"), [
    ([KV_OK, "--model", "kv", "--opt", "explain=maybe"],
     "option explain must be true or false, not 'maybe'"),
    ([KV_OK, "--model", "kv", "--engine", "smtt"], "did you mean smt?"),
    ([KV_OK, "--model", "kv", "--opt", "workers=many"], "option workers takes a number"),
    ([TRACE, "--model", "broadcast", "--opt", "clocks=ignroe"], "did you mean ignore?"),
])
def test_unreadable_values_stop_a_valid_history_too(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["check", *args])
    assert result.exit_code == 2 and result.stdout == ""
    assert message in result.stderr and len(result.stderr.splitlines()) == 1


@pytest.mark.parametrize("raw", ["{x 0 y 0}", "{:x 0, :y 0}", '{"x": 0, "y": 0}',
                                 {"x": 0, "y": 0}])
def test_maps_are_edn_or_json_and_keys_read_as_history_keys(raw: object) -> None:
    assert mapping({"initial": raw}, "initial") == {"x": 0, "y": 0}


def test_map_values_become_history_values() -> None:
    assert mapping({"m": "{1 [2 3] k {a nil}}"}, "m") == {1: (2, 3),
                                                         "k": FrozenDict({"a": None})}
    assert mapping({}, "m") is None


@pytest.mark.parametrize(("raw", "problem"), [
    ("[1 2]", "option m must be a map such as {x 0 y 0}, not '[1 2]'"),
    ("3", "option m must be a map such as {x 0 y 0}, not '3'"),
    ("{x 0", "option m must be an EDN or JSON map, not '{x 0'"),
])
def test_a_value_that_is_not_a_map_is_refused(raw: str, problem: str) -> None:
    with pytest.raises(UsageError) as caught:
        mapping({"m": raw}, "m")
    assert str(caught.value).startswith(problem)
