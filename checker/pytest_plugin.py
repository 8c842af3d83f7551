"""A pytest plugin: histories with expected verdicts become test items.

``pytest histories/`` then checks a whole corpus, and a history whose verdict changes fails with
the verdict and the checker's explanation, in a few lines. Two ways to give the expected verdict:

- a ``LABELS.tsv`` file (see ``histcheck.labels``): one item per row;
- the file name: ``*-ok.*`` must be valid and ``*-bad.*`` invalid, for the model and consistency
  named by the ini options ``histcheck_model`` and ``histcheck_consistency``.

A file that a ``LABELS.tsv`` in its folder or above already names is checked by its rows only,
never a second time for its name. Every model is read the way ``histcheck check`` reads it (message
traces with their own loader), and plugin models work like built-in ones. Installed with histcheck
(entry point ``pytest11``); ``-p no:histcheck`` turns it off.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from histcheck.errors import HistcheckError
from histcheck.labels import Label, read_labels

_VERDICT_IN_NAME = re.compile(r"[-_](ok|bad)(\.[^/]*)?$")
EXPLANATION_LINES = 12
"""A failing item shows at most this many lines of explanation (the command shows them all)."""
_LABELLED = pytest.StashKey[dict[Path, frozenset[Path]]]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("histcheck_model", "model for histories named *-ok.* / *-bad.*", default="")
    parser.addini("histcheck_consistency", "consistency for *-ok.* / *-bad.* histories",
                  default="")
    parser.addini("histcheck_timeout", "seconds per history (unknown counts as a failure)",
                  default="")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name == "LABELS.tsv":
        return LabelsFile.from_parent(parent, path=file_path)
    if (_VERDICT_IN_NAME.search(file_path.name) and parent.config.getini("histcheck_model")
            and not _named_by_labels(parent.config, file_path)):
        return NamedHistory.from_parent(parent, path=file_path)
    return None


def _named_by_labels(config: pytest.Config, path: Path) -> bool:
    """Does a ``LABELS.tsv`` in ``path``'s folder or any folder above it name ``path``?"""
    cache = config.stash.setdefault(_LABELLED, {})
    target = path.resolve()
    for folder in target.parents:
        labels_file = folder / "LABELS.tsv"
        if labels_file not in cache:
            try:
                named = {label.path.resolve() for label in read_labels(labels_file)}
            except (OSError, HistcheckError):
                named = set()
            cache[labels_file] = frozenset(named)
        if target in cache[labels_file]:
            return True
    return False


class VerdictMismatch(Exception):
    """A history's verdict differs from the one it is labelled with."""


class LabelsFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        try:
            labels = read_labels(self.path)
        except HistcheckError as exc:
            raise self.CollectError(str(exc)) from None
        for label in labels:
            yield HistoryItem.from_parent(self, name=label.name, label=label)


class NamedHistory(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        config = self.config
        match = _VERDICT_IN_NAME.search(self.path.name)
        assert match is not None
        model = str(config.getini("histcheck_model"))
        level = str(config.getini("histcheck_consistency")) or ""
        label = Label(self.path, model, level, match.group(1) == "ok", (), "file name", 0)
        yield HistoryItem.from_parent(self, name=self.path.name, label=label)


class HistoryItem(pytest.Item):
    def __init__(self, *, label: Label, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.label = label

    def runtest(self) -> None:
        from histcheck.api import check_file
        from histcheck.budget import Budget

        label = self.label
        timeout = str(self.config.getini("histcheck_timeout"))
        try:
            budget = Budget(seconds=float(timeout) if timeout else None)
        except ValueError:
            raise pytest.UsageError(f"histcheck_timeout must be a number of seconds, not "
                                    f"{timeout!r}") from None
        try:
            _, result = check_file(label.path, model=label.model,
                                   consistency=label.consistency or None, budget=budget,
                                   options=dict(label.options))
        except HistcheckError as exc:
            raise VerdictMismatch(f"{label.path}: no verdict: {exc}") from None
        if result.valid is not label.expected:
            expected = "VALID" if label.expected else "INVALID"
            why = result.explanation or "\n".join(a.explanation for a in result.anomalies)
            raise VerdictMismatch(
                f"{label.path}: expected {expected} for {result.model}/{result.consistency}, "
                f"got {result.verdict}\n{_first_lines(why, label)}".rstrip())

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, VerdictMismatch):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, self.label.line or None, self.name


def _first_lines(text: str, label: Label) -> str:
    lines = text.rstrip().splitlines()
    if len(lines) <= EXPLANATION_LINES:
        return "\n".join(lines)
    level = f" --consistency {label.consistency}" if label.consistency else ""
    return "\n".join([*lines[:EXPLANATION_LINES],
                      f"... {len(lines) - EXPLANATION_LINES} more lines: histcheck check "
                      f"{label.path} --model {label.model}{level}"])
