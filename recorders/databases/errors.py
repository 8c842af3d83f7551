"""What can go wrong while recording from a database, as ``HistcheckError`` subclasses.

The tree (below the checker's root)::

    HistcheckError
    └── RecorderError            a recording could not be made (bad DSN, server died, ...)
        └── ServerUnavailable    the binaries for a throwaway server are not installed

The CLI prints either as one line and exits 2.
"""

from __future__ import annotations

from histcheck.errors import HistcheckError


class RecorderError(HistcheckError):
    """A recording could not be made; the message says what failed and how to fix it."""


class ServerUnavailable(RecorderError):
    """A throwaway server cannot be started because its binaries are not installed."""
