"""Hostile text in every text reader: one located line on stderr and exit 2, never a traceback.

Each case is a small file whose one bad spot is on a known line: a number no history value can
hold, a broken escape, a lone surrogate, digits that only Unicode calls digits, bytes that are
not UTF-8. The property at the end inserts random bytes into valid lines and asks only that the
command either reads the file whole or refuses it with a located error.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from histcheck.cli import main

BIG = "9" * 5000
J_INV = '{"process": 0, "type": "invoke", "f": "write", "value": %s}'
J_OK = '{"process": 0, "type": "ok", "f": "write", "value": %s}'
E_INV = "{:process 0, :type :invoke, :f :write, :value %s}"
E_OK = "{:process 0, :type :ok, :f :write, :value %s}"
L_INV = "INFO  jepsen.util - 0\t:invoke\t:write\t%s"
L_OK = "INFO  jepsen.util - 0\t:ok\t:write\t%s"
FIRST_EDN = E_INV % "1" + "\n" + E_OK % "1"
FIRST_JSONL = J_INV % "1" + "\n" + J_OK % "1"
FIRST_LOG = L_INV % "1" + "\n" + L_OK % "1"
BAD_HEX = '"\\uZZZZ"'
LONE = '"\\ud800"'
LONE_CHAR = "\\uD800"

# name, file name, model, bytes, line, phrase
CASES: list[tuple[str, str, str, bytes, int, str]] = [
    ("edn ratio 1/0", "h.edn", "register",
     f"{FIRST_EDN}\n{E_INV % '1/0'}\n".encode(), 3, "ratio '1/0'"),
    ("edn integer over 4300 digits", "h.edn", "register",
     f"{FIRST_EDN}\n{E_INV % BIG}\n".encode(), 3, "longer than 4300 digits"),
    ("edn \\uZZZZ escape", "h.edn", "register",
     f"{FIRST_EDN}\n{E_INV % BAD_HEX}\n".encode(), 3, "four hex digits"),
    ("edn lone surrogate escape", "h.edn", "register",
     f"{FIRST_EDN}\n{E_INV % LONE}\n".encode(), 3, "lone surrogate"),
    ("edn lone surrogate character", "h.edn", "register",
     f"{FIRST_EDN}\n{E_INV % LONE_CHAR}\n".encode(), 3, "lone surrogate"),
    ("edn invalid UTF-8", "h.edn", "register",
     f"{FIRST_EDN}\n".encode() + (E_INV % '"a\xffb"').encode("latin-1") + b"\n", 3,
     "not UTF-8: byte 0xff at byte 49"),
    ("jsonl integer over 4300 digits", "h.jsonl", "register",
     f"{FIRST_JSONL}\n{J_INV % BIG}\n".encode(), 3, "longer than 4300 digits"),
    ("jsonl \\uZZZZ escape", "h.jsonl", "register",
     f"{FIRST_JSONL}\n{J_INV % BAD_HEX}\n".encode(), 3, "invalid JSON"),
    ("jsonl lone surrogate", "h.jsonl", "register",
     f"{FIRST_JSONL}\n{J_INV % LONE}\n".encode(), 3, "surrogate"),
    ("jsonl invalid UTF-8", "h.jsonl", "register",
     f"{FIRST_JSONL}\n".encode() + (J_INV % '"a\xffb"').encode("latin-1") + b"\n", 3,
     "not UTF-8: byte 0xff"),
    ("json integer over 4300 digits", "h.json", "register",
     f"[{J_INV % '1'},\n{J_OK % BIG}]\n".encode(), 2, "longer than 4300 digits"),
    ("json lone surrogate", "h.json", "register",
     f"[{J_INV % '1'},\n{J_OK % LONE}]\n".encode(), 2, "surrogate"),
    ("json invalid UTF-8", "h.json", "register",
     f"[{J_INV % '1'},\n".encode() + (J_OK % '"a\xffb"').encode("latin-1") + b"]\n", 2,
     "not UTF-8: byte 0xff"),
    ("polysi integer over 4300 digits", "h.txt", "rw-register",
     f"w(1,1,1,1)\nw({BIG},1,1,1)\n".encode(), 2, "longer than 4300 digits"),
    ("polysi unicode digit", "h.txt", "rw-register",
     "w(1,1,1,1)\nw(1,\u0662,1,1)\n".encode(), 2, "not a PolySI operation"),
    ("polysi invalid UTF-8", "h.txt", "rw-register",
     b"w(1,1,1,1)\nw(1,2,1,\xff1)\n", 2, "not UTF-8: byte 0xff at byte 9"),
    ("jepsen log process --5", "h.log", "register",
     f"{FIRST_LOG}\nINFO  jepsen.util - --5\t:invoke\t:read\tnil\n".encode(), 3,
     "not a Jepsen operation line"),
    ("jepsen log process superscript two", "h.log", "register",
     f"{FIRST_LOG}\nINFO  jepsen.util - \u00b2\t:invoke\t:read\tnil\n".encode(), 3,
     "not a Jepsen operation line"),
    ("jepsen log integer over 4300 digits", "h.log", "register",
     f"{FIRST_LOG}\n{L_INV % BIG}\n".encode(), 3, "longer than 4300 digits"),
    ("jepsen log lone surrogate", "h.log", "register",
     f"{FIRST_LOG}\n{L_INV % LONE}\n".encode(), 3, "lone surrogate"),
    ("jepsen log invalid UTF-8", "h.log", "register",
     f"{FIRST_LOG}\n".encode() + (L_INV % '"a\xffb"').encode("latin-1") + b"\n", 3,
     "not UTF-8: byte 0xff"),
    ("trace jsonl invalid UTF-8", "t.jsonl", "broadcast",
     b'{"node": "n1", "type": "local"}\n{"node": "n\xff1", "type": "local"}\n', 2,
     "not UTF-8: byte 0xff at byte 12"),
    ("shiviz invalid UTF-8", "t.shiviz", "broadcast",
     b'(?<host>\\S*) (?<clock>{.*})\\n(?<event>.*)\n\nn1 {"n1":1}\na\xffb\n', 4,
     "not UTF-8: byte 0xff at byte 2"),
]


def _run(path: Path, model: str) -> tuple[int, list[str], BaseException | None]:
    result = CliRunner().invoke(main, ["check", "-m", model, str(path)])
    crash = None if isinstance(result.exception, SystemExit | None) else result.exception
    return result.exit_code, result.stderr.splitlines(), crash


@pytest.mark.parametrize(("case", "name", "model", "data", "line", "phrase"), CASES,
                         ids=[c[0] for c in CASES])
def test_hostile_text_is_one_located_line(tmp_path: Path, case: str, name: str, model: str,
                                          data: bytes, line: int, phrase: str) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    code, stderr, crash = _run(path, model)
    assert crash is None, case
    assert code == 2, stderr
    assert len(stderr) == 1, stderr
    assert stderr[0].startswith(f"histcheck: {path}:{line}: "), stderr
    assert phrase in stderr[0], stderr


def test_different_invalid_bytes_never_read_alike(tmp_path: Path) -> None:
    """``a\\xffb`` and ``a\\xfeb`` would both read as ``a\\ufffdb`` with replacement; both are
    refused instead."""
    for byte in (b"\xff", b"\xfe"):
        path = tmp_path / "h.log"
        path.write_bytes(b'INFO  jepsen.util - 0\t:invoke\t:write\t"a' + byte + b'b"\n')
        code, stderr, _ = _run(path, "register")
        assert code == 2 and f"0x{byte[0]:02x}" in stderr[0], stderr


def test_surrogate_pair_escape_is_one_character(tmp_path: Path) -> None:
    path = tmp_path / "h.edn"
    path.write_text(E_INV % '"\\ud83d\\ude00"' + "\n" + E_OK % '"\\ud83d\\ude00"' + "\n")
    from histcheck.formats import read_history

    (event, *_) = [e for _, e in read_history(path).events()]
    assert event.value == "\U0001f600"


def test_integers_up_to_the_limit_read_exactly(tmp_path: Path) -> None:
    from histcheck.formats import read_history

    digits = "7" * 4300
    for name, text in (("h.edn", f"{E_INV % digits}\n{E_OK % digits}\n"),
                       ("h.jsonl", f"{J_INV % digits}\n{J_OK % digits}\n")):
        path = tmp_path / name
        path.write_text(text)
        (event, *_) = [e for _, e in read_history(path).events()]
        assert event.value == int(digits), name


VALID = {
    "h.edn": ("register", [E_INV % "1", E_OK % "1", E_INV % '"x"', E_OK % '"x"']),
    "h.jsonl": ("register", [J_INV % "1", J_OK % "1", J_INV % '"x"', J_OK % '"x"']),
    "h.txt": ("rw-register", ["w(1,1,1,1)", "r(1,1,2,2)", "w(2,5,2,2)"]),
}


@settings(max_examples=300, derandomize=True, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(sorted(VALID)), row=st.integers(0, 3), at=st.integers(0, 60),
       junk=st.binary(min_size=1, max_size=6))
def test_random_bytes_give_a_verdict_or_a_located_exit_2(tmp_path: Path, name: str, row: int,
                                                         at: int, junk: bytes) -> None:
    model, rows = VALID[name]
    lines = [r.encode() for r in rows]
    row %= len(lines)
    cut = min(at, len(lines[row]))
    lines[row] = lines[row][:cut] + junk + lines[row][cut:]
    path = tmp_path / name
    path.write_bytes(b"\n".join(lines) + b"\n")
    code, stderr, crash = _run(path, model)
    assert crash is None, repr(crash)
    if code == 2:
        assert len(stderr) == 1 and stderr[0].startswith(f"histcheck: {path}"), stderr
    else:
        assert code in (0, 1), (code, stderr)
