"""A watcher that cleans up after a throwaway server when its recorder dies without cleaning up.

A recorder killed with SIGKILL runs no ``finally`` block: its server would go on running and
its temporary folder would stay. So before starting a server, the recorder starts this script
as a separate process (in its own session, so a terminal's signals leave it alone) and keeps
the write end of a pipe to its standard input. Through the pipe it names the process group of
each server it starts (``group PGID``) and, once it has stopped them and removed the folder
itself, says ``done``. The kernel closes the pipe when the recorder dies, however it dies: the
watcher then reads end-of-file without ``done``, kills each group, and removes the folder.

Run as ``python -I reaper.py FOLDER``: standard library only, so it starts fast and imports
nothing from the recorder.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import time

GRACE_SECONDS = 2.0


def _kill_group(group: int) -> None:
    try:
        os.killpg(group, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return
    deadline = time.monotonic() + GRACE_SECONDS
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except (ProcessLookupError, PermissionError):
            return
        time.sleep(0.02)


def watch(folder: str) -> None:
    """Wait for the recorder to finish or die; when it died, kill its servers and remove folder."""
    groups: list[int] = []
    for line in sys.stdin:
        word, _, rest = line.strip().partition(" ")
        if word == "done":
            return
        if word == "group" and rest.isdigit():
            groups.append(int(rest))
    for group in groups:
        _kill_group(group)
    # A killed server writes nothing more; a second pass catches files it was creating.
    for _ in range(2):
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watch(sys.argv[1])
