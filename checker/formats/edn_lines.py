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
from typing import Any

from histcheck.formats.edn import line_maps, loads
from histcheck.formats.mapping import event_from_frozen, event_from_mapping
from histcheck.formats.text import MAX_DIGITS
from histcheck.history import Event
from histcheck.values import FALSE, MAX_DEPTH, TRUE, Value, freeze

_NAME = re.compile(r"[^\s,\[\](){}\";]+")
"""The characters of an EDN atom (a keyword's name, a symbol, a number)."""
_INTEGER = re.compile(r"-?[0-9]+", re.ASCII)
_VECTOR_TOKEN = re.compile(r"[\[\]()]|[^\s,\[\]()]+")
_CLOSERS = {"[": "]", "(": ")"}
_CACHE_LIMIT = 1 << 14
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


def chunk_events(text: str, first_line: int, source: str) -> tuple[list[Event], list[int]]:
    """The events of ``text`` (whole lines, the first numbered ``first_line``) and their lines;
    ``HistoryError`` when a line cannot be read on its own."""
    events: list[Event] = []
    lines: list[int] = []
    add_event, add_line = events.append, lines.append
    fast, frozen = _fast_map, event_from_frozen
    for number, line in enumerate(text.split("\n"), start=first_line):
        raw = fast(line)
        if raw is not None:
            add_event(frozen(raw))
            add_line(number)
        elif line and not line.isspace():
            for general, start in line_maps(line, source, number):
                add_event(event_from_mapping(general))
                add_line(start)
    return events, lines


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
    """The name and value of one ``name value`` pair; pairs likely to come again (not a
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
    if not value.startswith('"'):
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
