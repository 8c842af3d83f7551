"""docs/ci-example.yml does what it says: its steps fail on a violation and pass otherwise.

GitHub Actions writes each ``run:`` block to a file and runs it with ``bash -e {0}`` when the step
names no shell (``bash --noprofile --norc -eo pipefail {0}`` for ``shell: bash``). Under plain
``bash -e`` a pipeline's status is its last command's, so ``histcheck fuzz ... | tee`` would be
green whatever fuzz found unless the script sets pipefail. This test reads the run blocks out of
the YAML, fills in the ``${{ ... }}`` expressions with small settings, and runs every step as
Actions would: once as written (the catalogue's correct broadcast-causal) and once with the buggy
``ignore-deps`` variant, which must turn the fuzz step red.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "ci-example.yml"
EXPRESSIONS = {
    "github.event_name == 'schedule' && 2000 || 200": "20",
    "github.run_number": "3",
}
"""What the example's expressions stand for here: few examples (a push, shortened), a seed."""
SHELLS = {None: ["bash", "-e"], "bash": ["bash", "--noprofile", "--norc", "-eo", "pipefail"]}
"""The commands Actions runs a step's script file with, by the step's ``shell``."""
FUZZ = "histcheck fuzz broadcast-causal"
BUGGY = f"{FUZZ} --variant ignore-deps"


@dataclass(frozen=True)
class Step:
    """One ``run`` step of the workflow: its name, its shell (None: the default) and script."""

    name: str
    shell: str | None
    script: str


def run_steps(text: str) -> list[Step]:
    """The steps with a ``run:`` (a one-line value or a literal ``|`` block), in order.

    Enough YAML for this file: a step starts at a ``- `` item, ``name``, ``shell`` and ``run``
    are its keys, and a literal block is every following line indented deeper than ``run:``.
    """
    assert "defaults:" not in text, "workflow-wide shell defaults are not modelled here"
    steps: list[Step] = []
    fields: dict[str, str] = {}
    lines = text.splitlines()

    def close() -> None:
        if "run" in fields:
            steps.append(Step(fields.get("name", ""), fields.get("shell"), fields["run"]))

    i = 0
    while i < len(lines):
        line = lines[i]
        stripped = line.strip()
        if stripped.startswith("- "):
            close()
            fields = {}
            stripped = stripped[2:]
        key, colon, value = stripped.partition(":")
        value = value.strip()
        if colon and key in ("name", "shell", "run"):
            if key == "run" and value == "|":
                indent = len(line) - len(line.lstrip())
                block: list[str] = []
                i += 1
                while i < len(lines) and (not lines[i].strip()
                                          or len(lines[i]) - len(lines[i].lstrip()) > indent):
                    block.append(lines[i])
                    i += 1
                fields["run"] = textwrap.dedent("\n".join(block)).strip() + "\n"
                continue
            fields[key] = value
        i += 1
    close()
    return steps


def filled(script: str) -> str:
    """``script`` with every ``${{ ... }}`` replaced; an expression not in EXPRESSIONS fails."""
    return re.sub(r"\$\{\{\s*(.*?)\s*\}\}", lambda m: EXPRESSIONS[m.group(1)], script)


def histcheck_bin() -> str:
    """The folder of the installed ``histcheck`` command (beside this Python, or on PATH)."""
    beside = Path(sys.executable).parent / "histcheck"
    found = str(beside) if beside.exists() else shutil.which("histcheck")
    if found is None:
        pytest.skip("no histcheck command installed")
    return str(Path(found).parent)


def run_workflow(tmp_path: Path, steps: list[Step]) -> dict[str, int]:
    """Run each step's script in ``tmp_path`` as Actions would; the exit status of each."""
    env = {**os.environ, "PATH": histcheck_bin() + os.pathsep + os.environ.get("PATH", "")}
    statuses: dict[str, int] = {}
    for number, step in enumerate(steps):
        script = tmp_path / f"step{number}.sh"
        script.write_text(filled(step.script))
        done = subprocess.run([*SHELLS[step.shell], str(script)], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120, check=False)
        statuses[step.name] = done.returncode
        if done.returncode:
            break  # Actions skips the remaining steps (those without `if: always()`)
    return statuses


def workflow(buggy: bool) -> list[Step]:
    """The example's steps after installing, with the fuzzed variant made buggy if asked."""
    steps = [s for s in run_steps(EXAMPLE.read_text()) if not s.script.startswith("pip install")]
    assert [s.name.split()[0] for s in steps] == ["Record", "Check", "Fuzz"], steps
    if not buggy:
        return steps
    fuzz = steps[-1]
    assert fuzz.script.count(FUZZ) == 1, fuzz.script
    return [*steps[:-1], Step(fuzz.name, fuzz.shell, fuzz.script.replace(FUZZ, BUGGY))]


def fuzz_summary(tmp_path: Path) -> dict[str, object]:
    """The last line of what the fuzz step kept (``--json`` ends with a summary object)."""
    summary: dict[str, object] = json.loads(
        (tmp_path / "out" / "fuzz.txt").read_text().strip().splitlines()[-1])
    return summary


def test_the_parser_reads_blocks_one_liners_and_shells() -> None:
    text = ("    steps:\n      - uses: actions/checkout@v4\n      - name: One\n"
            "        run: echo one\n      - name: Two\n        shell: bash\n        run: |\n"
            "          a | b\n\n          c\n      - name: Three\n        uses: x/y@v1\n")
    assert run_steps(text) == [Step("One", None, "echo one"), Step("Two", "bash", "a | b\n\nc\n")]
    with pytest.raises(KeyError):
        filled("${{ secrets.TOKEN }}")


def test_a_correct_system_gives_green_steps(tmp_path: Path) -> None:
    statuses = run_workflow(tmp_path, workflow(buggy=False))
    assert list(statuses.values()) == [0, 0, 0], statuses
    assert fuzz_summary(tmp_path)["valid"] is True


def test_a_violation_found_by_fuzzing_turns_the_step_red(tmp_path: Path) -> None:
    statuses = run_workflow(tmp_path, workflow(buggy=True))
    assert list(statuses.values()) == [0, 0, 1], statuses  # fuzz's exit code for a violation
    summary = fuzz_summary(tmp_path)  # tee still kept the output for the artifact
    assert summary["valid"] is False and summary["variant"] == "ignore-deps"
    assert (tmp_path / "out" / "shrunk.jsonl").exists()
