"""Progress on stderr: a bar on a terminal for long work, nothing otherwise or with --quiet."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

ETCD = Path(__file__).resolve().parents[1] / "histories/porcupine-etcd"


def _stderr_on_a_terminal(*args: str, delay: float = 0.5) -> tuple[int, str]:
    """Run the CLI with stderr on a pseudo-terminal (stdout discarded) and bars shown after
    ``delay`` seconds; what the terminal got."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "histcheck", *args],
                               stdout=subprocess.DEVNULL, stderr=slave,
                               env={**os.environ, "HISTCHECK_PROGRESS_DELAY": str(delay)})
    os.close(slave)
    seen = bytearray()
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break  # the other end closed: the process is done
        if not chunk:
            break
        seen.extend(chunk)
    code = process.wait(60)
    os.close(master)
    return code, seen.decode(errors="replace")


@pytest.mark.slow
def test_a_folder_run_shows_histories_done_of_all_on_a_terminal() -> None:
    code, shown = _stderr_on_a_terminal("check", *[str(ETCD)] * 6, "--model", "etcd")
    assert code == 1
    assert "histories:" in shown and "/612" in shown


@pytest.mark.slow
def test_quiet_silences_it() -> None:
    code, shown = _stderr_on_a_terminal("check", *[str(ETCD)] * 6, "--model", "etcd",
                                        "--quiet")
    assert code == 1
    assert "histories:" not in shown


def test_nothing_when_stderr_is_not_a_terminal() -> None:
    run = subprocess.run([sys.executable, "-m", "histcheck", "check", str(ETCD / "etcd_000.log"),
                          str(ETCD / "etcd_001.log"), "--model", "etcd"],
                         capture_output=True, text=True, check=False)
    assert run.returncode == 1
    assert "histories" not in run.stderr and "\r" not in run.stderr


JSONL_PAIR = ('{{"process": {p}, "type": "invoke", "f": "write", "value": {n}}}\n'
              '{{"process": {p}, "type": "ok", "f": "write", "value": {n}}}\n')
EDN_PAIR = ("{{:process {p}, :type :invoke, :f :write, :value {n}}}\n"
            "{{:process {p}, :type :ok, :f :write, :value {n}}}\n")


@pytest.mark.slow
@pytest.mark.parametrize(("suffix", "pair", "unit"), [(".jsonl", JSONL_PAIR, "B/s"),
                                                      (".edn", EDN_PAIR, "char/s")])
def test_reading_a_large_file_shows_how_much_was_read(tmp_path: Path, suffix: str, pair: str,
                                                      unit: str) -> None:
    big = tmp_path / f"big{suffix}"
    big.write_text("".join(pair.format(p=n % 8, n=n) for n in range(150_000)))
    code, shown = _stderr_on_a_terminal("check", str(big), "--model", "register", delay=0)
    assert code == 0
    assert "reading:" in shown and unit in shown


def test_a_transactional_check_counts_its_steps() -> None:
    paper = Path(__file__).resolve().parents[1] / "histories/elle/paper-example.edn"
    code, shown = _stderr_on_a_terminal("check", str(paper), "--model", "list-append",
                                        "--consistency", "serializable", delay=0)
    assert code == 1
    assert "list-append serializable:" in shown and "step" in shown
