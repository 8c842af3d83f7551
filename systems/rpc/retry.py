"""The three retry semantics, and the server-side de-duplication that exactly-once needs.

- at-most-once: send the request once; without a reply in time, give up. The call may or may
  not have happened, but it never happens twice.
- at-least-once: retry until a reply arrives. The call happens, perhaps several times: fine for
  idempotent calls (set x to 5), wrong for others (add 5 to x).
- exactly-once: retry, and the server remembers each (client, sequence) it executed with its
  reply; a retry gets the remembered reply instead of a second execution. The table must live
  wherever the server's state lives (stable storage, for a server that restarts).

``Policy`` says what a client and server do; the buggy policy retries but forgets to
de-duplicate, so retried requests execute twice while it claims exactly-once.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

SEMANTICS = ("at-most-once", "at-least-once", "exactly-once")


@dataclass(frozen=True, slots=True)
class Policy:
    """``semantics`` is what is claimed; ``retry`` and ``dedup`` are what is done."""

    semantics: str
    retry: bool
    dedup: bool
    max_attempts: int = 50

    @staticmethod
    def named(semantics: str) -> Policy:
        if semantics not in SEMANTICS:
            raise ValueError(f"unknown retry semantics {semantics!r}; known: {SEMANTICS}")
        return Policy(semantics, retry=semantics != "at-most-once",
                      dedup=semantics == "exactly-once")

    @property
    def attempts(self) -> int:
        return self.max_attempts if self.retry else 1


BUGGY_EXACTLY_ONCE = Policy("exactly-once", retry=True, dedup=False)

IN_PROGRESS = b""


class DedupTable:
    """Replies by request key; thread-safe. ``begin`` tells a worker whether to execute.

    ``begin(key)`` returns None when the request is new (and marks it in progress), the empty
    ``IN_PROGRESS`` marker while another worker executes it, or the remembered reply.
    """

    def __init__(self, replies: dict[tuple[int, int], bytes] | None = None) -> None:
        self._replies: dict[tuple[int, int], bytes] = dict(replies or {})
        self._lock = threading.Lock()

    def begin(self, key: tuple[int, int]) -> bytes | None:
        with self._lock:
            if key in self._replies:
                return self._replies[key]
            self._replies[key] = IN_PROGRESS
            return None

    def finish(self, key: tuple[int, int], reply: bytes) -> None:
        with self._lock:
            self._replies[key] = reply

    def snapshot(self) -> dict[tuple[int, int], bytes]:
        with self._lock:
            return {k: v for k, v in self._replies.items() if v != IN_PROGRESS}
