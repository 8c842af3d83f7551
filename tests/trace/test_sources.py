"""Traces read from standard input and from compressed files are the traces of plain files."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from histcheck.errors import FormatError
from histcheck.trace import load_trace
from tests.trace.test_reading import snapshot

TRACES = Path(__file__).resolve().parents[2] / "histories" / "traces"
COMPRESS: dict[str, Callable[[bytes], bytes]] = {
    ".gz": gzip.compress, ".bz2": bz2.compress, ".xz": lzma.compress,
}


# The causal-kv sample beside the traces is a history, read by read_history (tests/formats).
SAMPLES = sorted(p for p in TRACES.iterdir() if not p.name.startswith("causal-kv"))


def test_every_sample_is_a_trace() -> None:
    assert len(SAMPLES) == len(list(TRACES.iterdir())) - 1
    assert all(len(load_trace(plain)) > 0 for plain in SAMPLES)


@pytest.mark.parametrize("suffix", COMPRESS)
@pytest.mark.parametrize("plain", SAMPLES, ids=lambda p: p.name)
def test_compressed_trace_reads_as_plain(plain: Path, suffix: str, tmp_path: Path) -> None:
    path = tmp_path / (plain.name + suffix)
    path.write_bytes(COMPRESS[suffix](plain.read_bytes()))
    trace = load_trace(path)
    assert snapshot(trace) == snapshot(load_trace(plain))
    assert trace.source == str(path)


def test_trace_from_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = TRACES / "broadcast-causal-ok.shiviz.log"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(plain.read_bytes())))
    trace = load_trace("-")
    assert snapshot(trace) == snapshot(load_trace(plain))
    assert trace.source == "<stdin>"


def test_truncated_trace_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl.xz"
    path.write_bytes(lzma.compress((TRACES / "channel-fifo-bad.jsonl").read_bytes())[:-20])
    with pytest.raises(FormatError) as caught:
        load_trace(path)
    assert str(caught.value) == f"{path}: truncated xz data"


@pytest.mark.parametrize(("name", "compress", "code"), [
    ("broadcast-causal-bad.jsonl", gzip.compress, 1),
    ("broadcast-causal-ok.shiviz.log", None, 0),
])
def test_check_reads_a_trace_from_stdin(name: str, compress: Callable[[bytes], bytes] | None,
                                        code: int, tmp_path: Path) -> None:
    data = (TRACES / name).read_bytes()
    done = subprocess.run(
        [sys.executable, "-c", "from histcheck.cli import main; main()", "check", "-",
         "--model", "broadcast", "--consistency", "causal"],
        input=data if compress is None else compress(data), capture_output=True, timeout=60,
        env={**os.environ, "TMPDIR": str(tmp_path)}, check=False)
    assert done.returncode == code, done.stderr
    assert done.stdout.startswith(b"<stdin>: " + (b"INVALID" if code else b"VALID"))
    assert list(tmp_path.iterdir()) == []
