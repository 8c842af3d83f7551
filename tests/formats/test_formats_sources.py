"""Histories read from standard input and from compressed files are the histories of plain files.

Compressed data is recognised by its magic bytes, whatever its name; data cut short or corrupted
is refused with one located line, never read in part; the temporary copies are always removed.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from histcheck.cli import main
from histcheck.errors import FormatError, HistoryError
from histcheck.formats import FORMATS, detect, read_history, write_history
from histcheck.formats.source import local_input
from histcheck.history import History

HISTORIES = Path(__file__).resolve().parents[2] / "histories"
COMPRESS: dict[str, tuple[str, Callable[[bytes], bytes]]] = {
    "gzip": (".gz", gzip.compress), "bzip2": (".bz2", bz2.compress), "xz": (".xz", lzma.compress),
}
BUNDLED = {
    "edn": HISTORIES / "jepsen" / "bank.edn",
    "jepsen-log": HISTORIES / "porcupine-etcd" / "etcd_000.log",
    "polysi": HISTORIES / "txn-formats" / "polysi-text" / "galera.txt",
    "dbcop": HISTORIES / "txn-formats" / "dbcop" / "write-skew.json",
    "cobra": HISTORIES / "txn-formats" / "cobra-log" / "cock-G2" / "T1.log",
    "dbcop-bincode": HISTORIES / "txn-formats" / "dbcop-bincode" / "dgraph" / "history.bincode",
}
CAS_BAD = HISTORIES / "knossos" / "cas-register" / "bad" / "bad-analysis.edn"
CAS_GOOD = HISTORIES / "knossos" / "cas-register" / "good" / "memstress3-9.edn"


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One plain file per format: the bundled ones, and JSON Lines and JSON written from EDN."""
    folder = tmp_path_factory.mktemp("samples")
    jsonl = folder / "bank.jsonl"
    write_history(read_history(BUNDLED["edn"]), jsonl)
    array = folder / "bank.json"
    array.write_bytes(b"[\n" + b",\n".join(jsonl.read_bytes().splitlines()) + b"\n]\n")
    return {**BUNDLED, "jsonl": jsonl, "json": array}


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The folder temporary copies go to; it must be empty again after every test using it."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    assert list(folder.iterdir()) == []


def same(read: History, plain: History) -> bool:
    return (read.operations == plain.operations and read.others == plain.others
            and list(read.lines) == list(plain.lines) and read.size == plain.size
            and read.timed == plain.timed)


def packed(plain: Path, codec: str, folder: Path, name: str | None = None) -> Path:
    suffix, compress = COMPRESS[codec]
    target = folder / (name or plain.name + suffix)
    target.write_bytes(compress(plain.read_bytes()))
    return target


def test_every_format_has_a_sample(samples: dict[str, Path]) -> None:
    assert set(samples) == set(FORMATS)
    assert all(detect(path).name == name for name, path in samples.items())


@pytest.mark.parametrize("codec", COMPRESS)
@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_compressed_reads_as_plain(samples: dict[str, Path], fmt: str, codec: str,
                                   tmp_path: Path, scratch: Path) -> None:
    plain = read_history(samples[fmt])
    path = packed(samples[fmt], codec, tmp_path)
    history = read_history(path)
    assert same(history, plain)
    assert history.source == str(path)
    assert same(read_history(path, fmt), plain)


@pytest.mark.parametrize("codec", COMPRESS)
def test_detection_ignores_the_name(samples: dict[str, Path], codec: str, tmp_path: Path,
                                    scratch: Path) -> None:
    plain = read_history(samples["jsonl"])
    assert same(read_history(packed(samples["jsonl"], codec, tmp_path, "history")), plain)
    misnamed = tmp_path / f"plain{COMPRESS[codec][0]}"
    misnamed.write_bytes(samples["jsonl"].read_bytes())
    assert same(read_history(misnamed), plain)


def test_a_folder_is_read_in_place(scratch: Path) -> None:
    folder = HISTORIES / "txn-formats" / "cobra-log" / "cock-G2"
    with local_input(folder) as local:
        assert local.path == folder
    assert len(read_history(folder)) > 0


def test_a_plain_file_is_read_in_place(samples: dict[str, Path]) -> None:
    with local_input(str(samples["jsonl"])) as local:
        assert local.path == samples["jsonl"]
        assert local.name == str(samples["jsonl"])


def test_errors_inside_compressed_data_name_the_file_and_line(tmp_path: Path,
                                                              scratch: Path) -> None:
    plain = tmp_path / "h.jsonl"
    plain.write_text('{"process": 0, "type": "invoke", "f": "read"}\n\n{"process": 0, "type": ')
    path = packed(plain, "gzip", tmp_path)
    with pytest.raises(FormatError) as caught:
        read_history(path)
    assert (caught.value.path, caught.value.line) == (str(path), 3)
    assert "invalid JSON" in caught.value.problem


def test_problems_found_after_reading_name_the_file(samples: dict[str, Path], tmp_path: Path,
                                                    scratch: Path) -> None:
    path = packed(samples["jsonl"], "xz", tmp_path)
    history = read_history(path)
    error = history.error("a problem", history.operations[3])
    assert error.path == str(path)
    assert error.line == read_history(samples["jsonl"]).line_of(history.operations[3].call)


def _stdin(monkeypatch: pytest.MonkeyPatch, data: bytes) -> None:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))


@pytest.mark.parametrize("codec", [None, *COMPRESS])
def test_stdin_plain_or_compressed(samples: dict[str, Path], codec: str | None,
                                   monkeypatch: pytest.MonkeyPatch, scratch: Path) -> None:
    data = samples["edn"].read_bytes()
    _stdin(monkeypatch, data if codec is None else COMPRESS[codec][1](data))
    history = read_history("-")
    assert same(history, read_history(samples["edn"]))
    assert history.source == "<stdin>"


def test_empty_stdin_is_an_empty_history(monkeypatch: pytest.MonkeyPatch, scratch: Path) -> None:
    _stdin(monkeypatch, b"")
    with pytest.raises(FormatError, match=r"^<stdin>: empty history"):
        read_history("-")


def test_temporary_copies_go_when_the_reader_fails(tmp_path: Path, scratch: Path) -> None:
    plain = tmp_path / "h.jsonl"
    plain.write_text('{"process": 0, "type": "ok", "f": "read", "value": 1}\n')
    path = packed(plain, "bzip2", tmp_path)
    with pytest.raises(HistoryError, match="without an invoke"):
        read_history(path)
    with pytest.raises(RuntimeError, match="a reader broke"), local_input(path):
        assert len(list(scratch.iterdir())) == 1
        raise RuntimeError("a reader broke")


def _corrupt(data: bytes) -> bytes:
    middle = bytearray(data)
    middle[len(middle) // 2] ^= 0x55
    return bytes(middle)


def _cut(data: bytes) -> bytes:
    return data[: len(data) // 2]


@pytest.mark.parametrize(("damage", "problem"), [(_cut, "truncated"), (_corrupt, "corrupt")])
@pytest.mark.parametrize("codec", COMPRESS)
def test_damaged_data_is_one_located_line(samples: dict[str, Path], codec: str,
                                          damage: Callable[[bytes], bytes], problem: str,
                                          tmp_path: Path, scratch: Path) -> None:
    path = packed(samples["edn"], codec, tmp_path)
    path.write_bytes(damage(path.read_bytes()))
    result = CliRunner().invoke(main, ["stats", str(path)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"histcheck: {path}: {problem} {codec} data")
    assert result.stderr.count("\n") == 1


def test_zstd_without_the_module_says_to_decompress(tmp_path: Path, scratch: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "zstandard", None)
    path = tmp_path / "h.jsonl.zst"
    path.write_bytes(b"\x28\xb5\x2f\xfd" + bytes(20))
    result = CliRunner().invoke(main, ["check", str(path), "--model", "cas-register"])
    assert result.exit_code == 2
    assert result.stderr == (f"histcheck: {path}: zstd-compressed, but the zstandard module that "
                             "reads it is not installed: decompress it first\n")


def test_zstd_with_the_module_reads_and_notices_a_cut(samples: dict[str, Path], tmp_path: Path,
                                                      scratch: Path) -> None:
    zstandard = pytest.importorskip("zstandard")
    data = samples["jsonl"].read_bytes()
    frames = [zstandard.ZstdCompressor().compress(part) for part in (data[:5000], data[5000:])]
    path = tmp_path / "h.zst"
    path.write_bytes(b"".join(frames))
    assert same(read_history(path), read_history(samples["jsonl"]))
    path.write_bytes(b"".join(frames)[:-3])
    with pytest.raises(FormatError, match="truncated zstd data"):
        read_history(path)


SMALL = ('{"process": 0, "type": "invoke", "f": "write", "value": 1}\n'
         '{"process": 1, "type": "invoke", "f": "read", "value": null}\n'
         '{"process": 0, "type": "ok", "f": "write", "value": 1}\n'
         '{"process": 1, "type": "ok", "f": "read", "value": 1}\n') * 20


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, History]:
    path = tmp_path_factory.mktemp("small") / "h.jsonl"
    path.write_text(SMALL)
    return path, read_history(path)


def _outcome(path: Path, plain: History) -> str:
    """"identical", or the problem of the FormatError that refused the file; nothing else."""
    try:
        history = read_history(path)
    except FormatError as exc:
        return exc.problem
    assert same(history, plain), "compressed data that was damaged read as another history"
    return "identical"


@given(codec=st.sampled_from(sorted(COMPRESS)), cut=st.floats(0, 1))
def test_any_cut_is_refused_or_changes_nothing(small: tuple[Path, History], codec: str,
                                               cut: float) -> None:
    plain, history = small
    data = COMPRESS[codec][1](plain.read_bytes())
    end = round(cut * len(data))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "h"
        path.write_bytes(data[:end])
        outcome = _outcome(path, history)
    if end == len(data):
        assert outcome == "identical"
    elif end >= 10:  # long enough to show the magic bytes of every codec
        assert outcome == f"truncated {codec} data"
    else:
        assert outcome != "identical"


@given(codec=st.sampled_from(sorted(COMPRESS)), where=st.floats(0, 1), flip=st.integers(1, 255))
def test_any_flipped_byte_is_refused_or_changes_nothing(small: tuple[Path, History], codec: str,
                                                        where: float, flip: int) -> None:
    plain, history = small
    data = bytearray(COMPRESS[codec][1](plain.read_bytes()))
    data[min(int(where * len(data)), len(data) - 1)] ^= flip
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "h.gz"
        path.write_bytes(bytes(data))
        _outcome(path, history)


def _histcheck(args: list[str], data: bytes, tmp: Path) -> subprocess.CompletedProcess[bytes]:
    """The installed command, fed ``data`` on standard input, with its temporary files in tmp."""
    command = [sys.executable, "-c", "from histcheck.cli import main; main()", *args]
    return subprocess.run(command, input=data, capture_output=True, timeout=60,
                          env={**os.environ, "TMPDIR": str(tmp)}, check=False)


@pytest.mark.parametrize(("args", "source", "codec", "code", "says"), [
    (["stats", "-"], CAS_BAD, None, 0, b"<stdin>: 9 operations"),
    (["stats", "-"], CAS_BAD, "xz", 0, b"<stdin>: 9 operations"),
    (["stats", "/dev/stdin"], CAS_BAD, "bzip2", 0, b"/dev/stdin: 9 operations"),
    (["check", "-", "--model", "cas-register"], CAS_BAD, "gzip", 1, b"INVALID"),
    (["check", "-", "--model", "cas-register"], CAS_GOOD, None, 0, b"<stdin>: VALID for"),
])
def test_the_command_reads_stdin(args: list[str], source: Path, codec: str | None, code: int,
                                 says: bytes, tmp_path: Path) -> None:
    if args[1] == "/dev/stdin" and not Path("/dev/stdin").exists():
        pytest.skip("no /dev/stdin here")
    data = source.read_bytes()
    done = _histcheck(args, data if codec is None else COMPRESS[codec][1](data), tmp_path)
    assert done.returncode == code, done.stderr
    assert says in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_truncated_stdin_is_one_line(tmp_path: Path) -> None:
    done = _histcheck(["stats", "-"], _cut(gzip.compress(CAS_BAD.read_bytes())), tmp_path)
    assert done.returncode == 2
    assert done.stderr == b"histcheck: <stdin>: truncated gzip data\n"
    assert list(tmp_path.iterdir()) == []

