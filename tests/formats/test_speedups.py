"""The compiled readers make exactly what the Python readings make, line for line.

Each text is read twice: with ``histcheck._speedups`` and with it switched off. The events,
their line numbers and any error must be the same, on random Jepsen-style EDN lines and Jepsen
logs (and text that only looks like them), on lines chosen to sit on each edge of what the
compiled readers take, and on every EDN history and log of the corpus.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from histcheck import speedups
from histcheck.errors import HistoryError
from histcheck.formats import read_history
from histcheck.formats.edn_lines import _Record, chunk_events
from histcheck.formats.jepsen_log import read_jepsen_log
from histcheck.history import INVOKE, OK, Event, EventType, HistoryBuilder, as_event
from tests.formats.test_formats_fast_paths import (
    _FIELDS,
    _LOG_PREFIXES,
    _LOG_VALUES,
    _corpus_files,
    _edn_value,
    _line,
)

COMPILED = speedups.loaded


def _read(text: str, compiled: bool, kinds: bool = False) -> object:
    saved = speedups.loaded
    speedups.loaded = COMPILED if compiled else None
    try:
        events, numbers = chunk_events(text, 7, "h.edn")
    except HistoryError as exc:
        return ("error", exc.problem, exc.line)
    finally:
        speedups.loaded = saved
    return [(as_event(e), n, *([type(e).__name__] if kinds else []))
            for e, n in zip(events, numbers, strict=True)]


def _same_both_ways(text: str) -> object:
    compiled = _read(text, True)
    assert compiled == _read(text, False)
    return compiled


needs_compiled = pytest.mark.skipif(COMPILED is None, reason="histcheck._speedups is not built")


@pytest.mark.skipif(bool(os.environ.get("HISTCHECK_NO_SPEEDUPS")),
                    reason="the compiled reader is switched off")
def test_the_install_built_the_compiled_reader() -> None:
    assert COMPILED is not None, "histcheck._speedups did not build (is a C compiler there?)"


@needs_compiled
@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(_FIELDS, st.sampled_from([", ", ", ", " ", ",", " ,\t"]),
                          st.sampled_from(["", " ", "\t", "\r", "\u2028"]),
                          st.sampled_from([":invoke", ":ok", '"info"', ":bogus", "1"]),
                          st.sampled_from(["0", "-3", ":n1", '"n2"', "true", "1.5", "007"])),
                min_size=1, max_size=6),
       st.sampled_from(["\n", "\n\n", "\n \n", "\r\n"]))
def test_random_jepsen_lines_read_alike_compiled_or_not(
        lines: list[tuple[list[tuple[str, str]], str, str, str, str]], end: str) -> None:
    text = end.join(pad + _line([("process", process), ("type", kind), ("f", ":write"),
                                 *fields], sep) + pad
                    for fields, sep, pad, kind, process in lines)
    _same_both_ways(text)


@needs_compiled
@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(_edn_value(4), st.sampled_from(["value", "key"]))
def test_any_value_reads_alike_compiled_or_not(value: str, field: str) -> None:
    _same_both_ways(f"{{:process 0, :type :invoke, :f :r, :{field} {value}}}\n"
                    f"{{:process 0, :type :ok, :f :r, :{field} {value}}}\n")


EDGES = [
    '{:type :invoke, :f :read, :process 0, :value "é ü"}',  # UTF-8 read by the compiled reader
    '{:type :invoke, :f :read, :process 0, :value "a\\"b"}',  # an escape: Python reads it
    '{:type :invoke, :f :read, :process 0, :value "a\\\\b"}',
    '{:type :invoke, :f :read, :process 0, :value "tab\tin"}',
    "{:type :invoke, :f :read, :process 0, :value 123456789012345678}",  # 18 digits
    "{:type :invoke, :f :read, :process 0, :value 1234567890123456789}",  # 19: Python
    "{:type :invoke, :f :read, :process 0, :value -0}",
    "{:type :invoke, :f :read, :process 0, :value +5}",
    "{:type :invoke, :f :read, :process 0, :value 5N}",
    "{:type :invoke, :f :read, :process 0, :value -}",
    "{:type :invoke, :f :read, :process 0, :value :-5}",
    "{:type :invoke, :f :read, :process 0, :value :5}",
    "{:type :invoke, :f :read, :process 0, :value :a/b.c?}",
    "{:type :invoke, :f :read, :process 0, :value :a#b}",
    "{:type :invoke, :f :read, :process 0, :value nil1}",
    "{:type :invoke, :f :read, :process 0, :value [nil true false]}",
    "{:type :invoke, :f :read, :process 0, :value [1,2 ,3]}",
    "{:type :invoke, :f :read, :process 0, :value [1 (2 [3])]}",
    "{:type :invoke, :f :read, :process 0, :value [1 (2 [3)]]}",
    "{:type :invoke, :f :read, :process 0, :value [1 2}",
    "{:type :invoke, :f :read, :process 0, :value #{1 2}}",
    "{:type :invoke, :f :read, :process 0, :value {:a 1}}",
    "{:type :invoke, :f :read, :process 0, :value 1.5}",
    "{:type :invoke, :f :read, :process 0, :value [1]x}",
    '{:type :invoke, :f :read, :process 0, :value "a"b}',
    "{:type :invoke, :f :read, :process 0, :value 1;comment}",
    "{:type :invoke, :f :read, :process 0 :value 1}",
    "{:type :invoke,:f :read,:process 0,:value 1}",
    "{:type :invoke, :f :read, :process 0, :value 1, :value 2}",  # a key twice
    "{:type :invoke, :f :read, :process 0, :error :timeout}",  # an extra field
    "{:type :invoke, :f :read, :process true}",
    "{:type :invoke, :f :read, :process 1.0}",
    "{:type :invoke, :f :read}",
    "{:type :invoke, :process 0}",
    "{:type :sent, :f :read, :process 0}",
    "{:type 1, :f :read, :process 0}",
    "{:type :invoke, :f 7, :process 0}",
    "{:type :invoke, :f :read, :process 0, :time nil, :index 3}",
    "{:type :invoke, :f :read, :process 0, :time :t}",
    "{:type :invoke, :f :read, :process 0, :time -4}",
    "{:type :invoke, :f :read, :process 0}{:type :ok, :f :read, :process 0}",
    "{:type :invoke, :f :read, :process 0} {:type :ok, :f :read, :process 0}",
    "{:type :invoke, :f :read, :process 0}}",
    "{{:type :invoke, :f :read, :process 0}",
    "{}",
    "{ }",
    "{:type :invoke, :f :read, :process 0, :value}",
    "{:type :invoke, :f :read, :process 0, :value\t[1]}",
    "\v{:type :invoke, :f :read, :process 0}\f",
    "\u00a0{:type :invoke, :f :read, :process 0}",
    "\ud800",
    "[{:type :invoke, :f :read, :process 0}]",
    "",
    "   ",
    "\u2028",
]


@needs_compiled
@pytest.mark.parametrize("line", EDGES, ids=range(len(EDGES)))
def test_a_line_on_an_edge_of_the_compiled_reading_reads_alike(line: str) -> None:
    _same_both_ways(line + "\n")
    _same_both_ways(line)


@needs_compiled
def test_lines_left_to_python_keep_their_place_and_number_among_compiled_ones() -> None:
    plain = "{:type :invoke, :f :read, :process %d, :value 1}"
    odd = '{:type :invoke, :f :read, :process %d, :value "é\\n", :error :x}'
    text = "\n".join((odd if i % 3 == 1 else plain) % i for i in range(30)) + "\n\n"
    _same_both_ways(text)
    read = _read(text, True, kinds=True)
    assert isinstance(read, list) and [n for _, n, _ in read] == list(range(7, 37))
    assert {kind for _, _, kind in read} == {"_Record", "Event"}


@needs_compiled
def test_a_nesting_at_the_depth_limit_reads_alike_and_one_deeper_too() -> None:
    for depth in (99, 100, 101):
        value = "[" * depth + "1" + "]" * depth
        _same_both_ways(f"{{:type :invoke, :f :r, :process 0, :value {value}}}\n")


@needs_compiled
@pytest.mark.parametrize("path", _corpus_files((".edn", ".txt")), ids=lambda p: p.name)
def test_every_corpus_edn_file_reads_alike_compiled_or_not(path: Path) -> None:
    def read(compiled: bool) -> object:
        saved = speedups.loaded
        speedups.loaded = COMPILED if compiled else None
        try:
            return read_history(path, "edn")
        except HistoryError as exc:
            return ("error", exc.problem, exc.line)
        finally:
            speedups.loaded = saved

    assert read(True) == read(False)



def _read_log(path: Path, compiled: bool) -> object:
    saved = speedups.loaded
    speedups.loaded = COMPILED if compiled else None
    try:
        history = read_jepsen_log(path)
    except HistoryError as exc:
        return ("error", exc.problem, exc.line)
    finally:
        speedups.loaded = saved
    return history, repr(history.operations), repr(history.others)


def _log_alike(path: Path) -> None:
    assert _read_log(path, True) == _read_log(path, False)


@needs_compiled
@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_LOG_PREFIXES, min_size=1, max_size=3),
       st.lists(st.tuples(st.integers(0, 2), _LOG_VALUES), min_size=1, max_size=14),
       st.sampled_from(["\n", "", "\xff\n", "\nINFO  jepsen.util - 1\t:ok\t:r"]))
def test_random_jepsen_logs_read_alike_compiled_or_not(
        tmp_path_factory: pytest.TempPathFactory, prefixes: list[str],
        rows: list[tuple[int, str]], end: str) -> None:
    text = "\n".join(prefixes[i % len(prefixes)] + value for i, value in rows) + end
    path = tmp_path_factory.mktemp("log") / "h.log"
    path.write_bytes(text.encode("utf-8", "surrogateescape").replace(b"\xc3\xbf\n", b"\xff\n"))
    _log_alike(path)


LOG_EDGES = [
    "INFO  jepsen.util - 3\t:ok\t:read\t[1 4]",
    "INFO  jepsen.util - 3\t:ok\t:read",
    "INFO  jepsen.util - 3\t:ok\t:read\t",
    "INFO  jepsen.util - 3\t:ok\t:read\t \t",
    "INFO  jepsen.util - 3\t:ok\t:read[1]",
    "INFO  jepsen.util - 3\t:ok\t:read\t1 2",
    "INFO  jepsen.util - 3\t:ok\t:read\t\"é\"",
    "INFO  jepsen.util - 3\t:ok\t:read-all\tnil",
    "INFO  jepsen.util - 3\t:ok\t:read?\tnil",
    "INFO  jepsen.util - :nemesis\t:info\t:start\tnil",
    "INFO  jepsen.util - nemesis\t:info\t:start\tnil",
    "INFO  jepsen.util - :5\t:invoke\t:read\tnil",
    "INFO  jepsen.util - -1\t:invoke\t:read\tnil",
    "INFO  jepsen.util - 1234567890123456789\t:invoke\t:read\tnil",
    "INFO  jepsen.util - 3x\t:invoke\t:read\tnil",
    "INFO  jepsen.util - a-b_c\t:invoke\t:read\tnil",
    "INFO  jepsen.util - 3\t:sent\t:read\tnil",
    "INFO  jepsen.util - 3\tok\t:read\tnil",
    "INFO  jepsen.util -3\t:invoke\t:read\tnil",
    "INFO jepsen.util - 3 :invoke :read 5",
    "  INFO\tjepsen.util\t-\t3\t:invoke\t:read\t5\r",
    "2020 INFO jepsen.util - 3\t:invoke\t:read\tnil",
    "INFO  jepsen.utils - 3\t:invoke\t:read\tnil",
    "INFO  jepsen.core - 3\t:invoke\t:read\tnil",
    "INFO  jepsen.util - 3\t:invoke\t:cas\t[1 {:a 2}]",
    "INFO  jepsen.util - 3\t:invoke\t:cas\t#{1}",
    "INFO  jepsen.util - 3\t:invoke\t:cas\t1/2",
    "INFO  jepsen.util -",
    "",
]


@needs_compiled
@pytest.mark.parametrize("line", LOG_EDGES, ids=range(len(LOG_EDGES)))
def test_a_log_line_on_an_edge_of_the_compiled_reading_reads_alike(tmp_path: Path,
                                                                  line: str) -> None:
    path = tmp_path / "h.log"
    invoke = "INFO  jepsen.util - 3\t:invoke\t:read\tnil\n"
    path.write_text(f"{invoke}{line}\n{invoke.replace('3', '4')}")
    _log_alike(path)


@needs_compiled
@pytest.mark.parametrize("path", _corpus_files((".log",)), ids=lambda p: p.name)
def test_every_corpus_log_reads_alike_compiled_or_not(path: Path) -> None:
    _log_alike(path)


_PAIR_EVENTS = st.lists(
    st.tuples(st.sampled_from([0, 1, 2, 2, "n1", "nemesis", True, 1.0, None]),
              st.sampled_from([INVOKE, INVOKE, OK, OK, EventType.INFO, EventType.FAIL]),
              st.sampled_from(["r", "r", "w", "txn", 5]),
              st.sampled_from([None, 1, "x", (), (("r", 1, None),), (("w", 1, 2),), ("r", 1)]),
              st.sampled_from([None, None, "k", 3]),
              st.sampled_from([None, 5, 5, 9, 2]),
              st.sampled_from([(), (("error", "timeout"),)]),
              st.booleans()),
    max_size=30)


@needs_compiled
@settings(max_examples=1500, deadline=None)
@given(_PAIR_EVENTS, st.integers(0, 3))
def test_pairing_events_makes_the_same_history_compiled_or_not(
        raw: list[tuple[object, EventType, object, object, object, object, object, bool]],
        split: int) -> None:
    records = [Event(p, kind, f, value, key, time, extra) if plain else  # type: ignore[arg-type]
               _Record(kind, f, p, value, key, time)  # type: ignore[arg-type]
               for p, kind, f, value, key, time, extra, plain in raw]
    lines = [3 * n + 1 for n in range(len(records))]

    def outcome(compiled: bool) -> object:
        saved = speedups.loaded
        speedups.loaded = COMPILED if compiled else None
        builder = HistoryBuilder("h")
        try:
            cut = min(split, len(records))
            builder.add_all(records[:cut], lines[:cut])
            builder.add_all(tuple(records[cut:]), lines[cut:])
            history = builder.build()
            return history, repr(history.operations), repr(history.others)
        except HistoryError as exc:
            return (exc.problem, exc.line)
        finally:
            speedups.loaded = saved

    assert outcome(True) == outcome(False)


@needs_compiled
@pytest.mark.parametrize("done", [OK, EventType.INFO, EventType.FAIL])
@pytest.mark.parametrize("invoked, returned", [(None, None), (None, 4), (3, None), (3, 4)])
def test_an_operation_takes_its_value_from_the_same_event_compiled_or_not(
        done: EventType, invoked: int | None, returned: int | None) -> None:
    events = [Event(0, INVOKE, "w", invoked, "k", 1), Event(0, done, "w", returned, None, 2)]

    def operation(compiled: bool) -> object:
        saved = speedups.loaded
        speedups.loaded = COMPILED if compiled else None
        try:
            builder = HistoryBuilder("h")
            builder.add_all(events, [1, 2])
            return repr(builder.build().operations)
        finally:
            speedups.loaded = saved

    assert operation(True) == operation(False)
