"""Recordings written as they happen: a complete one reads as before, a cut one says it is cut.

The contract: a recording that was cut (the recorder killed) must never read as if it were whole.
Our recorders write a header first and an end record last; a file with the header and without
the end record is an incomplete recording, whose cut last line is dropped. A file without the
header (another tool's) reads exactly as before: a cut line there is a located error.
"""

from __future__ import annotations

import json
import time
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner

from histcheck.cli import main
from histcheck.errors import FormatError, HistcheckWarning
from histcheck.formats import read_history
from histcheck.history import INFO, OK
from histcheck.recorders import OperationRecorder, TraceRecorder
from histcheck.recorders.streaming import FLUSH_SECONDS, RecordingFile
from histcheck.trace.io import load_trace

INCOMPLETE = "incomplete recording (cut after"


def _recorded(path: Path, *, close: bool) -> OperationRecorder:
    """Two writes and a read by three processes; the read is still open."""
    ticks = iter(range(100))
    recorder = OperationRecorder(lambda: next(ticks))
    recorder.stream_to(path)
    for process, value in ((0, 1), (1, 2)):
        ticket = recorder.invoke(process, "write", value)
        recorder.complete(ticket, OK, value)
    recorder.invoke(2, "read")
    if close:
        recorder.close()
    return recorder


def _cut(path: Path) -> None:
    """Cut the file in the middle of its last line, as a kill during a write would."""
    data = path.read_bytes()
    path.write_bytes(data[:-len(data.splitlines()[-1]) // 2 - 1])


def _read_quietly(path: Path) -> tuple[object, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = read_history(path)
    return history, [str(w.message) for w in caught if issubclass(w.category, HistcheckWarning)]


def test_a_complete_recording_reads_whole_and_checks_without_the_warning(tmp_path: Path) -> None:
    path = tmp_path / "whole.jsonl"
    _recorded(path, close=True)
    lines = path.read_bytes().splitlines()
    assert json.loads(lines[0]) == {"histcheck": "recording"}
    assert json.loads(lines[-1]) == {"histcheck": "end", "events": 5}
    history, said = _read_quietly(path)
    assert said == []
    assert not history.incomplete  # type: ignore[attr-defined]
    result = CliRunner().invoke(main, ["check", str(path), "-m", "register", "--json"])
    assert result.exit_code == 0, result.output
    assert INCOMPLETE not in result.output
    assert "incomplete" not in json.loads(result.stdout.splitlines()[-1])


def test_a_cut_recording_drops_its_cut_line_and_says_it_is_incomplete(tmp_path: Path) -> None:
    path = tmp_path / "cut.jsonl"
    _recorded(path, close=False)
    time.sleep(FLUSH_SECONDS * 3)  # the flusher has written everything without close
    _cut(path)  # the read's invocation is now half a line
    history, said = _read_quietly(path)
    assert history.incomplete  # type: ignore[attr-defined]
    assert said == [f"{path}: incomplete recording (cut after 4 events; 0 operations still open "
                    f"are indeterminate)"]
    assert [op.type for op in history] == [OK, OK]  # type: ignore[attr-defined]
    result = CliRunner().invoke(main, ["check", str(path), "-m", "register", "--json"])
    assert result.exit_code == 0, result.output
    assert f"histcheck: warning: {path}: {INCOMPLETE} 4 events" in result.stderr
    assert json.loads(result.stdout.splitlines()[-1])["incomplete"] is True


def test_open_operations_of_a_cut_recording_are_indeterminate(tmp_path: Path) -> None:
    path = tmp_path / "open.jsonl"
    _recorded(path, close=False)
    time.sleep(FLUSH_SECONDS * 3)
    history, said = _read_quietly(path)
    assert said == [f"{path}: incomplete recording (cut after 5 events; 1 operations still open "
                    f"are indeterminate)"]
    assert history.operations[-1].type is INFO  # type: ignore[attr-defined]


def test_a_header_less_cut_file_stays_a_located_error(tmp_path: Path) -> None:
    recording = tmp_path / "cut.jsonl"
    _recorded(recording, close=False)
    time.sleep(FLUSH_SECONDS * 3)
    _cut(recording)
    plain = tmp_path / "plain.jsonl"
    plain.write_bytes(b"".join(recording.read_bytes().splitlines(keepends=True)[1:]))
    with pytest.raises(FormatError) as caught:
        read_history(plain)
    assert caught.value.line == 5 and "invalid JSON" in caught.value.problem
    result = CliRunner().invoke(main, ["check", str(plain), "-m", "register"])
    assert result.exit_code == 2
    assert f"{plain}:5:" in result.stderr


def test_a_broken_line_before_the_last_stays_an_error_in_a_recording(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    _recorded(path, close=True)
    lines = path.read_bytes().splitlines(keepends=True)
    lines[2] = lines[2][:10] + b"\n"
    path.write_bytes(b"".join(lines))
    with pytest.raises(FormatError) as caught:
        read_history(path)
    assert caught.value.line == 3


def test_the_end_record_must_count_the_events_and_come_last(tmp_path: Path) -> None:
    path = tmp_path / "end.jsonl"
    _recorded(path, close=True)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join([*lines[:-2], lines[-1]]))
    with pytest.raises(FormatError, match="the end record says 5 events, the recording holds 4"):
        read_history(path)
    path.write_bytes(b"".join([*lines[:-2], b'{"histcheck":"end","events":4}\n', lines[-2]]))
    with pytest.raises(FormatError, match="after the recording's end record") as caught:
        read_history(path)
    assert caught.value.line == 7


def test_a_recording_cut_before_its_first_event_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "empty.jsonl"
    RecordingFile(path).abandon()
    with pytest.raises(FormatError, match="cut before its first event"):
        read_history(path)


def test_events_reach_the_disk_within_the_flush_interval(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    recorder = OperationRecorder(lambda: 0)
    recorder.stream_to(path)
    recorder.invoke(0, "read")
    deadline = time.monotonic() + 0.1 + FLUSH_SECONDS
    while len(path.read_bytes().splitlines()) < 2 and time.monotonic() < deadline:
        time.sleep(0.005)
    assert len(path.read_bytes().splitlines()) == 2
    recorder.close()


def test_convert_keeps_a_recording_incomplete(tmp_path: Path) -> None:
    path, target = tmp_path / "cut.jsonl", tmp_path / "converted.jsonl"
    _recorded(path, close=False)
    time.sleep(FLUSH_SECONDS * 3)
    _cut(path)
    result = CliRunner().invoke(main, ["convert", str(path), str(target)])
    assert result.exit_code == 0, result.output
    assert f"{path}: {INCOMPLETE} 4 events" in result.stderr
    history, said = _read_quietly(target)
    assert history.incomplete and said  # type: ignore[attr-defined]


def test_a_cut_trace_recording_is_incomplete_and_a_closed_one_is_not(tmp_path: Path) -> None:
    path = tmp_path / "trace.jsonl"
    recorder = TraceRecorder(lambda: 0)
    recorder.stream_to(path)
    recorder.broadcast("n1", "m1")
    recorder.deliver("n2", "m1", "n1")
    recorder.close()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert not load_trace(path).incomplete
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-2]) + lines[-2][:7])
    with pytest.warns(HistcheckWarning, match=r"incomplete recording \(cut after 1 events\)"):
        trace = load_trace(path)
    assert trace.incomplete and len(trace) == 1
