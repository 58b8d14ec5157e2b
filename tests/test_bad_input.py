"""Bad input of every kind gets a clear error before any compute: the API raises a named exception with a message
that says what is wrong, the command line says one line and exits with code 2 (issue: "nothing a user can type
crashes the kernel or runs code"). A bug, on the other hand, shows its traceback."""

from __future__ import annotations

import dataclasses
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from test_reliability import run_cli as reliability_run_cli

import lstm1997
from lstm1997 import checkpoints, store
from lstm1997.sequences import Sequences
from lstm1997.store import StoreError
from lstm1997.sweep import run_trials
from lstm1997.trial import run_trial

SPEC = lstm1997.NetworkSpec(2, 1, 1, 2)


def net() -> lstm1997.Network:
    return SPEC.init(np.random.default_rng(0))


def xy(T: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    return rng.uniform(-1, 1, (T, 2)), rng.uniform(0, 1, (T, 1)), np.ones(T, dtype=bool)


def seqs() -> Sequences:
    return Sequences.from_list([xy()])


def rebound(name: str, value) -> lstm1997.Network:
    n = net()
    setattr(n, name, value)
    return n


def with_weight(name: str, index: tuple, value: float) -> lstm1997.Network:
    n = net()
    getattr(n, name)[index] = value
    return n


def sequences_with(**changes) -> Sequences:
    return dataclasses.replace(seqs(), **changes)


x, y, mask = xy()

API = {  # what is called, the exception, and a piece of its message
    "w_k of the wrong shape, truncated_gradient": (
        lambda: lstm1997.truncated_gradient(rebound("w_k", np.zeros((1, 1))), x, y, mask),
        ValueError,
        "w_k must be a float64 array of shape",
    ),
    "w_c of the wrong shape, train": (
        lambda: lstm1997.train(rebound("w_c", np.zeros((1, 1))), seqs(), 0.1),
        ValueError,
        "w_c must be",
    ),
    "w_in of the wrong shape, forward": (
        lambda: lstm1997.forward(rebound("w_in", np.zeros((1, 3))), x),
        ValueError,
        "w_in must be",
    ),
    "w_out of the wrong shape, full_gradient": (
        lambda: lstm1997.full_gradient(rebound("w_out", np.zeros((2, 99))), x, y, mask),
        ValueError,
        "w_out must be",
    ),
    "a float32 weight": (
        lambda: lstm1997.forward(rebound("w_k", net().w_k.astype(np.float32)), x),
        ValueError,
        "float64",
    ),
    "a Fortran-order weight": (
        lambda: lstm1997.evaluate(rebound("w_c", np.asfortranarray(net().w_c)), seqs()),
        ValueError,
        "C-contiguous",
    ),
    "a list as weight": (lambda: lstm1997.gradient(rebound("w_k", [[0.0] * 4]), seqs()), ValueError, "got list"),
    "a NaN weight": (lambda: lstm1997.forward(with_weight("w_k", (0, 1), np.nan), x), ValueError, "NaN or infinite"),
    "an infinite weight, train": (
        lambda: lstm1997.train(with_weight("w_in", (0, 0), np.inf), seqs(), 0.1),
        ValueError,
        "NaN or infinite",
    ),
    "NaN input, forward": (lambda: lstm1997.forward(net(), np.full((3, 2), np.nan)), ValueError, "finite"),
    "infinite input, truncated_gradient": (
        lambda: lstm1997.truncated_gradient(net(), np.full((5, 2), np.inf), y, mask),
        ValueError,
        "finite",
    ),
    "NaN target, truncated_gradient": (
        lambda: lstm1997.truncated_gradient(net(), x, np.full((5, 1), np.nan), mask),
        ValueError,
        "finite",
    ),
    "infinite target, full_gradient": (
        lambda: lstm1997.full_gradient(net(), x, np.full((5, 1), np.inf), mask),
        ValueError,
        "finite",
    ),
    "input of the wrong width": (lambda: lstm1997.forward(net(), np.zeros((3, 5))), ValueError, "x must have shape"),
    "a string input": (lambda: lstm1997.forward(net(), "abc"), ValueError, "could not convert"),
    "NaN learning rate": (lambda: lstm1997.train(net(), seqs(), float("nan")), ValueError, "learning rate"),
    "infinite learning rate": (lambda: lstm1997.train(net(), seqs(), np.inf), ValueError, "learning rate"),
    "negative learning rate": (lambda: lstm1997.train(net(), seqs(), -0.1), ValueError, "finite and positive"),
    "zero learning rate": (lambda: lstm1997.train(net(), seqs(), 0.0), ValueError, "finite and positive"),
    "string learning rate": (lambda: lstm1997.train(net(), seqs(), "0.1"), ValueError, "must be a number"),
    "boolean learning rate": (lambda: lstm1997.train(net(), seqs(), True), ValueError, "must be a number"),
    "masks of the wrong shape": (
        lambda: lstm1997.train(net(), seqs(), 0.1, masks={k: np.ones((1, 1)) for k in SPEC.masks}),
        ValueError,
        "mask w_in",
    ),
    "sequences for another net": (
        lambda: lstm1997.evaluate(net(), Sequences.from_list([(np.ones((3, 4)), np.ones((3, 1)), np.ones(3, bool))])),
        ValueError,
        "inputs",
    ),
    "not a Sequences": (lambda: lstm1997.evaluate(net(), [x]), TypeError, "Sequences"),
    "Sequences: NaN input": (lambda: sequences_with(x_val=np.full(10, np.nan)), ValueError, "x_val"),
    "Sequences: infinite target": (lambda: sequences_with(targets=np.full((5, 1), np.inf)), ValueError, "targets"),
    "Sequences: input index out of range": (
        lambda: sequences_with(x_idx=np.full(10, 7)),
        ValueError,
        "x_idx must index",
    ),
    "Sequences: negative input index": (lambda: sequences_with(x_idx=np.full(10, -1)), ValueError, "x_idx"),
    "Sequences: starts beyond the steps": (lambda: sequences_with(starts=np.array([0, 99])), ValueError, "starts"),
    "Sequences: too few target rows": (lambda: sequences_with(targets=np.zeros((2, 1))), ValueError, "one row per"),
    "Sequences: x_ptr too short": (lambda: sequences_with(x_ptr=np.array([0, 10])), ValueError, "x_ptr"),
    "Sequences: no input units": (lambda: sequences_with(n_in=0), ValueError, "n_in"),
    "Sequences: string targets": (lambda: sequences_with(targets=np.array([["a"]] * 5)), ValueError, "targets"),
    "run_trial: seed 2**32": (
        lambda: run_trial(lstm1997.get_experiment("temporal-6a"), 2**32),
        ValueError,
        r"0 \.\. 2\*\*32-1",
    ),
    "run_trials: seed 2**32": (
        lambda: run_trials(lstm1997.get_experiment("temporal-6a"), [2**32 - 1, 2**32]),
        ValueError,
        r"2\*\*32-1",
    ),
    "an unknown experiment": (lambda: lstm1997.get_experiment("adding-T99"), KeyError, "did you mean"),
}


@pytest.mark.parametrize(("call", "error", "message"), API.values(), ids=API.keys())
def test_the_api_refuses_bad_input_clearly(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_a_baseline_model_checks_its_arrays_too():
    pytest.importorskip("torch")
    from lstm1997.baseline_rows import BASELINES

    exp = BASELINES["temporal-6a~forget-gate"]
    model = exp.model(exp, np.random.default_rng(0))
    data = exp.generate(np.random.default_rng(0), 2)
    model.net.w_f = np.zeros((1, 1))
    with pytest.raises(ValueError, match="w_f must be"):
        model.train(data, exp.lr, False)
    exp = BASELINES["temporal-6a~nnlstm-h3-sgd"]
    model = exp.model(exp, np.random.default_rng(0))
    model.theta = model.theta.astype(np.float32)
    with pytest.raises(ValueError, match="theta must be"):
        model.evaluate(data)
    model.theta = np.zeros(model.adam_m.shape)
    with pytest.raises(ValueError, match="learning rate"):
        model.train(data, -1.0, False)


# --- files in a results folder -----------------------------------------------------------------------------------

EXP = lstm1997.get_experiment("temporal-6a").with_options(cap=1000)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """A results folder with the record of EXP's seed 0 (copied by the tests that spoil it)."""
    out = tmp_path_factory.mktemp("res")
    run_trials(EXP, [0], out=out)
    return out


def spoiled(folder: Path, tmp_path: Path, change) -> Path:
    out = tmp_path / "res"
    out.mkdir()
    (out / store.MARKER).write_bytes((folder / store.MARKER).read_bytes())
    path = store.trial_path(out, EXP.name, 0)
    path.parent.mkdir()
    record = json.loads(store.trial_path(folder, EXP.name, 0).read_text())
    change(record)
    path.write_text(json.dumps(record))
    return out


RECORDS = {  # a spoiled record, and what the error says besides the file's name
    "missing a field": (lambda r: r.pop("success"), "no field 'success'"),
    "success of another type": (lambda r: r.update(success="lots"), "field 'success' must be bool"),
    "sequences a string": (lambda r: r.update(sequences="lots"), "field 'sequences' must be int or null"),
    "a milestone that is not a number": (lambda r: r.update(milestones={"ST1": "x"}), "field 'milestones'"),
    "another numerics version": (lambda r: r.update(numerics=99), "numerics version 99"),
    "another row's settings": (lambda r: r.update(fingerprint="0123456789abcdef"), "other settings"),
}


@pytest.mark.parametrize(("change", "message"), RECORDS.values(), ids=RECORDS.keys())
def test_a_bad_record_stops_a_resumed_sweep_naming_the_file(folder, tmp_path, change, message):
    out = spoiled(folder, tmp_path, change)
    with pytest.raises(StoreError, match=message) as e:
        run_trials(EXP, [0, 1], out=out)
    assert str(store.trial_path(out, EXP.name, 0)) in str(e.value)
    assert not store.trial_path(out, EXP.name, 1).exists()  # refused before any trial ran


def test_an_experiment_folder_that_is_a_file_is_refused_before_any_trial(tmp_path):
    run_trials(EXP, [0], out=tmp_path)
    other = lstm1997.get_experiment("adding-T100").with_options(cap=1000)
    (tmp_path / other.name).write_text("in the way")
    with pytest.raises(StoreError, match="it is a file"):
        lstm1997.sweep.run_plan([(EXP, [1]), (other, [0])], out=tmp_path)
    assert not store.trial_path(tmp_path, EXP.name, 1).exists()


def test_two_sweeps_into_one_folder_are_refused(tmp_path):
    store.check_writable(tmp_path)
    with store.locked(tmp_path), pytest.raises(StoreError, match="another sweep is writing"):
        run_trials(EXP, [0], out=tmp_path)
    assert run_trials(EXP, [0], out=tmp_path)  # the lock went with the first sweep


def test_checkpoints_that_are_not_ours_are_refused(tmp_path):
    path = tmp_path / "seed-0.ckpt"
    for data, message in [(pickle.dumps({"format": 1}), "pickle format"), (b"PK\x03\x04", "not an lstm1997")]:
        path.write_bytes(data)
        with pytest.raises(StoreError, match=message):
            checkpoints.load(path, EXP, 0)


def test_records_and_the_marker_are_written_with_the_users_umask(tmp_path):
    old = os.umask(0o022)
    try:
        store._umask.cache_clear()
        run_trials(EXP, [0], out=tmp_path)
    finally:
        os.umask(old)
        store._umask.cache_clear()
    for path in (tmp_path / store.MARKER, store.trial_path(tmp_path, EXP.name, 0)):
        assert path.stat().st_mode & 0o777 == 0o644, path


# --- the command line ---------------------------------------------------------------------------------------------


def run_cli(*args, cwd=None):
    """test_reliability.run_cli with this checkout's package first on the path (the command may run elsewhere)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(lstm1997.__file__).parents[1]), *sys.path])}
    return reliability_run_cli(*args, cwd=cwd, env=env)


CLI = {  # arguments, and a piece of the one-line error
    "seed + trials beyond 2**32-1": (["run", "temporal-6a", "--seed", "4294967295", "--trials", "2"], "beyond 2**32-1"),
    "seed beyond 2**32-1": (["run", "temporal-6a", "--seed", "4294967296"], "seed must be in 0 .. 2**32-1"),
    "negative seed": (["run", "temporal-6a", "--seed", "-1"], "seed must be in"),
    "no trials": (["run", "temporal-6a", "--trials", "0"], "at least 1"),
    "workers not a number": (["run", "temporal-6a", "--workers", "many"], "whole number"),
    "unknown experiment": (["run", "adding-T99"], "did you mean"),
    "a row twice": (["reproduce", "--rows", "temporal-6a", "temporal-6a", "--out", "res"], "names a row twice"),
    "no such folder": (["report", "nowhere"], "no results folder at nowhere"),
}


@pytest.mark.parametrize(("args", "message"), CLI.values(), ids=CLI.keys())
def test_the_command_line_refuses_bad_input_in_one_line(args, message, tmp_path):
    r = run_cli(*args, cwd=tmp_path)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and message in r.stderr, r.stderr
    assert not (tmp_path / "res").exists()


@pytest.mark.parametrize("change", [RECORDS["success of another type"][0], RECORDS["missing a field"][0]])
def test_report_of_a_bad_record_says_one_line_naming_file_and_field(folder, tmp_path, change):
    out = spoiled(folder, tmp_path, change)
    r = run_cli("report", out)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "seed-0.json" in r.stderr and "'success'" in r.stderr


def test_a_closed_pipe_ends_quietly():
    """As `lstm1997 list --json | head -1` when head has gone before the output is written."""
    env = {**os.environ, "PYTHONPATH": str(Path(lstm1997.__file__).parents[1])}
    for args in (["list", "--json"], ["list", "--all"]):
        read, write = os.pipe()
        os.close(read)  # every write to ``write`` now fails with EPIPE
        try:
            r = subprocess.run([sys.executable, "-m", "lstm1997.cli", *args], stdout=write, stderr=subprocess.PIPE,
                               text=True, env=env, timeout=120)  # fmt: skip
        finally:
            os.close(write)
        assert r.returncode == 0 and r.stderr == "", r.stderr


def test_a_bug_shows_its_traceback_and_asks_for_a_report(monkeypatch, capsys):
    from lstm1997 import cli

    def broken(args):
        raise ValueError("an internal inconsistency")

    monkeypatch.setattr(cli, "_cmd_list", broken)
    assert cli.main(["list"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" in err and "an internal inconsistency" in err and "please report it" in err
