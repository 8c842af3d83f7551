"""One root exception for histcheck, and the few kinds beneath it.

The tree::

    HistcheckError                 anything histcheck raises on purpose
    ├── UsageError                 a bad option, an unknown model or consistency name
    ├── HistoryError               input that is not a well-formed history
    │   └── FormatError            a file that cannot be parsed; names file, line and problem
    └── BudgetExhausted            a time or memory budget ran out (the verdict is "unknown")

    HistcheckWarning               something was left out, and the rest goes on
    └── PluginWarning              a plugin model that cannot be loaded or is not a model

An ``OSError`` (a file that cannot be opened, a full device) is left as it is; the CLI turns it
into one line naming the path and the system's reason, and exit code 2.

The CLI turns ``UsageError`` and ``HistoryError`` into one line on stderr and exit code 2, and
``BudgetExhausted`` into the verdict unknown and exit code 3, and prints each warning as one line.
Library users catch ``HistcheckError`` to catch them all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class HistcheckError(Exception):
    """Root of every error histcheck raises on purpose."""


class UsageError(HistcheckError):
    """The caller asked for something that does not exist or does not fit (fix the call)."""


class HistoryError(HistcheckError):
    """The input is not a well-formed history.

    ``path`` and ``line`` locate the problem when it is known; ``str()`` gives the one-line message
    ``path:line: problem`` that the CLI prints.
    """

    def __init__(self, problem: str, *, path: str | None = None, line: int | None = None) -> None:
        self.problem = problem
        self.path = path
        self.line = line
        super().__init__(self._render())

    def _render(self) -> str:
        where = self.path or "<history>"
        if self.line is not None:
            where = f"{where}:{self.line}"
        return f"{where}: {self.problem}"

    def located(self, path: str) -> HistoryError:
        """The same error, naming ``path`` when it did not name a file yet."""
        if self.path is not None:
            return self
        return type(self)(self.problem, path=path, line=self.line)


class FormatError(HistoryError):
    """A file that cannot be parsed in the format it claims (or was detected) to be in."""


class BudgetExhausted(HistcheckError):
    """A time or memory budget ran out before a verdict was reached."""

    def __init__(self, reason: str, *, explored: int = 0) -> None:
        self.reason = reason
        self.explored = explored
        super().__init__(reason)


class HistcheckWarning(UserWarning):
    """Root of histcheck's warnings: something was left out, and the rest goes on."""


class PluginWarning(HistcheckWarning):
    """A plugin model was left out: it could not be loaded, it is not a model, or its name is
    taken. The warning names the package and entry point; fix or uninstall that package."""


@contextmanager
def naming(path: str | Path) -> Iterator[None]:
    """Let an ``OSError`` raised inside name ``path`` when it names no file.

    Opening a file names it; writing to it does not (a full disk is reported by ``write`` or
    ``close``), so a writer wraps its output in ``naming(target)``.
    """
    try:
        yield
    except OSError as exc:
        if exc.filename is None:
            exc.filename = str(path)
        raise
