"""The JSON Lines reader's two paths (typed struct, general dict) read every line the same."""

from __future__ import annotations

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from histcheck.errors import HistoryError
from histcheck.formats.jsonl import decode_line, general_event, typed_event
from histcheck.values import thaw, to_json
from tests.formats.histgen import PROCESSES, VALUES

LINES = st.fixed_dictionaries(
    {"type": st.sampled_from(["invoke", "ok", "fail", "info", "begin"]),
     "f": st.sampled_from(["read", "write", "cas"]),
     "process": PROCESSES | st.booleans() | st.floats(allow_nan=False)},
    optional={"value": VALUES.map(thaw), "key": VALUES.map(thaw),
              "time": st.integers(0, 2**40) | st.floats(allow_nan=False) | st.none(),
              "index": st.integers(0, 99) | st.text(max_size=2),
              "node": VALUES.map(thaw)},
)


@given(LINES)
def test_typed_path_agrees_with_the_general_path(raw: dict[str, object]) -> None:
    line = to_json(raw)
    try:
        general = general_event(line, "h.jsonl", 1)
    except HistoryError:
        general = None
    try:
        typed = typed_event(decode_line(line))
    except (msgspec.ValidationError, msgspec.DecodeError, KeyError):
        return  # the reader hands this line to the general path
    assert typed == general


def test_lines_with_extra_fields_take_the_general_path() -> None:
    line = b'{"type": "ok", "f": "read", "process": 1, "value": 2, "node": "n1"}'
    with pytest.raises(msgspec.ValidationError):
        decode_line(line)
    assert general_event(line, "h.jsonl", 1).extra == (("node", "n1"),)


def test_string_and_integer_processes_stay_apart() -> None:
    assert typed_event(decode_line(b'{"type": "ok", "f": "r", "process": "3"}')).process == "3"
    assert typed_event(decode_line(b'{"type": "ok", "f": "r", "process": 3}')).process == 3
