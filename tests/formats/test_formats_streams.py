"""Every input is read once and whole; a folder walk never hangs and never loops.

A pipe, a FIFO or ``/dev/fd/N`` cannot be read twice: its bytes are copied once and detected and
parsed from the copy, so a history longer than the detector's head (4 KB) loses nothing. In a
folder, anything that is not a regular file or folder (a FIFO with no writer would block the
reader forever) is named in a warning and never opened; symbolic links are followed, but each
real folder and file is visited once, so ``ln -s . self`` neither loops nor checks a file twice.
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import threading
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from histcheck.cli import history_paths, main
from histcheck.errors import HistcheckWarning
from histcheck.formats import HEAD_BYTES, read_history

OPERATIONS = 36
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
pytestmark = pytest.mark.timeout(30)
"""A walk that loops, or a FIFO opened with no writer, fails the test instead of hanging it."""


def long_invalid_history() -> bytes:
    """A cas-register EDN history of 36 operations, longer than the detector's head.

    Its one impossible read is near the start: a reader that lost the first 4 KB would see
    only the last, harmless operation and call the history valid.
    """
    events = [
        "{:process 0, :type :invoke, :f :write, :value 1, :time 1000000000}",
        "{:process 0, :type :ok, :f :write, :value 1, :time 1000000001}",
        "{:process 1, :type :invoke, :f :read, :value nil, :time 1000000002}",
        "{:process 1, :type :ok, :f :read, :value 2, :time 1000000003}",
    ]
    for op in range(2, OPERATIONS):
        time = 1000000000 + 2 * op + 2
        events += [f"{{:process {op}, :type :invoke, :f :write, :value 1, :time {time}}}",
                   f"{{:process {op}, :type :ok, :f :write, :value 1, :time {time + 1}}}"]
    data = ("\n".join(events) + "\n").encode()
    assert len(data) > HEAD_BYTES + 200
    return data


def _histcheck(args: list[str], data: bytes | None = None, pass_fds: tuple[int, ...] = (),
               timeout: float = 60) -> subprocess.CompletedProcess[bytes]:
    """The installed command, fed ``data`` on standard input, given the open ``pass_fds``."""
    command = [sys.executable, "-c", "from histcheck.cli import main; main()", *args]
    return subprocess.run(command, input=data, pass_fds=pass_fds, capture_output=True,
                          timeout=timeout, check=False)


def _verdict(completed: subprocess.CompletedProcess[bytes]) -> dict[str, object]:
    lines = completed.stdout.decode().splitlines()
    assert len(lines) == 1, completed
    verdict: dict[str, object] = json.loads(lines[0])
    return verdict


def _assert_whole_and_invalid(completed: subprocess.CompletedProcess[bytes]) -> None:
    assert completed.returncode == 1, completed.stderr
    verdict = _verdict(completed)
    assert verdict["valid"] is False
    assert verdict["anomaly_types"] == ["nonlinearizable"]
    assert verdict["operations"] == OPERATIONS


CHECK = ["check", "--model", "cas-register", "--json"]


@pytest.mark.parametrize("packed", [False, True], ids=["plain", "gzip"])
def test_a_history_piped_to_stdin_is_read_whole(packed: bool) -> None:
    data = long_invalid_history()
    _assert_whole_and_invalid(_histcheck([*CHECK, "-"],
                                         gzip.compress(data) if packed else data))


def _feed(fd: int, data: bytes) -> threading.Thread:
    """A thread writing ``data`` to the pipe's write end ``fd``, then closing it."""
    def write() -> None:
        with os.fdopen(fd, "wb") as out:
            out.write(data)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


@pytest.mark.skipif(not Path("/dev/fd").is_dir(), reason="no /dev/fd here")
@pytest.mark.parametrize("packed", [False, True], ids=["plain", "gzip"])
def test_a_pipe_named_as_dev_fd_is_read_whole(packed: bool) -> None:
    data = long_invalid_history()
    read_end, write_end = os.pipe()
    writer = _feed(write_end, gzip.compress(data) if packed else data)
    try:
        completed = _histcheck([*CHECK, f"/dev/fd/{read_end}"], pass_fds=(read_end,))
    finally:
        os.close(read_end)
        writer.join(5)
    _assert_whole_and_invalid(completed)


@needs_fifo
def test_a_fifo_named_on_the_command_line_is_read(tmp_path: Path) -> None:
    fifo = tmp_path / "history.edn"
    os.mkfifo(fifo)

    def write() -> None:
        with fifo.open("wb") as out:
            out.write(long_invalid_history())

    writer = threading.Thread(target=write, daemon=True)
    writer.start()
    history = read_history(fifo)
    writer.join(5)
    assert len(history.operations) == OPERATIONS
    assert history.source == str(fifo)


@pytest.fixture
def folder_with_a_fifo(tmp_path: Path) -> Path:
    folder = tmp_path / "runs"
    folder.mkdir()
    (folder / "a.edn").write_bytes(long_invalid_history())
    os.mkfifo(folder / "b-pipe.edn")
    return folder


@needs_fifo
def test_a_fifo_in_a_folder_is_named_and_never_opened(folder_with_a_fifo: Path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = list(history_paths((str(folder_with_a_fifo),)))
    assert found == [folder_with_a_fifo / "a.edn"]
    said = [str(w.message) for w in caught if issubclass(w.category, HistcheckWarning)]
    assert said == [f"{folder_with_a_fifo / 'b-pipe.edn'}: skipped, a FIFO is not a history file"]


@needs_fifo
def test_the_command_skips_a_fifo_in_a_folder_without_waiting(folder_with_a_fifo: Path) -> None:
    completed = _histcheck([*CHECK, "--timeout", "1", str(folder_with_a_fifo)], timeout=30)
    _assert_whole_and_invalid(completed)
    assert completed.stderr.decode().splitlines() == [
        f"histcheck: warning: {folder_with_a_fifo / 'b-pipe.edn'}: skipped, a FIFO is not a "
        "history file"]


@pytest.fixture
def looped(tmp_path: Path) -> Path:
    """A folder with two histories and links back to itself and to one of its files."""
    folder = tmp_path / "d"
    (folder / "inner").mkdir(parents=True)
    (folder / "a.edn").write_bytes(long_invalid_history())
    (folder / "inner" / "b.edn").write_bytes(long_invalid_history())
    (folder / "self").symlink_to(".")
    return folder


def test_a_link_to_its_own_folder_checks_each_file_once(looped: Path) -> None:
    assert list(history_paths((str(looped),))) == [looped / "a.edn", looped / "inner" / "b.edn"]


def test_two_links_up_the_tree_check_each_file_once(looped: Path) -> None:
    (looped / "inner" / "up").symlink_to("..")
    (looped / "also-self").symlink_to(".")
    (looped / "z-copy.edn").symlink_to("a.edn")
    assert list(history_paths((str(looped),))) == [looped / "a.edn", looped / "inner" / "b.edn"]


def test_the_command_checks_a_looped_folder_once_per_file(looped: Path) -> None:
    (looped / "also-self").symlink_to(".")
    result = CliRunner().invoke(main, [*CHECK, str(looped)])
    assert result.exit_code == 1, result.output
    paths = [json.loads(line)["path"] for line in result.output.splitlines()]
    assert paths == [str(looped / "a.edn"), str(looped / "inner" / "b.edn")]


def test_a_link_to_a_file_outside_the_walk_is_followed(tmp_path: Path, looped: Path) -> None:
    outside = tmp_path / "elsewhere.edn"
    outside.write_bytes(long_invalid_history())
    (looped / "linked.edn").symlink_to(outside)
    assert list(history_paths((str(looped),))) == [
        looped / "a.edn", looped / "inner" / "b.edn", looped / "linked.edn"]
