"""The command line imports only what the command it runs needs.

Start-up time is mostly imports, so the import graph is the thing to keep lean: importing the
command line loads no reader and no checker, and checking a one-operation JSON Lines history
loads neither solvers nor graph and data-frame libraries, nor the readers and decompressors of
other formats. (A test of the graph, not of the clock: timings vary with the machine.)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

_PROBE = """
import json, sys
import histcheck.cli
after_import = sorted(sys.modules)
sys.argv = ["histcheck", "check", sys.argv[1], "-m", "register"]
try:
    histcheck.cli.main()
except SystemExit as exc:
    code = exc.code
print(json.dumps({"import": after_import, "check": sorted(sys.modules), "code": code}))
"""

NEVER_AT_START = ("msgspec", "click.testing", "histcheck.api", "histcheck.formats",
                  "histcheck.history", "histcheck.registry")
NEVER_FOR_A_CHECK = ("z3", "networkx", "polars", "pysat", "orjson", "xml.etree", "bz2", "lzma",
                     "tempfile", "histcheck.trace.io", "histcheck.formats.dbcop",
                     "histcheck.formats.dbcop_bincode", "histcheck.formats.cobra",
                     "histcheck.formats.edn", "histcheck.txn.polygraph", "histcheck.junit",
                     "multiprocessing", "histcheck.linear.explain", "histcheck.linear.core",
                     "histcheck.linear.sequential", "histcheck.linear.smt",
                     "histcheck.linear.report", "histcheck.stats", "histcheck.labels",
                     "histcheck.scale.pool", "histcheck.scale.cluster", "dask", "distributed")
"""What a valid check never runs: writing JUnit (without ``--junit``), worker processes (for a
small history, or one history), explaining (for a valid one), the other engines, reports,
statistics, labels, a Dask cluster (without ``--scheduler``)."""


def _loaded(tmp_path: Path) -> dict[str, list[str]]:
    history = tmp_path / "one.jsonl"
    history.write_text('{"process": 0, "type": "invoke", "f": "write", "value": 1}\n'
                       '{"process": 0, "type": "ok", "f": "write", "value": 1}\n')
    done = subprocess.run([sys.executable, "-c", _PROBE, str(history)], check=True,
                          capture_output=True, text=True)
    result: dict[str, list[str]] = json.loads(done.stdout.splitlines()[-1])
    return result


def _under(modules: list[str], roots: tuple[str, ...]) -> list[str]:
    return [m for m in modules if any(m == r or m.startswith(r + ".") for r in roots)]


def test_the_command_line_starts_without_readers_checkers_or_msgspec(tmp_path: Path) -> None:
    loaded = _loaded(tmp_path)
    assert _under(loaded["import"], NEVER_AT_START) == []
    assert loaded["code"] == 0


def test_a_check_imports_only_its_reader_and_its_checker(tmp_path: Path) -> None:
    loaded = _loaded(tmp_path)
    assert _under(loaded["check"], NEVER_FOR_A_CHECK) == []
    assert "histcheck.formats.jsonl" in loaded["check"]
    assert "histcheck.linear.models" in loaded["check"]


def test_the_budget_module_imports_nothing_heavy() -> None:
    done = subprocess.run([sys.executable, "-c", "import json, sys, histcheck.budget; "
                           "print(json.dumps(sorted(sys.modules)))"], check=True,
                          capture_output=True, text=True)
    loaded = json.loads(done.stdout)
    assert _under(loaded, ("msgspec", "click", "histcheck.history", "histcheck.api")) == []
