"""Pieces of the bundled corpus for the scale-out tests: a labels file naming a mixed selection
of ``histories/`` (every family), and runs of the command line with timings left out."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.conftest import HISTORIES

HISTCHECK = Path(sys.executable).parent / "histcheck"
TIMINGS = ("seconds", "read_seconds", "peak_rss_mb", "explanation-seconds")


def labels_subset(target: Path, etcd_rows: int = 6, largest: int = 100_000) -> Path:
    """A labels file in ``target`` with the non-etcd rows of the corpus whose file (or folder)
    is at most ``largest`` bytes, and a few etcd ones, the paths made absolute (so it can live
    outside ``histories/``): every family, in a few seconds."""
    lines = (HISTORIES / "LABELS.tsv").read_text().splitlines()
    header = [line for line in lines if line.startswith("#") or line.startswith("path\t")]
    rows = [line for line in lines if line not in header and line.strip()]
    etcd = [row for row in rows if row.split("\t")[1] == "etcd"][:etcd_rows]
    chosen = [row for row in rows if row.split("\t")[1] != "etcd"
              and _size(HISTORIES / row.split("\t")[0]) <= largest] + etcd
    absolute = ["\t".join([str(HISTORIES / row.split("\t")[0]), *row.split("\t")[1:]])
                for row in chosen]
    target.mkdir(parents=True, exist_ok=True)
    (target / "LABELS.tsv").write_text("\n".join([*header, *absolute]) + "\n")
    return target


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def run(*args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(HISTCHECK), *args], check=False, capture_output=True, text=True,
                          timeout=timeout)


def without_timings(json_lines: str) -> list[dict[str, Any]]:
    """Each JSON line's object without the figures that vary from run to run."""
    rows = []
    for line in json_lines.splitlines():
        row = json.loads(line)
        for key in TIMINGS:
            row.pop(key, None)
        rows.append(row)
    return rows


def text_without_timings(text: str) -> str:
    return re.sub(r"\d+\.\d+ s\b", "_ s", text)
