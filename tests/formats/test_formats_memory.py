"""Reading stays linear in memory and time, and deep nesting never overflows the stack.

A string is scanned run by run, so a long one costs memory in proportion to its text, not
hundreds of bytes per character as a pattern repeated per character would. Each size case
reads a file in a fresh interpreter and asks for its peak resident memory. Deep nesting is read
up to ``MAX_DEPTH`` collections and refused beyond it with the file and line, in every text
format, never with a RecursionError.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from histcheck.cli import main
from histcheck.formats import read_history
from histcheck.values import MAX_DEPTH, freeze, show, sort_key, thaw, to_json

_PEAK = """
import resource, sys
from histcheck.formats import read_history
read_history(sys.argv[1])
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""
_BASELINE = """
import resource
import histcheck.formats
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)
"""
E_INV = "{:process 0, :type :invoke, :f :write, :value %s}"
E_OK = "{:process 0, :type :ok, :f :write, :value %s}"
J_INV = '{"process": 0, "type": "invoke", "f": "write", "value": %s}'
J_OK = '{"process": 0, "type": "ok", "f": "write", "value": %s}'


def _peak(*args: str) -> tuple[int, float]:
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", *args], check=True, capture_output=True,
                         text=True).stdout
    return int(out.strip()), time.perf_counter() - start


def _edn_with_string(path: Path, size: int) -> Path:
    path.write_text(E_INV % "1" + "\n" + E_OK % ('"' + "x" * size + '"') + "\n")
    return path


def test_edn_long_string_reads_in_linear_memory_and_time(tmp_path: Path) -> None:
    baseline, _ = _peak(_BASELINE)
    small = _edn_with_string(tmp_path / "small.edn", 2_000_000)
    big = _edn_with_string(tmp_path / "big.edn", 10_000_000)
    _, small_time = _peak(_PEAK, str(small))
    peak, big_time = _peak(_PEAK, str(big))
    assert peak - baseline < 10 * big.stat().st_size, (peak, baseline)
    assert big_time < 8 * small_time, (small_time, big_time)


def test_edn_string_with_escapes_reads_whole(tmp_path: Path) -> None:
    path = tmp_path / "h.edn"
    body = "a\\nb\\\"" * 200_000
    path.write_text(E_INV % "1" + "\n" + E_OK % f'"{body}"' + "\n")
    (_, _), (_, event), *_ = read_history(path).events()
    assert event.value == "a\nb\"" * 200_000


def test_edn_unterminated_string_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "h.edn"
    path.write_text(E_INV % "1" + "\n" + E_OK % '"abc')
    code, stderr = _check(path, "register")
    assert code == 2 and stderr == [f"histcheck: {path}:2: string opened on line 2 is never "
                                    f"closed"], stderr


def _nested(depth: int, edn: bool, kind: str) -> str:
    if kind == "map":
        return ("{:a " * depth + "1" + "}" * depth) if edn else ('{"a": ' * depth + "1" +
                                                                  "}" * depth)
    return "[" * depth + "]" * depth


def _file(tmp_path: Path, fmt: str, depth: int, kind: str = "vector") -> tuple[Path, str]:
    value = _nested(depth, fmt in ("edn", "log"), kind)
    if fmt == "edn":
        text = E_INV % "1" + "\n" + E_OK % value + "\n"
    elif fmt == "log":
        text = (f"INFO  jepsen.util - 0\t:invoke\t:write\t1\n"
                f"INFO  jepsen.util - 0\t:ok\t:write\t{value}\n")
    elif fmt == "jsonl":
        text = J_INV % "1" + "\n" + J_OK % value + "\n"
    elif fmt == "json":
        text = "[" + J_INV % "1" + ",\n" + J_OK % value + "]\n"
    else:
        text = ('{"node": "n1", "type": "local"}\n'
                '{"node": "n1", "type": "local", "label": ' + value + "}\n")
    path = tmp_path / {"edn": "h.edn", "log": "h.log", "jsonl": "h.jsonl", "json": "h.json",
                       "trace": "t.jsonl"}[fmt]
    path.write_text(text)
    return path, "broadcast" if fmt == "trace" else "register"


def _check(path: Path, model: str) -> tuple[int, list[str]]:
    result = CliRunner().invoke(main, ["check", "-m", model, str(path)])
    assert isinstance(result.exception, SystemExit | None), repr(result.exception)
    return result.exit_code, result.stderr.splitlines()


FORMATS = ["edn", "log", "jsonl", "json", "trace"]


@pytest.mark.parametrize("kind", ["vector", "map"])
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 990, 5000])
def test_too_deep_is_refused_with_its_line(tmp_path: Path, fmt: str, depth: int,
                                           kind: str) -> None:
    path, model = _file(tmp_path, fmt, depth, kind)
    code, stderr = _check(path, model)
    assert code == 2, stderr
    assert len(stderr) == 1, stderr
    assert stderr[0].startswith(f"histcheck: {path}:2: "), stderr
    if not (fmt == "trace" and depth == 5000):  # beyond the precise JSON parser's own limit
        assert f"more than {MAX_DEPTH} collections deep" in stderr[0], stderr


@pytest.mark.parametrize("kind", ["vector", "map"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_at_the_limit_reads_and_prints(tmp_path: Path, fmt: str, kind: str) -> None:
    path, model = _file(tmp_path, fmt, MAX_DEPTH, kind)
    code, stderr = _check(path, model)
    assert code in (0, 1), stderr
    if fmt == "trace":
        return
    (_, _), (_, event), *_ = read_history(path).events()
    value = event.value
    assert freeze(thaw(value)) == value
    assert show(value) and sort_key(value) and to_json(thaw(value))
    assert hash(value) == hash(freeze(thaw(value)))
    out = tmp_path / ("copy.edn" if fmt == "edn" else "copy.jsonl")
    written = CliRunner().invoke(main, ["convert", str(path), str(out)])
    assert written.exit_code == 0, written.output
    (_, _), (_, copied), *_ = read_history(out).events()
    assert copied.value == value


def test_freeze_refuses_beyond_the_limit() -> None:
    from histcheck.errors import HistoryError

    deep: list[object] = []
    for _ in range(MAX_DEPTH):
        deep = [deep]
    with pytest.raises(HistoryError, match="collections deep"):
        freeze(deep)
