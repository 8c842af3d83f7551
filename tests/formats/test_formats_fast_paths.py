"""The fast readings of EDN and JSON Lines make exactly what the general ones make.

Random EDN as Jepsen writes it (and text that only looks like it) is read both ways: whenever
the fast reading takes a value or a line, it must equal the general parser's; the corpus reads
the same; and the history builder's bulk ``add_all`` matches ``add`` event for event, errors
included. JSON Lines read in decoded chunks must equal the same file read line by line through
dicts, on random lines, on written random histories and on every corpus history.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from pathlib import Path

import msgspec
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from histcheck.errors import FormatError, HistoryError
from histcheck.formats import detect, jepsen_log, read_history
from histcheck.formats.edn import iter_maps, loads
from histcheck.formats.edn_lines import _value, chunk_events
from histcheck.formats.jepsen_edn import _read_forms, _read_lines, read_edn
from histcheck.formats.jepsen_log import read_jepsen_log
from histcheck.formats.jsonl import (
    _common_chunk,
    _PlainLine,
    general_event,
    read_jsonl,
    write_jsonl,
)
from histcheck.formats.mapping import event_from_mapping
from histcheck.formats.text import file_chunks, text_lines
from histcheck.history import (
    INVOKE,
    OK,
    Event,
    EventType,
    History,
    HistoryBuilder,
    as_event,
)
from histcheck.values import freeze
from tests.formats.histgen import histories

HISTORIES = Path(__file__).resolve().parents[2] / "histories"

_NAMES = st.sampled_from(["r", "w", "append", "read", "ok", "a#b", "a:b", "x?", "nil", "true",
                          "-", "a\\b", "é", "op-index", "1"])
_STRINGS = st.text(alphabet=st.sampled_from([*' ax0:,;"\\{}[]()#\t', "é", "\u2028"]),
                   max_size=8)
_ATOMS = st.one_of(
    st.just("nil"), st.just("true"), st.just("false"), st.just("null"),
    st.integers(-10**30, 10**30).map(str),
    st.sampled_from(["007", "+5", "-0", "1N", "1.5", "1/2", "4/2", "1e3", "-", "foo", "4" * 4301,
                     "-" + "9" * 4300]),
    _NAMES.map(lambda n: ":" + n),
    _STRINGS.map(lambda s: '"' + s + '"'),
)
_SEPARATORS = st.sampled_from([" ", " ", " ", ", ", ",", "  ", "\t", " ;c "])


def _edn_value(depth: int = 3) -> st.SearchStrategy[str]:
    if depth == 0:
        return _ATOMS
    inner = _edn_value(depth - 1)
    return st.one_of(
        _ATOMS,
        st.tuples(st.sampled_from(["[]", "()", "#{}", "{}", "[ ]"]),
                  st.lists(st.tuples(inner, _SEPARATORS), max_size=4)).map(_collection),
    )


def _collection(parts: tuple[str, list[tuple[str, str]]]) -> str:
    brackets, items = parts
    body = "".join(item + (sep if i < len(items) - 1 else "") for i, (item, sep) in
                   enumerate(items))
    return brackets[:-1] + body + brackets[-1]


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(_edn_value())
def test_a_value_the_fast_reading_takes_equals_the_general_parsers(text: str) -> None:
    try:
        fast = _value(text)
    except Exception:  # it declined: the general parser reads such text
        return
    assert fast == freeze(loads(text))
    assert type(fast) is type(freeze(loads(text)))


def _line(fields: list[tuple[str, str]], separator: str) -> str:
    return "{" + separator.join(f":{name} {value}" for name, value in fields) + "}"


_FIELDS = st.lists(st.tuples(st.sampled_from(["value", "key", "time", "index", "error", "f",
                                              "process", "type", "a:b"]), _edn_value(2)),
                   max_size=4)


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(_FIELDS, st.sampled_from([", ", ", ", " ", ","]),
                          st.sampled_from(["", " ", "\t"])), min_size=1, max_size=6))
def test_jepsen_lines_read_fast_as_the_general_parser_reads_them(
        lines: list[tuple[list[tuple[str, str]], str, str]]) -> None:
    text = "\n".join(pad + _line([("process", "0"), ("type", ":invoke" if i % 2 == 0
                                                      else ":ok"), ("f", ":write"), *fields],
                                 sep) + pad
                     for i, (fields, sep, pad) in enumerate(lines))
    general: list[tuple[Event, int]] | HistoryError
    try:
        general = [(event_from_mapping(raw), line) for raw, line in iter_maps(text, "h.edn")]
    except HistoryError as exc:
        general = exc
    try:
        events, numbers = chunk_events(text, 1, "h.edn")
    except HistoryError:
        return
    assert not isinstance(general, HistoryError), "the fast reading took a broken file"
    assert [(as_event(e), n) for e, n in zip(events, numbers, strict=True)] == general


def _history_text(rng: random.Random, operations: int) -> str:
    values = ["nil", "1", "-4", ":x", '"a b, c"', "[1 4]", "[[:append 5 1] [:r 6 [1 2]]]",
              "[]", "(1 2)", "[nil true false]", '"x 0 0 y"']
    out = []
    for i in range(operations):
        process = i % 7
        value = rng.choice(values)
        out.append(f"{{:process {process}, :type :invoke, :f :write, :value {value}, "
                   f":time {2 * i}, :index {2 * i}}}")
        out.append(f"{{:process {process}, :type :ok, :f :write, :value {value}, "
                   f":time {2 * i + 1}, :index {2 * i + 1}}}")
    return "\n".join(out) + "\n"


def test_a_generated_jepsen_history_takes_the_fast_path_and_reads_identically() -> None:
    text = _history_text(random.Random(5), 400)
    assert _read_lines(text, "h.edn") == _read_forms(text, "h.edn")


def test_a_map_spread_over_lines_reads_whole_as_the_general_parser_reads_it(
        tmp_path: Path) -> None:
    text = ('{:process 0, :type :invoke, :f :w, :value "a\n b"}\n'
            '{:process 0, :type :ok,\n :f :w, :value [1\n 2]}\n')
    path = tmp_path / "h.edn"
    path.write_text(text)
    history = read_edn(path)
    assert history == _read_forms(text, str(path))
    assert history.operations[0].invoke_value == "a\n b"
    assert list(history.lines) == [1, 3]


def test_a_history_written_as_one_vector_reads_as_the_stream_of_its_maps() -> None:
    text = _history_text(random.Random(6), 50)
    wrapped = "[" + text.rstrip("\n").replace("\n", "\n ") + "]\n"
    assert _read_lines(wrapped, "h.edn") == _read_forms(wrapped, "h.edn")


@pytest.mark.parametrize("text, problem", [
    ('{:process 0, :type :invoke, :f :w, :value "a}\n', "never closed"),
    ("[{:process 0, :type :invoke, :f :w}] {:process 1, :type :invoke, :f :w}]\n",
     "unexpected"),
    ("{:process 0, :type :invoke, :f :w, :value 1/3}\n", "not a whole number"),
])
def test_an_error_the_fast_reading_meets_is_worded_by_the_general_parser(
        tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "h.edn"
    path.write_text(text)
    with pytest.raises(FormatError, match=problem) as caught:
        read_history(path, "edn")
    assert caught.value.line == 1


def _corpus_files(suffixes: tuple[str, ...]) -> list[Path]:
    return sorted(p for p in HISTORIES.rglob("*") if p.is_file() and p.suffix in suffixes)


@pytest.mark.parametrize("path", _corpus_files((".edn", ".txt")), ids=lambda p: p.name)
def test_every_corpus_edn_file_reads_as_the_general_parser_reads_it(path: Path) -> None:
    text = path.read_text()
    try:
        expected = _read_forms(text, str(path))
    except HistoryError:
        return
    assert read_history(path, "edn") == expected


_EVENTS = st.lists(st.tuples(st.sampled_from([0, 1, 2, "nemesis", True]),
                             st.sampled_from([INVOKE, OK, EventType.INFO, EventType.FAIL]),
                             st.sampled_from(["r", "w", "txn"]),
                             st.sampled_from([None, 1, 3])), max_size=30)


@settings(max_examples=300, deadline=None)
@given(_EVENTS)
def test_add_all_pairs_events_exactly_as_add_does(
        raw: list[tuple[object, EventType, str, int | None]]) -> None:
    events = [Event(p, kind, f, None, None, time)  # type: ignore[arg-type]
              for p, kind, f, time in raw]
    lines = list(range(1, len(events) + 1))

    def outcome(bulk: bool) -> object:
        builder = HistoryBuilder("h")
        try:
            if bulk:
                builder.add_all(events, lines)
            else:
                for event, line in zip(events, lines, strict=True):
                    builder.add(event, line)
            return builder.build()
        except HistoryError as exc:
            return (exc.problem, exc.line)

    assert outcome(True) == outcome(False)


def test_jsonl_lines_with_blanks_and_extras_keep_their_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "h.jsonl"
    path.write_bytes(b'{"process": 0, "type": "invoke", "f": "r"}\n\n'
                     b'{"process": 0, "type": "ok", "f": "r", "value": [true, 1.5]}\n'
                     b'{"process": 1, "type": "invoke", "f": "r", "extra": 1}\n'
                     b'{"process": 1, "type": "ok", "f": "w"}\n')
    with pytest.raises(HistoryError, match="differs") as caught:
        read_jsonl(path)
    assert caught.value.line == 5


def _reference_jsonl(path: Path) -> History:
    """The slow reading of a JSON Lines file: every line on its own, through a dict."""
    source = str(path)
    builder = HistoryBuilder(source)
    for number, raw in enumerate(path.read_bytes().split(b"\n"), start=1):
        if raw.strip():
            builder.add(general_event(raw, source, number), number)
    return builder.build()


def _same_exactly(fast: History, slow: History) -> None:
    """Equal, and equal in every type too (``1`` is not ``1.0``, a tuple is not a list)."""
    assert fast == slow
    assert repr(fast.operations) == repr(slow.operations)
    assert repr(fast.others) == repr(slow.others)
    assert all(type(p.event) is Event for p in fast.others)


def _outcome(read: Callable[[Path], History], path: Path) -> History | tuple[str, int | None]:
    try:
        return read(path)
    except HistoryError as exc:
        return (exc.problem, exc.line)


def _assert_reads_alike(fast_read: Callable[[Path], History],
                        slow_read: Callable[[Path], History], path: Path) -> None:
    """Both readers give the same History, or the same problem on the same line."""
    fast, slow = _outcome(fast_read, path), _outcome(slow_read, path)
    if isinstance(slow, History):
        assert isinstance(fast, History)
        _same_exactly(fast, slow)
    else:
        assert fast == slow


_PLAIN = st.recursive(st.none() | st.integers(-(2**70), 2**70) | st.text(max_size=3),
                      lambda inner: st.lists(inner, max_size=3), max_leaves=6)
"""JSON values of nulls, integers, strings and arrays, nested up to six deep: the typed fast
decoding takes up to four levels, and the rest must read the same the other way."""
_JSON_VALUES = _PLAIN | st.sampled_from([True, False, 1.0, 0.5, {"a": [1]}, [[[[[1]]]]]])


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.sampled_from([0, 1, 2, "nemesis", "c", True]),
                          st.sampled_from(["invoke", "ok", "fail", "info", "done"]),
                          st.sampled_from(["r", "w", "txn"]), _JSON_VALUES,
                          st.sampled_from([None, 3, [1, 2], True]),
                          st.sampled_from([None, None, 5, 7]),
                          st.sampled_from([None, None, 1, "x"])),
                min_size=1, max_size=12),
       st.sampled_from([0, 1, 2, 0]))
def test_jsonl_fast_decoding_reads_as_the_line_by_line_reading(
        tmp_path_factory: pytest.TempPathFactory,
        rows: list[tuple[object, str, str, object, object, int | None, object]],
        shape: int) -> None:
    lines = []
    for process, kind, f, value, key, time, extra in rows:
        record: dict[str, object] = {"process": process, "type": kind, "f": f, "value": value}
        if key is not None:
            record["key"] = key
        if time is not None:
            record["time"] = time
        if extra is not None and shape == 1:
            record["node"] = extra
        if kind == "invoke" and shape == 2:
            del record["f"]
        lines.append(msgspec.json.encode(record))
    path = tmp_path_factory.mktemp("jl") / "h.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    _assert_reads_alike(read_jsonl, _reference_jsonl, path)


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(histories())
def test_a_written_history_reads_back_fast_as_line_by_line(
        tmp_path_factory: pytest.TempPathFactory, history: History) -> None:
    path = tmp_path_factory.mktemp("jl") / "h.jsonl"
    write_jsonl(history, path)
    _same_exactly(read_jsonl(path), _reference_jsonl(path))


@pytest.mark.parametrize("path", [p for p in _corpus_files((".edn", ".txt", ".log", ".json"))
                                  if "traces" not in p.parts], ids=lambda p: p.name)
def test_every_corpus_history_as_json_lines_reads_fast_as_line_by_line(
        tmp_path: Path, path: Path) -> None:
    try:
        history = read_history(path)
    except HistoryError:
        return
    written = tmp_path / "h.jsonl"
    write_jsonl(history, written)
    _same_exactly(read_jsonl(written), _reference_jsonl(written))


def test_a_list_append_history_decodes_typed_and_reads_as_line_by_line(tmp_path: Path) -> None:
    path = tmp_path / "la.jsonl"
    rows = []
    for i in range(300):
        txn = [["append", i % 7, i], ["r", i % 5, list(range(i % 4))]]
        rows.append({"process": i % 3, "type": "invoke", "f": "txn", "value": txn})
        rows.append({"process": i % 3, "type": "ok", "f": "txn", "value": txn})
    path.write_bytes(b"".join(orjson.dumps(r) + b"\n" for r in rows))
    assert _common_chunk(path.read_bytes()).__class__ is list
    assert type(_common_chunk(path.read_bytes())[0]) is _PlainLine  # type: ignore[index]
    _same_exactly(read_jsonl(path), _reference_jsonl(path))
    assert read_jsonl(path).operations[3].value == (("append", 3, 3), ("r", 3, (0, 1, 2)))


def test_a_txn_completion_of_the_wrong_shape_is_refused_on_its_line(tmp_path: Path) -> None:
    path = tmp_path / "la.jsonl"
    path.write_bytes(b'{"process":0,"type":"invoke","f":"txn","value":[["append",1,2]]}\n'
                     b'{"process":0,"type":"ok","f":"txn","value":[["append",1]]}\n')
    with pytest.raises(HistoryError, match="txn value must be") as caught:
        read_jsonl(path)
    assert caught.value.line == 2


def test_porcupine_kv_lines_become_records_and_read_as_the_general_parser(tmp_path: Path) -> None:
    lines = []
    for i in range(60):
        kind, value = ("invoke", "nil") if i % 2 == 0 else ("ok", '"x 1 y"')
        lines.append(f'{{:process {i // 2 % 3}, :type :{kind}, :f :get, :key "{i // 2 % 4}", '
                     f':value {value}}}\n')
    text = "".join(lines)
    events, _ = chunk_events(text, 1, "kv.txt")
    assert {type(e).__name__ for e in events} == {"_Record"}
    path = tmp_path / "kv.txt"
    path.write_text(text)
    assert read_edn(path) == _read_forms(text, str(path))
    assert read_edn(path).operations[1].key == "1"


def _reference_log(path: Path) -> History:
    """The Jepsen log read line by line with the whole-line pattern alone."""
    source = str(path)
    builder = HistoryBuilder(source)
    events: list[Event] = []
    numbers: list[int] = []
    try:
        for number, line in text_lines(path, source):
            if not line.endswith("\n") and line.strip():
                raise FormatError("the last line has no line end: the log was cut in the "
                                  "middle of a record", path=source, line=number)
            match = jepsen_log._OP_LINE.match(line)
            if match is None:
                if not jepsen_log._UTIL.match(line):
                    continue
                raise FormatError(f"not a Jepsen operation line: {line.strip()[:80]!r}",
                                  path=source, line=number)
            events.append(jepsen_log._event(match, source, number))
            numbers.append(number)
    except FormatError:
        builder.add_all(events, numbers)
        raise
    builder.add_all(events, numbers)
    return builder.build()


_LOG_PREFIXES = st.tuples(
    st.sampled_from(["INFO  jepsen.util - ", "INFO jepsen.util -\t", " WARN  jepsen.util - ",
                     "INFO  jepsen.core - ", ""]),
    st.sampled_from(["0", "1", "1", ":nemesis", "-1", "--5", "\u00b2", "a-b"]),
    st.sampled_from(["\t", "\t", " ", "\t\t"]),
    st.sampled_from([":invoke", ":ok", ":ok", ":fail", ":info", ":bad", "ok"]),
    st.sampled_from(["\t", "\t", " "]),
    st.sampled_from([":read", ":write", "x"]),
).map("".join)
_LOG_VALUE_TEXTS = (["", "\t", "\tnil", "\t3", "\t[1 4]", "\t[1\t4]", " 5", "\t 7 ",
                              '\t"a\tb"', "\t:x\r", "\t{:a 1}", "\t1/2", "\t\u2028", '\t"\u00e9"',
                              "\t[1 [2 (3)]]"])
_LOG_VALUES = st.sampled_from(_LOG_VALUE_TEXTS)
"""Lines are a few prefixes (the text before the value) with many values: a prefix met again
is read the fast way."""


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(_LOG_PREFIXES, min_size=1, max_size=3),
       st.lists(st.tuples(st.integers(0, 2), _LOG_VALUES), min_size=1, max_size=14),
       st.sampled_from(["\n", "", "\xff\n"]))
def test_jepsen_log_lines_read_fast_as_the_whole_line_pattern_reads_them(
        tmp_path_factory: pytest.TempPathFactory, prefixes: list[str],
        rows: list[tuple[int, str]], end: str) -> None:
    text = "\n".join(prefixes[i % len(prefixes)] + value for i, value in rows) + end
    path = tmp_path_factory.mktemp("log") / "h.log"
    path.write_bytes(text.encode("utf-8", "surrogateescape").replace(b"\xc3\xbf\n", b"\xff\n"))
    _assert_reads_alike(read_jepsen_log, _reference_log, path)


@pytest.mark.parametrize("path", [p for p in _corpus_files((".log",))
                                  if detect(p).name == "jepsen-log"], ids=lambda p: p.name)
def test_every_corpus_jepsen_log_reads_fast_as_the_whole_line_pattern(path: Path) -> None:
    _same_exactly(read_jepsen_log(path), _reference_log(path))


@pytest.mark.parametrize("value", _LOG_VALUE_TEXTS)
@pytest.mark.parametrize("prefix", ["INFO  jepsen.util - 3\t:ok\t:read",
                                    "INFO jepsen.util -\t:nemesis :info\t:start"])
def test_a_value_after_a_prefix_met_before_reads_as_the_pattern_reads_it(
        tmp_path: Path, prefix: str, value: str) -> None:
    invoke = prefix.replace(":ok", ":invoke")
    path = tmp_path / "h.log"
    path.write_text(f"{invoke}\tnil\n{prefix}\t1\n{invoke}\tnil\n{prefix}{value}\n")
    _assert_reads_alike(read_jepsen_log, _reference_log, path)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=60).map(lambda b: b.replace(b"\x00", b"\n")), st.integers(1, 9),
       st.integers(0, 5))
def test_file_chunks_end_at_line_ends_and_make_the_file_again(data: bytes, size: int,
                                                              started: int) -> None:
    stream = io.BytesIO(data)
    start = stream.read(started)
    pieces = list(file_chunks(stream, start, size))
    assert b"".join(pieces) == data
    assert all(piece.endswith(b"\n") for piece in pieces[:-1])
    assert all(pieces)


def test_a_vector_history_longer_than_a_chunk_reads_as_its_stream_of_maps(tmp_path: Path) -> None:
    from histcheck.formats.text import CHUNK_SIZE

    line = "{:process %d, :type :%s, :f :write, :value %d}"
    maps = [line % (i // 2 % 5, "invoke" if i % 2 == 0 else "ok", i // 2) for i in
            range(2 * (CHUNK_SIZE // 40 + 1000))]
    wrapped = tmp_path / "vector.edn"
    wrapped.write_text(" \n[" + "\n ".join(maps) + "]\n\n")
    stream = tmp_path / "stream.edn"
    stream.write_text(" \n " + "\n ".join(maps) + " \n\n")
    assert wrapped.stat().st_size > 2 * CHUNK_SIZE
    history = read_history(wrapped, "edn")
    assert history.operations == read_history(stream, "edn").operations
    assert list(history.lines) == list(range(2, len(maps) + 2))
