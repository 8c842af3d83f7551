"""Names users type (models, levels, formats, options), matched the way people expect.

An unknown name is an error that suggests the closest known one ("did you mean cas-register?"),
and names that differ only in case (``cc`` for ``CC``) mean the same thing where a family says so.
"""

from __future__ import annotations

from collections.abc import Iterable

from histcheck.errors import UsageError


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name most like ``name``, if any is close enough to be a likely typo."""
    candidates = list(known)
    folded = {candidate.casefold(): candidate for candidate in candidates}
    if name.casefold() in folded:
        return folded[name.casefold()]
    import difflib

    match = difflib.get_close_matches(name.casefold(), list(folded), n=1, cutoff=0.6)
    return folded[match[0]] if match else None


def unknown(kind: str, name: str, known: Iterable[str], *, where: str = "") -> UsageError:
    """The error for an unknown ``kind`` (model, format, ...) with a suggestion or the list."""
    candidates = sorted(known)
    suggestion = closest(name, candidates)
    place = f" {where}" if where else ""
    if suggestion is not None:
        return UsageError(f"unknown {kind} {name!r}{place}; did you mean {suggestion}?")
    listing = ", ".join(candidates) if candidates else "none"
    return UsageError(f"unknown {kind} {name!r}{place}; known: {listing}")


def resolve(kind: str, name: str, known: Iterable[str], *, case_insensitive: bool = False,
            where: str = "") -> str:
    """``name`` as spelled in ``known`` (ignoring case if asked), or an ``unknown`` error."""
    candidates = list(known)
    if name in candidates:
        return name
    if case_insensitive:
        matches = [c for c in candidates if c.casefold() == name.casefold()]
        if len(matches) == 1:
            return matches[0]
    raise unknown(kind, name, candidates, where=where)
