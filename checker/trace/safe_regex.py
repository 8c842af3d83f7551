"""Regular expressions that a log file chooses, held to a subset that cannot backtrack badly.

A ShiViz log names its own expression, so a hostile file could pick one that takes exponential
time (``(a+)+b``) or that refers back to text it matched. Python's engine backtracks, so only a
subset is accepted: literals, escapes, character classes, groups (plain, ``(?:``, named) and
alternation, and quantifiers, but never a quantifier on a group that holds a quantifier or an
alternation, no back-references, lookarounds, conditionals or inline flags. The scan is a loop
over the text (no recursion), with a cap on its length, its nesting and repetition counts.

What remains is at worst polynomial in a line's length; ``time_limit`` bounds that too.
"""

from __future__ import annotations

import re
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType

MAX_LENGTH = 2000
MAX_DEPTH = 32
MAX_REPEAT = 1000
_ESCAPES = set("dDsSwWbBAZntrfv")
_COUNTED = re.compile(r"\{(\d*),?(\d*)\}")
_NAMED = re.compile(r"\(\?P?<[A-Za-z_][A-Za-z0-9_]*>")


class UnsafeRegex(ValueError):
    """The expression is outside the accepted subset; the message says where and why."""


class RegexTimeout(Exception):
    """Matching ran past its time limit."""


@dataclass
class _Group:
    quantified_inside: bool = False
    alternation: bool = False


def check_regex(text: str) -> None:
    """Raise ``UnsafeRegex`` unless ``text`` is in the safe subset.

    Named groups may be written the JavaScript way ``(?<name>`` or Python's ``(?P<name>``.
    """
    if len(text) > MAX_LENGTH:
        raise UnsafeRegex(f"the expression is longer than {MAX_LENGTH} characters")
    stack = [_Group()]
    previous: _Group | None = None  # the group just closed, if it is the atom before `i`
    atom = False  # is there something a quantifier could apply to?
    i = 0
    while i < len(text):
        char = text[i]
        closed, previous = previous, None
        if char == "\\":
            _check_escape(text, i)
            i, atom = i + 2, True
        elif char == "[":
            i, atom = _skip_class(text, i), True
        elif char == "(":
            i = _open_group(text, i)
            if len(stack) > MAX_DEPTH:
                raise UnsafeRegex(f"groups nest deeper than {MAX_DEPTH} (column {i + 1})")
            stack.append(_Group())
            atom = False
        elif char == ")":
            if len(stack) == 1:
                raise UnsafeRegex(f"unbalanced parenthesis (column {i + 1})")
            previous = stack.pop()
            stack[-1].quantified_inside |= previous.quantified_inside
            i, atom = i + 1, True
        elif char == "|":
            stack[-1].alternation = True
            i, atom = i + 1, False
        elif char in "*+?" or _COUNTED.match(text, i):
            i = _quantifier(text, i, atom, closed)
            stack[-1].quantified_inside = True
            atom = False
        else:
            i, atom = i + 1, True
    if len(stack) > 1:
        raise UnsafeRegex("unbalanced parenthesis (a group is never closed)")


def _check_escape(text: str, i: int) -> None:
    if i + 1 >= len(text):
        raise UnsafeRegex("the expression ends with a lone backslash")
    following = text[i + 1]
    if following.isalnum() and following not in _ESCAPES:
        what = "a back-reference" if following.isdigit() else f"the escape \\{following}"
        raise UnsafeRegex(f"{what} is not allowed (column {i + 1})")


def _skip_class(text: str, i: int) -> int:
    j = i + 1
    if j < len(text) and text[j] == "^":
        j += 1
    if j < len(text) and text[j] == "]":
        j += 1
    while j < len(text) and text[j] != "]":
        if text[j] == "\\":
            _check_escape(text, j)
            j += 1
        elif text[j] == "[":
            raise UnsafeRegex(f"a nested set is not allowed (column {j + 1})")
        j += 1
    if j >= len(text):
        raise UnsafeRegex(f"the character set at column {i + 1} is never closed")
    return j + 1


def _open_group(text: str, i: int) -> int:
    if text.startswith("(?:", i):
        return i + 3
    named = _NAMED.match(text, i)
    if named:
        return named.end()
    if text.startswith("(?", i):
        raise UnsafeRegex(f"only plain, (?: and named groups are allowed, not "
                          f"{text[i:i + 4]!r}... (column {i + 1}): no lookarounds, "
                          f"back-references, conditionals or inline flags")
    return i + 1


def _quantifier(text: str, i: int, atom: bool, closed: _Group | None) -> int:
    if not atom:
        raise UnsafeRegex(f"a quantifier with nothing to repeat (column {i + 1})")
    if closed is not None and (closed.quantified_inside or closed.alternation):
        raise UnsafeRegex(f"a quantifier on a group that holds a quantifier or an alternation "
                          f"(column {i + 1}) can take exponential time")
    counted = _COUNTED.match(text, i)
    if counted:
        low, high = counted.groups()
        if not (low or high) or any(n and int(n) > MAX_REPEAT for n in (low, high)):
            raise UnsafeRegex(f"repetition counts must be at most {MAX_REPEAT} (column {i + 1})")
        end = counted.end()
    else:
        end = i + 1
    if end < len(text) and text[end] in "?+":
        end += 1
    if end < len(text) and (text[end] in "*+?" or _COUNTED.match(text, end)):
        raise UnsafeRegex(f"a quantifier on a quantifier (column {end + 1})")
    return end


def _raise_timeout(signum: int, frame: FrameType | None) -> None:
    raise RegexTimeout


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise ``RegexTimeout`` in the block after ``seconds`` (Python's engine checks signals).

    Only the main thread can take signals; elsewhere the block runs unbounded, and the subset
    is the only guard.
    """
    if threading.current_thread() is not threading.main_thread() \
            or not hasattr(signal, "setitimer"):
        yield
        return
    old_handler = signal.signal(signal.SIGALRM, _raise_timeout)
    old_delay, old_interval = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old_handler)
        if old_delay:
            signal.setitimer(signal.ITIMER_REAL, old_delay, old_interval)
