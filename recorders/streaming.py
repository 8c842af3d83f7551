"""Write a recording to disk as it happens, so a recorder that is killed leaves what it saw.

A ``RecordingFile`` opens its file at once and writes the recording header
(``histcheck.formats.recording``); each event is then one line, handed to the file as it is
recorded. A small daemon thread flushes what was written every ``FLUSH_SECONDS``, so a SIGKILL
loses at most that much; ``close`` writes the end record, flushes and fsyncs. The end record is
what tells a complete recording from a cut one, and only ``close`` writes it: a file from a
recorder that died has none, and readers say it is incomplete.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from histcheck.formats.recording import end_line, header_line

FLUSH_SECONDS = 0.05


class RecordingFile:
    """A recording being written: ``write`` event lines (thread-safe), then ``close``."""

    def __init__(self, path: str | Path, **header: Any) -> None:
        self.path = Path(path)
        self._file = self.path.open("wb")
        self._lock = threading.Lock()
        self._events = 0
        self._dirty = False
        self._closed = threading.Event()
        self._file.write(header_line(**header))
        self._file.flush()
        self._flusher = threading.Thread(target=self._flush_often, name="recording-flush",
                                         daemon=True)
        self._flusher.start()

    @property
    def events(self) -> int:
        return self._events

    def write(self, line: bytes) -> None:
        """Append one event line (with its newline)."""
        with self._lock:
            if self._closed.is_set():
                raise ValueError(f"recording {self.path} is closed")
            self._file.write(line)
            self._events += 1
            self._dirty = True

    def _flush_often(self) -> None:
        while not self._closed.wait(FLUSH_SECONDS):
            with self._lock:
                if self._dirty and not self._closed.is_set():
                    self._file.flush()
                    self._dirty = False

    def close(self) -> None:
        """Mark the recording complete: the end record, then flush and fsync (idempotent)."""
        with self._lock:
            if self._closed.is_set():
                return
            self._closed.set()
            try:
                self._file.write(end_line(self._events))
                self._file.flush()
                os.fsync(self._file.fileno())
            finally:
                self._file.close()
        self._flusher.join()

    def abandon(self) -> None:
        """Stop without the end record: what was written stays, marked incomplete."""
        with self._lock:
            if self._closed.is_set():
                return
            self._closed.set()
            self._file.close()
        self._flusher.join()


@contextlib.contextmanager
def recording_to(path: Path | None, **header: Any) -> Iterator[RecordingFile | None]:
    """A ``RecordingFile`` at ``path`` (None: no file) for the block: completed when the block
    ends, left incomplete when it raises, and removed if it raised before the first event."""
    if path is None:
        yield None
        return
    stream = RecordingFile(path, **header)
    try:
        yield stream
    except BaseException:
        stream.abandon()
        if stream.events == 0:
            stream.path.unlink(missing_ok=True)
        raise
    stream.close()
