"""The command boundary: OS errors, Ctrl-C and a closed stdout; control characters in text output.

An ``OSError`` from any command is one line naming the path and the system's reason, and exit 2
(never a traceback, whose exit 1 would read as "invalid"). The tests run as root on the test
machine, where file modes do not stop anyone: they use what root cannot get past (``/dev/full``,
a file where a folder is expected, a missing folder), and the mode tests skip when run as root.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from histcheck.cli import main
from histcheck.terminal import escape_controls

CORPUS = Path(__file__).parent.parent / "histories"
EDN = CORPUS / "knossos" / "cas-register" / "bad" / "cas-failure.edn"
TRACE = CORPUS / "traces" / "broadcast-causal-bad.jsonl"
FULL = Path("/dev/full")
as_root = pytest.mark.skipif(os.geteuid() == 0, reason="root is not stopped by file modes")


def run(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.stdout, result.stderr


def one_os_line(err: str, path: str | Path, reason: str) -> None:
    assert err.splitlines() == [f"histcheck: {path}: {reason}"], err
    assert "Traceback" not in err


def check(*extra: str | Path) -> tuple[int, str, str]:
    return run("check", EDN, "--model", "cas-register", *extra)


def test_junit_to_a_full_device_is_exit_2_naming_it() -> None:
    code, _, err = check("--junit", FULL)
    assert code == 2
    one_os_line(err, FULL, os.strerror(errno.ENOSPC))


def test_junit_into_a_missing_folder_is_exit_2_naming_it(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "junit.xml"
    code, _, err = check("--junit", target)
    assert code == 2
    one_os_line(err, target, os.strerror(errno.ENOENT))


def test_junit_under_a_file_is_exit_2_naming_it(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("")
    target = tmp_path / "plain" / "junit.xml"
    code, _, err = check("--junit", target)
    assert code == 2
    one_os_line(err, target, os.strerror(errno.ENOTDIR))


@as_root
def test_junit_into_a_read_only_folder_is_exit_2(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o500)
    code, _, err = check("--junit", folder / "junit.xml")
    assert code == 2
    one_os_line(err, folder / "junit.xml", os.strerror(errno.EACCES))


def test_report_onto_an_existing_file_is_exit_2(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("")
    code, _, err = check("--report", tmp_path / "plain")
    assert code == 2
    assert err.splitlines() == [f"histcheck: {tmp_path / 'plain'}: not a folder (--report "
                                f"writes a folder of pages)"], err
    code, _, err = check("--report", tmp_path / "plain" / "under")
    assert code == 2
    one_os_line(err, tmp_path / "plain" / "under" / "cas-failure_edn",
                os.strerror(errno.ENOTDIR))


def test_junit_onto_a_folder_is_one_line(tmp_path: Path) -> None:
    code, _, err = check("--junit", tmp_path)
    assert code == 2
    assert err.splitlines() == [f"histcheck: {tmp_path}: is a folder (--junit writes one XML "
                                f"file)"], err


def test_convert_into_a_missing_folder_is_exit_2(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "out.jsonl"
    code, _, err = run("convert", EDN, target)
    assert code == 2
    one_os_line(err, target, os.strerror(errno.ENOENT))


def test_convert_to_a_full_device_is_exit_2() -> None:
    code, _, err = run("convert", EDN, FULL, "--to", "jsonl")
    assert code == 2
    one_os_line(err, FULL, os.strerror(errno.ENOSPC))


def test_hb_html_to_an_unwritable_path_is_exit_2(tmp_path: Path) -> None:
    code, _, err = run("hb", TRACE, "--html", FULL)
    assert code == 2
    assert err.splitlines()[-1] == f"histcheck: {FULL}: {os.strerror(errno.ENOSPC)}"
    target = tmp_path / "missing" / "t.html"
    code, _, err = run("hb", TRACE, "--html", target)
    assert code == 2
    assert err.splitlines()[-1] == f"histcheck: {target}: {os.strerror(errno.ENOENT)}"


@as_root
def test_hb_html_into_a_read_only_folder_is_exit_2(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o500)
    code, _, err = run("hb", TRACE, "--html", folder / "t.html")
    assert code == 2 and err.splitlines()[-1].endswith(os.strerror(errno.EACCES))


def test_simulate_out_to_a_full_device_is_exit_2() -> None:
    code, _, err = run("simulate", "rpc", "--variant", "at-most-once", "--seed", "1",
                       "--out", FULL)
    assert code == 2
    one_os_line(err, FULL, os.strerror(errno.ENOSPC))


@as_root
def test_a_history_without_read_permission_is_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "h.edn"
    path.write_bytes(EDN.read_bytes())
    path.chmod(0)
    code, _, err = run("check", path, "--model", "cas-register")
    assert code == 2 and len(err.splitlines()) == 1 and str(path) in err


def test_a_file_that_vanishes_while_read_is_exit_2(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: Path) -> None:
    import histcheck.formats

    gone = tmp_path / "gone.jsonl"

    def vanishing(path: Any, fmt: Any = None) -> Any:
        raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), str(gone))

    monkeypatch.setattr(histcheck.formats, "read_history", vanishing)
    code, _, err = run("stats", gone)
    assert code == 2
    one_os_line(err, gone, os.strerror(errno.ENOENT))


def test_an_os_error_naming_no_path_still_gives_its_reason(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import histcheck.formats

    def failing(path: Any, fmt: Any = None) -> Any:
        raise OSError(errno.EIO, os.strerror(errno.EIO))

    monkeypatch.setattr(histcheck.formats, "read_history", failing)
    code, _, err = run("stats", EDN)
    assert code == 2 and err.splitlines() == [f"histcheck: {os.strerror(errno.EIO)}"]


def test_a_broken_pipe_not_on_stdout_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import histcheck.formats

    def failing(path: Any, fmt: Any = None) -> Any:
        raise BrokenPipeError(errno.EPIPE, os.strerror(errno.EPIPE), "db.sock")

    monkeypatch.setattr(histcheck.formats, "read_history", failing)
    code, _, err = run("stats", EDN)
    assert code == 2
    one_os_line(err, "db.sock", os.strerror(errno.EPIPE))


def test_ctrl_c_is_one_line_and_exit_130(monkeypatch: pytest.MonkeyPatch) -> None:
    import histcheck.formats

    def interrupted(path: Any, fmt: Any = None) -> Any:
        raise KeyboardInterrupt

    monkeypatch.setattr(histcheck.formats, "read_history", interrupted)
    code, _, err = run("stats", EDN)
    assert code == 130 and err.splitlines() == ["histcheck: interrupted"]


def test_sigint_to_a_running_check_exits_130() -> None:
    slow = subprocess.Popen([sys.executable, "-m", "histcheck", "verify", str(CORPUS)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(2)
    slow.send_signal(signal.SIGINT)
    _, err = slow.communicate(timeout=60)
    assert slow.returncode == 130
    assert err.splitlines()[-1] == "histcheck: interrupted" and "Traceback" not in err


def test_a_reader_closing_stdout_early_ends_quietly() -> None:
    writer = subprocess.Popen([sys.executable, "-m", "histcheck", "verify", str(CORPUS)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert writer.stdout is not None and writer.stderr is not None
    assert writer.stdout.readline().startswith(b"ok")
    writer.stdout.close()
    err = writer.stderr.read().decode()
    assert writer.wait(timeout=120) == 128 + signal.SIGPIPE
    assert err == ""


# Control characters in text output.

CONTROLS = "\x1b[31mX\x07"


def raw_controls(text: str) -> set[str]:
    return {c for c in text if (ord(c) < 0x20 and c not in "\n\t") or 0x7f <= ord(c) < 0xa0}


def test_escape_controls_writes_each_control_as_its_escape() -> None:
    assert escape_controls("a\x1b[31mX\x07\tb\nc\r\x00\x7f\x9b\u202e") == \
        "a\\x1b[31mX\\x07\tb\nc\\r\\x00\\x7f\\x9b\\u202e".replace("\\r", "\\x0d")
    assert escape_controls("plain, ünïcode ✓") == "plain, ünïcode ✓"


def history_with_controls(tmp_path: Path, name: str = f"h{CONTROLS}.jsonl") -> Path:
    value = json.dumps(CONTROLS)
    path = tmp_path / name
    path.write_text(
        f'{{"process": 0, "type": "invoke", "f": "write", "value": {value}}}\n'
        f'{{"process": 0, "type": "ok", "f": "write", "value": {value}}}\n'
        '{"process": 1, "type": "invoke", "f": "read", "value": null}\n'
        '{"process": 1, "type": "ok", "f": "read", "value": "other"}\n')
    return path


def test_check_text_output_has_no_raw_controls(tmp_path: Path) -> None:
    code, out, err = run("check", history_with_controls(tmp_path), "--model", "register")
    assert code == 1 and "INVALID" in out
    assert raw_controls(out + err) == set()
    assert "h\\x1b[31mX\\x07.jsonl" in out


def test_json_output_keeps_the_value_exactly(tmp_path: Path) -> None:
    path = history_with_controls(tmp_path)
    code, out, _ = run("check", path, "--model", "register", "--json")
    assert code == 1 and raw_controls(out) == set()
    assert json.loads(out)["path"] == str(path)


def test_stats_and_error_lines_have_no_raw_controls(tmp_path: Path) -> None:
    code, out, err = run("stats", history_with_controls(tmp_path))
    assert code == 0 and raw_controls(out + err) == set()
    code, out, err = run("stats", tmp_path / f"missing{CONTROLS}.jsonl")
    assert code == 2 and raw_controls(err) == set() and "missing\\x1b[31mX\\x07" in err


def test_trace_text_output_has_no_raw_controls(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(TRACE.read_text().replace('"n1"', json.dumps(f"n1{CONTROLS}")))
    code, out, err = run("hb", path, "--clocks")
    assert code == 0 and raw_controls(out + err) == set()
    assert "n1\\x1b[31mX\\x07 broadcast" in out
