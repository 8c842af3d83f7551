"""Plugin models: a model from another installed package is listed, checked, and kept apart.

The example package in docs/plugin-example is installed for real (pip, into a folder of its own),
and broken plugins are made as an installed distribution's metadata would describe them.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "plugin-example"
HISTORY = "".join(json.dumps(event) + "\n" for event in (
    {"process": 0, "type": "invoke", "f": "write", "value": 5},
    {"process": 0, "type": "ok", "f": "write", "value": 5},
    {"process": 1, "type": "invoke", "f": "write", "value": 3},
    {"process": 1, "type": "ok", "f": "write", "value": 3},
))


def histcheck(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site)}
    return subprocess.run([sys.executable, "-m", "histcheck", *args], capture_output=True,
                          text=True, env=env, check=False, timeout=120)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with the example plugin package installed in it by pip."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-build-isolation", "--no-index", "--target", str(target),
                    str(EXAMPLE)], check=True, capture_output=True, timeout=300)
    return target


def write(tmp_path: Path, name: str, read: int, reader: int = 0) -> str:
    """Two writes, 5 then 3, and a read by ``reader`` after both (in real time)."""
    path = tmp_path / name
    path.write_text(HISTORY + "".join(json.dumps({"process": reader, "type": kind, "f": "read",
                                                  "value": value}) + "\n"
                                      for kind, value in (("invoke", None), ("ok", read))))
    return str(path)


def test_an_installed_plugin_model_is_listed_with_its_origin(site: Path) -> None:
    listed = histcheck(site, "models")
    assert listed.returncode == 0 and listed.stderr == ""
    assert re.search(r"^max-register\s+linearizable, sequential$", listed.stdout, re.M)
    assert "from histcheck-max-register 1.0 (max-register = max_register:MaxRegister)" \
        in listed.stdout
    rows = [json.loads(line) for line in histcheck(site, "models", "--json").stdout.splitlines()]
    mine = [row for row in rows if row["model"] == "max-register"]
    assert mine == [{"model": "max-register", "consistencies": ["linearizable", "sequential"],
                     "options": ["engine", "workers", "explain", "shrink-seconds"],
                     "summary": "A register that keeps the largest value ever written.",
                     "origin": "histcheck-max-register 1.0 "
                               "(max-register = max_register:MaxRegister)"}]
    assert {"cas-register", "list-append", "broadcast"} <= {row["model"] for row in rows}


def test_an_installed_plugin_model_checks_histories(site: Path, tmp_path: Path) -> None:
    stale = write(tmp_path, "stale.jsonl", read=3)
    fresh = write(tmp_path, "fresh.jsonl", read=5)
    bad = histcheck(site, "check", stale, "--model", "max-register")
    assert bad.returncode == 1 and "INVALID for max-register / linearizable" in bad.stdout
    good = histcheck(site, "check", fresh, "--model", "max-register", "--consistency",
                     "Sequential")
    assert good.returncode == 0 and "VALID for max-register / sequential" in good.stdout
    # Without real time, another process's read of 3 may come before the write of 5.
    elsewhere = write(tmp_path, "elsewhere.jsonl", read=3, reader=2)
    assert histcheck(site, "check", elsewhere, "--model", "max-register").returncode == 1
    assert histcheck(site, "check", elsewhere, "--model", "max-register", "-c", "sequential") \
        .returncode == 0
    assert histcheck(site, "check", stale, "--model", "max-register", "-c", "sequential") \
        .returncode == 1


def test_the_pytest_plugin_checks_with_plugin_models(site: Path, tmp_path: Path) -> None:
    write(tmp_path, "stale.jsonl", read=3)
    write(tmp_path, "fresh.jsonl", read=5)
    (tmp_path / "LABELS.tsv").write_text(
        "path\tmodel\tconsistency\texpected\toptions\torigin\n"
        "stale.jsonl\tmax-register\tlinearizable\tinvalid\t\tmade here\n"
        "fresh.jsonl\tmax-register\tlinearizable\tvalid\t\tmade here\n")
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(tmp_path)], capture_output=True, text=True, env=env,
                          cwd=tmp_path, check=False, timeout=120)
    assert done.returncode == 0, done.stdout
    assert "2 passed" in done.stdout


def fake_distribution(site: Path, name: str, entry_points: str, **modules: str) -> None:
    """What pip leaves behind for a package: its metadata, its entry points, its modules."""
    info = site / f"{name}-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[histcheck.models]\n{entry_points}")
    for module, source in modules.items():
        (site / f"{module}.py").write_text(source)


MODELS = '''
from dataclasses import dataclass


@dataclass(frozen=True)
class Named:
    name: str

    def initial(self):
        return 0

    def step(self, state, op):
        return state


class Crashes:
    """A model whose step has a bug."""

    name = "crashes"

    def initial(self):
        return 0

    def step(self, state, op):
        return 1 // 0


fine = Named("fine")
takes_a_builtin_name = Named("cas-register")
twin = Named("fine")
no_step = type("NoStep", (), {"name": "no-step", "initial": lambda self: 0})()
unnamed = Named("")
'''


@pytest.fixture
def broken_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    fake_distribution(site, "shaky", "fine = shaky_models:fine\n"
                      "missing = no_such_module:thing\n"
                      "explodes = exploding:model\n"
                      "takes = shaky_models:takes_a_builtin_name\n"
                      "twin = shaky_models:twin\n"
                      "no-step = shaky_models:no_step\n"
                      "unnamed = shaky_models:unnamed\n"
                      "crashes = shaky_models:Crashes\n",
                      shaky_models=MODELS, exploding="raise RuntimeError('broken at import')\n")
    return site


def test_broken_plugins_are_named_in_one_line_each_and_the_rest_works(broken_site: Path) -> None:
    listed = histcheck(broken_site, "models")
    assert listed.returncode == 0
    warnings = listed.stderr.splitlines()
    assert all(line.startswith("histcheck: warning: plugin model") for line in warnings)
    assert len(warnings) == 6, listed.stderr
    for reason in ("(missing = no_such_module:thing) left out: ModuleNotFoundError",
                   "(explodes = exploding:model) left out: RuntimeError: broken at import",
                   "'cas-register' from shaky 0.1 (takes = shaky_models:takes_a_builtin_name) "
                   "left out: histcheck has a built-in model of that name",
                   "'fine' from shaky 0.1 (twin = shaky_models:twin) left out: shaky 0.1 (fine "
                   "= shaky_models:fine) already offers it",
                   "(no-step = shaky_models:no_step) left out: TypeError: 'no-step' is not a "
                   "model: it has no step()",
                   "(unnamed = shaky_models:unnamed) left out: TypeError: its name must be"):
        assert reason in listed.stderr, reason
    names = {line.split()[0] for line in listed.stdout.splitlines() if not line.startswith(" ")}
    assert {"fine", "crashes", "cas-register", "kv"} <= names
    assert "(takes = " not in listed.stdout


def test_plugins_are_not_loaded_for_a_built_in_model(broken_site: Path, tmp_path: Path) -> None:
    history = write(tmp_path, "h.jsonl", read=5)
    done = histcheck(broken_site, "check", history, "--model", "register")
    assert done.stderr == "" and done.returncode == 1


def test_a_plugin_model_that_crashes_is_one_line_naming_its_package(broken_site: Path,
                                                                     tmp_path: Path) -> None:
    history = write(tmp_path, "h.jsonl", read=5)
    done = histcheck(broken_site, "check", history, "--model", "crashes")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.splitlines()[-1] == (
        "histcheck: plugin model 'crashes' from shaky 0.1 (crashes = shaky_models:Crashes) "
        "failed: ZeroDivisionError: integer division or modulo by zero")
    unknown = histcheck(broken_site, "check", history, "--model", "fin")
    assert unknown.returncode == 2
    assert unknown.stderr.splitlines()[-1] == "histcheck: unknown model 'fin'; did you mean fine?"


def test_the_example_package_ships_the_readme_model() -> None:
    readme = (ROOT / "README.md").read_text().split("## Your own model", 1)[1]
    example = re.findall(r"```python\n(.*?)```", readme, flags=re.S)[0]
    shown = re.search(r"@dataclass\(frozen=True\)\nclass MaxRegister:.*?\n\n\n", example, re.S)
    assert shown is not None, "the README lost its MaxRegister"
    assert shown.group(0).strip() in (EXAMPLE / "max_register.py").read_text()
    assert 'max-register = "max_register:MaxRegister"' in readme
    assert 'max-register = "max_register:MaxRegister"' in (EXAMPLE / "pyproject.toml").read_text()


VOCABULARY_MODELS = '''
from histcheck.vocabulary import ANY, Vocabulary


class Reads:
    """A register that reads only read and write."""

    name = "reads"
    vocabulary = Vocabulary.of({"read": ANY, "write": ANY})

    def initial(self):
        return None

    def step(self, state, op):
        if op.f == "write":
            return op.value
        return state if op.value == state or op.value is None else None


class Lenient:
    """A model that declares no vocabulary: whatever it meets, it steps."""

    name = "lenient"

    def initial(self):
        return 0

    def step(self, state, op):
        return state


class Garbled:
    name = "garbled"
    vocabulary = ["read", "write"]

    def initial(self):
        return 0

    def step(self, state, op):
        return state
'''


def test_a_plugin_that_declares_its_operations_is_gated(tmp_path: Path) -> None:
    site = tmp_path / "site"
    fake_distribution(site, "worded", "reads = worded_models:Reads\n"
                      "lenient = worded_models:Lenient\n"
                      "garbled = worded_models:Garbled\n", worded_models=VOCABULARY_MODELS)
    history = tmp_path / "h.jsonl"
    history.write_text(HISTORY + "".join(json.dumps(event) + "\n" for event in (
        {"process": 2, "type": "invoke", "f": "frobnicate", "value": 1},
        {"process": 2, "type": "info", "f": "frobnicate", "value": 1})))
    gated = histcheck(site, "check", str(history), "--model", "reads")
    assert (gated.returncode, gated.stdout) == (2, ""), gated.stderr
    assert gated.stderr.splitlines()[-1] == (
        f"histcheck: {history}:5: model reads cannot read this operation: it has no operation "
        f"'frobnicate' (its operations: read, write)")
    lenient = histcheck(site, "check", str(history), "--model", "lenient")
    assert lenient.returncode == 0 and "VALID for lenient" in lenient.stdout
    listed = histcheck(site, "models")
    assert "(garbled = worded_models:Garbled) left out: TypeError: 'garbled' has a vocabulary " \
           "that is not a histcheck.vocabulary.Vocabulary" in listed.stderr
