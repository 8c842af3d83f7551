"""Where each history's report goes in ``--report DIR``, and the index page that lists them.

A history's pages go in a folder named after its path relative to the folder it was found in
(``store/etcd/run-1/history.edn`` checked as ``store`` lands in ``DIR/etcd/run-1/history_edn``),
so two files of one name in different folders (Jepsen's store layout) never share a folder;
the few names that still meet (two file arguments of one name) get ``-2``, ``-3``. A folder
this run writes into is emptied first when an earlier run made it (it holds the marker file),
so no page of an earlier verdict is left beside the new ones; a folder someone else filled is
written into but never emptied. ``DIR/index.html`` lists every
history of the run with its verdict, anomalies, time and a link to its pages.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from html import escape
from pathlib import Path, PurePath

MARKER = ".histcheck-report"
"""The file that marks a folder as a report this tool wrote (and may clear)."""


@dataclass(frozen=True)
class Entry:
    """One history in the index."""

    path: str
    verdict: str
    anomalies: tuple[str, ...]
    seconds: float
    pages: tuple[str, ...]
    """The pages written, relative to the report folder (the first one is linked)."""


class Placement:
    """Hands out one report folder per history, never the same one twice in a run."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._taken: set[PurePath] = set()

    def folder(self, relative: PurePath) -> Path:
        """The folder for a history found at ``relative``, emptied if an earlier report
        left it."""
        parts = [*relative.parent.parts, relative.name.replace(".", "_") or "history"]
        place = PurePath(*parts)
        n = 1
        while place in self._taken:
            n += 1
            place = PurePath(*parts[:-1], f"{parts[-1]}-{n}")
        self._taken.add(place)
        target = self.root / place
        if (target / MARKER).is_file():
            shutil.rmtree(target)
        elif target.is_dir() and any(target.iterdir()):
            return target  # someone else's folder: written into, never cleared
        target.mkdir(parents=True, exist_ok=True)
        (target / MARKER).write_text("pages written by histcheck --report; cleared on re-run\n")
        return target


def write_index(root: Path, entries: list[Entry]) -> Path:
    """``root/index.html``: a self-contained table of the run, invalid and unknown first."""
    rank = {"INVALID": 0, "UNKNOWN": 1, "ERROR": 2, "VALID": 3}
    rows = []
    for entry in sorted(entries, key=lambda e: rank.get(e.verdict, 2)):
        link = (f'<a href="{escape(entry.pages[0])}">{escape(entry.path)}</a>' if entry.pages
                else escape(entry.path))
        rows.append(f'<tr class="{entry.verdict.lower()}"><td>{link}</td>'
                    f"<td>{entry.verdict}</td><td>{escape(', '.join(entry.anomalies))}</td>"
                    f'<td class="n">{entry.seconds:.3f}</td></tr>')
    counts = {v: sum(1 for e in entries if e.verdict == v) for v in rank}
    summary = ", ".join(f"{n} {v.lower()}" for v, n in counts.items() if n)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>histcheck report</title>
<style>
body {{ font: 14px system-ui, sans-serif; margin: 2em; }}
table {{ border-collapse: collapse; }}
td, th {{ padding: 4px 10px; border-bottom: 1px solid #ddd; text-align: left; }}
td.n {{ text-align: right; font-variant-numeric: tabular-nums; }}
tr.invalid td:nth-child(2) {{ color: #b00020; font-weight: bold; }}
tr.unknown td:nth-child(2), tr.error td:nth-child(2) {{ color: #a06000; }}
tr.valid td:nth-child(2) {{ color: #1b7f3a; }}
</style></head><body>
<h1>histcheck report</h1>
<p>{len(entries)} histories: {summary or "none"}.</p>
<table><thead><tr><th>history</th><th>verdict</th><th>anomalies</th><th>seconds</th></tr>
</thead><tbody>
{chr(10).join(rows)}
</tbody></table></body></html>
"""
    root.mkdir(parents=True, exist_ok=True)
    path = root / "index.html"
    path.write_text(page)
    return path
