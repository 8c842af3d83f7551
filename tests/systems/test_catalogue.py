"""Every catalogue entry: simulate it and check it, with the test oracles and with histcheck's
own checkers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from histcheck.cli import main
from histcheck.systems.catalogue import CATALOGUE, Entry, Options, find
from tests.systems import oracles

NAMES4 = ["n1", "n2", "n3", "n4"]
SEEDS = range(5)
TRACED = tuple(e for e in CATALOGUE if not e.records_history)
"""Entries checked on traces; the storage systems are tested in test_storage_catalogue.py."""


def oracle_problems(entry: Entry, events: oracles.Events) -> list[str]:
    if entry.model == "rpc":
        return oracles.rpc(events, entry.consistency)
    if entry.model == "channel":
        found = oracles.channel_reliable(events)
        return found + (oracles.channel_fifo(events) if entry.consistency == "fifo" else [])
    found = oracles.reliable(events, NAMES4)
    if "fifo" in entry.consistency or entry.consistency == "causal":
        found += oracles.fifo(events)
    if entry.consistency == "causal":
        found += oracles.causal(events)
    if "total" in entry.consistency:
        found += oracles.total(events)
    return found


def ids(entry: Entry) -> str:
    return f"{entry.system}/{entry.variant}"


@pytest.mark.parametrize("entry", TRACED, ids=ids)
def test_entry_meets_its_expectation_by_oracle(entry: Entry) -> None:
    verdicts = [not oracle_problems(entry, entry.run(seed).trace.events) for seed in SEEDS]
    if entry.expect == "valid":
        assert all(verdicts)
    else:
        assert not all(verdicts)


@pytest.mark.parametrize("entry", TRACED, ids=ids)
def test_entry_meets_its_expectation_by_checker(entry: Entry, tmp_path: Path) -> None:
    from histcheck.api import check
    from histcheck.registry import get_model

    spec = get_model(entry.model)
    verdicts = []
    for seed in SEEDS:
        path = tmp_path / f"{seed}.jsonl"
        entry.run(seed).trace.write(path)
        result = check(spec.read(path), model=entry.model, consistency=entry.consistency)
        verdicts.append(result.valid)
    if entry.expect == "valid":
        assert all(v is True for v in verdicts), verdicts
    else:
        assert any(v is False for v in verdicts), verdicts


def test_catalogue_names_are_unique_and_every_system_has_a_correct_first_variant() -> None:
    keys = [(e.system, e.variant) for e in CATALOGUE]
    assert len(keys) == len(set(keys))
    for system in dict.fromkeys(e.system for e in CATALOGUE):
        assert find(system).expect == "valid"


def test_systems_command_json() -> None:
    out = CliRunner().invoke(main, ["systems", "--json"])
    assert out.exit_code == 0
    entries = json.loads(out.output)
    assert len(entries) == len(CATALOGUE)
    assert {"system", "variant", "model", "consistency", "expect"} <= set(entries[0])
    assert {e["expect"] for e in entries} == {"valid", "invalid"}


def test_simulate_command_is_deterministic(tmp_path: Path) -> None:
    runner = CliRunner()
    outputs = []
    for name in ("a", "b"):
        out = tmp_path / f"{name}.jsonl"
        result = runner.invoke(main, ["simulate", "broadcast-causal", "--seed", "4", "--out",
                                      str(out), "--network", "arbitrary", "--timing",
                                      "asynchronous", "--fault", "partition:n1|n2,n3,n4@5-40"])
        assert result.exit_code == 0, result.output
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] and outputs[0].count(b"\n") > 20


def test_simulate_rpc_writes_a_history(tmp_path: Path) -> None:
    from histcheck.formats import read_history

    result = CliRunner().invoke(main, ["simulate", "rpc", "--variant", "at-most-once", "--out",
                                       str(tmp_path / "t.jsonl"), "--history",
                                       str(tmp_path / "h.jsonl"), "--clients", "2"])
    assert result.exit_code == 0, result.output
    history = read_history(tmp_path / "h.jsonl")
    assert len(history) == 20 and any(op.indeterminate for op in history)


def test_simulate_rejects_bad_input(tmp_path: Path) -> None:
    runner = CliRunner()
    out = str(tmp_path / "x.jsonl")
    assert runner.invoke(main, ["simulate", "nope", "--out", out]).exit_code == 2
    assert runner.invoke(main, ["simulate", "rpc", "--variant", "x", "--out", out]).exit_code == 2
    bad = runner.invoke(main, ["simulate", "rpc", "--out", out, "--fault", "recover:server@5"])
    assert bad.exit_code == 2 and "crash-recovery" in bad.output


def test_options_change_the_run() -> None:
    entry = find("broadcast-reliable")
    small = entry.run(0, Options(clients=2, operations=1)).trace.events
    assert sum(e["type"] == "broadcast" for e in small) == 2
