"""Where the bytes of a history or trace come from: a file, a folder, standard input, compressed.

Every reader takes the ``Path`` of a local file that it may open, seek and re-open as it likes
(format detection reads the head, then the chosen reader opens the file again; some readers take
the whole file at once). ``local_input`` keeps that one contract for every input, so no reader,
and no format a user registers, needs to know where its bytes came from:

* a plain regular file, or a folder (Cobra's per-session logs), is passed through as it is, at no
  cost;
* standard input (``-``), anything else that is not a regular file or folder (a pipe, a FIFO,
  ``/dev/fd/N`` or a shell's ``<(...)``, a character device: what can be read only once, and
  is read once), and data compressed with gzip, bzip2, xz or zstd (recognised by magic bytes,
  whatever the name says, so piped compressed data works too) are first copied, one chunk at a
  time, into a private temporary folder that is removed when the block ends, however it ends.
  zstd needs the ``zstandard`` module; without it the error says to decompress the file first.

Memory stays bounded by the chunk size; the price is one disk copy, paid only by inputs that are
not plain files. Decompression finishes before any reader starts, so data that is truncated or
corrupt is refused whole (a ``FormatError``), never read in part.

Messages name what the user gave (``run.jsonl.gz``, ``<stdin>``), never the copy: an error that
names the copy is renamed on its way out of the block, and ``Local.named`` renames the ``source``
a reader recorded in what it returns.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Protocol, TypeVar

import msgspec

from histcheck.errors import FormatError, HistoryError

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

Read = TypeVar("Read", bound="DataclassInstance | msgspec.Struct")
"""What a reader returns, with a ``source``: a History (a struct) or a Trace (a dataclass)."""
STDIN = "-"
STDIN_NAME = "<stdin>"
CHUNK = 1 << 20
_ZSTD_PIECE = 1 << 16
_HEAD = 10


class Local(msgspec.Struct, frozen=True):
    """A local file (or folder) to read, and the name to give it in messages."""

    path: Path
    name: str

    def renamed(self, found: Read) -> Read:
        """``found`` (a History or Trace read from the copy) naming its source as the user did."""
        if getattr(found, "source", None) != str(self.path):
            return found
        if isinstance(found, msgspec.Struct):  # a History
            renamed: Read = msgspec.structs.replace(found, source=self.name)
        else:  # a Trace
            renamed = replace(found, source=self.name)
        return renamed


class Codec(msgspec.Struct, frozen=True):
    """A compression format: how its data starts and how to decompress it in chunks.

    ``chunks`` raises ``EOFError`` when the data ends early, and ``OSError``, ``zlib.error`` or
    ``lzma.LZMAError`` when it is corrupt (as the standard library's compressed files do).
    """

    name: str
    suffix: str
    signature: re.Pattern[bytes]
    chunks: Callable[[BinaryIO], Iterator[bytes]]


class _Readable(Protocol):
    def read(self, size: int, /) -> bytes: ...


def _reading(stream: _Readable) -> Iterator[bytes]:
    while chunk := stream.read(CHUNK):
        yield chunk


def _gzip(packed: BinaryIO) -> Iterator[bytes]:
    import gzip

    with gzip.GzipFile(fileobj=packed, mode="rb") as stream:
        yield from _reading(stream)


def _bzip2(packed: BinaryIO) -> Iterator[bytes]:
    import bz2

    with bz2.BZ2File(packed) as stream:
        yield from _reading(stream)


def _xz(packed: BinaryIO) -> Iterator[bytes]:
    import lzma

    with lzma.LZMAFile(packed) as stream:
        yield from _reading(stream)


def _zstd(packed: BinaryIO) -> Iterator[bytes]:
    """Frame by frame, so that a frame cut short is noticed (the module's readers stop quietly)."""
    import zstandard

    decompressor = zstandard.ZstdDecompressor()
    frame = None
    try:
        while piece := packed.read(_ZSTD_PIECE):
            while piece:
                if frame is None:
                    frame = decompressor.decompressobj()
                yield frame.decompress(piece)
                piece, frame = (frame.unused_data, None) if frame.eof else (b"", frame)
    except zstandard.ZstdError as exc:
        raise OSError(str(exc)) from None
    if frame is not None:
        raise EOFError("the last zstd frame is incomplete")


CODECS = (
    Codec("gzip", ".gz", re.compile(rb"\x1f\x8b\x08"), _gzip),
    # "BZh", the block size, then the magic of a first block or of the end of an empty stream.
    Codec("bzip2", ".bz2",
          re.compile(rb"BZh[1-9](\x31\x41\x59\x26\x53\x59|\x17\x72\x45\x38\x50\x90)"), _bzip2),
    Codec("xz", ".xz", re.compile(rb"\xfd7zXZ\x00"), _xz),
    Codec("zstd", ".zst", re.compile(rb"\x28\xb5\x2f\xfd"), _zstd),
)


def _corrupt() -> tuple[type[Exception], ...]:
    """What decompressing corrupt data raises (the modules are imported only for such input)."""
    import lzma
    import zlib

    return (OSError, zlib.error, lzma.LZMAError)


def is_stdin(given: str | Path) -> bool:
    """True for ``-`` (as text or as a path): standard input.

    A file named ``-`` is read through a longer path to it, such as its absolute path.
    """
    return str(given) == STDIN


@contextmanager
def local_input(given: str | Path) -> Iterator[Local]:
    """A local, seekable file (or folder) holding ``given``'s bytes, decompressed.

    ``given`` is a path or ``-`` (standard input, read once and whole). Errors are
    ``FormatError``s naming ``given``: no such file, unreadable, truncated or corrupt data.
    """
    stdin = is_stdin(given)
    name = STDIN_NAME if stdin else str(Path(given))
    path = Path(given)
    if not stdin and not path.exists():
        raise FormatError("no such file", path=name)
    in_place = not stdin and (path.is_dir() or path.is_file())
    codec = _codec_of(path, name) if in_place and not path.is_dir() else None
    if in_place and codec is None:
        yield Local(path, name)
        return
    import tempfile

    try:
        scratch = tempfile.TemporaryDirectory(prefix="histcheck-")
    except OSError as exc:
        raise FormatError(f"cannot make a temporary folder ({_reason(exc)})", path=name) from None
    with scratch as folder:
        path = _local_copy(given, name, codec, Path(folder))
        try:
            yield Local(path, name)
        except HistoryError as exc:
            if exc.path != str(path):
                raise
            raise type(exc)(exc.problem, path=name, line=exc.line) from None


def _local_copy(given: str | Path, name: str, codec: Codec | None, scratch: Path) -> Path:
    """A plain file in ``scratch`` with ``given``'s bytes, decompressed.

    ``codec`` says how a regular file is compressed; it is None for a stream, which is copied
    first, then looked at. The copy keeps the file's name, less a compression suffix: some
    readers read meaning into names (Cobra's session numbers).
    """
    base = "stdin" if is_stdin(given) else Path(given).name
    local = scratch / "local"
    local.mkdir()
    packed, stream = Path(given), scratch / "stream"
    if codec is None:
        _pour(_stream(given, name), stream, name, None)
        codec = _codec_of(stream, name)
        if codec is None:
            return stream.rename(local / base)
        packed = stream
    target = local / (base.removesuffix(codec.suffix) or base)
    with packed.open("rb") as fh:
        _pour(codec.chunks(fh), target, name, codec)
    stream.unlink(missing_ok=True)
    return target


def _codec_of(path: Path, name: str) -> Codec | None:
    try:
        with path.open("rb") as fh:
            head = fh.read(_HEAD)
    except OSError as exc:
        raise FormatError(_unreadable(exc, None), path=name) from None
    return next((codec for codec in CODECS if codec.signature.match(head)), None)


def _stream(given: str | Path, name: str) -> Iterator[bytes]:
    """The chunks of standard input (left open: it is not ours to close) or of the file."""
    if is_stdin(given):
        stdin = getattr(sys.stdin, "buffer", None)
        if stdin is None:
            raise FormatError("no standard input to read", path=name)
        yield from _reading(stdin)
        return
    with Path(given).open("rb") as stream:
        yield from _reading(stream)


def _pour(chunks: Iterator[bytes], target: Path, name: str, codec: Codec | None) -> None:
    """Write ``chunks`` to ``target``, one at a time; a failure is a one-line error."""
    try:
        with target.open("wb") as out:
            for chunk in _checked(chunks, name, codec):
                out.write(chunk)
    except OSError as exc:
        raise FormatError(f"cannot copy the input to a temporary file ({_reason(exc)})",
                          path=name) from None


def _checked(chunks: Iterator[bytes], name: str, codec: Codec | None) -> Iterator[bytes]:
    """``chunks``, with a failure to read or decompress them made a ``FormatError``."""
    try:
        yield from chunks
    except Exception as exc:
        if not isinstance(exc, (ImportError, EOFError, *_corrupt())):
            raise
        raise FormatError(_unreadable(exc, codec), path=name) from None


def _unreadable(exc: Exception, codec: Codec | None) -> str:
    """What went wrong reading the input (compressed with ``codec``, unless None)."""
    if codec is None:
        return f"cannot read ({_reason(exc)})"
    if isinstance(exc, ImportError):
        return (f"{codec.name}-compressed, but the {exc.name} module that reads it is not "
                "installed: decompress it first")
    if isinstance(exc, EOFError):
        return f"truncated {codec.name} data"
    return f"corrupt {codec.name} data ({_reason(exc)})"


def _reason(exc: Exception) -> str:
    return (exc.strerror if isinstance(exc, OSError) else None) or str(exc)

