"""A mutation fuzzer over every input format: bad input is one located line and exit 2.

The contract (README, "Exit codes"): a history either gets a verdict (exit 0 or 1, or 3 when the
budget runs out) or is refused as bad input with one line on stderr, ``histcheck: PATH[:LINE]:
problem``, and exit 2; never a traceback, never a hang, and never a verdict on a history that
was not read whole. The slow test takes valid seed files from ``histories/`` (or made from them),
breaks each a few hundred ways with a seeded random generator (cuts, lost, doubled and swapped
lines, flipped bytes, NUL, invalid UTF-8, numbers no history holds, 10,000 brackets, a 10 MB
string, values of the wrong shape) and runs every mutant through the real command in two worker
processes, each mutant bounded in wall time. A mutant that cuts a record in two must be refused.

Mutants that each stand for one problem are kept in ``regressions/`` (named after the problem,
listed in ``regressions/CASES.tsv``) and replayed by the fast tests at the end.
"""

from __future__ import annotations

import bz2
import collections
import functools
import gzip
import io
import lzma
import os
import random
import re
import shutil
import struct
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path

import pytest
from click.testing import CliRunner

from histcheck.cli import main

ROOT = Path(__file__).resolve().parents[2]
HISTORIES = ROOT / "histories"
REGRESSIONS = Path(__file__).resolve().parent / "regressions"
SECONDS_PER_MUTANT = 10.0
BUDGET = "5"
MUTANTS_PER_FORMAT = 400
WORKERS = 2


# ---- running one mutant ------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What the command did with one input."""

    code: int
    stdout: str
    stderr: str
    crash: str | None
    seconds: float


def run_check(path: str, model: str, extra: tuple[str, ...]) -> Outcome:
    """``histcheck check PATH --model MODEL --timeout 5`` in this process, as the CLI runs it."""
    started = time.monotonic()
    result = CliRunner().invoke(main, ["check", path, "--model", model, "--timeout", BUDGET,
                                       *extra])
    crash = None
    if not isinstance(result.exception, SystemExit | None):
        crash = f"{type(result.exception).__name__}: {result.exception}"[:300]
    return Outcome(result.exit_code, result.stdout, result.stderr, crash,
                   time.monotonic() - started)


def run_process(path: str, model: str, extra: tuple[str, ...]) -> Outcome:
    """The same command as a real process (its own interpreter, stdout and stderr)."""
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "histcheck", "check", path, "--model", model,
                           "--timeout", BUDGET, *extra], capture_output=True, text=True,
                          timeout=60, check=False)
    return Outcome(done.returncode, done.stdout, done.stderr, None, time.monotonic() - started)


# ---- seeds -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Seed:
    """A valid input to break: where it comes from, how to check it, and its record layout.

    ``shape`` says where records end, so that the fuzzer knows which cuts leave one in two:
    ``lines`` (one record per line), ``document`` (one bracketed document: any cut of content
    cuts it), ``shiviz`` (two lines per record after two header lines), ``cobra`` (binary records
    of a letter and 8-byte fields) and ``binary`` (length-prefixed: any cut cuts it).
    """

    fmt: str
    source: str
    model: str
    shape: str
    extra: tuple[str, ...] = ()
    make: Callable[[Path], bytes] | None = None
    name: str = "seed"
    folder: bool = False
    reader: str = "edn"
    """The ``--format`` that names this seed's reader."""
    ignored: bool = False
    """A side file the reader must ignore: every mutant gets the untouched folder's verdict."""

    def data(self) -> bytes:
        path = HISTORIES / self.source
        return self.make(path) if self.make is not None else path.read_bytes()

    @property
    def binary(self) -> bool:
        return self.shape in ("cobra", "binary")



def _as_jsonl(path: Path) -> bytes:
    from histcheck.formats import read_history
    from histcheck.formats.jsonl import write_jsonl

    out = Path(os.environ.get("TMPDIR", "/tmp")) / f"histcheck-fuzz-{os.getpid()}.jsonl"
    try:
        write_jsonl(read_history(path), out)
        return out.read_bytes()
    finally:
        out.unlink(missing_ok=True)


def _as_json_array(path: Path) -> bytes:
    lines = _as_jsonl(path).decode().splitlines()
    return ("[" + ",\n ".join(lines) + "]\n").encode()


def _first_transactions(path: Path, keep: int = 4) -> bytes:
    """A dbcop bincode history cut down to the first ``keep`` transactions of each session,
    re-encoded whole (so that checking a mutant takes milliseconds, not seconds)."""
    data = path.read_bytes()
    at = 40
    for _ in range(3):
        (size,) = struct.unpack_from("<Q", data, at)
        at += 8 + size
    out = bytearray(data[:at])
    (sessions,) = struct.unpack_from("<Q", data, at)
    out += data[at:at + 8]
    at += 8
    for _ in range(sessions):
        (txns,) = struct.unpack_from("<Q", data, at)
        at += 8
        out += struct.pack("<Q", min(txns, keep))
        for index in range(txns):
            (events,) = struct.unpack_from("<Q", data, at)
            end = at + 8 + 18 * events + 1
            if index < keep:
                out += data[at:end]
            at = end
    return bytes(out)


KNOSSOS_SMALL = "knossos/cas-register/bad/bad-analysis.edn"
COBRA = "txn-formats/cobra-log/cock-G2"
SEEDS: list[Seed] = [
    Seed("jsonl", KNOSSOS_SMALL, "cas-register", "lines", make=_as_jsonl, name="h.jsonl",
         reader="jsonl"),
    Seed("jsonl", "elle/paper-example.edn", "list-append", "lines", make=_as_jsonl,
         name="h.jsonl", reader="jsonl"),
    Seed("json", KNOSSOS_SMALL, "cas-register", "document", make=_as_json_array, name="h.json",
         reader="json"),
    Seed("json", "elle/rw-register.edn", "rw-register", "document", make=_as_json_array,
         name="h.json", reader="json", extra=("--consistency", "read-uncommitted")),
    Seed("edn-knossos", KNOSSOS_SMALL, "cas-register", "lines", name="h.edn"),
    Seed("edn-knossos", "knossos/cas-register/bad/rethink-fail-minimal.edn", "cas-register",
         "lines", name="h.edn"),
    Seed("edn-porcupine-kv", "porcupine-kv/c01-bad.txt", "kv", "lines", name="h.txt"),
    Seed("edn-elle", "elle/paper-example.edn", "list-append", "lines", name="h.edn"),
    Seed("edn-elle", "elle/list-append-gh-30.edn", "list-append", "lines", name="h.edn"),
    Seed("edn-completions", "elle/completion-only/g1c-completions.edn", "list-append", "lines",
         name="h.edn", extra=("--consistency", "read-committed")),
    Seed("edn-jepsen", "jepsen/bank-neg.edn", "bank", "lines", name="h.edn",
         extra=("--opt", "negative-balances=true")),
    Seed("edn-jepsen", "jepsen/long-fork.edn", "long-fork", "lines", name="h.edn",
         extra=("--opt", "group-size=3")),
    Seed("jepsen-log", "porcupine-etcd/etcd_002.log", "etcd", "lines", name="h.log",
         reader="jepsen-log"),
    Seed("polysi", "txn-formats/polysi-text/galera.txt", "rw-register", "lines", name="h.txt",
         reader="polysi"),
    Seed("isovista", "txn-formats/isovista/pg_ser_bug.txt", "rw-register", "lines",
         name="h.txt", reader="polysi"),
    Seed("dbcop", "txn-formats/dbcop/write-skew.json", "rw-register", "document",
         name="h.json", reader="dbcop"),
    Seed("dbcop-bincode", "txn-formats/dbcop-bincode/dgraph/history.bincode", "rw-register",
         "binary", name="history.bincode", reader="dbcop-bincode", make=_first_transactions,
         extra=("--consistency", "snapshot-isolation")),
    Seed("cobra-file", f"{COBRA}/T1.log", "rw-register", "cobra", name="T1.log", reader="cobra"),
    Seed("cobra-folder", f"{COBRA}/T4.log", "rw-register", "cobra", name="T4.log", reader="cobra",
         folder=True),
    Seed("cobra-side-file", "txn-formats/cobra-log/twitter-10000/T12.debug", "rw-register",
         "lines", name="T4.debug", reader="cobra", folder=True, ignored=True),
    Seed("shiviz", "traces/broadcast-causal-ok.shiviz.log", "broadcast", "shiviz",
         name="t.shiviz.log", reader="shiviz", extra=("--consistency", "causal")),
    Seed("trace-jsonl", "traces/broadcast-causal-bad.jsonl", "broadcast", "lines",
         name="t.jsonl", reader="trace-jsonl", extra=("--consistency", "causal")),
    Seed("trace-jsonl", "traces/causal-kv-cm-bad.jsonl", "causal-kv", "lines", name="t.jsonl",
         reader="jsonl", extra=("--consistency", "CM")),
    Seed("trace-jsonl", "traces/rpc-retry-duplicate.jsonl", "rpc", "lines", name="t.jsonl",
         reader="trace-jsonl", extra=("--consistency", "at-most-once")),
]


# ---- mutations ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Mutant:
    """One broken input: its bytes, how it was made, and whether it cuts a record in two."""

    fmt: str
    label: str
    data: bytes
    cut: bool = False
    packed: bytes | None = None
    """The compressed form, when the mutant is given compressed (``data`` is what it holds)."""

    @property
    def on_disk(self) -> bytes:
        return self.data if self.packed is None else self.packed


ODD_VALUES = [
    "1" + "0" * 5000, "-0", "1e999", "-1e999", "NaN", "Infinity", "1/0", "0/0", "0x1F",
    "1_000", "18446744073709551616", "-9223372036854775809", "1.5", "-1", "0",
    '"\\ud800"', '"\\uZZZZ"', '""', "[]", "{}", "[[]]", '{"a": 1}', "{:a 1}", "#{1 2}", "null",
    "nil", "true", ":kw", '"x"', "(1 2)", "#inst \"x\"", "#_ 1", "\\a", "Ϡ", "٢",
]
_TOKEN = re.compile(rb'-?\d+(?:\.\d+)?|"(?:[^"\\\n]|\\.)*"|:[\w-]+|\bnil\b|\bnull\b|\btrue\b|'
                    rb'\bfalse\b')
_FIELD = re.compile(rb'"\w+"\s*:\s*(?:"[^"\n]*"|[^,{}\[\]\s]+)\s*,?\s*|:\w+\s+(?:"[^"\n]*"|'
                    rb'[^\s,{}\[\]()]+),?\s*')
FIELD_VALUES = [
    ":process -1", ":process 1.0", ":process true", ":process nil", ":process [1]",
    '"process": -1', '"process": 1.0', '"process": true', '"process": null', '"process": [1]',
    ":time -1", ":time 1.5", ":time 99999999999999999999999", '"time": -5', '"time": 1e30',
    ":index -1", '"index": 18446744073709551616', ":type :info", ":type :nemesis",
    '"type": "info"', '"type": "fail"', ":f nil", '"f": null', '"f": 1', ":value {}",
    '"value": {}', "1E400", ".5", "-", "+", "1e", "0.0e0", "-0.0", "1N", "1.5M", "4/2",
    "#jepsen.history.Op{:a 1}", "#_ :x", "; comment", '"\\u0000"', '"\\n"',
    "##NaN", "##Inf", "#", "#{", "\\", "\\u12", "#uuid \"x\"", "#_#_", "^:meta x", "'x",
    "#?(:clj 1)", "#'x", "#(inc %)", "@x", "~@x", ":", "::x", "/", "a/b/c", "\\newline",
]
_TWICE = re.compile(rb'"type"\s*:\s*"\w+"\s*,\s*|:type\s+:\w+,?\s*')
DEEP = 10_000
LONG = 10 * 2**20


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def _replace_token(rng: random.Random, data: bytes, new: bytes) -> bytes:
    tokens = list(_TOKEN.finditer(data))
    if not tokens:
        return data + new
    token = rng.choice(tokens)
    return data[:token.start()] + new + data[token.end():]


def _text_mutants(rng: random.Random, seed: Seed, data: bytes) -> Iterator[Mutant]:
    """Endless mutants of a text seed, one kind after another."""
    fmt = seed.fmt
    while True:
        lines = _lines(data)
        at = rng.randrange(1, len(data))
        yield Mutant(fmt, f"truncate at byte {at}", data[:at], _cuts(seed, data, at))
        end = sum(len(line) for line in lines[:rng.randrange(1, len(lines))])
        yield Mutant(fmt, f"truncate at line end {end}", data[:end], _cuts(seed, data, end))
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        yield Mutant(fmt, f"delete line {i + 1}", b"".join(lines[:i] + lines[i + 1:]))
        yield Mutant(fmt, f"duplicate line {i + 1}", b"".join(lines[:i + 1] + lines[i:]))
        swapped = list(lines)
        swapped[i], swapped[j] = swapped[j], swapped[i]
        yield Mutant(fmt, f"swap lines {i + 1} and {j + 1}", b"".join(swapped))
        at = rng.randrange(len(data))
        flipped = bytes([data[at] ^ (1 << rng.randrange(8))])
        yield Mutant(fmt, f"flip a bit of byte {at}", data[:at] + flipped + data[at + 1:])
        at = rng.randrange(len(data))
        yield Mutant(fmt, f"NUL at byte {at}", data[:at] + b"\0" + data[at:])
        bad = rng.choice([b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf"])
        yield Mutant(fmt, f"invalid UTF-8 {bad!r} at byte {at}", data[:at] + bad + data[at:])
        odd = rng.choice(ODD_VALUES)
        yield Mutant(fmt, f"a token becomes {odd[:20]}",
                     _replace_token(rng, data, odd.encode()))
        opener = rng.choice([b"[", b"{", b"(", b"#{"])
        closer = {b"[": b"]", b"{": b"}", b"(": b")", b"#{": b"}"}[opener]
        deep = opener * DEEP + closer * DEEP if rng.random() < 0.7 else opener * DEEP
        yield Mutant(fmt, f"a token becomes {DEEP} of {opener!r}",
                     _replace_token(rng, data, deep))
        fields = list(_FIELD.finditer(data))
        if fields:
            gone = rng.choice(fields)
            yield Mutant(fmt, f"drop the field {gone.group()[:20]!r}",
                         data[:gone.start()] + data[gone.end():])
        i = rng.randrange(len(lines))
        shape = rng.choice([b"[1, 2]", b'"x"', b"42", b"nil", b"null", b"[", b"}", b"{}",
                            b"[" + lines[i].rstrip() + b"]"])
        yield Mutant(fmt, f"line {i + 1} becomes {shape[:20]!r}",
                     b"".join([*lines[:i], shape + b"\n", *lines[i + 1:]]))
        at = rng.randrange(len(data))
        yield Mutant(fmt, f"a '{{' or '[' swapped near byte {at}", _swap_bracket(data, at))
        yield Mutant(fmt, "CRLF line ends", data.replace(b"\n", b"\r\n"))
        yield Mutant(fmt, "a byte order mark first", b"\xef\xbb\xbf" + data)
        junk = rng.choice([b"]", b"}", b")", b"x", b"[", b"{", b";", b"#", b"\\", b'"', b"1"])
        yield Mutant(fmt, f"{junk!r} after the end", data + junk)
        yield Mutant(fmt, f"{junk!r} at the start", junk + data)
        text = rng.choice(FIELD_VALUES)
        yield Mutant(fmt, f"a token becomes {text[:20]}", _replace_token(rng, data,
                                                                          text.encode()))
        twice = _TWICE.sub(lambda m: m.group() + m.group(), data, count=1)
        yield Mutant(fmt, "a field given twice", twice)
        blank = rng.choice([b"", b"\n", b"   \n\t\n", b"\0", b";\n", b"#\n", b"[]", b"{}"])
        yield Mutant(fmt, f"the whole file is {blank!r}", blank)


def _swap_bracket(data: bytes, at: int) -> bytes:
    for i in range(at, len(data)):
        if data[i:i + 1] in (b"{", b"["):
            other = b"[" if data[i:i + 1] == b"{" else b"{"
            return data[:i] + other + data[i + 1:]
    return data


def _binary_mutants(rng: random.Random, seed: Seed, data: bytes) -> Iterator[Mutant]:
    """Endless mutants of a binary seed."""
    fmt = seed.fmt
    while True:
        at = rng.randrange(1, len(data))
        yield Mutant(fmt, f"truncate at byte {at}", data[:at], _cuts(seed, data, at))
        at = rng.randrange(len(data))
        flipped = bytes([data[at] ^ (1 << rng.randrange(8))])
        yield Mutant(fmt, f"flip a bit of byte {at}", data[:at] + flipped + data[at + 1:])
        yield Mutant(fmt, f"NUL at byte {at}", data[:at] + b"\0" + data[at:])
        start = rng.randrange(len(data))
        size = rng.randrange(1, 40)
        yield Mutant(fmt, f"delete {size} bytes at {start}", data[:start] + data[start + size:])
        yield Mutant(fmt, f"repeat {size} bytes at {start}",
                     data[:start + size] + data[start:])
        at = rng.randrange(0, max(1, len(data) - 8))
        number = rng.choice([2**64 - 1, 2**63, 2**32, 0, 1, 0xBEBEEBEE, 0xDEADBEEF,
                             rng.randrange(2**64)])
        order = ">" if seed.shape == "cobra" else "<"
        yield Mutant(fmt, f"u64 {number:#x} at byte {at}",
                     data[:at] + struct.pack(f"{order}Q", number) + data[at + 8:])
        letter = rng.choice([b"S", b"W", b"R", b"C", b"X", b"\0"])
        yield Mutant(fmt, f"byte {at} becomes {letter!r}", data[:at] + letter + data[at + 1:])


def _cuts(seed: Seed, data: bytes, at: int) -> bool:
    """Whether keeping ``data[:at]`` cuts a record in two (only blank space lost is no cut)."""
    if not data[at:].strip():
        return False
    if seed.shape in ("document", "binary"):
        return True
    if seed.shape == "cobra":
        return at not in _cobra_boundaries(data)
    line_start = data.rfind(b"\n", 0, at) + 1
    line_end = data.find(b"\n", at)
    rest = data[at:len(data) if line_end < 0 else line_end]
    if rest.strip() and data[line_start:at].strip():
        return True
    if seed.shape == "shiviz":
        # after the two header lines, each record is an event line and a host-and-clock line
        whole_lines = data[:at].count(b"\n") + bool(data[line_start:at].strip())
        return whole_lines > 2 and (whole_lines - 2) % 2 == 1
    return False


def _cobra_boundaries(data: bytes) -> set[int]:
    sizes = {b"S": 1, b"C": 1, b"W": 3, b"R": 4}
    bounds, at = {0}, 0
    while at < len(data) and data[at:at + 1] in sizes:
        at += 1 + 8 * sizes[data[at:at + 1]]
        bounds.add(at)
    return bounds


def _long_string(seed: Seed, data: bytes) -> Mutant:
    """A 10 MB string in place of a value (once per format: it is big)."""
    rng = random.Random(f"long {seed.fmt}")
    text = b'"' + b"x" * LONG + b'"'
    return Mutant(seed.fmt, "a token becomes a 10 MB string", _replace_token(rng, data, text))


def _compressed(rng: random.Random, mutant: Mutant) -> Mutant:
    """The mutant compressed; half the time the compressed bytes are cut or a bit flipped."""
    name, squeeze = rng.choice([("gzip", gzip.compress), ("bzip2", bz2.compress),
                                ("xz", lzma.compress)])
    packed = squeeze(mutant.data)
    label = f"{mutant.label}, {name}"
    if rng.random() < 0.25:
        at = rng.randrange(1, len(packed))
        return replace(mutant, label=f"{label} cut at byte {at}", cut=True, packed=packed[:at])
    if rng.random() < 0.33:
        at = rng.randrange(len(packed))
        flipped = bytes([packed[at] ^ (1 << rng.randrange(8))])
        return replace(mutant, label=f"{label}, bit flipped at byte {at}", cut=False,
                       packed=packed[:at] + flipped + packed[at + 1:])
    return replace(mutant, label=label, packed=packed)


def _stacked(rng: random.Random, seed: Seed, mutant: Mutant) -> Mutant:
    """A second and third mutation on top of the first (no cut is promised any more)."""
    data, labels = mutant.data, [mutant.label]
    for _ in range(2):
        if len(data) < 8 or data.count(b"\n") < 2:
            break
        maker = _binary_mutants if seed.binary else _text_mutants
        stream = maker(random.Random(rng.random()), seed, data)
        for _ in range(rng.randrange(1, 12)):
            again = next(stream)
        data, labels = again.data, [*labels, again.label]
    return Mutant(mutant.fmt, " + ".join(labels), data)


def mutants_of(seeds: list[Seed], count: int) -> list[Mutant]:
    """``count`` mutants of one format's seeds, the same on every run."""
    out: list[Mutant] = []
    streams = []
    for seed in seeds:
        rng = random.Random(f"{seed.fmt} {seed.source}")
        data = seed.data()
        maker = _binary_mutants if seed.binary else _text_mutants
        streams.append(maker(rng, seed, data))
    while len(out) < count:
        for number, stream in enumerate(streams):
            mutant = next(stream)
            if len(out) % 9 == 4 and not seeds[number].folder:
                mutant = _compressed(random.Random(len(out)), mutant)
            elif len(out) % 9 == 7:
                mutant = _stacked(random.Random(len(out)), seeds[number], mutant)
            out.append(mutant)
    out = out[:count]
    if not seeds[0].binary:
        out[-1] = _long_string(seeds[0], seeds[0].data())
    return out


# ---- the contract ------------------------------------------------------------------------


_LOCATED = re.compile(r"histcheck: (?P<path>.+?)(?::(?P<line>\d+))?: (?P<problem>.+)")


BINARY_READERS = ("cobra", "dbcop-bincode")
"""Readers of binary records, whose errors name a record or byte, not a line."""


def breaches(seed: Seed, mutant: Mutant, path: Path, out: Outcome,
             reader: str | None = None) -> list[str]:
    """Every way in which the command's answer to ``mutant`` breaks the contract."""
    found = []
    if out.crash is not None:
        found.append(f"crashed: {out.crash}")
    if "Traceback" in out.stdout + out.stderr:
        found.append("printed a traceback")
    if out.code not in (0, 1, 2, 3):
        found.append(f"exit {out.code}")
    if out.seconds > SECONDS_PER_MUTANT:
        found.append(f"took {out.seconds:.1f} s")
    if seed.ignored:
        if (out.code, out.stderr) != _untouched(seed):
            found.append(f"a side file changed the answer: exit {out.code}, {out.stderr!r}")
        return found
    if out.code == 2:
        found += _refusal_breaches(reader or seed.reader, mutant, path, out.stderr)
    elif mutant.cut and out.code in (0, 1, 3):
        found.append(f"a verdict (exit {out.code}) on a cut record")
    return found


@functools.cache
def _untouched(seed: Seed) -> tuple[int, str]:
    """The answer for the folder the side file sits in (read before any mutant)."""
    out = run_check(str(HISTORIES / COBRA), seed.model, ())
    return out.code, out.stderr


def _refusal_breaches(reader: str, mutant: Mutant, path: Path, stderr: str) -> list[str]:
    lines = stderr.splitlines()
    if len(lines) != 1:
        return [f"exit 2 with {len(lines)} lines on stderr"]
    match = _LOCATED.fullmatch(lines[0])
    if match is None or not match["path"].startswith(str(path)):
        return [f"exit 2 with a message that does not name the file: {lines[0][:200]!r}"]
    if reader not in BINARY_READERS and mutant.packed is None:
        if match["line"] is None and not _whole_file(match["problem"]):
            return [f"exit 2 without a line: {lines[0][:200]!r}"]
        if match["line"] is not None and int(match["line"]) > mutant.data.count(b"\n") + 1:
            return [f"exit 2 naming line {match['line']}, past the end: {lines[0][:200]!r}"]
    return []


def _whole_file(problem: str) -> bool:
    """A problem of the whole file (nothing to check in it), which no one line holds."""
    return problem.startswith("no ") or "empty" in problem


# ---- the fuzz run ------------------------------------------------------------------------


def _write(seed: Seed, mutant: Mutant, folder: Path) -> Path:
    """The mutant on disk; a Cobra folder mutant is a copy of the folder with one log broken."""
    folder.mkdir(parents=True)
    if seed.folder:
        target = folder / "logs"
        shutil.copytree(HISTORIES / COBRA, target)
        (target / seed.name).write_bytes(mutant.on_disk)
        return target
    target = folder / seed.name
    target.write_bytes(mutant.on_disk)
    return target


HISTORY_READERS = ["jsonl", "json", "edn", "jepsen-log", "polysi", "cobra", "dbcop",
                   "dbcop-bincode"]
TRACE_READERS = ["trace-jsonl", "shiviz"]


def _arguments(seed: Seed, number: int) -> tuple[str, ...]:
    """Every other mutant names its seed's format, so that its reader, not detection, meets it;
    one in ten names another reader of the same kind, which meets bytes it never expected
    (not for a folder: a file reader refuses a folder whole, or reads its files one by one)."""
    if number % 10 == 5 and not seed.folder:
        readers = TRACE_READERS if seed.reader in TRACE_READERS else HISTORY_READERS
        other = readers[number // 10 % len(readers)]
        return (*seed.extra, "--format", other)
    if number % 2:
        return (*seed.extra, "--format", seed.reader)
    return seed.extra


@dataclass
class Tally:
    """One format's figures: mutants run, exit codes, cut records among them, seconds spent."""

    mutants: int = 0
    codes: collections.Counter[int] = field(default_factory=collections.Counter)
    cut: int = 0
    seconds: float = 0.0


Job = tuple[Seed, Mutant, Path, tuple[str, ...]]


def _jobs(tmp_path: Path, per_format: int) -> list[Job]:
    by_format: dict[str, list[Seed]] = {}
    for seed in SEEDS:
        by_format.setdefault(seed.fmt, []).append(seed)
    jobs = []
    for fmt, seeds in by_format.items():
        for number, mutant in enumerate(mutants_of(seeds, per_format)):
            seed = seeds[number % len(seeds)]
            path = _write(seed, mutant, tmp_path / fmt / str(number))
            jobs.append((seed, mutant, path, _arguments(seed, number)))
    return jobs


def _reader(arguments: tuple[str, ...]) -> str | None:
    return arguments[arguments.index("--format") + 1] if "--format" in arguments else None


def fuzz(tmp_path: Path, per_format: int = MUTANTS_PER_FORMAT) -> tuple[dict[str, Tally],
                                                                         list[str]]:
    """Run every mutant in worker processes; the figures per format, and every breach found.

    A mutant that never returns shows as a stretch of ``3 * SECONDS_PER_MUTANT`` in which no
    worker finishes anything: the run stops there, naming what was still running.
    """
    tallies: dict[str, Tally] = collections.defaultdict(Tally)
    failures: list[str] = []
    pool = ProcessPoolExecutor(WORKERS, mp_context=get_context("spawn"))
    try:
        pending = {pool.submit(run_check, str(path), seed.model, args): job
                   for job in _jobs(tmp_path, per_format) for seed, _, path, args in [job]}
        while pending:
            done, _ = wait(pending, timeout=3 * SECONDS_PER_MUTANT, return_when=FIRST_COMPLETED)
            if not done:
                running = [f"{s.fmt} [{m.label}] {p}" for s, m, p, _ in pending.values()]
                failures.append(f"hung: one of {running[:WORKERS * 2]}")
                break
            for future in done:
                seed, mutant, path, args = pending.pop(future)
                out = future.result()
                tally = tallies[seed.fmt]
                tally.mutants += 1
                tally.codes[out.code] += 1
                tally.cut += mutant.cut and not seed.ignored
                tally.seconds += out.seconds
                for breach in breaches(seed, mutant, path, out, _reader(args)):
                    failures.append(f"{seed.fmt} {seed.source} [{mutant.label}] {path}: {breach}"
                                    f" | {out.stderr.strip()[:200]}")
    finally:
        # a hung worker would keep shutdown waiting: end the workers outright
        for process in list(pool._processes.values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)
    return tallies, failures


def report(tallies: dict[str, Tally]) -> str:
    out = io.StringIO()
    for fmt, tally in sorted(tallies.items()):
        codes = " ".join(f"{code}:{n}" for code, n in sorted(tally.codes.items()))
        out.write(f"{fmt:18} {tally.mutants:4} mutants ({tally.cut} cut)  exits {codes}  "
                  f"{tally.seconds:.1f} s\n")
    return out.getvalue()


@pytest.mark.slow
def test_every_mutant_is_a_verdict_or_one_located_line(tmp_path: Path) -> None:
    tallies, failures = fuzz(tmp_path)
    print(report(tallies))
    assert set(tallies) == {seed.fmt for seed in SEEDS}
    assert not failures, "\n".join(failures[:40])


@pytest.mark.slow
def test_the_real_process_answers_as_the_in_process_run(tmp_path: Path) -> None:
    """A sample of mutants, one of each kind per format, through a real process: same exit
    code and same stderr as the in-process run the fuzzer relies on."""
    for seed in SEEDS[::2]:
        for number, mutant in enumerate(mutants_of([seed], 13)[:12]):
            path = _write(seed, mutant, tmp_path / seed.fmt / f"{seed.name}-{number}")
            inside = run_check(str(path), seed.model, seed.extra)
            real = run_process(str(path), seed.model, seed.extra)
            assert (real.code, real.stderr) == (inside.code, inside.stderr), (seed.fmt,
                                                                               mutant.label)
            assert not breaches(seed, mutant, path, real), (seed.fmt, mutant.label)


# ---- the mutants that found bugs ---------------------------------------------------------


def _regressions() -> list[tuple[str, str, int, str]]:
    rows = []
    for row in (REGRESSIONS / "CASES.tsv").read_text().splitlines():
        if row and not row.startswith("#") and not row.startswith("file\t"):
            name, model, line, phrase, _ = row.split("\t")
            rows.append((name, model, int(line), phrase))
    return rows


def test_every_regression_file_is_listed() -> None:
    listed = {name for name, *_ in _regressions()}
    on_disk = {p.name for p in REGRESSIONS.iterdir() if p.name != "CASES.tsv"}
    assert listed == on_disk


@pytest.mark.parametrize(("name", "model", "line", "phrase"), _regressions(),
                         ids=[row[0] for row in _regressions()])
def test_regression_is_one_located_line_and_exit_2(name: str, model: str, line: int,
                                                    phrase: str) -> None:
    path = REGRESSIONS / name
    out = run_check(str(path), model, ())
    assert out.crash is None, out.crash
    assert out.code == 2, (out.code, out.stdout, out.stderr)
    (message,) = out.stderr.splitlines()
    assert message.startswith(f"histcheck: {path}:{line}: "), message
    assert phrase in message, message
    assert line <= path.read_bytes().count(b"\n") + 1, "the line must be in the file"
