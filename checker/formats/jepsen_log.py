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
from pathlib import Path

from histcheck.errors import FormatError, HistoryError
from histcheck.formats.edn_lines import value_of
from histcheck.formats.text import parse_int, text_lines
from histcheck.history import Event, EventType, History, HistoryBuilder

_OP_LINE = re.compile(
    r"^\s*\S+\s+jepsen\.util\s+-\s+(?P<process>:?(?:-?[0-9]+|[A-Za-z_][\w-]*))"
    r"\s+(?P<type>:\w+)\s+(?P<f>:[\w-]+)"
    r"(?:\s+(?P<value>.*?))?\s*$",
    re.ASCII,
)
_NUMBER_START = "-0123456789"
_UTIL = re.compile(r"^\s*\S+\s+jepsen\.util\s+-\s")


def looks_like_jepsen_log(head: str) -> bool:
    return any(_UTIL.match(line) for line in head.splitlines()[:20])


def read_jepsen_log(path: Path) -> History:
    source = str(path)
    builder = HistoryBuilder(source)
    events: list[Event] = []
    numbers: list[int] = []
    try:
        for number, line in text_lines(path, source):
            if not line.endswith("\n") and line.strip():
                raise FormatError("the last line has no line end: the log was cut in the "
                                  "middle of a record", path=source, line=number)
            match = _OP_LINE.match(line)
            if match is None:
                if not _UTIL.match(line):
                    continue
                raise FormatError(f"not a Jepsen operation line: {line.strip()[:80]!r}",
                                  path=source, line=number)
            events.append(_event(match, source, number))
            numbers.append(number)
    except FormatError:
        builder.add_all(events, numbers)
        raise
    builder.add_all(events, numbers)
    return builder.build()


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
