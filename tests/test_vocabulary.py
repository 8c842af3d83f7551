"""A history the model cannot read is bad input (exit 2, one line naming file and line), never a
verdict: every model declares the operations it reads, and one gate checks every client
operation (ok, fail and info alike) before any checking starts. The nemesis is not looked at."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from histcheck.cli import main
from histcheck.errors import HistoryError
from histcheck.formats import read_history
from histcheck.history import Operation
from histcheck.linear.check import check_history
from histcheck.linear.models import BUILTIN
from histcheck.linear.spec import VOCABULARIES
from histcheck.registry import builtin_models
from histcheck.vocabulary import ANY, LIST_OR_NIL, Txn, Vocabulary, admit

ROOT = Path(__file__).resolve().parent.parent
HISTORIES = ROOT / "histories"
NEMESIS = {"process": "nemesis", "type": "info", "f": "start", "value": None}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def refused(path: Path | str, model: str, line: int, problem: str, *extra: str) -> None:
    """``histcheck check`` says exactly one line: the file, the line, the problem; exit 2."""
    code, out, err = run("check", str(path), "--model", model, *extra)
    assert (code, out) == (2, ""), (code, out, err)
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"histcheck: {path}:{line}: model {model} cannot read this "
                               f"operation: "), lines[0]
    assert problem in lines[0], lines[0]


def pair(process: Any, f: str, value: Any, *, result: Any = "same", kind: str = "ok",
         key: Any = None) -> list[dict[str, Any]]:
    """An invocation and its completion (``result`` is the completion's value)."""
    keyed = {} if key is None else {"key": key}
    done = value if result == "same" else result
    return [{"process": process, "type": "invoke", "f": f, "value": value, **keyed},
            {"process": process, "type": kind, "f": f, "value": done, **keyed}]


def jsonl(tmp_path: Path, name: str, events: list[dict[str, Any]]) -> Path:
    path = tmp_path / name
    path.write_text("".join(json.dumps(event) + "\n" for event in events))
    return path


# -- the examples that used to get a verdict ------------------------------------------------

def test_list_append_refuses_an_etcd_register_log() -> None:
    refused(HISTORIES / "porcupine-etcd" / "etcd_000.log", "list-append", 1,
            "it has no operation 'read' (its operations: txn)")


def test_list_append_refuses_a_jepsen_bank_history() -> None:
    refused(HISTORIES / "jepsen" / "bank.edn", "list-append", 1, "no operation 'read'")


@pytest.mark.parametrize("kind", ["ok", "fail", "info"])
def test_register_refuses_an_unknown_f_whatever_its_outcome(tmp_path: Path, kind: str) -> None:
    events = [*pair(0, "write", 1), *pair(1, "frobnicate", 3, kind=kind), *pair(0, "read", None,
                                                                              result=1)]
    refused(jsonl(tmp_path, "h.jsonl", events), "register", 3,
            "it has no operation 'frobnicate' (its operations: read, write)")


@pytest.mark.parametrize("kind", ["ok", "fail", "info"])
def test_kv_refuses_frobnicate_on_another_key(tmp_path: Path, kind: str) -> None:
    events = [*pair(0, "put", "x", key="a"), *pair(1, "frobnicate", "y", key="b", kind=kind),
              *pair(0, "get", None, result="x", key="a")]
    refused(jsonl(tmp_path, "h.jsonl", events), "kv", 3,
            "it has no operation 'frobnicate' (its operations: get, put, append)")


def test_an_open_invocation_is_checked_too(tmp_path: Path) -> None:
    events = [*pair(0, "write", 1), {"process": 1, "type": "invoke", "f": "frobnicate"}]
    refused(jsonl(tmp_path, "h.jsonl", events), "register", 3, "no operation 'frobnicate'")


def test_the_first_offending_operation_is_named_by_its_invocation(tmp_path: Path) -> None:
    events = [{"process": 1, "type": "invoke", "f": "frob", "value": 1}, *pair(0, "write", 1),
              {"process": 1, "type": "ok", "f": "frob", "value": 1},
              *pair(2, "zap", 1)]
    refused(jsonl(tmp_path, "h.jsonl", events), "register", 1, "no operation 'frob'")


def test_value_shapes_are_checked() -> None:
    history = read_history(HISTORIES / "jepsen" / "set.edn")
    with pytest.raises(HistoryError, match=r"set\.edn:\d+: model counter cannot read this "
                       r"operation: the value of 'read' must be a number or nil, not \["):
        admit(history, builtin_models()["counter"].vocabulary,  # type: ignore[arg-type]
              "counter")


def test_micro_operations_outside_the_workload_are_refused(tmp_path: Path) -> None:
    events = [*pair(0, "txn", [["append", "x", 1]]), *pair(1, "txn", [["w", "x", 2]])]
    path = jsonl(tmp_path, "h.jsonl", events)
    refused(path, "list-append", 3,
            "it has no micro-operation 'w' (its micro-operations: r, append)")
    refused(path, "rw-register", 1,
            "it has no micro-operation 'append' (its micro-operations: r, w)")
    reads = jsonl(tmp_path, "r.jsonl", pair(0, "txn", [["r", "x", None]],
                                              result=[["r", "x", 3]]))
    refused(reads, "list-append", 1, "the value of a 'r' micro-operation must be a list or nil, "
                                     "not 3")


def test_nemesis_operations_are_not_looked_at(tmp_path: Path) -> None:
    events = [NEMESIS, *pair(0, "write", 1), {**NEMESIS, "f": "stop"}, *pair(0, "read", None,
                                                                             result=1)]
    code, out, err = run("check", str(jsonl(tmp_path, "h.jsonl", events)), "--model",
                         "register")
    assert (code, err) == (0, "") and "VALID" in out


# -- every built-in model refuses another model's operations --------------------------------

SAMPLES: dict[str, list[dict[str, Any]]] = {
    "register": [*pair(0, "write", 1), *pair(0, "read", None, result=1)],
    "cas": [*pair(0, "write", 1), *pair(0, "cas", [1, 2]), *pair(0, "read", None, result=2)],
    "mutex": [*pair(0, "acquire", None), *pair(0, "release", None)],
    "kv": [*pair(0, "put", "a", key="k"), *pair(0, "get", None, result="a", key="k")],
    "set": [*pair(0, "add", 1), *pair(0, "read", None, result=[1])],
    "queue": [*pair(0, "enqueue", 1), *pair(0, "dequeue", None, result=1)],
    "counter": [*pair(0, "add", 1), *pair(0, "read", None, result=1)],
    "multi-register": [*pair(0, "txn", [["write", "x", 1]]),
                       *pair(0, "txn", [["read", "x", None]], result=[["read", "x", 1]])],
    "list-append": [*pair(0, "txn", [["append", "x", 1]]),
                    *pair(0, "txn", [["r", "x", None]], result=[["r", "x", [1]]])],
    "rw-register": [*pair(0, "txn", [["w", "x", 1]]),
                    *pair(0, "txn", [["r", "x", None]], result=[["r", "x", 1]])],
    "bank": [*pair(0, "transfer", {"from": 0, "to": 1, "amount": 1}),
             *pair(0, "read", None, result={"0": 4, "1": 6})],
    "long-fork": [*pair(0, "txn", [["w", 0, 1]]),
                  *pair(0, "txn", [["r", 0, None], ["r", 1, None]],
                        result=[["r", 0, 1], ["r", 1, None]])],
    "causal-kv": [*pair(0, "write", 1, key="x"), *pair(1, "read", None, result=1, key="x")],
}
"""One small history of each workload's own operations."""

NATIVE = {"register": "register", "cas-register": "cas", "knossos-cas-register": "cas",
          "etcd": "cas", "mutex": "mutex", "kv": "kv", "grow-set": "set", "fifo-queue": "queue",
          "unordered-queue": "queue", "lin-counter": "counter",
          "multi-register": "multi-register", "list-append": "list-append",
          "rw-register": "rw-register", "bank": "bank", "counter": "counter", "set": "set",
          "set-full": "set", "long-fork": "long-fork", "causal-register": "register",
          "causal-kv": "causal-kv"}
"""The sample each built-in model reads."""

FOREIGN = {"register": (4, "cas", "no operation 'cas'"),
           "cas-register": (2, "kv", "no operation 'put'"),
           "knossos-cas-register": (2, "mutex", "no operation 'acquire'"),
           "etcd": (2, "set", "no operation 'add'"),
           "mutex": (2, "register", "no operation 'write'"),
           "kv": (2, "register", "no operation 'write'"),
           "grow-set": (2, "queue", "no operation 'enqueue'"),
           "fifo-queue": (2, "set", "no operation 'add'"),
           "unordered-queue": (2, "counter", "no operation 'add'"),
           "lin-counter": (2, "register", "no operation 'write'"),
           "multi-register": (2, "list-append", "no micro-operation 'append'"),
           "list-append": (2, "multi-register", "no micro-operation 'write'"),
           "rw-register": (2, "list-append", "no micro-operation 'append'"),
           "bank": (2, "counter", "no operation 'add'"),
           "counter": (4, "set", "the value of 'read' must be a number or nil, not [1]"),
           "set": (2, "bank", "no operation 'transfer'"),
           "set-full": (4, "counter", "the value of 'read' must be a list or nil, not 1"),
           "long-fork": (2, "register", "the value of 'write' must be a list of [r k v], [w k v]"),
           "causal-register": (4, "cas", "no operation 'cas'"),
           "causal-kv": (2, "list-append", "no micro-operation 'append'")}
"""For each built-in model: the line of the first operation it cannot read in another model's
sample (after a nemesis event on line 1), the sample, and why."""

HISTORY_MODELS = sorted(name for name, spec in builtin_models().items() if spec.loader is None)


def test_every_built_in_history_model_declares_its_operations() -> None:
    assert set(HISTORY_MODELS) == set(NATIVE) == set(FOREIGN)
    for name in HISTORY_MODELS:
        assert builtin_models()[name].vocabulary is not None, name


@pytest.mark.parametrize("model", HISTORY_MODELS)
def test_every_built_in_model_refuses_another_models_operations(tmp_path: Path,
                                                                model: str) -> None:
    line, sample, problem = FOREIGN[model]
    path = jsonl(tmp_path, f"{sample}.jsonl", [NEMESIS, *SAMPLES[sample]])
    refused(path, model, line, problem)


@pytest.mark.parametrize("model", HISTORY_MODELS)
def test_every_built_in_model_reads_its_own_operations(tmp_path: Path, model: str) -> None:
    path = jsonl(tmp_path, "own.jsonl", [NEMESIS, *SAMPLES[NATIVE[model]]])
    code, out, err = run("check", str(path), "--model", model)
    assert code in (0, 1) and err == "", (code, out, err)


def test_the_linear_models_carry_the_vocabulary_the_registry_declares() -> None:
    for name, model in BUILTIN.items():
        assert model.vocabulary is VOCABULARIES[name], name
        assert builtin_models()[name].vocabulary is VOCABULARIES[name], name


def test_the_library_call_gates_a_model_with_a_vocabulary(tmp_path: Path) -> None:
    history = read_history(jsonl(tmp_path, "h.jsonl", SAMPLES["mutex"]))
    with pytest.raises(HistoryError, match=r"h\.jsonl:1: model register cannot read"):
        check_history(history, BUILTIN["register"])

    class Anything:
        """A user's model without a vocabulary: it is not gated."""

        name = "anything"

        def initial(self) -> int:
            return 0

        def step(self, state: int, op: Operation) -> int:
            return state

    assert check_history(history, Anything()).valid is True


def test_a_vocabulary_says_what_it_reads() -> None:
    vocabulary = Vocabulary.of({"txn": Txn((("r", LIST_OR_NIL), ("append", ANY)), most=1)})
    history = read_history(HISTORIES / "elle" / "paper-example.edn")
    with pytest.raises(HistoryError,
                       match=r"paper-example\.edn:1: .*holds at most 1 micro-operation, not 9"):
        admit(history, vocabulary, "one-at-a-time")


def test_a_labels_row_passes_a_map_option() -> None:
    from histcheck.labels import read_labels

    rows = [label for label in read_labels(HISTORIES / "LABELS.tsv")
            if label.model == "multi-register"]
    assert [label.options for label in rows] == [(("initial", "{x 0 y 0}"),)]
