"""The ``histcheck`` command line: a thin layer over the library.

Exit codes mean the same everywhere: 0 every history valid, 1 some history invalid, 2 bad usage
or unreadable input (one line on stderr naming file, line and problem), 3 no verdict because a
budget ran out. When several histories are checked, the worst wins in the order 2, 1, 3, 0.

Every command runs inside one boundary (``LazyGroup.invoke``): an ``OSError`` anywhere (a file
that cannot be read or written, a full device) becomes one line naming the path and the system's
reason, and exit 2; Ctrl-C becomes one line and exit 130; a reader that closes standard output
early (``histcheck ... | head -1``) ends the command quietly, as SIGPIPE ends other writers (141).
"""

from __future__ import annotations

import os
import signal
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, NoReturn

import click

from histcheck.errors import BudgetExhausted, HistcheckError, HistoryError, UsageError, naming
from histcheck.terminal import echo

if TYPE_CHECKING:
    from histcheck.budget import Budget
    from histcheck.registry import ModelSpec
    from histcheck.result import Anomaly, CheckResult

EXIT_VALID, EXIT_INVALID, EXIT_USAGE, EXIT_UNKNOWN = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_BROKEN_PIPE = 128 + signal.SIGINT, 128 + signal.SIGPIPE
_SEVERITY = {EXIT_VALID: 0, EXIT_UNKNOWN: 1, EXIT_INVALID: 2, EXIT_USAGE: 3}
_show_warning = warnings.showwarning
REPORT_GRACE = 0.5
"""Seconds a report may run past the check's budget (a check that used it all still gets pages)."""
SKIPPED_SUFFIXES = frozenset({".md", ".tsv", ".txt~", ".html", ".svg", ".dot", ".png", ".xml"})


def worst(codes: list[int]) -> int:
    """The exit code for several results: 2 over 1 over 3 over 0."""
    return max(codes, key=_SEVERITY.__getitem__, default=EXIT_VALID)


def fail(message: str) -> NoReturn:
    echo(f"histcheck: {message}", err=True)
    sys.exit(EXIT_USAGE)


def finish(code: int) -> NoReturn:
    """Exit with ``code``. While a stopped check's data is still held, leave without freeing
    it: the system reclaims it at once, where Python would spend seconds taking it apart."""
    watchdog = sys.modules.get("histcheck.watchdog")
    if watchdog is not None and watchdog.abandoned():
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except OSError:
            sys.exit(code)
        os._exit(code)
    sys.exit(code)


def os_error_line(exc: OSError) -> str:
    """``path: reason`` for an OS error (``path -> other: reason`` when it names two)."""
    reason = exc.strerror or str(exc)
    paths = " -> ".join(os.fsdecode(p) for p in (exc.filename, exc.filename2) if p is not None)
    return f"{paths}: {reason}" if paths else reason


def _stdout_is_broken() -> bool:
    """Whether standard output is a pipe whose reader has gone (so a broken pipe is its own)."""
    import select

    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return False
    poller = select.poll()
    poller.register(fd, select.POLLOUT)
    return any(events & select.POLLERR for _, events in poller.poll(0))


def _leave_quietly_on_broken_pipe() -> NoReturn:
    # Whatever is still buffered for the closed pipe goes nowhere, so the interpreter's own
    # flush at exit does not complain about it.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(EXIT_BROKEN_PIPE)


def history_paths(paths: tuple[str, ...]) -> Iterator[Path]:
    """Each path, with a folder standing for every history file inside it (recursively).

    A folder that is itself one history (Cobra's per-session logs) is yielded whole; ``-`` is
    standard input.
    """
    for path, _ in history_places(paths):
        yield path


def history_places(paths: tuple[str, ...]) -> Iterator[tuple[Path, PurePath]]:
    """``history_paths``, each with where it was found: its path relative to the folder given
    (a file given itself, or a folder that is one history: its name; standard input:
    ``stdin``)."""
    from histcheck.formats import FOLDER_SNIFFERS
    from histcheck.formats.source import is_stdin

    for raw in paths:
        path = Path(raw)
        if is_stdin(raw):
            yield path, PurePath("stdin")
        elif not path.is_dir():
            yield path, PurePath(path.name)
        else:
            for found in _walk(path, FOLDER_SNIFFERS):
                try:
                    relative = PurePath(found.relative_to(path))
                except ValueError:
                    relative = PurePath(found.name)
                yield found, relative if relative.parts else PurePath(path.resolve().name)


def _walk(folder: Path, folder_sniffers: dict[str, Any],
          seen: set[tuple[int, int]] | None = None) -> Iterator[Path]:
    """The history files under ``folder``: depth first, in name order, each real file once.

    Symbolic links are followed, but a folder or file is known by its device and inode, and one
    already visited is passed over: a link back up the tree (``ln -s . self``) ends there instead
    of looping. Anything that is neither a regular file nor a folder (a FIFO, a socket, a
    device) is named in a warning and never opened: opening a FIFO waits for a writer forever.
    """
    import stat

    from histcheck.errors import HistcheckWarning

    seen = set() if seen is None else seen
    try:
        here = folder.stat()
    except OSError:
        yield folder
        return
    if (here.st_dev, here.st_ino) in seen:
        return
    seen.add((here.st_dev, here.st_ino))
    if any(sniff(folder) for sniff in folder_sniffers.values()):
        yield folder
        return
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith("."):
            continue
        try:
            status = entry.stat()
        except OSError:
            yield entry  # a dangling link: reading it says what is wrong
            continue
        if stat.S_ISDIR(status.st_mode):
            yield from _walk(entry, folder_sniffers, seen)
        elif entry.suffix in SKIPPED_SUFFIXES or entry.name in ("LICENSE", "NOTICE"):
            continue
        elif not stat.S_ISREG(status.st_mode):
            warnings.warn(HistcheckWarning(
                f"{entry}: skipped, {_file_kind(status.st_mode)} is not a history file"),
                stacklevel=2)
        elif (status.st_dev, status.st_ino) not in seen:
            seen.add((status.st_dev, status.st_ino))
            yield entry


def _file_kind(mode: int) -> str:
    """What a file that is neither regular nor a folder is, in a few words."""
    import stat

    kinds = ((stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"),
             (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))
    return next((name for test, name in kinds if test(mode)), "a special file")


LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "hb": ("histcheck.trace.command:hb",
           "Happens-before of a message trace: vector clocks, ordered-or-concurrent, drawings."),
    "fuzz": ("histcheck.systems.fuzz.cli:fuzz_command",
             "Fuzz SYSTEM: hypothesis varies workload, faults and message timing, then shrinks."),
    "simulate": ("histcheck.systems.cli:simulate_command",
                 "Simulate SYSTEM deterministically from --seed and write its trace (or, for the "
                 "storage systems, its client history) to --out."),
    "systems": ("histcheck.systems.cli:systems_command",
                "List the reference systems and variants, and what each should check as."),
    "record": ("histcheck.recorders.databases.cli:record",
               "Record a history from a real database (a throwaway server when no address is "
               "given)."),
    "test": ("histcheck.recorders.clusters.cli:test_command",
             "Start SYSTEM, run clients under faults, record the history and check it."),
}
"""Commands that live beside their family: name -> ("module:attribute", the first sentence of
its help). The module is imported only when the command runs or shows its own help, so that
``histcheck --help`` stays fast; a test keeps each summary equal to the command's own."""


class LazyGroup(click.Group):
    """A group whose commands from other packages are imported only when they are used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted([*super().list_commands(ctx), *LAZY_COMMANDS])

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in LAZY_COMMANDS:
            import importlib

            module, _, attr = LAZY_COMMANDS[cmd_name][0].partition(":")
            command: click.Command = getattr(importlib.import_module(module), attr)
            return command
        return super().get_command(ctx, cmd_name)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command; OS errors, Ctrl-C and a closed standard output end it as above."""
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:
            if _stdout_is_broken():
                _leave_quietly_on_broken_pipe()
            fail(os_error_line(exc))
        except KeyboardInterrupt:
            echo("histcheck: interrupted", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except OSError as exc:
            fail(os_error_line(exc))

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        names = self.list_commands(ctx)
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            command = (click.Command(name, help=LAZY_COMMANDS[name][1]) if name in LAZY_COMMANDS
                       else self.commands[name])
            rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _one_line_warning(message: Warning | str, category: type[Warning], filename: str,
                      lineno: int, file: Any = None, line: str | None = None) -> None:
    from histcheck.errors import HistcheckWarning

    if issubclass(category, HistcheckWarning):
        echo(f"histcheck: warning: {message}", err=True)
    else:
        _show_warning(message, category, filename, lineno, file, line)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="histcheck")
def main() -> None:
    """histcheck: did your distributed system or database keep its consistency promises?

    Record what your system did as a history (or a trace of messages), then ask histcheck
    whether it is linearizable, sequentially consistent, serializable, causal, and so on.
    When the answer is no, it shows why.
    """
    click.get_current_context().with_resource(warnings.catch_warnings())
    warnings.showwarning = _one_line_warning


def parse_options(pairs: tuple[str, ...]) -> dict[str, str]:
    """``--opt NAME=VALUE`` pairs as a mapping (a pair without ``=`` fails, exit 2)."""
    options: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            fail(f"--opt takes NAME=VALUE, not {pair!r}")
        options[name] = value
    return options


@main.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--model", "-m", "model_name", required=True,
              help="The model (see `histcheck models`).")
@click.option("--consistency", "-c", default=None, help="The consistency level (model default).")
@click.option("--format", "fmt", default=None, help="The input format (detected when omitted).")
@click.option("--timeout", type=click.FloatRange(min=0), default=None,
              help="Seconds per history before the verdict is unknown.")
@click.option("--memory", "memory_mb", type=click.IntRange(min=1), default=None,
              help="Memory ceiling in MiB before the verdict is unknown.")
@click.option("--engine", default=None, help="The search engine, where a model has several.")
@click.option("--opt", "opts", multiple=True, metavar="NAME=VALUE",
              help="A model option (repeatable), e.g. --opt negative-balances=true.")
@click.option("--report", "report_dir", default=None,
              help="Write an HTML/SVG/text report per history into this folder.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per history per line.")
@click.option("--junit", "junit_file", default=None,
              help="Also write a JUnit XML file: one test case per history.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Local worker processes (default: serial for one history, one per core "
                   "for several).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Check on a Dask cluster: tcp://HOST:PORT, or `local` (needs histcheck[dask]).")
@click.option("--quiet", "-q", is_flag=True,
              help="No progress on stderr (shown only on a terminal, for long work).")
def check(paths: tuple[str, ...], model_name: str, consistency: str | None, fmt: str | None,
          timeout: float | None, memory_mb: int | None, engine: str | None, opts: tuple[str, ...],
          report_dir: str | None, as_json: bool, junit_file: str | None, workers: int | None,
          scheduler: str | None, quiet: bool) -> None:
    """Check histories (files, or folders of them) against a model and consistency level."""
    from contextlib import ExitStack

    from histcheck import progress
    from histcheck.budget import Budget
    from histcheck.registry import get_model
    from histcheck.watchdog import release

    progress.enable(quiet)

    options: dict[str, Any] = parse_options(opts)
    if engine is not None:
        options["engine"] = engine
    try:
        spec = get_model(model_name)
        level = spec.consistency(consistency)
        spec.check_options(options)
    except UsageError as exc:
        fail(str(exc))
    if report_dir is not None and Path(report_dir).exists() and not Path(report_dir).is_dir():
        fail(f"{report_dir}: not a folder (--report writes a folder of pages)")
    if junit_file is not None and Path(junit_file).is_dir():
        fail(f"{junit_file}: is a folder (--junit writes one XML file)")
    budget = Budget(seconds=timeout, memory_bytes=None if memory_mb is None else memory_mb * 2**20)
    codes: list[int] = []
    cases: list[tuple[str, CheckResult | None, str | None]] = []  # for --junit
    placement = None
    entries: list[Any] = []
    if report_dir is not None:
        from histcheck.report_index import Entry, Placement, write_index
        placement = Placement(Path(report_dir))
    places = list(history_places(paths))
    bars = ExitStack()
    advance = bars.enter_context(progress.counter("histories", total=len(places),
                                                  unit="history")) if len(places) > 1 else None
    from histcheck.scale import Job, checked

    answers = checked([Job(path, spec.name, level, fmt, budget, options, report_dir is not None)
                       for path, _ in places], workers=workers, scheduler=scheduler)
    for index, ((path, place), answer) in enumerate(zip(places, answers, strict=True)):
        if advance is not None and index:
            advance(1)
        release()
        try:
            history, result = answer.get()
        except HistcheckError as exc:
            message = str(exc.located(shown(path))) if isinstance(exc, HistoryError) else str(exc)
            echo(f"histcheck: {message}", err=True)
            if as_json:
                _emit_json({"path": str(path), "valid": None, "model": spec.name,
                            "consistency": level, "error": message})
            cases.append((str(path), None, message))
            if placement is not None:
                entries.append(Entry(shown(path), "ERROR", (message,), 0.0, ()))
            codes.append(EXIT_USAGE)
            if isinstance(exc, UsageError):
                break
            continue
        written: list[Path] = []
        if placement is not None and history is not None:
            written = _write_report(spec, history, result, placement.folder(place), path,
                                    budget)
        if placement is not None:
            figures = result.figures
            entries.append(Entry(
                shown(path), result.verdict, tuple(sorted({a.name for a in result.anomalies})),
                float(figures.get("seconds", 0)) + float(figures.get("read_seconds", 0)),
                tuple(str(p.relative_to(placement.root)) for p in _linked_first(written))))
        if as_json:
            certificate = [str(p) for p in written if p.name == "certificate.json"]
            _emit_json({"path": str(path), **result.to_json(),
                        **({"certificate_file": certificate[0]} if certificate else {})})
        else:
            echo(render_result(path, result))
        cases.append((str(path), result, None))
        codes.append(result.exit_code)
    bars.close()
    if junit_file is not None:
        from histcheck.junit import Case, write_junit

        with naming(junit_file):
            write_junit([Case(name, result, error=error) for name, result, error in cases],
                        Path(junit_file))
    if placement is not None:
        with naming(str(placement.root)):
            echo(f"report: {write_index(placement.root, entries)}", err=True)
    finish(worst(codes))


def _linked_first(pages: list[Path]) -> list[Path]:
    """The pages, the one an index should link to first: an HTML page, else a picture."""
    rank = {".html": 0, ".svg": 1}
    return sorted(pages, key=lambda p: rank.get(p.suffix, 2))


def _write_report(spec: ModelSpec, history: Any, result: CheckResult, target: Path,
                  path: Path, budget: Budget) -> list[Path]:
    """Write the report pages into ``target``, within the budget the check had (pages of an
    answer that took all of it get a short grace): a report that cannot be finished is named
    and left out."""
    from histcheck.budget import Budget
    from histcheck.watchdog import enforced

    reporter = spec.report_function()
    if reporter is None:
        echo(f"histcheck: model {spec.name!r} has no report; none written", err=True)
        return []
    figures = result.figures
    used = float(figures.get("seconds", 0.0)) + float(figures.get("read_seconds", 0.0))
    seconds = None if budget.seconds is None else max(budget.seconds - used, 0.0) + REPORT_GRACE
    written: list[Path] = []
    try:
        with naming(target), enforced(Budget(seconds, budget.memory_bytes).start()):
            target.mkdir(parents=True, exist_ok=True)
            for page in reporter(history, result, target):
                echo(f"report: {page}", err=True)
                written.append(page)
    except BudgetExhausted as exc:
        kind = "memory" if "memory" in exc.reason else "time"
        echo(f"histcheck: {shown(path)}: report not finished within the {kind} budget", err=True)
    return written


def _emit_json(obj: dict[str, Any]) -> None:
    from histcheck.values import to_json

    echo(to_json(obj).decode())


def shown(path: Path) -> str:
    """The path as messages name it (standard input is ``<stdin>``)."""
    from histcheck.formats.source import STDIN_NAME, is_stdin

    return STDIN_NAME if is_stdin(path) else str(path)


def render_result(path: Path, result: CheckResult) -> str:
    verdict = result.verdict
    figures = result.figures
    size = (f"{figures['operations']} operations" if "operations" in figures
            else "not read whole")
    seconds = float(figures.get("seconds", 0)) + float(figures.get("read_seconds", 0))
    head = (f"{shown(path)}: {verdict} for {result.model} / {result.consistency} "
            f"({size}, {seconds:.3f} s)")
    lines = result.explanation.rstrip().splitlines()
    lines.extend(_anomaly_lines(result))
    if not lines:
        return head
    body = "\n".join("  " + line for line in lines)
    return f"{head}\n{body}"


SHOWN_ANOMALIES = 5
"""Anomalies printed with their sentences in the text output (``--json`` has every one)."""


def _anomaly_lines(result: CheckResult) -> list[str]:
    """For a transactional result (its explanation names the anomalies, their sentences are
    in them), one line per anomaly: those the level forbids first, the others marked as
    allowed. Other results' explanations tell the whole story themselves."""
    if "forbidden" not in result.details:
        return []
    extra = [a for a in result.anomalies if a.explanation]
    forbidden = set(result.details["forbidden"])
    extra.sort(key=lambda a: a.name not in forbidden)
    return [f"{a.name}{'' if a.name in forbidden else f' (allowed by {result.consistency})'}: "
            f"{a.explanation}" for a in extra[:SHOWN_ANOMALIES]] + _more(extra)


def _more(shown_ones: list[Anomaly]) -> list[str]:
    left = len(shown_ones) - SHOWN_ANOMALIES
    return [f"... and {left} more (--json and --report have them all)"] if left > 0 else []


@main.command()
@click.argument("source")
@click.argument("target")
@click.option("--from", "src_fmt", default=None, help="Input format (detected when omitted).")
@click.option("--to", "dst_fmt", default=None,
              help="Output format: jsonl or edn (from TARGET's suffix when omitted).")
def convert(source: str, target: str, src_fmt: str | None, dst_fmt: str | None) -> None:
    """Convert a history to native JSON Lines or Jepsen EDN."""
    from histcheck.formats import read_history, write_history

    try:
        history = read_history(source, src_fmt)
        with naming(target):
            write_history(history, target, dst_fmt)
    except HistcheckError as exc:
        fail(str(exc))
    echo(f"wrote {len(history)} operations to {target}", err=True)


@main.command()
@click.argument("path")
@click.option("--format", "fmt", default=None, help="The input format (detected when omitted).")
@click.option("--json", "as_json", is_flag=True, help="Print the figures as one JSON object.")
@click.option("--report", "report_dir", default=None,
              help="Also write latency and throughput plots (HTML with SVG) into this folder.")
def stats(path: str, fmt: str | None, as_json: bool, report_dir: str | None) -> None:
    """A quick look at a history: operations, outcomes, concurrency, latencies."""
    from histcheck.formats import read_history
    from histcheck.stats import history_stats, render_stats

    if report_dir is not None and Path(report_dir).exists() and not Path(report_dir).is_dir():
        fail(f"{report_dir}: not a folder (--report writes a folder of pages)")
    try:
        history = read_history(path, fmt)
        figures = history_stats(history)
    except HistcheckError as exc:
        fail(str(exc))
    if report_dir is not None:
        from histcheck.stats_report import write_stats_report

        with naming(report_dir):
            for page in write_stats_report(history, figures, Path(report_dir)):
                echo(f"report: {page}", err=True)
    if as_json:
        _emit_json({"path": path, **figures})
    else:
        echo(render_stats(shown(Path(path)), figures))


@main.command()
@click.argument("folder", default="histories")
@click.option("--labels", "labels_name", default="LABELS.tsv", show_default=True,
              help="The labels file inside FOLDER.")
@click.option("--timeout", type=click.FloatRange(min=0), default=None,
              help="Seconds per history before the verdict is unknown.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per labelled row.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Local worker processes (default: serial for one history, one per core "
                   "for several).")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="Check on a Dask cluster: tcp://HOST:PORT, or `local` (needs histcheck[dask]).")
def verify(folder: str, labels_name: str, timeout: float | None, as_json: bool,
           workers: int | None, scheduler: str | None) -> None:
    """Check every labelled history in FOLDER and compare with its expected verdict.

    Exit 0 when every verdict agrees with its label, 1 when one disagrees (or is unknown),
    2 when a history or the labels file cannot be read.
    """
    import time

    from histcheck.budget import Budget
    from histcheck.labels import read_labels
    from histcheck.watchdog import release

    try:
        labels = read_labels(Path(folder) / labels_name)
    except HistcheckError as exc:
        fail(str(exc))
    codes: list[int] = []
    agreed = 0
    started = time.perf_counter()
    from histcheck.scale import Job, checked

    answers = checked([Job(label.path, label.model, label.consistency, None,
                           Budget(seconds=timeout), dict(label.options)) for label in labels],
                      workers=workers, scheduler=scheduler)
    for label, answer in zip(labels, answers, strict=True):
        release()
        try:
            _, result = answer.get()
        except HistcheckError as exc:
            message = str(exc.located(str(label.path))) if isinstance(exc, HistoryError) \
                else str(exc)
            echo(f"histcheck: {message}", err=True)
            codes.append(EXIT_USAGE)
            continue
        agrees = result.valid is label.expected
        agreed += agrees
        codes.append(EXIT_VALID if agrees else EXIT_INVALID)
        if as_json:
            _emit_json({"path": str(label.path), "expected": label.expected,
                        "agrees": agrees, **result.to_json()})
        else:
            verdict = result.verdict
            mark = "ok  " if agrees else "FAIL"
            echo(f"{mark} {label.path}  {label.model}/{label.consistency}: {verdict} "
                 f"(expected {'VALID' if label.expected else 'INVALID'}, "
                 f"{result.figures.get('seconds', 0):.3f} s)")
    if not as_json:
        echo(f"{agreed} of {len(labels)} labelled verdicts agree "
             f"({time.perf_counter() - started:.2f} s)")
    finish(worst(codes))


@main.command(name="models")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per model.")
def list_models(as_json: bool) -> None:
    """List the models, the consistency levels and options of each, and plugin models' origin."""
    from histcheck.registry import models

    known = models()
    width = max((len(name) for name in known), default=0) + 2
    for spec in known.values():
        if as_json:
            _emit_json({"model": spec.name, "consistencies": list(spec.consistencies),
                        "options": list(spec.options), "summary": spec.summary,
                        "origin": spec.origin})
            continue
        lines = [f"{spec.name:{width}}{', '.join(spec.consistencies)}", spec.summary]
        if spec.options:
            lines.append(f"options: {', '.join(spec.options)}")
        if spec.origin != "built in":
            lines.append(f"from {spec.origin}")
        echo("\n".join([lines[0], *(f"{'':{width}}{line}" for line in lines[1:])]))


@main.command(name="formats")
def list_formats() -> None:
    """List the history formats histcheck reads and writes."""
    from histcheck.formats import FORMATS

    width = max(len(name) for name in FORMATS)
    for fmt in FORMATS.values():
        mode = "read/write" if fmt.writer else "read"
        echo(f"{fmt.name:{width}} {mode:10} {fmt.description}")


if __name__ == "__main__":
    main()
