"""One root exception for histcheck, and the few kinds beneath it.

The tree::

    HistcheckError                 anything histcheck raises on purpose
    ├── UsageError                 a bad option, an unknown model or consistency name
    ├── HistoryError               input that is not a well-formed history
    │   └── FormatError            a file that cannot be parsed; names file, line and problem
    └── BudgetExhausted            a time or memory budget ran out (the verdict is "unknown")

The CLI turns ``UsageError`` and ``HistoryError`` into one line on stderr and exit code 2, and
``BudgetExhausted`` into the verdict unknown and exit code 3. Library users catch
``HistcheckError`` to catch them all.
"""

from __future__ import annotations


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
