"""Generate a linearizable kv history in native JSON Lines: N put/get operations over K keys.

Each client runs one operation at a time; an operation takes effect at a random moment between
its invocation and its completion, so concurrent operations overlap as in a real run. Values are
short (a put writes its own sequence number), so the file grows linearly with N: 10,000,000
operations are about 1.6 GB. ``bad=True`` makes one get in the middle return a value nobody
wrote (the history is then not linearizable, on that get's key).
"""

from __future__ import annotations

import heapq
import random
import sys
from pathlib import Path

import orjson


def write_kv(path: Path, operations: int, *, keys: int = 1000, clients: int = 50, seed: int = 1,
             bad: bool = False) -> None:
    rng = random.Random(seed)
    free = [(0.0, c) for c in range(clients)]
    store: dict[int, int | None] = {}
    events: list[tuple[float, int, bytes]] = []
    clock = 0.0
    poison = bad
    with path.open("wb") as fh:
        for seq in range(operations):
            until, client = heapq.heappop(free)
            start = clock = max(clock, until) + rng.random()
            effect = start + rng.random() * 3
            end = effect + rng.random() * 3
            heapq.heappush(free, (end, client))
            # effects happen in start order here, so the store is read at the effect moment
            key = rng.randrange(keys)
            write = rng.random() < 0.5
            if write:
                store[key] = seq
            seen = seq if write else store.get(key)
            if poison and not write and seq >= operations // 2:
                seen, poison = -1, False
            f = "put" if write else "get"
            heapq.heappush(events, (start, 0, orjson.dumps(
                {"process": client, "type": "invoke", "f": f, "key": str(key),
                 "value": str(seq) if write else None})))
            heapq.heappush(events, (end, 1, orjson.dumps(
                {"process": client, "type": "ok", "f": f, "key": str(key),
                 "value": "" if seen is None else str(seen)})))
            while events and events[0][0] < start:
                fh.write(heapq.heappop(events)[2] + b"\n")
        while events:
            fh.write(heapq.heappop(events)[2] + b"\n")


if __name__ == "__main__":
    write_kv(Path(sys.argv[2]), int(sys.argv[1]), keys=int(sys.argv[3]) if len(sys.argv) > 3
             else 1000)
