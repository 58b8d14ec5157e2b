"""Every command of the command line, run as a subprocess, and its answers to bad input."""

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.heavy  # every command runs as a subprocess: not in the everyday tier


def cli(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "lstm1997.cli", *map(str, args)], capture_output=True, text=True, timeout=300, cwd=cwd
    )


def test_list():
    r = cli("list")
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 31 and "adding-T100" in r.stdout
    rows = json.loads(cli("list", "--json").stdout)
    assert len(rows) == 30 and {"name": "adding-T100", "weights": 93}.items() <= rows[24].items()


def test_run_json_and_out_and_report(tmp_path):
    r = cli("run", "temporal-6a", "--trials", "2", "--seed", "7", "--workers", "2", "--out", tmp_path, "--json")
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert [t["seed"] for t in result["records"]] == [7, 8]
    assert result["summary"]["trials"] == 2 and result["summary"]["paper"]["sequences"] == 31390
    assert len(list((tmp_path / "temporal-6a").glob("seed-*.json"))) == 2
    for record in result["records"]:  # stderr is no terminal: one line per finished trial instead of a bar
        line = f"temporal-6a seed {record['seed']}: success after {record['sequences']:,} sequences ("
        assert line in r.stderr, r.stderr
    r = cli("run", "temporal-6a", "--trials", "2", "--seed", "7", "--out", tmp_path)  # resumes: nothing to run
    assert r.returncode == 0 and "temporal-6a" in r.stdout and "| 31,390 |" in r.stdout
    assert "seed 7" not in r.stderr  # kept records are not announced again
    r = cli("report", tmp_path)
    assert r.returncode == 0 and (tmp_path / "RESULTS.md").read_text() == r.stdout
    assert "Paper rows: 2 of the paper's 516 trials run" in r.stdout
    assert "Short of the paper's trial count: temporal-6a (2 of 20)." in r.stdout


def test_reproduce_a_chosen_row(tmp_path):
    r = cli("reproduce", "--rows", "temporal-6a", "--trials", "1", "--out", tmp_path / "res")
    assert r.returncode == 0, r.stderr
    assert "temporal-6a" in r.stdout and (tmp_path / "res" / "temporal-6a" / "seed-0.json").exists()


BAD = [
    (["run", "addng-T100"], "did you mean adding-T100"),
    (["run", "adding-T100", "--trials", "0"], "at least 1"),
    (["run", "adding-T100", "--trials", "many"], "whole number"),
    (["run", "adding-T100", "--trials", "10000000"], "absurd"),
    (["run", "adding-T100", "--workers", "-2"], "at least 1"),
    (["run", "adding-T100", "--seed", "-1"], "seed"),
    (["run", "adding-T100", "--out", "/proc/forbidden"], "cannot write"),
    (["run"], "required"),
    (["frobnicate"], "invalid choice"),
    (["report", "/nonexistent/results"], "no results folder"),
    (["reproduce", "--quick", "--full"], "not allowed"),
    (["reproduce", "--rows", "nope"], "unknown experiment"),
]


@pytest.mark.parametrize(("args", "message"), BAD, ids=[" ".join(a) for a, _ in BAD])
def test_bad_input_gets_one_line_and_exit_code_2(args, message, tmp_path):
    r = cli(*args, cwd=tmp_path)
    assert r.returncode == 2
    assert len(r.stderr.strip().splitlines()) == 1 and message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_report_names_a_corrupted_file(tmp_path):
    assert cli("run", "temporal-6a", "--trials", "1", "--out", tmp_path).returncode == 0
    (tmp_path / "temporal-6a" / "seed-0.json").write_text("{not json")
    r = cli("report", tmp_path)
    assert r.returncode == 2 and "seed-0.json" in r.stderr and len(r.stderr.strip().splitlines()) == 1
