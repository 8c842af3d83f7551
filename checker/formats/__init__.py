"""Reading and writing history files, with the format chosen by content.

``read_history(path)`` sniffs the file (or takes ``fmt``) and returns a ``History``; every error is
a ``HistoryError`` that names the file and line. The path may also be ``-`` (standard input), and
the data compressed: ``source.local_input`` hands every reader a plain local file. ``write_history``
writes the native JSON Lines format or Jepsen EDN. Formats register here, with the module that
reads them imported only when it is used.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable
from pathlib import Path

import msgspec

from histcheck.errors import FormatError, HistcheckWarning, UsageError
from histcheck.formats.source import local_input
from histcheck.history import History

HEAD_BYTES = 4096


class Format(msgspec.Struct, frozen=True):
    """A history file format: its name, what it is, and the functions that read and write it."""

    name: str
    description: str
    reader: str
    writer: str | None = None
    folder: bool = False

    def read(self, path: Path) -> History:
        history = _resolve(self.reader)(path)
        assert isinstance(history, History)
        return history

    def write(self, history: History, path: Path) -> None:
        if self.writer is None:
            raise UsageError(f"histcheck cannot write the {self.name} format")
        _resolve(self.writer)(history, path)


def _resolve(target: str) -> Callable[..., object]:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


FORMATS: dict[str, Format] = {
    f.name: f
    for f in (
        Format("jsonl", "native JSON Lines: one Jepsen-style event object per line",
               "histcheck.formats.jsonl:read_jsonl", "histcheck.formats.jsonl:write_jsonl"),
        Format("json", "elle-cli's JSON: one array of event objects",
               "histcheck.formats.jsonl:read_json_array"),
        Format("edn", "Jepsen/Knossos/Elle/Porcupine EDN: a stream or vector of maps",
               "histcheck.formats.jepsen_edn:read_edn", "histcheck.formats.jepsen_edn:write_edn"),
        Format("jepsen-log", "Jepsen log lines (INFO jepsen.util - 3 :ok :cas [1 4])",
               "histcheck.formats.jepsen_log:read_jepsen_log"),
        Format("polysi", "PolySI, IsoVista and C4 text: one r|w(key,value,session,txn) per "
               "line (sessions only, no real time)",
               "histcheck.formats.polysi:read_polysi"),
        Format("cobra", "Cobra binary client logs: a folder with one T*.log per session "
               "(side files T*.debug, T*.error are ignored; sessions only, no real time)",
               "histcheck.formats.cobra:read_cobra", folder=True),
        Format("dbcop", "dbcop JSON: an array of sessions of transactions (sessions only, "
               "no real time)",
               "histcheck.formats.dbcop:read_dbcop", "histcheck.formats.dbcop:write_dbcop"),
        Format("dbcop-bincode", "dbcop's bincode history (PolySI's history.bincode; sessions "
               "only, no real time)", "histcheck.formats.dbcop_bincode:read_dbcop_bincode"),
    )
}


SESSION_FORMATS = frozenset({"polysi", "cobra", "dbcop", "dbcop-bincode"})
"""Formats that record sessions and no real time: their histories say ``realtime=False``."""


def register(fmt: Format) -> None:
    """Add a format (used by format modules that live elsewhere, and by users)."""
    FORMATS[fmt.name] = fmt


def detect(path: Path) -> Format:
    """Choose a format from the file's first bytes (or a folder's files)."""
    if path.is_dir():
        for fmt in FORMATS.values():
            if fmt.folder and _sniff_folder(fmt, path):
                return fmt
        raise FormatError("a folder that is not a history (pass the files inside it)",
                          path=str(path))
    with path.open("rb") as fh:
        head = fh.read(HEAD_BYTES)
    if not head.strip():
        raise FormatError("empty history: the file has no events", path=str(path))
    for name, sniff in SNIFFERS:
        if name in FORMATS and sniff(head):
            return FORMATS[name]
    raise FormatError("cannot tell the history format from the content (use --format; "
                      f"known: {', '.join(sorted(FORMATS))})", path=str(path), line=1)


def _sniff_folder(fmt: Format, path: Path) -> bool:
    sniffer = FOLDER_SNIFFERS.get(fmt.name)
    return sniffer is not None and sniffer(path)


def _first_significant(head: bytes) -> bytes:
    for line in head.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(b";"):
            return stripped
    return b""


def _is_jsonl(head: bytes) -> bool:
    return _first_significant(head).startswith(b"{\"")


def _is_json_array(head: bytes) -> bool:
    first = _first_significant(head)
    rest = first[1:].lstrip() or b"{\"" if first == b"[" else first[1:].lstrip()
    return first.startswith(b"[") and (rest.startswith(b"{\"") or rest.startswith(b"]"))


def _is_edn(head: bytes) -> bool:
    first = _first_significant(head)
    return first[:1] in (b"[", b"(", b"{", b"#")


def _is_jepsen_log(head: bytes) -> bool:
    from histcheck.formats.jepsen_log import looks_like_jepsen_log

    return looks_like_jepsen_log(head.decode("utf-8", "replace"))


def _is_polysi(head: bytes) -> bool:
    from histcheck.formats.polysi import looks_like_polysi

    return looks_like_polysi(head)


# Each sniffer below first asks what its format's own test needs (a Cobra log starts with 'S';
# dbcop JSON with '[' or with '{' and a "data" field; dbcop's bincode holds, in bytes 40-47, a
# u64 of at most 1024, so six zero bytes): other files are told apart without importing the
# module that reads them.

def _is_cobra(head: bytes) -> bool:
    if head[:1] != b"S":
        return False
    from histcheck.formats.cobra import looks_like_cobra

    return looks_like_cobra(head)


def _is_dbcop(head: bytes) -> bool:
    start = head.lstrip()[:1]
    if start != b"[" and not (start == b"{" and b'"data"' in head):
        return False
    from histcheck.formats.dbcop import looks_like_dbcop

    return looks_like_dbcop(head)


def _is_dbcop_bincode(head: bytes) -> bool:
    if len(head) < 48 or any(head[42:48]):
        return False
    from histcheck.formats.dbcop_bincode import looks_like_dbcop_bincode

    return looks_like_dbcop_bincode(head)


def _is_cobra_folder(path: Path) -> bool:
    from histcheck.formats.cobra import looks_like_cobra_folder

    return looks_like_cobra_folder(path)


SNIFFERS: list[tuple[str, Callable[[bytes], bool]]] = [
    ("dbcop-bincode", _is_dbcop_bincode),
    ("cobra", _is_cobra),
    ("dbcop", _is_dbcop),
    ("jsonl", _is_jsonl),
    ("json", _is_json_array),
    ("edn", _is_edn),
    ("jepsen-log", _is_jepsen_log),
    ("polysi", _is_polysi),
]
FOLDER_SNIFFERS: dict[str, Callable[[Path], bool]] = {"cobra": _is_cobra_folder}


def get_format(name: str) -> Format:
    """The format called ``name``; an unknown name suggests the closest known one."""
    from histcheck.names import resolve

    return FORMATS[resolve("format", name, FORMATS)]


def read_history(path: str | Path, fmt: str | None = None) -> History:
    """Read one history: a file (plain or compressed), ``-`` (standard input), or a folder.

    A folder is one history when its files are, such as Cobra's per-session logs.
    """
    with local_input(path) as local:
        chosen = get_format(fmt) if fmt else detect(local.path)
        try:
            history = chosen.read(local.path)
        except UnicodeDecodeError as exc:
            raise FormatError(f"not text in the {chosen.name} format ({exc.reason})",
                              path=local.name) from None
        except RecursionError:
            raise FormatError("values nested too deeply", path=local.name) from None
    history = local.renamed(history)
    if history.incomplete:
        from histcheck.formats.recording import warn_incomplete

        warn_incomplete(history.source or local.name, history.size,
                        sum(op.ret is None for op in history.operations))
    return history


def write_history(history: History, path: str | Path, fmt: str | None = None) -> None:
    """Write a history; the format comes from ``fmt`` or the file name (.edn, else JSON Lines)."""
    path = Path(path)
    name = fmt or ("edn" if path.suffix == ".edn" else "jsonl")
    chosen = get_format(name)
    if not history.realtime and name not in SESSION_FORMATS:
        warnings.warn(HistcheckWarning(
            f"{history.source or 'the history'} records sessions, not real time; {name} has no "
            f"way to say so, and its event order will be read as real time"), stacklevel=2)
    chosen.write(history, path)
