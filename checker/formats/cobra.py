"""Cobra's binary client logs: a folder with one file per session, read as one history.

The folder holds one ``T<n>.log`` per session. Real runs also leave text side files beside them
(``T<n>.debug``, ``T<n>.error``: the client's own messages); like Cobra's verifier, histcheck reads
the ``.log`` files only and ignores the side files. Any other file is left out with a
``HistcheckWarning`` naming it.

Each file is a sequence of big-endian records, one letter then 8-byte unsigned fields::

    'S' txnid                          a transaction starts
    'W' writeId key value              it writes (writeId is unique in the whole history)
    'R' writerTxnId writeId key value  it reads the write writeId, made by writerTxnId
    'C' txnid                          it commits

A read names its writer, so values are not needed to match reads to writes: histcheck uses the
writeId as the value of the write (``("w", key, writeId)``, unique per key as rw-register wants)
and of every read of it (``("r", key, writeId)``). A read whose writer is Cobra's initial
transaction ``0xbebeebee`` or the null writer ``0xdeadbeef`` saw the state before any logged
transaction and becomes ``("r", key, None)`` (see ``histcheck.formats.sessions``).

Aborted transactions are not logged, so a read whose writer never appears means the history is
incomplete: that is an error, not a guess. So is a read whose writeId belongs to a different
transaction or key. A transaction started and never committed at the end of a file stays open
(indeterminate). Errors name the file, the record number (1-based) and its byte offset; the
history's ``lines`` hold record numbers. The logs record sessions only, never time (see
``histcheck.formats.sessions``).
"""

from __future__ import annotations

import re
import struct
import warnings
from dataclasses import dataclass
from pathlib import Path

from histcheck.errors import FormatError, HistcheckWarning
from histcheck.formats.sessions import MicroOp, Session, Txn, build
from histcheck.history import INVOKE, OK, History
from histcheck.values import Value

INIT_WRITER = 0xBEBEEBEE
NULL_WRITER = 0xDEADBEEF
_FIELDS = {b"S": 1, b"C": 1, b"W": 3, b"R": 4}
LOG_SUFFIX = ".log"
SIDE_SUFFIXES = (".debug", ".error")
"""Text files Cobra's clients write beside their logs; its verifier reads only the logs."""


@dataclass(frozen=True, slots=True)
class _Read:
    """A read to resolve once every file is loaded (its writer may sit in another session)."""

    writer: int
    write_id: int
    key: int
    file: str
    where: str


_Logged = tuple[list[MicroOp | _Read], int, int, bool]
"""A parsed transaction: micro-operations, first and last record numbers, committed or not."""


def looks_like_cobra(head: bytes) -> bool:
    """True when the bytes start with an 'S' record followed by a record letter."""
    return len(head) >= 10 and head[:1] == b"S" and head[9:10] in (b"R", b"W", b"C")


def looks_like_cobra_folder(path: Path) -> bool:
    """True for a folder of Cobra logs, with nothing else in it but Cobra's side files.

    One log that starts like Cobra's is enough: a session log broken in its first record must
    make the whole folder unreadable (naming that log), not leave the other sessions to be
    checked one by one as histories of their own.
    """
    logs, others = _folder_files(path)
    if not logs or others:
        return False
    for file in logs:
        with file.open("rb") as fh:
            if looks_like_cobra(fh.read(10)):
                return True
    return False


def _folder_files(path: Path) -> tuple[list[Path], list[Path]]:
    """The folder's logs in session order, and its files that are neither logs nor side files."""
    files = [p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")]
    logs = sorted((p for p in files if p.suffix == LOG_SUFFIX), key=_session_order)
    others = sorted(p for p in files if p.suffix not in (LOG_SUFFIX, *SIDE_SUFFIXES))
    return logs, others


def _log_files(path: Path) -> list[Path]:
    logs, others = _folder_files(path)
    if others:
        shown = ", ".join(p.name for p in others[:3]) + (", ..." if len(others) > 3 else "")
        warnings.warn(HistcheckWarning(
            f"{path}: left out {len(others)} file(s) that are not Cobra logs (*{LOG_SUFFIX}): "
            f"{shown}"), stacklevel=3)
    return logs


def _session_order(path: Path) -> tuple[int, str]:
    digits = re.findall(r"\d+", path.stem)
    return (int(digits[-1]) if digits else -1, path.name)


def read_cobra(path: Path) -> History:
    """Read a folder of Cobra logs (one session per file), or a single log file."""
    files = _log_files(path) if path.is_dir() else [path]
    if not files:
        raise FormatError(f"a Cobra history folder with no log files (*{LOG_SUFFIX})",
                          path=str(path))
    writes: dict[int, tuple[int, int]] = {}
    raw: list[tuple[int, list[_Logged]]] = []
    for number, file in enumerate(files):
        process = _session_order(file)[0]
        raw.append((process if process >= 0 else number, _parse(file, writes)))
    sessions = []
    for process, txns in raw:
        done = tuple(
            Txn(tuple(_resolve(m, writes) for m in mops), start, end, OK if committed else INVOKE)
            for mops, start, end, committed in txns
        )
        sessions.append(Session(process, done))
    return build(sessions, str(path))


def _parse(file: Path, writes: dict[int, tuple[int, int]]) -> list[_Logged]:
    """Records of one file, grouped into transactions: (mops, start record, end record, committed).

    ``writes`` collects writeId -> (txnid, key) across files.
    """
    data = file.read_bytes()
    txns: list[_Logged] = []
    current: tuple[int, int, list[MicroOp | _Read]] | None = None
    offset = 0
    record = 0
    while offset < len(data):
        record += 1
        tag = data[offset:offset + 1]
        where = f"record {record} at byte {offset}"
        size = _FIELDS.get(tag)
        if size is None:
            raise FormatError(f"record {record} at byte {offset}: unknown record type {tag!r}",
                              path=str(file))
        if offset + 1 + 8 * size > len(data):
            raise FormatError(f"record {record} at byte {offset}: truncated {tag.decode()} record",
                              path=str(file))
        fields = struct.unpack_from(f">{size}Q", data, offset + 1)
        offset += 1 + 8 * size
        if tag == b"S":
            if current is not None:
                raise FormatError(f"record {record} at byte {offset - 9}: transaction "
                                  f"{fields[0]:#x} starts before {current[0]:#x} commits",
                                  path=str(file))
            current = (fields[0], record, [])
            continue
        if current is None:
            raise FormatError(f"record {record} at byte {offset - 1 - 8 * size}: "
                              f"{tag.decode()} record outside a transaction", path=str(file))
        txnid, start, mops = current
        if tag == b"C":
            if fields[0] != txnid:
                raise FormatError(f"record {record}: commit of {fields[0]:#x} inside "
                                  f"transaction {txnid:#x}", path=str(file))
            txns.append((mops, start, record, True))
            current = None
        elif tag == b"W":
            write_id, key, _ = fields
            if write_id in writes:
                raise FormatError(f"{where}: writeId {write_id:#x} written twice",
                                  path=str(file))
            writes[write_id] = (txnid, key)
            mops.append(("w", key, write_id))
        else:
            writer, write_id, key, _ = fields
            mops.append(_Read(writer, write_id, key, str(file), where))
    if current is not None:
        txnid, start, mops = current
        txns.append((mops, start, record, False))
    return txns


def _resolve(mop: MicroOp | _Read, writes: dict[int, tuple[int, int]]) -> MicroOp:
    if not isinstance(mop, _Read):
        return mop
    value: Value
    if mop.writer in (INIT_WRITER, NULL_WRITER):
        value = None
    else:
        found = writes.get(mop.write_id)
        if found is None:
            raise FormatError(f"{mop.where}: reads writeId {mop.write_id:#x} of transaction "
                              f"{mop.writer:#x}, which is not in the logs: the history is "
                              f"incomplete (aborted or missing transactions)", path=mop.file)
        if found != (mop.writer, mop.key):
            raise FormatError(f"{mop.where}: reads writeId {mop.write_id:#x} as written by "
                              f"{mop.writer:#x} to key {mop.key}, but the logs have it written "
                              f"by {found[0]:#x} to key {found[1]}", path=mop.file)
        value = mop.write_id
    return ("r", mop.key, value)
