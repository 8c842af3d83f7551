"""Labelled corpora: history files with the verdicts their authors established.

A labels file (``LABELS.tsv``) has one row per (history, model, consistency): the path relative to
the labels file, the model, the consistency level, the expected verdict (``valid`` or
``invalid``), options as ``NAME=VALUE`` pairs separated by ``;`` (a value may hold spaces and
``=``, as in ``initial={x 0 y 0}``, but no ``;`` or tab), and where the history came from.
Lines starting with ``#`` are comments; the first other line is the header.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from histcheck.errors import FormatError

COLUMNS = ("path", "model", "consistency", "expected", "options", "origin")


@dataclass(frozen=True)
class Label:
    """One expected verdict."""

    path: Path
    model: str
    consistency: str
    expected: bool
    options: tuple[tuple[str, str], ...]
    origin: str
    line: int

    @property
    def name(self) -> str:
        return f"{self.path.name} [{self.model}/{self.consistency}]"


def read_labels(labels_file: Path) -> list[Label]:
    """Parse a labels file; errors name the file and line."""
    root = labels_file.parent
    found: list[Label] = []
    header_seen = False
    for number, raw in enumerate(labels_file.read_text(encoding="utf-8").splitlines(), start=1):
        if not raw.strip() or raw.startswith("#"):
            continue
        cells = raw.split("\t")
        if not header_seen:
            header_seen = True
            if tuple(cells[: len(COLUMNS)]) != COLUMNS:
                raise FormatError(f"labels header must be {' '.join(COLUMNS)}",
                                  path=str(labels_file), line=number)
            continue
        if len(cells) != len(COLUMNS):
            raise FormatError(f"expected {len(COLUMNS)} tab-separated columns, found "
                              f"{len(cells)}", path=str(labels_file), line=number)
        path, model, consistency, expected, options, origin = cells
        if expected not in ("valid", "invalid"):
            raise FormatError(f"expected must be valid or invalid, not {expected!r}",
                              path=str(labels_file), line=number)
        found.append(Label(root / path, model, consistency, expected == "valid",
                           tuple(_options(options, labels_file, number)), origin, number))
    return found


def _options(text: str, labels_file: Path, number: int) -> Iterator[tuple[str, str]]:
    for pair in filter(None, (p.strip() for p in text.split(";"))):
        name, sep, value = pair.partition("=")
        if not sep:
            raise FormatError(f"option {pair!r} is not NAME=VALUE", path=str(labels_file),
                              line=number)
        yield name, value
