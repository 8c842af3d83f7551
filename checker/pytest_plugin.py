"""A pytest plugin: histories with expected verdicts become test items.

``pytest histories/`` then checks a whole corpus, and a history whose verdict changes fails with
the checker's explanation. Two ways to give the expected verdict:

- a ``LABELS.tsv`` file (see ``histcheck.labels``): one item per row;
- the file name: ``*-ok.*`` must be valid and ``*-bad.*`` invalid, for the model and consistency
  named by the ini options ``histcheck_model`` and ``histcheck_consistency``.

Installed with histcheck (entry point ``pytest11``); ``-p no:histcheck`` turns it off.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from histcheck.labels import Label, read_labels

_VERDICT_IN_NAME = re.compile(r"[-_](ok|bad)(\.[^/]*)?$")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("histcheck_model", "model for histories named *-ok.* / *-bad.*", default="")
    parser.addini("histcheck_consistency", "consistency for *-ok.* / *-bad.* histories",
                  default="")
    parser.addini("histcheck_timeout", "seconds per history (unknown counts as a failure)",
                  default="")


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name == "LABELS.tsv":
        return LabelsFile.from_parent(parent, path=file_path)
    if _VERDICT_IN_NAME.search(file_path.name) and parent.config.getini("histcheck_model"):
        labelled = file_path.parent / "LABELS.tsv"
        if not labelled.exists():
            return NamedHistory.from_parent(parent, path=file_path)
    return None


class VerdictMismatch(Exception):
    """A history's verdict differs from the one it is labelled with."""


class LabelsFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        for label in read_labels(self.path):
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
        from histcheck.api import check
        from histcheck.budget import Budget
        from histcheck.formats import read_history

        label = self.label
        timeout = str(self.config.getini("histcheck_timeout"))
        result = check(read_history(label.path), model=label.model,
                       consistency=label.consistency or None,
                       budget=Budget(seconds=float(timeout) if timeout else None),
                       options=dict(label.options))
        if result.valid is not label.expected:
            expected = "valid" if label.expected else "invalid"
            why = result.explanation or "\n".join(a.explanation for a in result.anomalies)
            raise VerdictMismatch(
                f"{label.path}: expected {expected} for {result.model}/{result.consistency}, "
                f"got {result.valid}\n{why}")

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, VerdictMismatch):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, self.label.line or None, self.name
