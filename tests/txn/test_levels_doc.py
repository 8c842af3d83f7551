"""docs/semantics.md's level table says what ``histcheck.txn.levels`` decides, row for row."""

from __future__ import annotations

from pathlib import Path

from histcheck.txn import levels

DOC = Path(__file__).resolve().parents[2] / "docs" / "semantics.md"


def _rows() -> dict[str, str]:
    rows: dict[str, str] = {}
    text = DOC.read_text(encoding="utf-8")
    table = text[text.index("| level | forbids, beyond what it implies"):]
    for line in table.splitlines()[2:]:
        if not line.startswith("|"):
            break
        rows[line.split("|")[1].strip()] = line
    return rows


def test_every_level_has_a_row_naming_its_own_anomalies_and_implications() -> None:
    rows = _rows()
    assert set(rows) == set(levels.NAMES)
    for level in levels.LEVELS:
        forbids, implies = rows[level.name].split("|")[2:4]
        for anomaly in level.forbids:
            assert f"`{anomaly}`" in forbids, (level.name, anomaly)
        if not level.forbids:
            assert "variants" in forbids, level.name
        named = [n.strip() for n in implies.split(",") if n.strip()]
        reach = set().union(*(levels.implied(n) for n in named)) if named else set()
        assert reach == levels.implied(level.name) - {level.name}, level.name


def test_every_level_states_its_definition_and_source() -> None:
    for level in levels.LEVELS:
        assert len(level.definition) > 30 and level.citation, level.name
