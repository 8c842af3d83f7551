"""How fast each reader reads: MB/s, operations/s and peak memory, per format.

    python3 bench/bench_read.py [operations [modes...]] [--file PATH ...]

Modes: ``jsonl``, ``edn``, ``kv`` (Porcupine's key-value EDN lines, string keys and values)
and ``jepsen-log`` read one generated history of ``operations`` operations (default 1,000,000)
written in that format; ``stats`` times the statistics of the JSON Lines one; ``corpus`` reads
every bundled history. ``--file PATH`` also reads a file of your own (any format). Data is
generated once into bench/out. Each measurement runs in a fresh subprocess, so its peak memory
is that read's own; ``seconds`` is the read's wall time and ``cpu_seconds`` its processor time
(on a shared machine the second says more).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
MODES = ("jsonl", "edn", "kv", "jepsen-log", "stats", "corpus")

CHILD = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from histcheck.formats import read_history
mode, target = sys.argv[1], Path(sys.argv[2])
start, cpu = time.perf_counter(), time.process_time()
if mode == "corpus":
    skip = {{"LABELS.tsv", "NOTICE.md", "README.md"}}
    count = 0
    for path in sorted(target.rglob("*")):
        if (path.is_file() and path.name not in skip and path.parent.parent.name != "cobra-log"
                and "traces" not in path.parts):
            count += len(read_history(path))
    for folder in sorted((target / "txn-formats" / "cobra-log").iterdir()):
        count += len(read_history(folder))
    size = sum(p.stat().st_size for p in target.rglob("*") if p.is_file())
elif mode == "stats":
    history = read_history(target)
    start = time.perf_counter()
    from histcheck.stats import history_stats
    history_stats(history)
    count, size = len(history), 0
else:
    count, size = len(read_history(target)), target.stat().st_size
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"mode": mode, "file": target.name, "operations": count,
                  "seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2),
                  "mb_per_s": round(size / 1e6 / seconds, 1),
                  "ops_per_s": round(count / seconds), "peak_rss_mib": round(rss)}}))
"""


def run(mode: str, target: Path) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), mode, str(target)],
                          check=True, capture_output=True, text=True)
    result: dict[str, object] = json.loads(done.stdout)
    print(json.dumps(result))
    return result


def _log_value(value: object) -> str:
    if value is None:
        return "nil"
    if isinstance(value, tuple):
        return "[" + " ".join(_log_value(v) for v in value) + "]"
    return str(value)


def write_jepsen_log(jsonl: Path, path: Path) -> None:
    """The history as Jepsen log lines (process, type, f, value; the key is not logged)."""
    from histcheck.formats import read_history

    history = read_history(jsonl)
    with path.open("w") as fh:
        for _, event in history.events():
            process = f":{event.process}" if isinstance(event.process, str) else event.process
            fh.write(f"INFO  jepsen.util - {process}\t:{event.type.value}\t:{event.f}\t"
                     f"{_log_value(event.value)}\n")


_KV_F = {"read": "get", "write": "put", "cas": "append"}


def write_kv(jsonl: Path, path: Path) -> None:
    """The history as Porcupine's kv lines: reads become gets, writes puts, cas appends; keys
    and values are strings (``"x 3 y"``), as in Porcupine's test data."""
    from histcheck.formats import read_history

    history = read_history(jsonl)
    with path.open("w") as fh:
        for _, event in history.events():
            if isinstance(event.process, str):
                continue
            f = _KV_F[event.f]
            value = "nil" if f == "get" and event.type.value == "invoke" else \
                f'"x {_log_value(event.value)} y"'
            fh.write(f'{{:process {event.process}, :type :{event.type.value}, :f :{f}, '
                     f':key "{event.key}", :value {value}}}\n')


def data(operations: int, mode: str) -> Path:
    """The generated history for ``mode`` (made on first use)."""
    sys.path.insert(0, str(ROOT))
    from bench.gen_jsonl import generate

    OUT.mkdir(parents=True, exist_ok=True)
    jsonl = OUT / f"history-{operations}.jsonl"
    if not jsonl.exists():
        generate(jsonl, operations)
    if mode in ("jsonl", "stats"):
        return jsonl
    if mode == "edn":
        path = OUT / f"history-{operations}.edn"
        if not path.exists():
            from histcheck.formats import read_history, write_history

            write_history(read_history(jsonl), path)
        return path
    if mode == "kv":
        path = OUT / f"history-{operations}.kv.txt"
        if not path.exists():
            write_kv(jsonl, path)
        return path
    path = OUT / f"history-{operations}.log"
    if not path.exists():
        write_jepsen_log(jsonl, path)
    return path


def main() -> None:
    args = sys.argv[1:]
    files = [Path(args[i + 1]) for i, arg in enumerate(args) if arg == "--file"]
    args = [a for i, a in enumerate(args) if a != "--file" and (i == 0 or args[i - 1] != "--file")]
    operations = int(args[0]) if args else 1_000_000
    modes = args[1:] or [m for m in MODES if m != "stats"]
    for mode in modes:
        if mode not in MODES:
            raise SystemExit(f"unknown mode {mode!r} (known: {', '.join(MODES)})")
        run(mode, ROOT / "histories" if mode == "corpus" else data(operations, mode))
    for path in files:
        run("file", path)


if __name__ == "__main__":
    main()
