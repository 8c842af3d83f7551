"""Jepsen log lines, as in Porcupine's etcd test data.

Each operation line looks like ``INFO  jepsen.util - 3\t:ok\t:cas\t[1 4]`` (tabs or spaces): the
process, the event type, ``f`` and an EDN value. Lines from other loggers are skipped; a
``jepsen.util`` line that does not have this shape is an error. A process is an integer in
ASCII digits (``-1`` included) or a name starting with a letter (``:nemesis``); anything else
(``--5``, ``²``) is not a process. The file must be UTF-8: a line that is not is an error, never
read with replacement characters (that would make different values read alike).

A logger ends every line it writes, so a last line without its line end is a file cut in the
middle of a record, and an error: cut short, ``:read\t12`` would read as ``:read\t1``, and a
cut ``jepsen.util`` prefix would hide the operation among other loggers' lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

from histcheck import speedups
from histcheck.collector import paused_collector
from histcheck.errors import FormatError, HistoryError
from histcheck.formats.edn_lines import value_of
from histcheck.formats.text import file_chunks, parse_int, utf8_error
from histcheck.history import Event, EventType, History, HistoryBuilder
from histcheck.values import FALSE, MAX_DEPTH, TRUE

_LINE_FIELDS = (r"^\s*\S+\s+jepsen\.util\s+-\s+(?P<process>:?(?:-?[0-9]+|[A-Za-z_][\w-]*))"
                r"\s+(?P<type>:\w+)\s+(?P<f>:[\w-]+)")
_OP_LINE = re.compile(_LINE_FIELDS + r"(?:\s+(?P<value>.*?))?\s*$", re.ASCII)
_FIELDS = re.compile(_LINE_FIELDS, re.ASCII)
"""An operation line up to its value. When the text of a line before its last tab is this
whole, the line is an operation line whose value is the text after that tab (with no tab in
it, the value cannot change how the fields before it are read)."""
_NUMBER_START = "-0123456789"
_UTIL = re.compile(r"^\s*\S+\s+jepsen\.util\s+-\s")


def looks_like_jepsen_log(head: str) -> bool:
    return any(_UTIL.match(line) for line in head.splitlines()[:20])


def read_jepsen_log(path: Path) -> History:
    source = str(path)
    builder = HistoryBuilder(source)
    number = 1
    with path.open("rb") as fh, paused_collector():
        for chunk in file_chunks(fh):
            try:
                raw, problem = chunk, None
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:  # read the lines before it first: they come first
                problem = utf8_error(exc, chunk, source, number)
                raw = chunk[:chunk.rfind(b"\n", 0, exc.start) + 1]
                text = raw.decode("utf-8")
            body = raw.rfind(b"\n") + 1
            cut = raw[body:].decode("utf-8")  # none, unless the file was cut
            _read_lines(_lines_of(text, raw, body, number), source, builder)
            number += raw.count(b"\n")
            if problem is not None:
                raise problem
            if cut.strip():
                raise FormatError("the last line has no line end: the log was cut in the "
                                  "middle of a record", path=source, line=number)
    return builder.build()


Lines = Callable[[list[Event], list[int]], Iterator[tuple[int, str]]]
"""The lines of a chunk to read one by one, with their numbers, given the lists their events go
to (the compiled reader fills them with the lines it reads itself, and leaves the others)."""


def _lines_of(text: str, raw: bytes, body: int, first: int) -> Lines:
    """The whole lines of a chunk: the first ``body`` bytes of ``raw``, decoded as ``text``."""
    def lines(events: list[Event], numbers: list[int]) -> Iterator[tuple[int, str]]:
        fast = speedups.loaded
        if fast is None:
            yield from enumerate(text.split("\n")[:-1], start=first)
            return
        offset, number = 0, first
        while True:
            number, start, offset = fast.log_lines(text, offset, body, events, numbers, number,
                                                   Event, _TYPES, TRUE, FALSE, MAX_DEPTH)
            if number < 0:
                return
            yield number, raw[start:offset].decode("utf-8").removesuffix("\n")
            number += 1
    return lines


def _read_lines(lines: Lines, source: str, builder: HistoryBuilder) -> None:
    """Feed the events of ``lines`` to the builder; on an error, the events before it first (an
    error the builder finds in them comes first)."""
    events: list[Event] = []
    numbers: list[int] = []
    known, add_event, add_number = _prefixes.get, events.append, numbers.append
    try:
        for number, line in lines(events, numbers):
            prefix, _, written = line.rpartition("\t")
            fields = known(prefix)
            if fields is not None:
                written = written.strip(_ASCII_SPACE)
                try:
                    value = value_of(written) if written else None
                except HistoryError as exc:
                    raise FormatError(exc.problem, path=source, line=number) from None
                add_event(Event(*fields, value))
                add_number(number)
                continue
            match = _OP_LINE.match(line)
            if match is None:
                if not _UTIL.match(line):
                    continue
                raise FormatError(f"not a Jepsen operation line: {line.strip()[:80]!r}",
                                  path=source, line=number)
            add_event(_event(match, source, number))
            add_number(number)
            if _FIELDS.fullmatch(prefix) is not None:
                _remember_prefix(prefix, events[-1])
    finally:
        builder.add_all(events, numbers)


_TYPES = {t.value: t for t in EventType}
_ASCII_SPACE = " \t\n\r\x0b\x0c"
"""What ``\\s`` matches in an ASCII pattern: the spaces around a value."""

_prefixes: dict[str, tuple[int | str, EventType, str]] = {}
"""Line text up to the value's tab (``INFO  jepsen.util - 3\\t:ok\\t:cas``) to the process,
type and ``f`` it gives: most lines repeat one of a few such prefixes."""


def _remember_prefix(prefix: str, event: Event) -> None:
    if len(_prefixes) >= 1 << 15:
        _prefixes.clear()
    _prefixes[prefix] = (event.process, event.type, event.f)


_processes: dict[str, int | str] = {}


def _process(written: str) -> int | str:
    name = written.removeprefix(":")
    process = parse_int(name) if name[0] in _NUMBER_START else name
    if len(_processes) < 4096:
        _processes[written] = process
    return process


def _event(match: re.Match[str], source: str, number: int) -> Event:
    written = match["process"]
    process = _processes.get(written)
    try:
        if process is None:
            process = _process(written)
        kind = EventType.parse(match["type"][1:])
        value = value_of(match["value"]) if match["value"] else None
    except HistoryError as exc:
        raise FormatError(exc.problem, path=source, line=number) from None
    except ValueError as exc:
        raise FormatError(f"process: {exc}", path=source, line=number) from None
    return Event(process, kind, match["f"][1:], value)
