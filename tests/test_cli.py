"""The CLI contract: exit codes, one-line errors, JSON output, folders, verify."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from histcheck.cli import main

pytestmark = pytest.mark.usefixtures("contract_models")

GOOD = ('{"process": 0, "type": "invoke", "f": "write", "value": 1}\n'
        '{"process": 0, "type": "ok", "f": "write", "value": 1}\n')
BAD = GOOD + ('{"process": 1, "type": "invoke", "f": "write", "value": 2}\n'
              '{"process": 1, "type": "fail", "f": "write", "value": 2}\n')


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_valid_invalid_and_unknown_exit_codes(tmp_path: Path) -> None:
    good, bad = write(tmp_path, "good.jsonl", GOOD), write(tmp_path, "bad.jsonl", BAD)
    assert run("check", good, "--model", "no-fail")[0] == 0
    code, out, _ = run("check", bad, "--model", "no-fail")
    assert code == 1 and "INVALID" in out
    code, out, _ = run("check", good, "--model", "slow", "--timeout", "0.05")
    assert code == 3 and "UNKNOWN" in out


def test_json_output_one_object_per_path(tmp_path: Path) -> None:
    good, bad = write(tmp_path, "good.jsonl", GOOD), write(tmp_path, "bad.jsonl", BAD)
    code, out, _ = run("check", good, bad, "--model", "no-fail", "--json")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 1
    assert [(r["path"], r["valid"], r["model"], r["consistency"]) for r in rows] == [
        (good, True, "no-fail", "no-fail"), (bad, False, "no-fail", "no-fail")]
    assert rows[1]["anomalies"][0]["name"] == "failed-op"


def test_folder_means_every_history_inside(tmp_path: Path) -> None:
    write(tmp_path, "a.jsonl", GOOD)
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "b.jsonl", BAD)
    write(tmp_path, "README.md", "not a history")
    code, out, _ = run("check", str(tmp_path), "--model", "no-fail", "--json")
    assert code == 1
    assert [Path(json.loads(line)["path"]).name for line in out.splitlines()] == [
        "a.jsonl", "b.jsonl"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty history"),
        ('{"process": 0, "type": "ok", "f": "read", "value": 1}\n', "without an invoke"),
        (GOOD.splitlines()[0] + "\n" + GOOD.splitlines()[0] + "\n", "second invoke"),
        ('{"process": 0, "type": "begin", "f": "read"}\n', "unknown event type"),
        ('{"process": 0, "type": "invoke", "f": "txn", "value": 3}\n', "txn value"),
        (GOOD + '{"process": 0, "type": "invoke", \n', "invalid JSON"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, text: str, problem: str) -> None:
    path = write(tmp_path, "h.jsonl", text)
    code, out, err = run("check", path, "--model", "no-fail")
    assert code == 2
    assert out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"histcheck: {path}") and problem in lines[0]
    assert "Traceback" not in err


def test_error_names_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "h.jsonl", GOOD + GOOD.splitlines()[1] + "\n")
    _, _, err = run("check", path, "--model", "no-fail")
    assert f"{path}:3:" in err


def test_unknown_names_suggest_the_closest_or_list_the_known_ones(tmp_path: Path) -> None:
    good = write(tmp_path, "good.jsonl", GOOD)
    code, _, err = run("check", good, "--model", "cas-regster")
    assert code == 2 and err == "histcheck: unknown model 'cas-regster'; did you mean " \
        "cas-register?\n"
    code, _, err = run("check", good, "--model", "zzzzzz")
    assert code == 2 and "known:" in err and "no-fail" in err and "cas-register" in err
    code, _, err = run("check", good, "--model", "no-fail", "--consistency", "zzzzzz")
    assert code == 2 and "known: no-fail" in err
    code, _, err = run("check", good, "--model", "no-fail", "--consistency", "no-fial")
    assert code == 2 and "did you mean no-fail?" in err
    code, _, err = run("check", good, "--model", "no-fail", "--format", "jsnl")
    assert code == 2 and "unknown format 'jsnl'; did you mean jsonl?" in err
    assert len(err.splitlines()) == 1


def test_consistency_names_ignore_case(tmp_path: Path) -> None:
    good = write(tmp_path, "good.jsonl", GOOD)
    code, out, _ = run("check", good, "--model", "no-fail", "--consistency", "NO-FAIL")
    assert code == 0 and "no-fail / no-fail" in out


def test_options_are_checked_against_the_model(tmp_path: Path) -> None:
    good = write(tmp_path, "good.jsonl", GOOD)
    code, out, err = run("check", good, "--model", "bank", "--opt", "negative-balance=true")
    assert (code, out) == (2, "")
    assert err == ("histcheck: model 'bank' has no option 'negative-balance'; did you mean "
                   "negative-balances? its options: negative-balances, total\n")
    code, _, err = run("check", good, "--model", "no-fail", "--opt", "x=1")
    assert code == 2 and "its options: none" in err
    code, _, err = run("check", good, "--model", "no-fail", "--engine", "smt")
    assert code == 2 and "no option 'engine'" in err


def test_missing_file_is_exit_2(tmp_path: Path) -> None:
    code, _, err = run("check", str(tmp_path / "absent.jsonl"), "--model", "no-fail")
    assert code == 2 and "no such file" in err


def test_verify_compares_with_labels(tmp_path: Path) -> None:
    write(tmp_path, "good.jsonl", GOOD)
    write(tmp_path, "bad.jsonl", BAD)
    header = "path\tmodel\tconsistency\texpected\toptions\torigin\n"
    write(tmp_path, "LABELS.tsv", header + "good.jsonl\tno-fail\tno-fail\tvalid\t\tt\n"
          "bad.jsonl\tno-fail\tno-fail\tinvalid\t\tt\n")
    code, out, _ = run("verify", str(tmp_path))
    assert code == 0 and "2 of 2 labelled verdicts agree" in out
    write(tmp_path, "LABELS.tsv", header + "bad.jsonl\tno-fail\tno-fail\tvalid\t\tt\n")
    code, out, _ = run("verify", str(tmp_path))
    assert code == 1 and out.startswith("FAIL")


def test_convert_to_edn_and_back(tmp_path: Path) -> None:
    src = write(tmp_path, "h.jsonl", BAD)
    edn = str(tmp_path / "h.edn")
    back = str(tmp_path / "back.jsonl")
    assert run("convert", src, edn)[0] == 0
    assert run("convert", edn, back)[0] == 0
    assert [json.loads(x)["type"] for x in Path(back).read_text().splitlines()] == [
        "invoke", "ok", "invoke", "fail"]


def test_help_is_fast() -> None:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "histcheck.cli", "--help"], capture_output=True,
                          check=True, cwd=Path(__file__).resolve().parent.parent)
    elapsed = time.perf_counter() - started
    assert b"check" in done.stdout
    assert elapsed < 1.0, f"--help took {elapsed:.2f} s"
    heavy = ("polars", "z3", "networkx", "hypothesis", "msgspec", "orjson", "importlib.metadata",
             "histcheck.history", "histcheck.registry", "histcheck.systems")
    imported = subprocess.run(
        [sys.executable, "-c", "import sys\nfrom histcheck.cli import main\n"
         "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
         f"print(sorted(m for m in {heavy!r} if m in sys.modules))"],
        capture_output=True, check=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    assert imported.stdout.strip().splitlines()[-1] == "[]"


def test_lazy_commands_are_summed_up_as_they_describe_themselves() -> None:
    import importlib

    import click

    from histcheck.cli import LAZY_COMMANDS

    for name, (target, summary) in LAZY_COMMANDS.items():
        module, _, attr = target.partition(":")
        command = getattr(importlib.import_module(module), attr)
        stand_in = click.Command(name, help=summary)
        for width in (30, 45, 70, 200):
            assert stand_in.get_short_help_str(width) == command.get_short_help_str(width), name
    listed = run("--help")[1]
    assert all(f"  {name} " in listed for name in LAZY_COMMANDS)


def test_junit_has_one_case_per_history(tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET

    good, bad = write(tmp_path, "good.jsonl", GOOD), write(tmp_path, "bad.jsonl", BAD)
    broken = write(tmp_path, "broken.jsonl", '{"process": 0, "type": "ok", "f": "r"}\n')
    junit = tmp_path / "out.xml"
    code, _, _ = run("check", good, bad, broken, "--model", "no-fail", "--junit", str(junit))
    assert code == 2
    suite = ET.parse(junit).getroot()
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "1")
    outcomes = {case.get("name"): [child.tag for child in case] for case in suite}
    assert outcomes == {good: [], bad: ["failure"], broken: ["error"]}


WRITE_SKEW = str(Path(__file__).parent.parent / "histories/txn-formats/dbcop/write-skew.json")


def test_text_output_gives_each_transactional_anomaly_its_sentence() -> None:
    code, out, _ = run("check", WRITE_SKEW, "--model", "rw-register",
                       "--consistency", "serializable")
    assert code == 1
    lines = out.splitlines()
    assert lines[1] == "  serializable violated: G2-item"
    assert lines[2].startswith("  G2-item: T2 read 0 = 1 and did not see T4's write of 3")
    assert lines[2].endswith("a contradiction.")


def test_text_output_says_which_anomalies_the_level_allows() -> None:
    code, out, _ = run("check", WRITE_SKEW, "--model", "rw-register",
                       "--consistency", "snapshot-isolation")
    assert code == 0
    assert "  G2-item (allowed by snapshot-isolation): T2 read 0 = 1" in out
