"""EDN as Jepsen writes it, read line by line without the general parser.

Jepsen, Knossos and Porcupine print one operation map per line, ``{:process 0, :type :invoke,
:f :read, :value nil}``: keyword keys, each pair after the first following ``", :"``, and values
that are nil, booleans, integers, keywords, plain strings and vectors or lists of those. Such a
line is split at ``", :"`` into its pairs, and each pair is read by ``_value``, which accepts a
value only when the pair's whole text is that one value: a string holding a quote or a
backslash, a map, a set, a float, a tag or anything else stops it. Pairs repeat (``type
:invoke``), so each is read once and remembered.

A line the fast reading cannot take is read by the general parser on its own; when that fails
too (a map spread over lines, a broken file), ``read_lines`` gives up and the caller reads the
whole file with the general parser, which words every error. Both readings make the same
values: the fast one only ever takes text whose meaning it knows exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

import msgspec

from histcheck import speedups
from histcheck.formats.edn import line_maps, loads
from histcheck.formats.mapping import ANONYMOUS_PROCESS, event_from_frozen, event_from_mapping
from histcheck.formats.text import MAX_DIGITS
from histcheck.history import EventRecord, EventType, Process
from histcheck.values import FALSE, MAX_DEPTH, TRUE, Value, freeze

_NAME = re.compile(r"[^\s,\[\](){}\";]+")
"""The characters of an EDN atom (a keyword's name, a symbol, a number)."""
_INTEGER = re.compile(r"-?[0-9]+", re.ASCII)
_VECTOR_TOKEN = re.compile(r"[\[\]()]|[^\s,\[\]()]+")
_CLOSERS = {"[": "]", "(": ")"}
_CACHE_LIMIT = 1 << 14
_SHORT_STRING = 12
"""Strings up to this long (a key such as ``"17"``) are likely to come again, and remembered."""
_NOT_SIMPLE = object()


class _NotSimple(Exception):
    """The text is not one of the values the fast reading knows."""


_CONSTANTS: dict[str, Value] = {"nil": None, "true": TRUE, "false": FALSE}
_atoms: dict[str, Value] = dict(_CONSTANTS)
_pairs: dict[str, tuple[str, Value]] = {}
_names: dict[str, str] = {}


def _remember(cache: dict[str, Any], text: str, value: Any) -> None:
    """Keep what ``text`` reads as; a full cache starts again (unique values would fill it)."""
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
        cache.update(_CONSTANTS if cache is _atoms else {})
    cache[text] = value


class _Record(msgspec.Struct, gc=False):
    """A fast line's event: the standard fields, each already checked for its field (the shape
    ``HistoryBuilder`` reads), made in one call from the line's pairs."""

    type: EventType
    f: str
    process: Process = ANONYMOUS_PROCESS
    value: Value = None
    key: Value = None
    time: int | None = None
    index: int | None = None
    extra: ClassVar[tuple[()]] = ()


_fields: dict[str, tuple[str, Any]] = {}
"""Pair text (``type :invoke``) to the field and value it gives a ``_Record``."""


def chunk_events(text: str, first_line: int, source: str
                 ) -> tuple[list[EventRecord], list[int]]:
    """The events of ``text`` (whole lines, the first numbered ``first_line``) and their lines;
    ``HistoryError`` when a line cannot be read on its own."""
    events: list[EventRecord] = []
    lines: list[int] = []
    add_event, add_line = events.append, lines.append
    known, record = _fields.get, _Record
    for number, line in _lines_left(text, first_line, events, lines):
        body = line.strip()
        if body[:2] == "{:" and body[-1:] == "}":
            pairs = body[2:-1].split(", :")
            entries = list(map(known, pairs))
            try:
                if None in entries:
                    entries = [entry or _field(pair) for entry, pair in
                               zip(entries, pairs, strict=True)]
                add_event(record(**dict(entries)))  # type: ignore[arg-type]
                add_line(number)
                continue
            except (_NotSimple, TypeError):
                pass
        raw = _fast_map(line)
        if raw is not None:
            add_event(event_from_frozen(raw))
            add_line(number)
        elif line and not line.isspace():
            for general, start in line_maps(line, source, number):
                add_event(event_from_mapping(general))
                add_line(start)
    return events, lines


def _lines_left(text: str, first_line: int, events: list[EventRecord], lines: list[int]
                ) -> Iterator[tuple[int, str]]:
    """Each line of ``text`` with its number, for the reading below; with the compiled reader
    (``histcheck.speedups``), only the lines it leaves, the others already read into
    ``events`` and ``lines``."""
    fast = speedups.loaded
    ascii_only = text.isascii()
    encoded = b""
    if fast is not None and not ascii_only:
        try:
            encoded = text.encode()
        except UnicodeEncodeError:  # lone surrogates: the compiled reader reads UTF-8
            fast = None
    if fast is None:
        yield from enumerate(text.split("\n"), start=first_line)
        return
    offset, number = 0, first_line
    while True:
        number, start, offset = fast.edn_lines(text, offset, events, lines, number, _Record,
                                               _TYPES, TRUE, FALSE, ANONYMOUS_PROCESS, MAX_DEPTH)
        if number < 0:
            return
        line = text[start:offset] if ascii_only else encoded[start:offset].decode()
        yield number, line.removesuffix("\n")
        number += 1


def _field(text: str) -> tuple[str, Any]:
    """The field and checked value of one pair of a standard field (``_NotSimple`` for any
    other field, or a value ``event_from_frozen`` would not take as it is)."""
    name, _, digits = text.partition(" ")
    if name in _COUNTERS and digits.isdigit() and digits.isascii() and len(digits) <= MAX_DIGITS:
        return name, int(digits)  # a time or an index: read as ``_pair`` would, never again
    name, value = _pair(text)
    check = _CHECKS.get(name)
    if check is None:
        raise _NotSimple
    entry = (name, check(value))
    if text in _pairs:
        _remember(_fields, text, entry)
    return entry


def _event_type(value: Value) -> EventType:
    kind = _TYPES.get(value) if value.__class__ is str else None
    if kind is None:
        raise _NotSimple
    return kind


def _of(*kinds: type) -> Callable[[Value], Value]:
    def check(value: Value) -> Value:
        if value.__class__ not in kinds:
            raise _NotSimple
        return value
    return check


def _any(value: Value) -> Value:
    return value


_TYPES = {t.value: t for t in EventType}
_COUNTERS = frozenset({"time", "index"})
_CHECKS: dict[str, Callable[[Value], Any]] = {
    "type": _event_type, "f": _of(str), "process": _of(int, str),
    "time": _of(int, type(None)), "index": _of(int, type(None)), "value": _any, "key": _any,
}
"""What each standard field takes as it is: the rest is for ``event_from_frozen``."""


def _fast_map(line: str) -> dict[str, Value] | None:
    line = line.strip()
    if not (line.startswith("{:") and line.endswith("}")):
        return None
    pairs = line[2:-1].split(", :")
    known = _pairs.get
    entries = [known(pair) for pair in pairs]
    if None in entries:
        try:
            entries = [entry or _pair(pair) for entry, pair in zip(entries, pairs, strict=True)]
        except _NotSimple:
            return None
    return dict(entries)  # type: ignore[arg-type]


def _pair(text: str) -> tuple[str, Value]:
    """The name and value of one ``name value`` pair; pairs likely to come again (not a long
    string, nor a long number such as a time) are remembered."""
    name, space, value = text.partition(" ")
    if name not in _names:
        if not space or _NAME.fullmatch(name) is None:
            raise _NotSimple
        _remember(_names, name, name)
    if value.isdigit() and value.isascii():
        if len(value) > MAX_DIGITS:
            raise _NotSimple
        entry: tuple[str, Value] = (name, int(value))
        if len(value) < 5:
            _remember(_pairs, text, entry)
        return entry
    entry = (name, _value(value))
    if not value.startswith('"') or len(value) <= _SHORT_STRING:
        _remember(_pairs, text, entry)
    return entry


def _value(text: str, room: int = MAX_DEPTH) -> Value:
    known = _atoms.get(text, _NOT_SIMPLE)
    if known is not _NOT_SIMPLE:
        return known  # type: ignore[return-value]
    first = text[:1]
    if first == '"':
        if len(text) < 2 or not text.endswith('"') or '"' in text[1:-1] or "\\" in text:
            raise _NotSimple
        return text[1:-1]
    if first in ("[", "("):
        vector = _vector(text, room)
        if len(text) <= 32:
            _remember(_atoms, text, vector)
        return vector
    if first == ":":
        if len(text) < 2 or _NAME.fullmatch(text) is None:
            raise _NotSimple
        value: Value = text[1:]
    elif _INTEGER.fullmatch(text) is not None and len(text) <= MAX_DIGITS:
        value = int(text)
    else:
        raise _NotSimple
    _remember(_atoms, text, value)
    return value


def _vector(text: str, room: int) -> Value:
    """A vector or list of simple atoms and such collections, nested at most ``room`` deep."""
    tokens = _VECTOR_TOKEN.findall(text)
    stack: list[tuple[str, list[Value]]] = []
    for token in tokens[:-1]:
        if token in _CLOSERS:
            if len(stack) == room:
                raise _NotSimple
            stack.append((token, []))
        elif token in ("]", ")"):
            opener, items = stack.pop() if stack else ("", [])
            if _CLOSERS.get(opener) != token or not stack:
                raise _NotSimple
            stack[-1][1].append(tuple(items))
        elif stack:
            stack[-1][1].append(_value(token))
        else:
            raise _NotSimple
    if len(stack) != 1 or _CLOSERS[stack[0][0]] != tokens[-1]:
        raise _NotSimple
    return tuple(stack[0][1])


def value_of(text: str) -> Value:
    """The frozen value of one EDN form: read fast when it is simple, else by the parser."""
    try:
        return _value(text)
    except _NotSimple:
        return freeze(loads(text))
