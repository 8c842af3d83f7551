"""Record message traces with vector clocks, in virtual or real time (``time`` in nanoseconds).

A vector clock maps each node to a counter. Every event ticks its node's own entry; a ``send``
remembers the clock it carried, and the matching ``recv`` first merges that clock (entry-wise
maximum); likewise a ``broadcast`` and each ``deliver`` of it. Then ``a -> b`` (happens-before)
iff ``vc(a) <= vc(b)`` entry-wise and they differ, so a
checker can answer causality questions without rebuilding the message graph.

The recorder is thread-safe (real-socket runs record from several threads) and writes native
JSON Lines: one event per line, in the order recorded, which is each node's local order.
``stream_to(path)`` writes each event as it is recorded (``RecordingFile``: a killed recorder
leaves what it saw, marked incomplete); ``close`` completes the file.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import orjson

from histcheck.recorders import trace_events as ev
from histcheck.recorders.streaming import RecordingFile
from histcheck.recorders.trace_events import TraceEvent

Clock = Callable[[], int]


class TraceRecorder:
    """Collects trace events; ``clock`` gives the time stamped on each, in nanoseconds (virtual
    or monotonic)."""

    def __init__(self, clock: Clock, *, vector_clocks: bool = True) -> None:
        self._clock = clock
        self._vector_clocks = vector_clocks
        self._lock = threading.Lock()
        self._events: list[TraceEvent] = []
        self._clocks: dict[str, dict[str, int]] = {}
        self._carried: dict[str, dict[str, int]] = {}
        self._stream: RecordingFile | None = None

    def stream_to(self, path: str | Path) -> RecordingFile:
        """From now on, write each event to ``path`` as it is recorded (those so far first)."""
        with self._lock:
            if self._stream is not None:
                raise ValueError(f"already recording to {self._stream.path}")
            self._stream = RecordingFile(path)
            for event in self._events:
                self._stream.write(orjson.dumps(event) + b"\n")
            return self._stream

    def close(self) -> None:
        """Complete the recording file, if there is one (its end record, flushed and synced)."""
        if self._stream is not None:
            self._stream.close()

    @property
    def events(self) -> list[TraceEvent]:
        with self._lock:
            return list(self._events)

    def record(self, event: TraceEvent, *, merge_from: str | None = None) -> None:
        """Append ``event``: tick its node's clock (merging a received message's clock first)."""
        with self._lock:
            node = event["node"]
            vc = self._clocks.setdefault(node, {})
            if merge_from is not None:
                for other, count in self._carried.get(merge_from, {}).items():
                    vc[other] = max(vc.get(other, 0), count)
            vc[node] = vc.get(node, 0) + 1
            stamped: TraceEvent = {"time": self._clock(), **event}
            if self._vector_clocks:
                stamped["vc"] = {name: vc[name] for name in sorted(vc)}
            if event["type"] in ("send", "broadcast"):
                self._carried[event["msg"]] = dict(vc)
            if self._stream is not None:
                self._stream.write(orjson.dumps(stamped) + b"\n")
            self._events.append(stamped)

    def send(self, node: str, to: str, msg: str) -> None:
        self.record(ev.send(node, to, msg))

    def recv(self, node: str, sender: str, msg: str) -> None:
        self.record(ev.recv(node, sender, msg), merge_from=msg)

    def broadcast(self, node: str, msg: str) -> None:
        self.record(ev.broadcast(node, msg))

    def deliver(self, node: str, msg: str, origin: str) -> None:
        self.record(ev.deliver(node, msg, origin), merge_from=msg)

    def crash(self, node: str) -> None:
        self.record(ev.crash(node))

    def recover(self, node: str) -> None:
        self.record(ev.recover(node))

    def request(self, node: str, request_id: str, to: str, method: str) -> None:
        self.record(ev.request(node, request_id, to, method))

    def execute(self, node: str, request_id: str) -> None:
        self.record(ev.execute(node, request_id))

    def ack(self, node: str, request_id: str) -> None:
        self.record(ev.ack(node, request_id))

    def to_bytes(self) -> bytes:
        with self._lock:
            return b"".join(orjson.dumps(event) + b"\n" for event in self._events)

    def write(self, path: str | Path) -> None:
        Path(path).write_bytes(self.to_bytes())
