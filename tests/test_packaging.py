"""histcheck as an installed package: one import name, every module importable, imports one way.

The repository keeps ``checker/``, ``systems/`` and ``recorders/`` at the top; installed, they are
``histcheck``, ``histcheck.systems`` and ``histcheck.recorders`` (pyproject.toml maps them). The
slow test builds the wheel and installs it into a fresh environment beside a project that has
packages of those names of its own.
"""

from __future__ import annotations

import ast
import importlib
import os
import pkgutil
import subprocess
import sys
import tomllib
import venv
from importlib.metadata import distributions
from pathlib import Path

import pytest

import histcheck

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = {"checker": "histcheck", "systems": "histcheck.systems",
           "recorders": "histcheck.recorders"}
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def source_files(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (ROOT / folder).rglob("*.py"))


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def test_every_folder_is_a_listed_package() -> None:
    on_disk = set()
    for folder, package in FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            inner = init.parent.relative_to(ROOT / folder).parts
            on_disk.add(".".join((package, *inner)))
    setuptools = PYPROJECT["tool"]["setuptools"]
    assert set(setuptools["packages"]) == on_disk
    assert setuptools["package-dir"] == dict(zip(FOLDERS.values(), FOLDERS, strict=True))


@pytest.mark.parametrize("path", source_files("checker", "systems", "recorders", "tests", "bench"),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_code_imports_the_installed_names_only(path: Path) -> None:
    stray = {name for name in imported_modules(path) if name.split(".")[0] in FOLDERS}
    assert not stray, f"{path.relative_to(ROOT)} imports {sorted(stray)}: use histcheck.*"


@pytest.mark.parametrize("path", source_files("checker"), ids=lambda p: str(p.relative_to(ROOT)))
def test_the_checker_never_imports_systems_or_recorders(path: Path) -> None:
    """Data flows one way: systems -> recorders -> checker."""
    upstream = {name for name in imported_modules(path)
                if name.startswith(("histcheck.systems", "histcheck.recorders"))}
    assert not upstream, f"{path.relative_to(ROOT)} imports {sorted(upstream)}"


def test_the_installed_distribution_has_one_top_level_name() -> None:
    site = Path(histcheck.__file__).parent.parent
    (installed,) = [d for d in distributions(path=[str(site)]) if d.name == "histcheck"]
    files = installed.files or []
    tops = {file.parts[0] for file in files if not file.parts[0].startswith("..")}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"histcheck"}


def test_every_module_imports() -> None:
    modules = [info.name for info in pkgutil.walk_packages(histcheck.__path__, "histcheck.")]
    assert len(modules) > 140
    for name in modules:
        if name != "histcheck.__main__":
            importlib.import_module(name)


def test_the_public_names_are_what_they_say() -> None:
    assert histcheck.__all__ == sorted(histcheck.__all__)
    for name in histcheck.__all__:
        home = importlib.import_module(histcheck._HOMES[name])
        assert getattr(histcheck, name) is getattr(home, name)
    assert set(histcheck._HOMES) == set(histcheck.__all__)
    with pytest.raises(AttributeError):
        histcheck.no_such_name  # noqa: B018


TOY_TEST = '''\
import checker
import systems


def test_my_own_packages_are_mine():
    assert checker.MINE and systems.MINE


def test_histcheck_is_there_too():
    from histcheck import check, read_history

    assert callable(check) and callable(read_history)
'''


@pytest.mark.slow
def test_the_wheel_installs_beside_a_project_with_packages_of_the_same_names(
        tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps",
                    "--no-build-isolation", "--wheel-dir", str(wheels), str(ROOT)], check=True,
                   timeout=600)
    (wheel,) = wheels.glob("histcheck-*.whl")
    import zipfile

    names = {name.split("/")[0] for name in zipfile.ZipFile(wheel).namelist()}
    assert {name for name in names if not name.endswith(".dist-info")} == {"histcheck"}

    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel), "pytest",
                    str(ROOT / "docs" / "plugin-example")], check=True, timeout=900)
    project = tmp_path / "project"
    (project / "checker").mkdir(parents=True)
    (project / "checker" / "__init__.py").write_text("MINE = True\n")
    (project / "systems.py").write_text("MINE = True\n")
    (project / "pyproject.toml").write_text('[tool.pytest.ini_options]\npythonpath = ["."]\n')
    (project / "tests").mkdir()
    (project / "tests" / "test_toy.py").write_text(TOY_TEST)
    clean = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    for command in ([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider"],
                    [str(env_dir / "bin" / "pytest"), "-q", "-p", "no:cacheprovider"]):
        done = subprocess.run(command, cwd=project, capture_output=True, text=True, env=clean,
                              check=False, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "2 passed" in done.stdout
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    for name in ("checker", "systems", "recorders"):
        missing = subprocess.run([str(python), "-c", f"import {name}"], cwd=elsewhere,
                                 capture_output=True, text=True, env=clean, check=False)
        assert missing.returncode == 1 and "ModuleNotFoundError" in missing.stderr
    listed = subprocess.run([str(env_dir / "bin" / "histcheck"), "models"], cwd=elsewhere,
                            capture_output=True, text=True, env=clean, check=True)
    assert "cas-register" in listed.stdout and listed.stderr == ""
    assert "from histcheck-max-register 1.0 (max-register = max_register:MaxRegister)" \
        in listed.stdout
    history = elsewhere / "stale.jsonl"
    history.write_text("".join(
        f'{{"process": {p}, "type": "{kind}", "f": "{f}", "value": {v}}}\n'
        for p, f, v in ((0, "write", 5), (1, "write", 3), (0, "read", 3))
        for kind in ("invoke", "ok")))
    checked = subprocess.run([str(env_dir / "bin" / "histcheck"), "check", str(history),
                              "--model", "max-register"], cwd=elsewhere, capture_output=True,
                             text=True, env=clean, check=False)
    assert checked.returncode == 1 and "INVALID for max-register" in checked.stdout
    record = subprocess.run([str(env_dir / "bin" / "histcheck"), "record", "redis", "--out",
                             str(tmp_path / "h.jsonl")], cwd=elsewhere, capture_output=True,
                            text=True, env=clean, check=False)
    assert (record.returncode, record.stderr) == (2, (
        "histcheck: histcheck record redis needs the redis driver: "
        "pip install 'histcheck[databases]'\n"))
