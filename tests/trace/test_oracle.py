"""Every trace model and level against the oracle, on small random traces full of faults.

Each trace has 2-3 nodes and up to 8 messages, and its runs are sloppy on purpose: deliveries
and receipts before the message exists (at the same node or through a cycle), duplicates,
losses, reorders, wrong senders, crashes and recoveries. For every level the checker's anomaly
counts must equal the oracle's (``tests/trace/oracle.py``), which decides each property from its
definition by brute force.
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest

from histcheck.api import check
from histcheck.trace.broadcast import LEVELS
from histcheck.trace.links import CHANNEL_LEVELS, RPC_LEVELS
from histcheck.trace.model import Trace
from tests.trace.helpers import make_trace
from tests.trace.oracle import expected

Rows = list[dict[str, Any]]
MODELS = {"broadcast": LEVELS, "channel": CHANNEL_LEVELS, "rpc": RPC_LEVELS}
DEFAULT_CASES, SLOW_CASES = 300, 4000


class _Run:
    """Nodes taking steps; a node that crashed must recover before its next event."""

    def __init__(self, rng: random.Random, nodes: list[str]) -> None:
        self.rng, self.nodes, self.rows = rng, nodes, []  # type: ignore[var-annotated]
        self.down: set[str] = set()

    def step(self, node: str, row: dict[str, Any]) -> None:
        if node in self.down:
            self.rows.append({"node": node, "type": "recover"})
            self.down.discard(node)
        self.rows.append({"node": node, **row})

    def maybe_crash(self, node: str) -> None:
        if node not in self.down and self.rng.random() < 0.04:
            self.rows.append({"node": node, "type": "crash"})
            self.down.add(node)

    def lose_or_shuffle(self) -> None:
        """Now and then drop a row or swap two neighbouring ones (a reorder or a causality slip)."""
        rng, rows = self.rng, self.rows
        for _ in range(rng.choice([0, 0, 1, 2])):
            if len(rows) > 1:
                i = rng.randrange(len(rows) - 1)
                if rng.random() < 0.5:
                    rows[i], rows[i + 1] = rows[i + 1], rows[i]
                elif rows[i]["type"] not in ("crash", "recover"):
                    del rows[i]


def broadcast_rows(rng: random.Random) -> Rows:
    nodes = [f"n{i}" for i in range(1, rng.randint(2, 3) + 1)]
    run, noise = _Run(rng, nodes), rng.choice([0.0, 0.1, 0.3])
    pool = [f"m{i}" for i in range(rng.randint(1, 8))]
    sender: dict[str, str] = {}
    done: dict[str, list[str]] = {n: [] for n in nodes}
    for _ in range(rng.randint(2, 16)):
        node = rng.choice(nodes)
        unsent = [m for m in pool if m not in sender]
        pending = [m for m in sender if m not in done[node]]
        if len(unsent) > 1 and rng.random() < noise / 3:  # a cycle through two nodes
            late, x = unsent[:2]
            other = rng.choice([n for n in nodes if n != node])
            sender[x], sender[late] = node, other
            run.step(node, {"type": "deliver", "msg": late})
            run.step(node, {"type": "broadcast", "msg": x})
            run.step(other, {"type": "deliver", "msg": x})
            run.step(other, {"type": "broadcast", "msg": late})
            done[node].append(late)
            done[other].append(x)
            continue
        if rng.random() < noise:  # a fault: a message from the future, a ghost, a repeat
            msg = rng.choice(pool + ["ghost"] + done[node])
        elif pending and (not unsent or rng.random() < 0.6):
            msg = pending[0] if rng.random() < 0.6 else rng.choice(pending)
        elif unsent:
            msg = unsent[0]
            sender[msg] = node
            run.step(node, {"type": "broadcast", "msg": msg})
            continue
        else:
            run.step(node, {"type": "local"})
            continue
        row: dict[str, Any] = {"type": "deliver", "msg": msg}
        if rng.random() < 0.5:
            row["from"] = sender.get(msg, rng.choice(nodes))
            if rng.random() < noise:
                row["from"] = rng.choice(nodes)
        run.step(node, row)
        done[node].append(msg)
        run.maybe_crash(node)
    for node in nodes:  # most runs deliver what is left
        if node not in run.down and rng.random() > noise:
            for msg in sender:
                if msg not in done[node]:
                    run.step(node, {"type": "deliver", "msg": msg})
    if rng.random() < 0.2:  # a point-to-point message adds causality (and maybe a cycle)
        a, b = rng.sample(nodes, 2)
        cut = rng.randrange(len(run.rows) + 1)
        run.rows[cut:cut] = [{"node": a, "type": "send", "msg": "p", "to": b}]
        cut = rng.randrange(len(run.rows) + 1)
        run.rows[cut:cut] = [{"node": b, "type": "recv", "msg": "p"}]
    run.lose_or_shuffle()
    return _readable(run.rows)


def channel_rows(rng: random.Random) -> Rows:
    nodes = ["a", "b", "c"][:rng.randint(2, 3)]
    run, noise = _Run(rng, nodes), rng.choice([0.0, 0.1, 0.3])
    pool = [f"s{i}" for i in range(rng.randint(1, 8))]
    sent: dict[str, tuple[str, str]] = {}
    got: set[str] = set()
    for _ in range(rng.randint(2, 16)):
        node = rng.choice(nodes)
        unsent = [m for m in pool if m not in sent]
        pending = [m for m, (_, to) in sent.items() if to == node and m not in got]
        if len(unsent) > 1 and rng.random() < noise / 3:  # a cycle through two nodes
            late, x = unsent[:2]
            other = rng.choice([n for n in nodes if n != node])
            sent[x], sent[late] = (node, other), (other, node)
            run.step(node, {"type": "recv", "msg": late})
            run.step(node, {"type": "send", "msg": x, "to": other})
            run.step(other, {"type": "recv", "msg": x})
            run.step(other, {"type": "send", "msg": late, "to": node})
            got.update((late, x))
            continue
        if rng.random() < noise:  # a fault: from the future, misdelivered, a repeat
            msg = rng.choice(pool)
        elif pending and (not unsent or rng.random() < 0.6):
            msg = pending[0] if rng.random() < 0.7 else rng.choice(pending)
        elif unsent:
            to = rng.choice([n for n in nodes if n != node] + ["far"] * (rng.random() < 0.05))
            sent[unsent[0]] = (node, to)
            run.step(node, {"type": "send", "msg": unsent[0], "to": to})
            continue
        else:
            run.step(node, {"type": "local"})
            continue
        row: dict[str, Any] = {"type": "recv", "msg": msg}
        if rng.random() < 0.5:
            row["from"] = sent[msg][0] if msg in sent and rng.random() > noise \
                else rng.choice(nodes)
        run.step(node, row)
        got.add(msg)
        run.maybe_crash(node)
    if rng.random() < 0.1:  # RPC attempts travel on the same links
        a, b = rng.sample(nodes, 2)
        run.step(a, {"type": "request", "rpc": "r", "msg": "q", "to": b})
        run.step(b, {"type": "recv", "msg": "q"})
    run.lose_or_shuffle()
    return _readable(run.rows)


def rpc_rows(rng: random.Random) -> Rows:
    clients, servers = ["c1", "c2"][:rng.randint(1, 2)], ["s1", "s2"][:rng.randint(1, 2)]
    run, noise = _Run(rng, clients + servers), rng.choice([0.0, 0.1, 0.3])
    rpcs = {f"r{i}": rng.choice(clients) for i in range(rng.randint(1, 4))}
    attempts: dict[str, list[tuple[str, str]]] = {r: [] for r in rpcs}  # (msg, server)
    replies: dict[str, list[str]] = {r: [] for r in rpcs}
    future = [f"q{i}" for i in range(8)]
    count = 0
    for _ in range(rng.randint(2, 14)):
        rpc = rng.choice(list(rpcs))
        client = rpcs[rpc]
        roll = rng.random()
        if roll < noise / 2 and count < 8:  # executed and answered before it is requested
            server, msg, reply = rng.choice(servers), f"q{count}", f"a{len(run.rows)}"
            count += 1
            run.step(server, {"type": "execute", "rpc": rpc, "msg": msg})
            run.step(server, {"type": "reply", "rpc": rpc, "msg": reply, "to": client})
            run.step(client, {"type": rng.choice(["ack", "recv"]), "rpc": rpc, "msg": reply})
            run.step(client, {"type": "request", "rpc": rpc, "msg": msg, "to": server})
            attempts[rpc].append((msg, server))
        elif roll < 0.35 or not attempts[rpc]:
            server = rng.choice(servers)
            msg = f"q{count}" if count < 8 else None
            count += 1
            row: dict[str, Any] = {"type": "request", "rpc": rpc, "to": server}
            if msg is not None and rng.random() < 0.85:
                row["msg"] = msg
                attempts[rpc].append((msg, server))
            run.step(client, row)
        elif roll < 0.65:
            msg, server = rng.choice(attempts[rpc])
            if rng.random() < noise:  # an attempt from the future
                msg = rng.choice(future)
            kind = "recv" if rng.random() < 0.15 else "execute"
            row = {"type": kind, "rpc": rpc, "msg": msg}
            if kind == "execute" and rng.random() < 0.2:
                del row["msg"]
            run.step(server, row)
            run.maybe_crash(server)
        elif roll < 0.85:
            server = rng.choice(attempts[rpc])[1]
            reply = f"a{len(run.rows)}"
            replies[rpc].append(reply)
            run.step(server, {"type": "reply", "rpc": rpc, "msg": reply, "to": client})
        else:
            row = {"type": "ack", "rpc": rpc}
            if replies[rpc] and rng.random() < 0.8:
                row["msg"] = rng.choice(replies[rpc])
            run.step(client, row)
            run.maybe_crash(client)
    run.lose_or_shuffle()
    return _readable(run.rows)


def _readable(rows: Rows) -> Rows:
    """Keep only what is readable input: a node's event after a crash is its recovery, a recv
    names a sent message, an execute or ack a sent one or none."""
    alive: Rows = []
    down: set[str] = set()
    for row in rows:
        node, kind = row["node"], row["type"]
        if (node in down and kind != "recover") or (kind == "recover" and node not in down):
            continue
        (down.add if kind == "crash" else down.discard)(node)
        alive.append(dict(row))
    sending = {r["msg"]: r["type"] for r in alive
               if r["type"] in ("send", "request", "reply", "broadcast") and "msg" in r}
    kept: Rows = []
    for row in alive:
        if row["type"] in ("recv", "execute", "ack") and "msg" in row and \
                sending.get(row["msg"], "broadcast") == "broadcast":
            if row["type"] == "recv":
                continue
            del row["msg"]
        kept.append(row)
    return kept or [{"node": "n1", "type": "local"}]


GENERATORS = {"broadcast": broadcast_rows, "channel": channel_rows, "rpc": rpc_rows}


def disagreements(model: str, seed: int) -> list[str]:
    rows = GENERATORS[model](random.Random(f"{model}-{seed}"))
    trace: Trace = make_trace(rows)
    found = []
    for level in MODELS[model]:
        result = check(trace, model=model, consistency=level)  # type: ignore[arg-type]
        want = expected(trace, model, level)
        got = Counter(result.details["counts"])
        if got != want or result.valid is not (not want):
            found.append(f"{model} {level} seed {seed}: checker {dict(got)}, oracle "
                         f"{dict(want)}\n  rows {rows}")
    return found


def _run(model: str, seeds: range) -> None:
    failures = [d for seed in seeds for d in disagreements(model, seed)]
    assert not failures, f"{len(failures)} disagreements; first:\n" + "\n".join(failures[:3])


@pytest.mark.parametrize("model", MODELS)
def test_checker_agrees_with_the_oracle(model: str) -> None:
    _run(model, range(DEFAULT_CASES))


@pytest.mark.slow
@pytest.mark.parametrize("model", MODELS)
def test_checker_agrees_with_the_oracle_at_length(model: str) -> None:
    _run(model, range(DEFAULT_CASES, DEFAULT_CASES + SLOW_CASES))
