"""docs/ci-example.yml only uses histcheck commands and options that exist."""

from __future__ import annotations

import re
from pathlib import Path

import click

from checker.cli import main

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
