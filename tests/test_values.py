"""Values compare by type and value, integers stay exact, and time runs forward.

``true`` is not ``1``, ``1`` is not ``1.0``, and ``2^64`` is not ``2^64 + 1``, whatever format a
history was read from; writing a history prints each value as it was read.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings

from histcheck.api import check
from histcheck.cli import main
from histcheck.errors import HistoryError
from histcheck.formats import read_history, write_history
from histcheck.history import INVOKE, OK, Event, History, from_events
from histcheck.values import FALSE, TRUE, Float, FrozenDict, Value, freeze, show, thaw
from tests.formats.histgen import histories

BIG = 2**64

# -- the representation -----------------------------------------------------------------------


def test_booleans_and_floats_never_equal_integers() -> None:
    apart: list[tuple[Value, Value]] = [(TRUE, 1), (FALSE, 0), (FALSE, None), (Float(1.0), 1),
                                        (TRUE, Float(1.0)), (Float(0.0), FALSE)]
    for a, b in apart:
        assert a != b and b != a, (a, b)  # both sides: Python tries the reflected == too
        assert not (a == b or b == a), (a, b)
    assert Float(1.5) == Float(1.5) and freeze(True) is TRUE and freeze(1.0) == Float(1.0)


def test_a_dict_keyed_by_values_keeps_them_apart() -> None:
    held: dict[Value, str] = {1: "int", TRUE: "bool", Float(1.0): "float"}
    assert len(held) == 3
    assert held[freeze(True)] == "bool" and held[freeze(1.0)] == "float" and held[1] == "int"
    assert len({0, FALSE, Float(0.0), Float(-0.0)}) == 3


def test_nested_values_compare_element_wise_by_the_same_rule() -> None:
    assert freeze([1, True]) != freeze([1, 1])
    assert freeze({"a": 1}) != freeze({"a": 1.0})
    assert freeze([[1.0], {"b": False}]) == freeze([[1.0], {"b": False}])
    assert hash(freeze([1, [2.5, True]])) == hash(freeze([1, [2.5, True]]))


def test_freeze_is_idempotent_and_thaw_gives_json_back() -> None:
    raw = [True, 1, 1.0, BIG + 1, {"k": [False, None]}]
    frozen = freeze(raw)
    assert freeze(frozen) == frozen
    assert freeze(FrozenDict({"x": True}))["x"] is TRUE  # type: ignore[arg-type]
    assert thaw(frozen) == raw
    assert [type(v) for v in thaw(frozen)] == [bool, int, float, int, dict]


def test_histories_built_in_memory_hold_frozen_values() -> None:
    history = from_events([Event(0, INVOKE, "write", [True, 1.0], None),
                           Event(0, OK, "write", True, None, None, (("node", 1.5),))])
    op = history.operations[0]
    assert op.value is TRUE and op.invoke_value == (TRUE, Float(1.0))
    assert op.extra == (("node", Float(1.5)),) and op.value != 1


def test_show_prints_values_as_read() -> None:
    assert show(freeze([True, 1, 1.0, BIG + 1, None])) == "[true 1 1.0 18446744073709551617 nil]"


# -- readers: the same history in every text format ---------------------------------------------

def _jsonl(events: list[dict[str, object]], extra: bool = False) -> str:
    """JSON Lines; ``extra`` adds a field so every line takes the general (dict) path."""
    rows = [{**e, "node": "n1"} if extra else e for e in events]
    return "".join(json.dumps(r) + "\n" for r in rows)


def _json_array(events: list[dict[str, object]]) -> str:
    return "[\n" + ",\n".join(json.dumps(e) for e in events) + "\n]\n"


def _edn_value(value: object) -> str:
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + " ".join(_edn_value(v) for v in value) + "]"
    return repr(value)


def _edn(events: list[dict[str, object]]) -> str:
    lines = []
    for e in events:
        fields = [f":process {e['process']}", f":type :{e['type']}", f":f :{e['f']}",
                  f":value {_edn_value(e.get('value'))}"]
        if "time" in e:
            fields.append(f":time {e['time']}")
        lines.append("{" + " ".join(fields) + "}")
    return "\n".join(lines) + "\n"


def _jepsen_log(events: list[dict[str, object]]) -> str:
    return "".join(f"INFO  jepsen.util - {e['process']}\t:{e['type']}\t:{e['f']}\t"
                   f"{_edn_value(e.get('value'))}\n" for e in events)


TIMELESS = {"jepsen-log": ("h.log", _jepsen_log)}
"""Formats with no times: they join the value tests, not the time tests."""

WRITERS = {
    "jsonl": ("h.jsonl", _jsonl),
    "jsonl-general": ("h.jsonl", lambda events: _jsonl(events, extra=True)),
    "json": ("h.json", _json_array),
    "edn": ("h.edn", _edn),
}


def _history(tmp_path: Path, style: str, events: list[dict[str, object]]) -> History:
    name, render = {**WRITERS, **TIMELESS}[style]
    path = tmp_path / name
    path.write_text(render(events))
    return read_history(path, "json" if style == "json" else None)


def _write_then_read(written: object, read: object, f_write: str = "write",
                     f_read: str = "read") -> list[dict[str, object]]:
    return [{"process": 0, "type": "invoke", "f": f_write, "value": written},
            {"process": 0, "type": "ok", "f": f_write, "value": written},
            {"process": 0, "type": "invoke", "f": f_read, "value": None},
            {"process": 0, "type": "ok", "f": f_read, "value": read}]


REGISTER_CASES = [
    ("write true, read 1", True, 1, False),
    ("write 1, read true", 1, True, False),
    ("write 1, read 1.0", 1, 1.0, False),
    ("write 1.0, read 1", 1.0, 1, False),
    ("write 2^64, read 2^64+1", BIG, BIG + 1, False),
    ("write 2^64+1, read 2^64+1", BIG + 1, BIG + 1, True),
    ("write true, read true", True, True, True),
    ("write 1.0, read 1.0", 1.0, 1.0, True),
]


@pytest.mark.parametrize("style", sorted({**WRITERS, **TIMELESS}))
@pytest.mark.parametrize(("case", "written", "read", "valid"), REGISTER_CASES,
                         ids=[c[0] for c in REGISTER_CASES])
def test_register_reads_compare_by_type_and_value(tmp_path: Path, style: str, case: str,
                                                  written: object, read: object,
                                                  valid: bool) -> None:
    history = _history(tmp_path, style, _write_then_read(written, read))
    result = check(history, model="register")
    assert result.valid is valid, case
    if not valid:
        assert [a.name for a in result.anomalies] == ["nonlinearizable"]


@pytest.mark.parametrize("style", sorted({**WRITERS, **TIMELESS}))
@pytest.mark.parametrize(("model", "anomalies"),
                         [("grow-set", ["nonlinearizable"]), ("set", ["lost", "unexpected"])])
def test_set_add_true_read_1_is_invalid(tmp_path: Path, style: str, model: str,
                                        anomalies: list[str]) -> None:
    history = _history(tmp_path, style, _write_then_read(True, [1], "add"))
    result = check(history, model=model)
    assert result.valid is False
    assert sorted(a.name for a in result.anomalies) == anomalies
    same = _history(tmp_path, style, _write_then_read(True, [True], "add"))
    assert check(same, model=model).valid is True


@pytest.mark.parametrize("style", sorted({**WRITERS, **TIMELESS}))
def test_integers_beyond_64_bits_read_exactly(tmp_path: Path, style: str) -> None:
    history = _history(tmp_path, style, _write_then_read(BIG + 1, [BIG, -BIG - 1]))
    write, read = history.operations
    assert write.value == BIG + 1 and type(write.value) is int
    assert read.value == (BIG, -BIG - 1)


def test_counter_sums_large_integers_exactly(tmp_path: Path) -> None:
    exact = _history(tmp_path, "jsonl", _write_then_read(BIG, BIG, "add"))
    assert check(exact, model="counter").valid is True
    off_by_one = _history(tmp_path, "jsonl", _write_then_read(BIG, BIG + 1, "add"))
    result = check(off_by_one, model="counter")
    assert result.valid is False
    assert [a.name for a in result.anomalies] == ["out-of-bounds"]


def test_bank_balance_of_true_is_not_a_number(tmp_path: Path) -> None:
    history = _history(tmp_path, "jsonl", _write_then_read({"a": 1}, {"a": True, "b": 0},
                                                           "transfer"))
    result = check(history, model="bank")
    assert result.valid is False
    assert [a.name for a in result.anomalies] == ["unexpected-read"]


def test_counter_refuses_a_boolean_increment(tmp_path: Path) -> None:
    history = _history(tmp_path, "jsonl", _write_then_read(True, 1, "add"))
    with pytest.raises(HistoryError, match="must be a number, not true") as caught:
        check(history, model="counter")
    assert caught.value.line == 1


# -- writing prints what was read ----------------------------------------------------------------

MIXED = [True, 1, 1.0, BIG + 1, False, 0, 0.0, [1, 1.0, True], {"a": 1.0}]


@pytest.mark.parametrize("style", ["jsonl", "json", "edn"])
@pytest.mark.parametrize("target", ["out.jsonl", "out.edn"])
def test_convert_prints_values_as_read(tmp_path: Path, style: str, target: str) -> None:
    events = [{"process": 0, "type": "invoke", "f": "write", "value": MIXED},
              {"process": 0, "type": "ok", "f": "write", "value": MIXED}]
    source = tmp_path / ("in." + WRITERS[style][0].split(".")[1])
    source.write_text(WRITERS[style][1](events) if style != "edn" else
                      "{:process 0 :type :invoke :f :write :value [true 1 1.0 "
                      "18446744073709551617 false 0 0.0 [1 1.0 true] {:a 1.0}]}\n")
    out = tmp_path / target
    done = CliRunner().invoke(main, ["convert", str(source), str(out)])
    assert done.exit_code == 0, done.output
    text = out.read_text()
    if target.endswith(".jsonl"):
        first = text.splitlines()[0]
        assert '"value":[true,1,1.0,18446744073709551617,false,0,0.0,[1,1.0,true],' in first
    else:
        assert "[true 1 1.0 18446744073709551617 false 0 0.0 [1 1.0 true] {:a 1.0}]" in text
    again = read_history(out)
    assert again.operations[0].value == read_history(source).operations[0].value


def test_json_output_keeps_types_and_large_integers(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    path.write_text(_jsonl(_write_then_read(BIG, BIG + 1, "add")))
    done = CliRunner().invoke(main, ["check", "--model", "counter", "--json", str(path)])
    assert done.exit_code == 1, done.output
    assert f"read {BIG + 1}, outside [{BIG}, {BIG}]" in done.output
    assert f'"upper":{BIG}' in done.output.replace(" ", "")


# -- time runs forward ---------------------------------------------------------------------------

BACKWARDS = [{"process": 0, "type": "invoke", "f": "write", "value": 1, "time": 10},
             {"process": 1, "type": "invoke", "f": "read", "value": None, "time": 11},
             {"process": 0, "type": "ok", "f": "write", "value": 1, "time": 9},
             {"process": 1, "type": "ok", "f": "read", "value": 1, "time": 12}]


@pytest.mark.parametrize("style", sorted(WRITERS))
def test_a_completion_before_its_invocation_is_bad_input(tmp_path: Path, style: str) -> None:
    with pytest.raises(HistoryError, match="earlier than its invocation") as caught:
        _history(tmp_path, style, BACKWARDS)
    assert caught.value.line == 4 if style == "json" else 3
    assert caught.value.path is not None and caught.value.path.endswith(WRITERS[style][0])


@pytest.mark.parametrize("style", sorted(WRITERS))
def test_a_completion_at_its_invocation_time_is_fine(tmp_path: Path, style: str) -> None:
    events = [dict(e, time=10) for e in BACKWARDS]
    history = _history(tmp_path, style, events)
    assert history.timed and check(history, model="register").valid is True


def test_backwards_time_exits_2_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    path.write_text(_jsonl(BACKWARDS))
    done = CliRunner().invoke(main, ["check", "--model", "register", str(path)])
    assert done.exit_code == 2
    assert "h.jsonl:3" in done.output and "earlier than its invocation" in done.output


# -- reading a written history gives back the same values with the same types ------------------

def _types(value: object) -> object:
    """The shape of a value with each leaf's exact type, so equal-but-retyped values differ."""
    if isinstance(value, tuple):
        return ("tuple", tuple(_types(v) for v in value))
    if isinstance(value, FrozenDict):
        return ("map", tuple((k, _types(v)) for k, v in value.items()))
    return type(value).__name__


def _value_types(history: History) -> list[object]:
    return [(_types(op.value), _types(op.invoke_value), _types(op.key), _types(op.extra))
            for op in history.operations]


@settings(max_examples=60)
@given(histories())
@pytest.mark.parametrize("name", ["h.jsonl", "h.edn"])
def test_written_values_read_back_equal_with_the_same_types(tmp_path_factory: pytest.
                                                            TempPathFactory, name: str,
                                                            history: History) -> None:
    path = tmp_path_factory.mktemp("values") / name
    write_history(history, path)
    again = read_history(path)
    assert [op.value for op in again.operations] == [op.value for op in history.operations]
    assert _value_types(again) == _value_types(history)
