"""Knossos's multi-register: ``[:read k v]``/``[:write k v]`` micro-operations as Knossos writes
them (or ``r``/``w``), and registers that start where the ``initial`` option says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from histcheck.api import check
from histcheck.cli import main
from histcheck.errors import UsageError
from histcheck.formats import read_history
from histcheck.linear.check import check_history
from histcheck.linear.models import MultiRegister

ROOT = Path(__file__).resolve().parents[2]
KNOSSOS = ROOT / "histories" / "knossos" / "multi-register" / "good" / "multi-register.edn"


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def txns(tmp_path: Path, *ops: tuple[int, list[list[Any]], list[list[Any]]],
         name: str = "h.jsonl") -> Path:
    """One ``txn`` per (process, invoked micro-ops, completed micro-ops), one after another."""
    lines = []
    for process, invoked, done in ops:
        lines.append({"process": process, "type": "invoke", "f": "txn", "value": invoked})
        lines.append({"process": process, "type": "ok", "f": "txn", "value": done})
    path = tmp_path / name
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


@pytest.mark.parametrize("initial", ["{x 0 y 0}", "{:x 0, :y 0}", '{"x": 0, "y": 0}'])
def test_the_knossos_history_is_linearizable_from_x_0_y_0(initial: str) -> None:
    history = read_history(KNOSSOS)
    result = check(history, model="multi-register", options={"initial": initial})
    assert result.valid is True, result.explanation
    sequential = check(history, model="multi-register", consistency="sequential",
                       options={"initial": initial})
    assert sequential.valid is True


def test_the_knossos_history_is_not_linearizable_from_nil() -> None:
    result = check(read_history(KNOSSOS), model="multi-register")
    assert result.valid is False
    assert [a.name for a in result.anomalies] == ["nonlinearizable"]
    assert "read y 0" in result.explanation


def test_the_initial_option_on_the_command_line() -> None:
    code, out, err = run("check", str(KNOSSOS), "--model", "multi-register", "--opt",
                         "initial={x 0 y 0}")
    assert (code, err) == (0, "") and "VALID for multi-register / linearizable" in out
    code, out, _ = run("check", str(KNOSSOS), "--model", "multi-register")
    assert code == 1 and "INVALID" in out


@pytest.mark.parametrize(("read", "write"), [("read", "write"), ("r", "w")])
def test_read_write_and_r_w_mean_the_same(tmp_path: Path, read: str, write: str) -> None:
    stale = txns(tmp_path, (0, [[write, "x", 1]], [[write, "x", 1]]),
                 (1, [[read, "x", None], [read, "y", None]], [[read, "x", 0], [read, "y", 0]]))
    result = check(read_history(stale), model="multi-register",
                   options={"initial": "{x 0 y 0}"})
    assert result.valid is False and [a.name for a in result.anomalies] == ["nonlinearizable"]
    fresh = txns(tmp_path, (0, [[write, "x", 1]], [[write, "x", 1]]),
                 (1, [[read, "x", None], [read, "y", None]], [[read, "x", 1], [read, "y", 0]]),
                 name="fresh.jsonl")
    assert check(read_history(fresh), model="multi-register",
                 options={"initial": "{x 0 y 0}"}).valid is True


def test_a_read_of_a_value_the_initial_state_does_not_hold_is_invalid(tmp_path: Path) -> None:
    """Only the keys the option names start at a value: y starts at nil here."""
    path = txns(tmp_path, (0, [["read", "x", None], ["read", "y", None]],
                           [["read", "x", 0], ["read", "y", 0]]))
    assert check(read_history(path), model="multi-register",
                 options={"initial": "{x 0 y 0}"}).valid is True
    only_x = check(read_history(path), model="multi-register", options={"initial": "{x 0}"})
    assert only_x.valid is False and [a.name for a in only_x.anomalies] == ["nonlinearizable"]


def test_integer_keys_start_where_the_option_says(tmp_path: Path) -> None:
    path = txns(tmp_path, (0, [["r", 1, None]], [["r", 1, 5]]))
    assert check(read_history(path), model="multi-register",
                 options={"initial": "{1 5}"}).valid is True
    assert check(read_history(path), model="multi-register",
                 options={"initial": "{1 6}"}).valid is False


def test_the_library_builds_the_same_model() -> None:
    model = MultiRegister.starting_at({"x": 0, "y": 0})
    assert model.initial() == (("x", 0), ("y", 0))
    assert check_history(read_history(KNOSSOS), model).valid is True


@pytest.mark.parametrize(("initial", "problem"), [
    ("[1 2]", "option initial must be a map such as {x 0 y 0}, not '[1 2]'"),
    ("{x 0", "option initial must be an EDN or JSON map, not '{x 0'"),
])
def test_an_unreadable_initial_state_is_one_line_and_exit_2(initial: str, problem: str) -> None:
    code, out, err = run("check", str(KNOSSOS), "--model", "multi-register", "--opt",
                         f"initial={initial}")
    lines = err.splitlines()
    assert (code, out, len(lines)) == (2, "", 1)
    assert lines[0].startswith(f"histcheck: {problem}"), lines[0]


def test_only_multi_register_takes_an_initial_state() -> None:
    with pytest.raises(UsageError, match="model 'register' has no option 'initial'"):
        check(read_history(KNOSSOS), model="register", options={"initial": "{x 0}"})
