"""Reading JSON documents into history data, and where things are in them.

``decode_json`` is the one JSON parse of the general paths: it keeps integers exact (up to
``MAX_DIGITS`` digits) and floats as ``Float``, and words malformed JSON with its line. A JSON
parser reports values, not the lines they came from, so ``object_start_lines`` walks the bytes
once (skipping strings) and returns the line of every ``{`` whose enclosing brackets satisfy
``wanted`` (the stack of ``[`` and ``{`` around it, outermost first), so that errors in
one-document formats name a line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import msgspec

from histcheck.errors import FormatError
from histcheck.formats.text import decode_utf8, too_long
from histcheck.values import MAX_DEPTH, Float, too_deep

OPEN_ARRAY, OPEN_OBJECT = 0x5B, 0x7B
_CLOSE = (0x5D, 0x7D)
_QUOTE, _BACKSLASH, _NEWLINE = 0x22, 0x5C, 0x0A


def _brackets(data: bytes) -> Iterator[tuple[int, int]]:
    """Each bracket outside strings, as (byte, 1-based line)."""
    line = 1
    in_string = escaped = False
    for byte in data:
        if byte == _NEWLINE:
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif byte == _BACKSLASH:
                escaped = True
            elif byte == _QUOTE:
                in_string = False
        elif byte == _QUOTE:
            in_string = True
        elif byte in (OPEN_ARRAY, OPEN_OBJECT) or byte in _CLOSE:
            yield byte, line


def object_start_lines(data: bytes, wanted: Callable[[list[int]], bool]) -> list[int]:
    """The 1-based line of each object whose enclosing bracket stack ``wanted`` accepts."""
    lines: list[int] = []
    stack: list[int] = []
    for byte, line in _brackets(data):
        if byte in _CLOSE:
            if stack:
                stack.pop()
            continue
        if byte == OPEN_OBJECT and wanted(stack):
            lines.append(line)
        stack.append(byte)
    return lines


def load_document(path: Path) -> tuple[bytes, Any]:
    """The bytes of a one-document JSON file and what they parse to; bad JSON names its line."""
    data = path.read_bytes()
    return data, decode_json(data, str(path))


def decode_json(data: bytes, source: str, line: int | None = None) -> Any:
    """Parse JSON into history data: integers exact, floats as ``Float``.

    (orjson, fast as it is, turns integers beyond 64 bits into floats.) Malformed JSON is worded
    by orjson, which also tells where the fault is: the line of ``data`` when ``line`` is None.
    Invalid UTF-8 and integers beyond ``MAX_DIGITS`` get their own words
    (``histcheck.formats.text``), and so does nesting too deep for the decoder, refused at the
    line where it passes ``MAX_DEPTH`` (values within the decoder's reach but deeper than that
    are refused by ``freeze``).
    """
    try:
        return _DECODE(data)
    except msgspec.DecodeError as exc:
        problem = str(exc)
    except RecursionError:
        raise FormatError(too_deep(), path=source,
                          line=_deep_line(data) if line is None else line) from None
    decode_utf8(data, source, 1 if line is None else line)
    too_big = problem.startswith(_OUT_OF_RANGE)
    import orjson

    try:
        orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        if line is not None:
            problem = str(exc)
        else:
            problem = exc.msg
            line = data[: exc.pos].count(b"\n") + 1 if exc.pos is not None else None
    if too_big:
        problem = too_long()
    raise FormatError(f"invalid JSON: {problem}", path=source, line=line) from None


def _deep_line(data: bytes) -> int:
    """The line where brackets first nest deeper than ``MAX_DEPTH`` (strings skipped)."""
    depth = 0
    line = 1
    for byte, line in _brackets(data):
        depth += -1 if byte in _CLOSE else 1
        if depth > MAX_DEPTH:
            return line
    return line


_OUT_OF_RANGE = "Integer value out of range"
"""How msgspec words an integer longer than Python converts from text."""


_DECODE = msgspec.json.Decoder(float_hook=Float).decode
