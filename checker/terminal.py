"""Text for a terminal: what histcheck prints, with control characters made visible.

Values from a history reach the messages histcheck prints (explanations, anomaly sentences,
stats, warnings, error lines). A string holding ESC, BEL or another control character would
drive the terminal instead of being read: change colours, ring, move the cursor or hide the rest
of the line. So every line of text output passes through ``echo``, which writes each control
character as its escape (ESC as ``\\x1b``, U+202E as ``\\u202e``) and keeps newline and tab. The
controls are the C0 and C1 ranges, DEL, and the Unicode bidirectional overrides and isolates,
which reorder what is shown. Only the printed text changes, never the stored values; JSON output
has none to escape (its encoder writes them as ``\\u001b``).
"""

from __future__ import annotations

import re

import click

_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def escape_controls(text: str) -> str:
    """``text`` with each control character but newline and tab written as its escape."""
    return _CONTROLS.sub(_escape, text)


def echo(message: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Print ``message`` (to stderr when ``err``) with its control characters escaped."""
    from histcheck import progress

    with progress.writing():
        click.echo(escape_controls(message), err=err, nl=nl)  # noqa: TID251 - the one place
