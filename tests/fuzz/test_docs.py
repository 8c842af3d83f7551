"""The docs tell the truth: docs/ci-example.yml only uses histcheck commands and options that
exist, and docs/fuzz.md's DSM table is what ``histcheck fuzz`` prints."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest

from histcheck.cli import main

WORKFLOW = Path(__file__).resolve().parents[2] / "docs" / "ci-example.yml"


def test_the_workflow_uses_real_commands_and_options() -> None:
    text = WORKFLOW.read_text().replace("\\\n", " ")
    uses = re.findall(r"histcheck (\w+)([^\n|>]*)", text)
    assert {name for name, _ in uses} >= {"simulate", "check", "fuzz"}
    ctx = click.Context(main)
    for name, rest in uses:
        command = main.get_command(ctx, name)
        assert command is not None, name
        known = {opt for p in command.params for opt in getattr(p, "opts", [])}
        for option in re.findall(r"(?<!\S)(--[\w-]+)", rest):
            assert option in known, f"histcheck {name} has no {option}"


FUZZ_DOC = WORKFLOW.parent / "fuzz.md"


def dsm_table() -> list[tuple[str, str, str, str]]:
    """The rows of docs/fuzz.md's DSM table: variant, found at, shrunk to, operations."""
    rows = []
    for line in FUZZ_DOC.read_text().splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        if len(cells) == 4 and cells[0].startswith("`") and cells[1][:1].isdigit():
            for variant, found in zip(re.findall(r"`([\w-]+)`", cells[0]), cells[1].split(", "),
                                      strict=True):
                rows.append((variant, found, cells[2].strip("`"), cells[3]))
    return rows


@pytest.mark.slow
def test_the_dsm_table_is_what_histcheck_fuzz_prints() -> None:
    import hypothesis

    if not hypothesis.__version__.startswith("6.170."):
        pytest.skip(f"the table was made with hypothesis 6.170, this is {hypothesis.__version__}")
    rows = dsm_table()
    assert len(rows) == 5, rows
    for variant, found, shrunk, ops in rows:
        done = subprocess.run([sys.executable, "-m", "histcheck.cli", "fuzz", "dsm", "--variant",
                               variant, "--json"], capture_output=True, text=True, check=False)
        summary = json.loads(done.stdout.splitlines()[-1])
        assert (summary["first_failure_at"], summary["operations"]) == (int(found), int(ops))
        assert "; ".join(f"n{i}: " + (" ".join(node) or "-")
                         for i, node in enumerate(summary["accesses"], start=1)) == shrunk
