"""Jepsen log lines, as in Porcupine's etcd test data.

Each operation line looks like ``INFO  jepsen.util - 3\t:ok\t:cas\t[1 4]`` (tabs or spaces): the
process, the event type, ``f`` and an EDN value. Lines from other loggers are skipped; a
``jepsen.util`` line that does not have this shape is an error.
"""

from __future__ import annotations

import re
from pathlib import Path

from histcheck.errors import FormatError, HistoryError
from histcheck.formats.edn import loads
from histcheck.history import Event, EventType, History, HistoryBuilder
from histcheck.values import freeze

_OP_LINE = re.compile(
    r"^\s*\S+\s+jepsen\.util\s+-\s+(?P<process>:?[\w-]+)\s+(?P<type>:\w+)\s+(?P<f>:[\w-]+)"
    r"(?:\s+(?P<value>.*?))?\s*$"
)
_UTIL = re.compile(r"^\s*\S+\s+jepsen\.util\s+-\s")


def looks_like_jepsen_log(head: str) -> bool:
    return any(_UTIL.match(line) for line in head.splitlines()[:20])


def read_jepsen_log(path: Path) -> History:
    source = str(path)
    builder = HistoryBuilder(source)
    with path.open(encoding="utf-8", errors="replace") as fh:
        for number, line in enumerate(fh, start=1):
            if not _UTIL.match(line):
                continue
            match = _OP_LINE.match(line)
            if match is None:
                raise FormatError(f"not a Jepsen operation line: {line.strip()[:80]!r}",
                                  path=source, line=number)
            builder.add(_event(match, source, number), number)
    return builder.build()


def _event(match: re.Match[str], source: str, number: int) -> Event:
    raw_process = match["process"]
    process: int | str = raw_process[1:] if raw_process.startswith(":") else raw_process
    if isinstance(process, str) and process.lstrip("-").isdigit():
        process = int(process)
    try:
        kind = EventType.parse(match["type"][1:])
        value = freeze(loads(match["value"])) if match["value"] else None
    except HistoryError as exc:
        raise FormatError(exc.problem, path=source, line=number) from None
    return Event(process, kind, match["f"][1:], value)
