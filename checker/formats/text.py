"""Turning the bytes of a text format into text and numbers, refusing what no writer could print.

Every text format is UTF-8. Bytes that are not are refused, never replaced: a replacement
character would make two different histories read alike (``a\\xffb`` and ``a\\xfeb``). The error
names the line and the byte within it, so ``decode_utf8`` takes either a whole file or one line
(``first_line`` is the number of its first line).

Integers are read exactly up to ``MAX_DIGITS`` digits, the longest integer Python converts to
and from text by default; a longer one is refused rather than read, because every writer (text,
JSON, HTML) would fail to print it. ``parse_int`` reads ASCII digits only: ``"²"`` and ``"٢"`` are
digits to Python's ``str.isdigit`` or ``int``, but not to any history format.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import AnyStr, BinaryIO

from histcheck.errors import FormatError

MAX_DIGITS = sys.get_int_max_str_digits() or 4300
_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)


def decode_utf8(data: bytes, source: str | None, first_line: int = 1) -> str:
    """``data`` as text; invalid UTF-8 is a ``FormatError`` naming its line and byte."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise utf8_error(exc, data, source, first_line) from None


def utf8_error(exc: UnicodeDecodeError, data: bytes, source: str | None,
               first_line: int = 1) -> FormatError:
    """The located error for ``exc``, raised while decoding ``data``."""
    start = exc.start
    line = first_line + data.count(b"\n", 0, start)
    column = start - (data.rfind(b"\n", 0, start) + 1) + 1
    return FormatError(f"not UTF-8: byte 0x{data[start]:02x} at byte {column} of the line "
                       f"({exc.reason})", path=source, line=line)


def text_lines(path: Path, source: str) -> Iterator[tuple[int, str]]:
    """The file's lines, numbered from 1, decoded as strict UTF-8 (a located error if not)."""
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            try:
                yield number, raw.decode()
            except UnicodeDecodeError as exc:
                raise utf8_error(exc, raw, source, number) from None


CHUNK_SIZE = 1 << 22
"""How much of a file a reader takes at once: large enough that the cost of each step vanishes,
small enough that what one chunk decodes into takes little memory."""


def line_chunks(data: AnyStr, size: int = CHUNK_SIZE) -> Iterator[AnyStr]:
    """``data`` in pieces of about ``size`` characters, each ending at a line end (or the end)."""
    newline = "\n" if isinstance(data, str) else b"\n"
    start = 0
    while start < len(data):
        cut = data.find(newline, start + size)
        end = len(data) if cut < 0 else cut + 1
        yield data[start:end]
        start = end


def file_chunks(stream: BinaryIO, start: bytes = b"", size: int = CHUNK_SIZE) -> Iterator[bytes]:
    """The rest of ``stream`` (after ``start``, already read from it) in pieces of about
    ``size`` bytes, each ending at a line end (or the file's): only one piece is held at once.
    Each piece is what was read plus the rest of its last line, so it is copied once. On a
    terminal, the bytes read show as progress (``histcheck.progress``)."""
    from histcheck import progress

    total = None
    if progress.enabled():
        try:
            total = os.fstat(stream.fileno()).st_size or None
        except (OSError, AttributeError, ValueError):
            total = None
    with progress.counter("reading", total=total, unit="B", scale=True) as advance:
        block = start + stream.read(size)
        while block:
            piece = block + stream.readline()
            advance(len(piece))
            yield piece
            block = stream.read(size)


def parse_int(text: str) -> int:
    """An integer written in ASCII digits with an optional sign (``ValueError`` otherwise,
    worded for the user when it is too long)."""
    if _INTEGER.fullmatch(text) is None:
        raise ValueError(f"malformed integer {text[:40]!r}")
    digits = len(text.lstrip("+-"))
    if digits > MAX_DIGITS:
        raise ValueError(too_long(digits))
    return int(text)


def too_long(digits: int | None = None) -> str:
    """The problem of an integer beyond ``MAX_DIGITS`` digits."""
    size = f"of {digits} digits " if digits is not None else ""
    return (f"integer {size}is longer than {MAX_DIGITS} digits, the longest histcheck reads "
            f"(no writer could print it)")


def check_no_surrogates(text: str) -> str:
    """``text`` unchanged; ``ValueError`` if it holds a lone surrogate (not a character)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(f"lone surrogate \\u{ord(text[exc.start]):04x} in a string (not a "
                         f"character; no writer could print it)") from None
    return text
