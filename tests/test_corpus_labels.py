"""Every labelled verdict in histories/LABELS.tsv is reproduced (a disagreement blocks release)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from histcheck.api import check
from histcheck.labels import Label, read_labels
from histcheck.registry import get_model
from tests.conftest import HISTORIES

LABELS = read_labels(HISTORIES / "LABELS.tsv")


def test_every_corpus_family_is_labelled() -> None:
    folders = {label.path.relative_to(HISTORIES).parts[0] for label in LABELS}
    assert folders >= {"porcupine-etcd", "porcupine-kv", "knossos", "elle", "jepsen",
                       "txn-formats", "traces"}
    assert len(LABELS) >= 140


@pytest.mark.parametrize("label", LABELS, ids=lambda label: f"{label.path.name}-{label.line}")
def test_label_agrees(label: Label) -> None:
    result = check(get_model(label.model).read(label.path), model=label.model,
                   consistency=label.consistency, options=dict(label.options))
    assert result.valid is label.expected, result.explanation


def test_pytest_checks_the_bundled_corpus_with_the_plugin() -> None:
    """What users run in CI: ``pytest histories/`` (the plugin comes with the installed package)."""
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(HISTORIES)], cwd=HISTORIES.parent, capture_output=True, text=True,
                          check=False, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]
    assert f"{len(LABELS)} passed" in done.stdout
