"""Generate a native JSON Lines history of N register operations (for bench_read.py)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import orjson


def generate(path: Path, operations: int, processes: int = 20, seed: int = 1) -> None:
    """Interleaved read/write/cas clients on 10 keys, ~5% info (fresh process), a nemesis."""
    rng = random.Random(seed)
    free = list(range(processes))
    next_process = processes
    open_ops: dict[int, tuple[str, object, int]] = {}
    time = 0
    index = 0
    done = 0
    with path.open("wb") as fh:
        def emit(record: dict[str, object]) -> None:
            nonlocal index
            fh.write(orjson.dumps({"index": index, **record}))
            fh.write(b"\n")
            index += 1

        while done < operations or open_ops:
            time += rng.randint(1, 2000)
            if rng.random() < 0.001:
                emit({"time": time, "process": "nemesis", "type": "info", "f": "kill",
                      "value": None})
            if free and done < operations and (not open_ops or rng.random() < 0.5):
                process = free.pop(rng.randrange(len(free)))
                f = rng.choice(["read", "write", "cas"])
                key = rng.randrange(10)
                value = (None if f == "read" else rng.randrange(5) if f == "write"
                         else [rng.randrange(5), rng.randrange(5)])
                open_ops[process] = (f, value, key)
                emit({"time": time, "process": process, "type": "invoke", "f": f, "key": key,
                      "value": value})
                done += 1
                continue
            process = rng.choice(list(open_ops))
            f, value, key = open_ops.pop(process)
            roll = rng.random()
            kind = "info" if roll < 0.05 else "fail" if f == "cas" and roll < 0.3 else "ok"
            if f == "read" and kind == "ok":
                value = rng.randrange(5)
            emit({"time": time, "process": process, "type": kind, "f": f, "key": key,
                  "value": value})
            if kind == "info":
                free.append(next_process)
                next_process += 1
            else:
                free.append(process)


if __name__ == "__main__":
    generate(Path(sys.argv[1]), int(sys.argv[2]))
