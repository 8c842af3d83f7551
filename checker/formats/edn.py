"""A small EDN reader: enough of the format for Jepsen, Knossos and Elle histories.

EDN (extensible data notation) is Clojure's data syntax. This reader turns it into history values:
``nil`` -> None, ``true``/``false`` -> ``TRUE``/``FALSE``, integers -> exact ``int``, floats ->
``Float``, keywords ``:ok`` -> ``"ok"``, symbols -> strings, vectors and lists -> tuples, sets ->
sorted tuples, maps -> dicts (the caller freezes what it keeps). A ratio that is a whole number
(``4/2``) is that integer, as in Clojure; any other ratio is refused, since no history value can
hold it exactly. Tagged elements
(``#jepsen.history.Op{...}``, ``#inst "..."``) read as the element they tag. Comments (``;``), the
discard form ``#_`` and commas (whitespace in EDN) are skipped. Every error names the line,
including a value nested deeper than ``MAX_DEPTH`` (an operation map may hold a value that
deep).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from histcheck.errors import FormatError
from histcheck.formats.text import check_no_surrogates, too_long
from histcheck.values import FALSE, MAX_DEPTH, TRUE, Float, FrozenDict, sort_key, too_deep

_TOKEN = re.compile(
    r"""
    (?P<ws>[\s,]+)
  | (?P<comment>;[^\n]*)
  | (?P<open>\#\{|[\[({])
  | (?P<close>[\])}])
  | (?P<discard>\#_)
  | (?P<tag>\#[A-Za-z][^\s,\[\](){}"]*)
  | (?P<char>\\(?:newline|space|tab|return|u[0-9a-fA-F]{4}|\S))
  | (?P<atom>[^\s,\[\](){}";]+)
    """,
    re.VERBOSE | re.DOTALL,
)
_INT = re.compile(r"[+-]?\d+N?", re.ASCII)
_FLOAT = re.compile(r"[+-]?\d+(\.\d*)?([eE][+-]?\d+)?M?", re.ASCII)
_RATIO = re.compile(r"[+-]?\d+/\d+", re.ASCII)
_STRING_RUN = re.compile(r'[^"\\]*')
"""The plain characters of a string up to its next quote or backslash (matched as one run, never
one character at a time, so a long string costs no more memory than its text)."""
_HEX4 = re.compile(r"[0-9a-fA-F]{4}", re.ASCII)
_DIGITS = "0123456789"
_STRING_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "b": "\b", "f": "\f",
                   "/": "/"}
_CHARS = {"newline": "\n", "space": " ", "tab": "\t", "return": "\r"}
_CLOSERS = {"[": "]", "(": ")", "{": "}", "#{": "}"}
_DISCARD = "#_"


class _Lexer:
    def __init__(self, text: str, path: str | None, line: int = 1) -> None:
        self.text = text
        self.path = path
        self.pos = 0
        self.line = line

    def error(self, problem: str, line: int | None = None) -> FormatError:
        return FormatError(problem, path=self.path, line=line or self.line)

    def next(self) -> tuple[str, str, int] | None:
        """The next significant token as (kind, text, line), or None at the end."""
        text = self.text
        while self.pos < len(text):
            if text[self.pos] == '"':
                return self.string()
            match = _TOKEN.match(text, self.pos)
            if match is None:
                raise self.error(f"unexpected character {text[self.pos]!r}")
            kind = match.lastgroup or ""
            token = match.group()
            line = self.line
            self.line += token.count("\n")
            self.pos = match.end()
            if kind in ("ws", "comment"):
                continue
            return kind, token, line
        return None


    def string(self) -> tuple[str, str, int]:
        """The string token starting at the current quote, scanned run by run."""
        text, start, line = self.text, self.pos, self.line
        end = start + 1
        while True:
            end = _STRING_RUN.match(text, end).end()  # type: ignore[union-attr]
            if end >= len(text):
                raise self.error(f"string opened on line {line} is never closed", line)
            if text[end] == '"':
                break
            end += 2
        token = text[start:end + 1]
        self.pos = end + 1
        self.line += token.count("\n")
        return "string", token, line


class _Parser:
    def __init__(self, text: str, path: str | None, depth: int = MAX_DEPTH,
                 line: int = 1) -> None:
        self.lex = _Lexer(text, path, line)
        self.pending: tuple[str, str, int] | None = None
        self.room = depth

    def peek(self) -> tuple[str, str, int] | None:
        if self.pending is None:
            self.pending = self.lex.next()
        return self.pending

    def take(self) -> tuple[str, str, int] | None:
        token = self.peek()
        self.pending = None
        return token

    def form(self, token: tuple[str, str, int] | None = None) -> Any:
        """The next complete form, built with an explicit stack of the open collections (and of
        pending ``#_`` discards), so that deep nesting costs no Python stack."""
        stack: list[tuple[str, int, list[Any]]] = []
        depth = 0
        while True:
            if token is None:
                token = self.take()
            if token is None:
                if stack and stack[-1][0] != _DISCARD:
                    opener, line, _ = stack[-1]
                    raise self.lex.error(f"{opener!r} opened on line {line} is never closed")
                raise self.lex.error("unexpected end of input")
            kind, text, line = token
            token = None
            if kind == "open":
                if depth == self.room:
                    raise self.lex.error(too_deep(), line)
                depth += 1
                stack.append((text, line, []))
                continue
            if kind == "discard":
                stack.append((_DISCARD, line, []))
                continue
            if kind == "tag":
                continue
            if kind == "close":
                if not stack or stack[-1][0] == _DISCARD:
                    raise self.lex.error(f"unexpected {text!r}", line)
                opener, start, items = stack.pop()
                depth -= 1
                if text != _CLOSERS[opener]:
                    raise self.lex.error(f"{opener!r} opened on line {start} closed by {text!r}",
                                         line)
                value = self.collection(opener, start, items)
            elif kind == "string":
                value = _unescape(text[1:-1], self.lex, line)
            elif kind == "char":
                value = _char(text[1:], self.lex, line)
            else:
                value = _atom(text, self.lex, line)
            if stack and stack[-1][0] == _DISCARD:
                stack.pop()
                continue
            if not stack:
                return value
            stack[-1][2].append(value)

    def collection(self, opener: str, line: int, items: list[Any]) -> Any:
        if opener == "{":
            if len(items) % 2:
                raise self.lex.error(f"map opened on line {line} has an odd number of forms")
            result: dict[Any, Any] = {}
            for k, v in zip(items[::2], items[1::2], strict=True):
                result[_hashable(k)] = v
            return result
        if opener == "#{":
            return tuple(sorted(map(_hashable, items), key=sort_key))
        return items


def _char(body: str, lex: _Lexer, line: int) -> str:
    if body.startswith("u") and len(body) == 5:
        return _checked(chr(int(body[1:], 16)), lex, line)
    return _CHARS.get(body, body)


def _hashable(value: Any) -> Any:
    if isinstance(value, list):
        items = []
        for item in value:
            items.append(_hashable(item))
        return tuple(items)
    if isinstance(value, dict):
        fields = {}
        for k, v in value.items():
            fields[str(k)] = _hashable(v)
        return FrozenDict(fields)
    return value


def _atom(text: str, lex: _Lexer, line: int) -> Any:
    if text == "nil":
        return None
    if text == "true":
        return TRUE
    if text == "false":
        return FALSE
    if text.startswith(":"):
        if len(text) == 1:
            raise lex.error("empty keyword ':'", line)
        return text[1:]
    first = text[0]
    if first in _DIGITS or (first in "+-" and len(text) > 1 and text[1] in _DIGITS):
        try:
            if _INT.fullmatch(text):
                return int(text.rstrip("N"))
            return _number(text, lex, line)
        except ValueError:
            raise lex.error(too_long(), line) from None
    return text


def _number(text: str, lex: _Lexer, line: int) -> Any:
    """A float or whole ratio (``ValueError`` for an integer Python will not convert)."""
    if _FLOAT.fullmatch(text):
        return Float(text.rstrip("M"))
    if _RATIO.fullmatch(text):
        num, den = (int(part) for part in text.split("/"))
        if den != 0 and num % den == 0:
            return num // den
        raise lex.error(f"ratio {text[:80]!r} is not a whole number (history values "
                        f"are integers, floats, strings, booleans, nil and collections)", line)
    raise lex.error(f"malformed number {text[:80]!r}", line)


def _checked(text: str, lex: _Lexer, line: int) -> str:
    try:
        return check_no_surrogates(text)
    except ValueError as exc:
        raise lex.error(str(exc), line) from None


def _unescape(body: str, lex: _Lexer, line: int) -> str:
    """A string's text; ``\\uXXXX`` escapes are UTF-16 code units, so a surrogate pair is one
    character and a lone surrogate an error."""
    if "\\" not in body:
        return body
    out: list[str] = []
    i = 0
    while True:
        escape = body.find("\\", i)
        if escape < 0:
            out.append(body[i:])
            break
        out.append(body[i:escape])
        nxt = body[escape + 1:escape + 2]
        if nxt == "u":
            digits = body[escape + 2:escape + 6]
            if _HEX4.fullmatch(digits) is None:
                raise lex.error(f"string escape \\u needs four hex digits, not {digits!r}", line)
            out.append(chr(int(digits, 16)))
            i = escape + 6
        elif nxt in _STRING_ESCAPES:
            out.append(_STRING_ESCAPES[nxt])
            i = escape + 2
        else:
            raise lex.error(f"unknown string escape \\{nxt}", line)
    text = "".join(out)
    if "\\u" in body:
        text = text.encode("utf-16", "surrogatepass").decode("utf-16", "surrogatepass")
        text = _checked(text, lex, line)
    return text


def iter_forms(text: str, path: str | None = None) -> Iterator[tuple[Any, int]]:
    """Each top-level form with the line it starts on."""
    return _forms(_Parser(text, path))


def iter_maps(text: str, path: str | None = None) -> Iterator[tuple[dict[Any, Any], int]]:
    """The maps of a history file: a stream of maps, or one vector or list holding them.

    Each comes with the line it starts on. Anything else at the top level is an error.
    """
    parser = _Parser(text, path, MAX_DEPTH + 1)
    first = parser.peek()
    if first is not None and first[0] == "open" and first[1] in ("[", "("):
        opener, line = first[1], first[2]
        parser.take()
        closer = _CLOSERS[opener]
        while True:
            token = parser.take()
            if token is None:
                raise parser.lex.error(f"{opener!r} opened on line {line} is never closed")
            if token[0] == "close" and token[1] == closer:
                break
            if token[0] == "discard":
                parser.form()
                continue
            yield _expect_map(parser.form(token), token[2], parser.lex)
        trailing = parser.take()
        if trailing is not None:
            raise parser.lex.error("unexpected data after the history's closing bracket",
                                   trailing[2])
        return
    for form, line in _forms(parser):
        yield _expect_map(form, line, parser.lex)


def line_maps(text: str, path: str | None, line: int) -> Iterator[tuple[dict[Any, Any], int]]:
    """The maps of ``text``, one line (numbered ``line``) of a stream of maps read on its own."""
    parser = _Parser(text, path, MAX_DEPTH + 1, line)
    for form, start in _forms(parser):
        yield _expect_map(form, start, parser.lex)


def _forms(parser: _Parser) -> Iterator[tuple[Any, int]]:
    while True:
        token = parser.take()
        if token is None:
            return
        if token[0] == "discard":
            parser.form()
            continue
        yield parser.form(token), token[2]


def _expect_map(form: Any, line: int, lex: _Lexer) -> tuple[dict[Any, Any], int]:
    if not isinstance(form, dict):
        raise lex.error(f"expected an operation map, found {type(form).__name__} {form!r}"[:200],
                        line)
    return form, line


def loads(text: str) -> Any:
    """Parse a single EDN form (for tests and values in other formats)."""
    forms = list(iter_forms(text))
    if len(forms) != 1:
        raise FormatError(f"expected one EDN form, found {len(forms)}")
    return forms[0][0]
