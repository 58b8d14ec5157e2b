"""``lstm1997 inspect`` and the saved weights it reads: numbers pinned on nets built by hand, each diagnosis rule on
a net built to show it, the weights files (round trip, tampering), and the command's exit codes and JSON."""

import json
from dataclasses import replace

import numpy as np
import pytest

from lstm1997 import diagnose, get_experiment, store
from lstm1997.cli import main
from lstm1997.network import Network, NetworkSpec
from lstm1997.sequences import Sequences
from lstm1997.sweep import run_trials
from lstm1997.trial import run_trial


def f(x):
    return 1.0 / (1.0 + np.exp(-x))


ADDING = get_experiment("adding-T100")
SPEC = NetworkSpec(2, 1, 1, 1, bias="all")  # one block of one cell, reading the adding problem's (value, marker)
X = np.array([[0.3, -1.0], [0.5, 1.0], [0.2, 0.0], [-0.4, 1.0], [0.1, -1.0]])  # markers at steps 1 and 3
TARGET = 0.5 + (0.5 - 0.4) / 4


def hand_net(spec: NetworkSpec = SPEC, **weights: dict) -> Network:
    """A net of ``spec`` with all weights 0 except ``weights`` = {array name: {(row, column): value}}."""
    w = {name: np.zeros(m.shape) for name, m in spec.masks.items()}
    for name, entries in weights.items():
        for at, value in entries.items():
            w[name][at] = value
    return Network(spec, **w)


def one_sequence() -> Sequences:
    y = np.zeros((len(X), 1))
    y[-1] = TARGET
    return Sequences.from_list([(X, y, np.arange(len(X)) == len(X) - 1)])


def test_gates_cells_and_output_of_a_hand_built_net():
    # input gate: f(3 * marker); cell input: g(2 * value) = 4 f(2 v) - 2; output gate and output unit: f(0) = 1/2
    net = hand_net(w_in={(0, 2): 3.0}, w_c={(0, 1): 2.0})
    r = diagnose.inspect_net(net, replace(ADDING, spec=SPEC), one_sequence())
    gates = r["blocks"][0]
    assert gates["in"]["relevant"] == pytest.approx(f(3.0))  # steps 1 and 3: marker +1
    assert gates["in"]["answer"] == pytest.approx(f(-3.0))  # step 4: marker -1
    assert gates["in"]["other"] == pytest.approx((f(-3.0) + f(0.0)) / 2)  # steps 0 and 2
    assert gates["out"] == {"relevant": 0.5, "answer": 0.5, "other": 0.5}
    s = np.cumsum(f(3.0 * X[:, 1]) * (4 * f(2.0 * X[:, 0]) - 2))  # eq. 8 from s_c = 0
    cell = r["cells"][0]
    assert (cell["s_min"], cell["s_max"]) == (pytest.approx(s.min()), pytest.approx(s.max()))
    assert cell["h_prime_answer"] == pytest.approx(2 * f(s[-1]) * (1 - f(s[-1])))  # h' of eq. 4 at the last step
    assert cell["drift"] == pytest.approx((s[0] + s[2] - s[1]) / 2)  # the change of s_c at steps 0 and 2
    assert r["output"]["mse"] == pytest.approx((0.5 - TARGET) ** 2) and r["output"]["trivial_mse"] == 0.0
    assert (r["output"]["wrong"], r["output"]["answers"]) == (0, 1)  # |0.5 - 0.525| < ST3's 0.04


def test_the_gradient_of_a_hand_built_net():
    """All weights 0 but one output weight w: y_in = y_out = 1/2, g = 0 and s_c = 0 at every step, so the output
    is f(0) = 1/2 and the only error reaching the cell is e_s = y_out h'(0) w e_k (eq. 23) with
    e_k = f'(0) (target - 1/2) (eq. 19); ds_c/dw_c = sum_t g'(0) y_in u(t) (eq. 27), g'(0) = 1. With no recurrent
    weights the full gradient is the truncated one."""
    w = 0.7
    net = hand_net(w_k={(0, 1): w})
    e_k = 0.25 * (TARGET - 0.5)
    e_s = 0.5 * 0.5 * w * e_k
    u_sum = np.concatenate([[len(X)], X.sum(axis=0), [0.0, 0.5 * (len(X) - 1), 0.5 * (len(X) - 1)]])  # sum_t u(t)
    expected_cells = -e_s * 0.5 * u_sum
    r = diagnose.inspect_net(net, replace(ADDING, spec=SPEC), one_sequence())
    for kind in ("truncated", "full"):
        g = r["gradient"][kind]
        assert g["cells"]["bias"] == pytest.approx(abs(expected_cells[0]))
        assert g["cells"]["input"] == pytest.approx(np.linalg.norm(expected_cells[1:3]))
        assert g["cells"]["recurrent"] == pytest.approx(np.linalg.norm(expected_cells[3:]))
        assert g["outputs"] == {"bias": pytest.approx(abs(e_k)), "cells": 0.0, "input": None}  # y_c = 0; no x -> k
        assert g["input gates"] == {"bias": 0.0, "input": 0.0, "recurrent": 0.0}  # g = 0: the gates change nothing
        assert g["output gates"] == {"bias": 0.0, "input": 0.0, "recurrent": 0.0}  # h(0) = 0


# --- each rule on a net built to show it -------------------------------------------------------------------------

ADDING_SPEC = ADDING.spec  # 2 blocks of 2 cells, all biases


def test_closed_input_gates_are_named():
    net = hand_net(ADDING_SPEC, w_in={(0, 0): -10.0, (1, 0): -10.0})  # output stays f(0) = 1/2
    assert diagnose.inspect_net(net, ADDING, gradients=False)["diagnoses"] == ["trivial", "gates-closed"]


def test_saturated_cells_are_named():
    gates_open = {(0, 0): 10.0, (1, 0): 10.0}
    drift = {(c, 0): 5.0 for c in range(4)}  # g(5) ~ 2 added at every step: s_c ~ 2 t
    net = hand_net(ADDING_SPEC, w_in=gates_open, w_c=drift)
    r = diagnose.inspect_net(net, ADDING, gradients=False)
    assert r["diagnoses"] == ["trivial", "saturated"] and all(c["drift"] > 1.9 for c in r["cells"])


def test_a_trivial_output_without_a_visible_reason_is_named_alone():
    net = hand_net(ADDING_SPEC, w_in={(0, 0): 10.0, (1, 0): 10.0})  # open gates, g = 0: s_c = 0, h' = 1/2
    assert diagnose.inspect_net(net, ADDING, gradients=False)["diagnoses"] == ["trivial"]


def longlag_2c_net(w: float) -> tuple[Network, object]:
    """Exp 2c by hand: the first cell writes +2 for x and -2 for y (g of +-10 on those input units, 0 for the
    distractors), gates open at every step, output k reads +-w h(s_c)."""
    exp = get_experiment("longlag-2c-q50-p50")
    n_in = exp.spec.n_in
    x, y = n_in - 2, n_in - 1  # the input units of the symbols x and y
    open_ = {(j, 1 + i): 10.0 for j in range(2) for i in range(n_in)}
    net = hand_net(exp.spec, w_in=open_, w_out=open_, w_c={(0, 1 + x): 10.0, (0, 1 + y): -10.0},
                   w_k={(0, 1): w, (1, 1): -w})  # fmt: skip
    return net, exp


def test_a_net_that_solves_its_task_is_not_flagged():
    r = diagnose.inspect_net(*longlag_2c_net(10.0), gradients=False)
    assert r["output"]["mse"] < 0.01 * r["output"]["trivial_mse"] and r["diagnoses"] == []
    assert r["blocks"][0]["in"]["relevant"] > 0.99 and r["output"]["wrong"] == 0


@pytest.mark.parametrize("flipped, expected", [(1, []), (0.1, ["partial"])])
def test_a_net_wrong_on_many_sequences_is_named(flipped, expected):
    """The solver above against a probe with the targets of some sequences moved to 1/2 (each answer then off by
    ~1/2, wrong by 2c's threshold 0.2): its error stays below the 'partial' share, but 10 % of answers wrong
    (>= WRONG_SHARE) put the criterion out of reach; one does not."""
    net, exp = longlag_2c_net(10.0)
    probe = diagnose.probe_set(exp)
    n = flipped if isinstance(flipped, int) else int(flipped * probe.n)
    targets = probe.criterion_targets.copy()
    rows = probe.last_target[:n]
    targets[rows] = 0.5
    r = diagnose.inspect_net(net, exp, replace(probe, eval_targets=targets), gradients=False)
    assert r["output"]["mse"] < diagnose.PART_SHARE * r["output"]["trivial_mse"]
    assert (r["output"]["wrong"], r["diagnoses"]) == (n, expected)


@pytest.mark.parametrize("failed, expected", [(True, ["near-miss"]), (False, []), (None, [])])
def test_a_failed_trial_whose_net_answers_right_is_a_near_miss(failed, expected):
    r = diagnose.inspect_net(*longlag_2c_net(10.0), gradients=False, failed=failed)
    assert r["output"]["wrong"] == 0 and r["diagnoses"] == expected


def test_a_poor_net_of_a_failed_trial_is_named_by_its_poor_answer_not_as_a_near_miss():
    net = hand_net(ADDING_SPEC, w_in={(0, 0): 10.0, (1, 0): 10.0})  # as the trivial-output test below
    assert diagnose.inspect_net(net, ADDING, gradients=False, failed=True)["diagnoses"] == ["trivial"]


def test_a_net_that_learned_part_of_its_answer_is_named():
    """The same net with output weights +-1: outputs f(+-h(2)) = 0.68 / 0.32 for targets 1 / 0, so the error is
    (1 - f(h(2)))^2 = 0.10, 0.41 x the trivial predictor's 0.25, and the outputs differ by class."""
    r = diagnose.inspect_net(*longlag_2c_net(1.0), gradients=False)
    h2 = 2 * f(2.0) - 1
    assert r["output"]["mse"] == pytest.approx((1 - f(h2)) ** 2, rel=1e-3)  # gates f(10), g(10) are not 1 and 2
    spread = r["output"]["spread"] / r["output"]["target_spread"]  # outputs 1/2 +- (f - 1/2), targets 1/2 +- 1/2
    assert spread == pytest.approx(2 * (f(h2) - 0.5), rel=1e-3)
    assert r["diagnoses"] == ["partial"]
    assert r["output"]["wrong"] == r["output"]["answers"] > 0  # every |error| 0.32 >= 2c's threshold 0.2


# --- saved weights -------------------------------------------------------------------------------------------------


def test_a_sweep_saves_the_final_weights_and_leaves_the_record_as_it_was(tmp_path):
    exp = get_experiment("twoseq-3a-T100-N3").with_options(cap=2000)
    run_trials(exp, [0], out=tmp_path)
    record, net = run_trial(exp, 0)
    assert set(store.load(store.trial_path(tmp_path, exp.name, 0))) == {*record, "provenance"}  # nothing added
    loaded = store.load_weights(tmp_path, exp.name, 0, exp.spec)
    assert all(np.array_equal(loaded.weights[k], net.weights[k]) for k in net.weights)
    assert store.load_weights(tmp_path, exp.name, 1, exp.spec) is None  # nothing saved for that seed
    with pytest.raises(store.StoreError, match="another trial or architecture"):
        store.load_weights(tmp_path, exp.name, 0, replace(exp.spec, init_range=0.3))
    path = store.weights_path(tmp_path, exp.name, 0)
    data = bytearray(path.read_bytes())
    data[-30] ^= 1
    path.write_bytes(bytes(data))
    with pytest.raises(store.StoreError, match="does not match its sha256 checksum"):
        store.load_weights(tmp_path, exp.name, 0, exp.spec)


# --- the command -----------------------------------------------------------------------------------------------


@pytest.fixture
def saved(tmp_path):
    """A results folder with trial 7 of twoseq-3a-T100-N3 (solved after 10,000 sequences) and its weights."""
    run_trials(get_experiment("twoseq-3a-T100-N3"), [7], out=tmp_path)
    return tmp_path


def test_inspect_from_saved_weights_retrained_and_after(saved, capsys):
    tmp_path = saved
    assert main(["inspect", "twoseq-3a-T100-N3", "--seed", "7", "--from", str(tmp_path), "--json"]) == 0
    saved = json.loads(capsys.readouterr().out)
    assert saved["source"].startswith("saved weights") and saved["diagnoses"] == []
    assert saved["output"]["mse"] < 0.01 * saved["output"]["trivial_mse"]  # the trial succeeded
    store.weights_path(tmp_path, "twoseq-3a-T100-N3", 7).unlink()
    assert main(["inspect", "twoseq-3a-T100-N3", "--seed", "7", "--from", str(tmp_path), "--json"]) == 0
    retrained = json.loads(capsys.readouterr().out)
    assert retrained["source"].startswith("no saved weights") and retrained["output"] == saved["output"]
    plot = tmp_path / "seq.png"
    assert main(["inspect", "twoseq-3a-T100-N3", "--after", "3000", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "trained seed 0 for 3,000 sequences" in out and "diagnosis:" in out and plot.stat().st_size > 10_000


def test_inspect_trace(tmp_path, capsys):
    plot = tmp_path / "trace.png"
    assert main(["inspect", "twoseq-3a-T100-N3", "--after", "4000", "--trace", "--json", "--plot", str(plot)]) == 0
    trace = json.loads(capsys.readouterr().out)["trace"]
    assert [r["seen"] for r in trace] == [0, 1000, 2000, 3000, 4000] and plot.exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["adding-T99"], "unknown experiment"),
        (["adding-T100~nnlstm-h3-sgd", "--after", "10"], "trains no 1997 net"),
        (["adding-T100", "--seed", "0", "--from", "nowhere"], "no record of adding-T100 seed 0 in nowhere"),
        (["adding-T100", "--after", "0"], "--after must be"),
    ],
)
def test_inspect_refuses_with_one_line(args, message, capsys):
    if "~" in args[0]:
        pytest.importorskip("torch")
    assert main(["inspect", *args]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_tampered_weights_give_one_line(saved, capsys):
    path = store.weights_path(saved, "twoseq-3a-T100-N3", 7)
    path.write_bytes(path.read_bytes()[:-1] + b"x")
    assert main(["inspect", "twoseq-3a-T100-N3", "--seed", "7", "--from", str(saved)]) == 2
    err = capsys.readouterr().err
    assert "does not match its sha256 checksum" in err and len(err.strip().splitlines()) == 1


def test_after_and_from_exclude_each_other(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["inspect", "adding-T100", "--after", "10", "--from", "results"])
    assert stop.value.code == 2 and "not allowed with argument" in capsys.readouterr().err
