"""Every bundled history under histories/ reads without error, in the format its content says."""

from __future__ import annotations

from pathlib import Path

import pytest

from histcheck.formats import detect, read_history

HISTORIES = Path(__file__).resolve().parents[2] / "histories"
NOT_HISTORIES = {"LABELS.tsv", "NOTICE.md", "README.md"}
TRACES = HISTORIES / "traces"  # message traces, read by the trace models' loader (tests/trace)


def _corpus() -> list[Path]:
    found: list[Path] = []
    for path in sorted(HISTORIES.rglob("*")):
        if TRACES in path.parents:
            continue
        one_folder = path.is_dir() and detect_folder(path)
        one_file = (path.is_file() and path.name not in NOT_HISTORIES
                    and not detect_folder(path.parent))
        if one_folder or one_file:
            found.append(path)
    return found


def detect_folder(path: Path) -> bool:
    """A folder that is one history (Cobra logs), as opposed to a folder of histories."""
    try:
        return path.is_dir() and detect(path).folder
    except Exception:
        return False


CORPUS = _corpus()
EXPECTED = {"porcupine-etcd": "jepsen-log", "porcupine-kv": "edn", "knossos": "edn",
            "elle": "edn", "jepsen": "edn", "polysi-text": "polysi", "cobra-log": "cobra",
            "dbcop": "dbcop", "isovista": "polysi", "dbcop-bincode": "dbcop-bincode",
            "clusters": "jsonl", "faults": "jsonl"}


def test_corpus_is_found() -> None:
    assert len(CORPUS) > 100
    assert any(p.name == "cock-G2" for p in CORPUS)


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: str(p.relative_to(HISTORIES)))
def test_reads(path: Path) -> None:
    history = read_history(path)
    assert len(history) > 0
    family = next(part for part in path.relative_to(HISTORIES).parts if part in EXPECTED)
    assert detect(path).name == EXPECTED[family]
    for op in history:
        assert history.line_of(op.call) is not None
