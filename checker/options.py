"""Model options (``--opt NAME=VALUE``, a labels file's options column): values parsed one way.

Options arrive as strings from the command line and as Python values from the library; each
helper accepts both and refuses, naming the option, a value it cannot read. Which options a model
has is its ``ModelSpec``'s business; these helpers only read values.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from histcheck.errors import HistcheckError, UsageError
from histcheck.values import Value, freeze

_TRUE = ("true", "yes", "1", "on")
_FALSE = ("false", "no", "0", "off")


def flag(options: Mapping[str, Any], name: str, default: bool = False) -> bool:
    """A boolean option: true/false/yes/no/on/off/1/0, or a bool."""
    raw = options.get(name, default)
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise UsageError(f"option {name} must be true or false, not {raw!r}")


def integer(options: Mapping[str, Any], name: str, default: int | None) -> int | None:
    """A whole-number option (None when absent and without a default)."""
    raw = options.get(name, default)
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise UsageError(f"option {name} must be an integer, not {raw!r}")
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise UsageError(f"option {name} must be an integer, not {raw!r}") from None


def number(options: Mapping[str, Any], name: str, default: float) -> float:
    """A non-negative number (a count or a duration)."""
    raw = options.get(name, default)
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise UsageError(f"option {name} takes a number, not {raw!r}") from None
    if not value >= 0:
        raise UsageError(f"option {name} must not be negative, not {raw!r}")
    return value


def choice(options: Mapping[str, Any], name: str, choices: tuple[str, ...], default: str) -> str:
    """One of ``choices`` (the closest one is suggested for a typo)."""
    from histcheck.names import closest

    raw = str(options.get(name, default))
    if raw in choices:
        return raw
    hint = closest(raw, choices)
    guess = f"; did you mean {hint}?" if hint else ""
    raise UsageError(f"option {name} must be one of {', '.join(choices)}, not {raw!r}{guess}")


def mapping(options: Mapping[str, Any], name: str) -> dict[Value, Value] | None:
    """A map option, written as EDN (``{x 0 y 0}``, ``{:x 0, :y 0}``) or JSON (``{"x": 0}``).

    Keys and values become history values (EDN keywords and symbols lose their colon, as they
    do in histories), so a key written ``x`` matches the key ``:x`` of an EDN history. None when
    the option is absent.
    """
    raw = options.get(name)
    if raw is None:
        return None
    parsed: Any = raw
    if not isinstance(raw, Mapping):
        parsed = _parse_map(name, str(raw))
    if not isinstance(parsed, Mapping):
        raise UsageError(f"option {name} must be a map such as {{x 0 y 0}}, not {raw!r}")
    try:
        return {freeze(k): freeze(v) for k, v in parsed.items()}
    except TypeError as exc:
        raise UsageError(f"option {name}: {exc}") from None


def _parse_map(name: str, text: str) -> Any:
    from histcheck.formats.edn import loads

    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return loads(text)
    except HistcheckError as exc:
        problem = getattr(exc, "problem", str(exc))
        raise UsageError(f"option {name} must be an EDN or JSON map, not {text!r} "
                         f"({problem})") from None
