"""Reading and writing traces: native JSON Lines and ShiViz logs, chosen by content or name.

``load_trace(path, fmt)`` is the loader the trace models declare (see ``ModelSpec.loader``);
``fmt`` is ``trace-jsonl``, ``shiviz`` or None (detect: a first line holding a regular
expression with a ``host`` group is ShiViz, a JSON object is native). The path may also be ``-``
(standard input), and the data compressed, as for histories (``histcheck.formats.source``).
"""

from __future__ import annotations

from pathlib import Path

from histcheck.errors import FormatError
from histcheck.formats.source import local_input
from histcheck.trace.model import Trace

TRACE_FORMATS: dict[str, str] = {
    "trace-jsonl": "native trace JSON Lines: one event object per line (docs/trace.md)",
    "shiviz": "ShiViz log: a parsing regex, an execution delimiter, then events with clocks",
}


def detect_trace_format(path: Path) -> str:
    with path.open("rb") as fh:
        head = fh.read(4096)
    first = next((line.strip() for line in head.splitlines()
                  if line.strip() and not line.strip().startswith(b"#")), b"")
    if not first:
        raise FormatError("empty trace: the file has no events", path=str(path))
    if b"?<host>" in first or b"?P<host>" in first:
        return "shiviz"
    if first.startswith(b"{"):
        return "trace-jsonl"
    raise FormatError("cannot tell the trace format from the content (use --format "
                      "trace-jsonl or shiviz)", path=str(path), line=1)


def load_trace(path: str | Path, fmt: str | None = None) -> Trace:
    """Read one trace file, plain or compressed, or ``-`` (any ``FormatError`` names file, line)."""
    with local_input(path) as local:
        if not local.path.is_file():
            raise FormatError("no such file", path=local.name)
        trace = _read(local.path, fmt, local.name)
    trace = local.renamed(trace)
    if trace.incomplete:
        from histcheck.formats.recording import warn_incomplete

        warn_incomplete(trace.source or local.name, len(trace))
    return trace


def _read(path: Path, fmt: str | None, name: str) -> Trace:
    from histcheck.names import resolve

    chosen = resolve("trace format", fmt, TRACE_FORMATS) if fmt else detect_trace_format(path)
    try:
        if chosen == "shiviz":
            from histcheck.trace.shiviz import read_shiviz

            return read_shiviz(path)
        from histcheck.trace.jsonl import read_trace_jsonl

        return read_trace_jsonl(path)
    except UnicodeDecodeError as exc:
        raise FormatError(f"not text ({exc.reason})", path=name) from None


def write_trace(trace: Trace, path: str | Path, fmt: str | None = None) -> None:
    """Write ``trace`` as ``fmt`` (from the suffix when None: ``.log`` is ShiViz)."""
    from histcheck.names import resolve

    path = Path(path)
    chosen = (resolve("trace format", fmt, TRACE_FORMATS) if fmt
              else "shiviz" if path.suffix in (".log", ".shiviz") else "trace-jsonl")
    if chosen == "shiviz":
        from histcheck.trace.shiviz import write_shiviz

        write_shiviz(trace, path)
    else:
        from histcheck.trace.jsonl import write_trace_jsonl

        write_trace_jsonl(trace, path)
