"""Read a generated 1M-operation JSON Lines history and the bundled corpus; print the figures.

    python3 bench/bench_read.py [operations [modes...]]   (default 1,000,000; cached in bench/out)

Each measurement runs in a fresh subprocess so peak RSS is that read's own.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"

CHILD = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from histcheck.formats import read_history
mode, target = sys.argv[1], Path(sys.argv[2])
start = time.perf_counter()
if mode == "corpus":
    skip = {{"LABELS.tsv", "NOTICE.md", "README.md"}}
    count = 0
    for path in sorted(target.rglob("*")):
        if (path.is_file() and path.name not in skip and path.parent.parent.name != "cobra-log"
                and "traces" not in path.parts):
            count += len(read_history(path))
    for folder in sorted((target / "txn-formats" / "cobra-log").iterdir()):
        count += len(read_history(folder))
elif mode == "stats":
    history = read_history(target)
    start = time.perf_counter()
    from histcheck.stats import history_stats
    history_stats(history)
    count = len(history)
else:
    count = len(read_history(target))
seconds = time.perf_counter() - start
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"mode": mode, "operations": count, "seconds": round(seconds, 2),
                  "ops_per_s": round(count / seconds), "peak_rss_mb": round(rss)}}))
"""


def run(mode: str, target: Path) -> dict[str, object]:
    done = subprocess.run([sys.executable, "-c", CHILD.format(root=str(ROOT)), mode, str(target)],
                          check=True, capture_output=True, text=True)
    result: dict[str, object] = json.loads(done.stdout)
    print(json.dumps(result))
    return result


def main() -> None:
    operations = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    modes = sys.argv[2:] or ["read", "stats", "corpus"]
    sys.path.insert(0, str(ROOT))
    from bench.gen_jsonl import generate

    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"history-{operations}.jsonl"
    if not path.exists():
        generate(path, operations)
    for mode in modes:
        run(mode, ROOT / "histories" if mode == "corpus" else path)


if __name__ == "__main__":
    main()
