"""The RTRL competitor of Exp 2a (lstm1997.rtrl, lstm1997.competitors): weight counts, the compiled RTRL gradient
against central finite differences and against an independent backward-in-time computation, both update timings
against a plain Python loop, and the rows under the trial loop with Exp 2a's protocol."""

import pickle
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

import lstm1997
from lstm1997 import get_experiment
from lstm1997.competitors import COMPETITORS, PAPER_RTRL
from lstm1997.criteria import Streak
from lstm1997.experiments import EXPERIMENTS
from lstm1997.report import results_markdown
from lstm1997.rtrl import RTRLNet, with_bias_unit
from lstm1997.sequences import Sequences
from lstm1997.sweep import reproducible, run_trials
from lstm1997.tasks import longlag
from lstm1997.trial import run_trial


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def random_sequences(rng, n_in, n_out, n=3) -> Sequences:
    """Dense inputs with zeros, non-unit values and negative ones, and targets at some steps only."""
    items = []
    for length in rng.integers(2, 7, n):
        x = rng.normal(size=(length, n_in)) * (rng.random((length, n_in)) < 0.5)
        mask = rng.random(length) < 0.7
        mask[-1] = True
        items.append((x, rng.random((length, n_out)), mask))
    return Sequences.from_list(items)


def net_of(rng, n_in, n_out, scale=1.0) -> RTRLNet:
    return RTRLNet(rng.normal(0, scale, n_in + 1), rng.normal(0, scale, (n_out, n_in + 1)))


def error(net: RTRLNet, seqs: Sequences) -> float:
    """E = 1/2 sum over target steps of sum_k (y_k - t_k)^2."""
    return 0.5 * float(np.sum((net.evaluate(seqs) - seqs.targets) ** 2))


def bptt(net: RTRLNet, seqs: Sequences) -> tuple[np.ndarray, np.ndarray]:
    """dE/dw by backpropagation through time on dense arrays (independent of the kernel's forward recursion)."""
    n_in = net.w_h.size - 1
    g_h, g_k = np.zeros_like(net.w_h), np.zeros_like(net.w_k)
    for i in range(seqs.n):
        x, y_target, mask = seqs.sequence(i)
        T = len(x)
        h = np.zeros(T + 1)  # h[t + 1] is h at step t; h[0] = 0
        for t in range(T):
            h[t + 1] = sigmoid(net.w_h[:n_in] @ x[t] + net.w_h[n_in] * h[t])
        d_next = 0.0  # dE/dnet_h at step t + 1
        for t in reversed(range(T)):
            d_h = net.w_h[n_in] * d_next
            if mask[t]:
                z = np.append(x[t], h[t + 1])
                y = sigmoid(net.w_k @ z)
                delta = (y - y_target[t]) * y * (1 - y)
                g_k += np.outer(delta, z)
                d_h += delta @ net.w_k[:, n_in]
            d_next = d_h * h[t + 1] * (1 - h[t + 1])
            g_h += d_next * np.append(x[t], h[t])
    return g_h, g_k


def python_rtrl(net: RTRLNet, seqs: Sequences, lr: float, per_step: bool) -> np.ndarray:
    """Online RTRL as a plain loop on dense arrays: P(t) = f'(net_h) (z(t) + w_hh P(t-1)); returns the outputs."""
    w_h, w_k = net.w_h, net.w_k
    n_in = w_h.size - 1
    outs = []
    for i in range(seqs.n):
        x, y_target, mask = seqs.sequence(i)
        h, sens = 0.0, np.zeros(n_in + 1)
        acc_h, acc_k = np.zeros_like(w_h), np.zeros_like(w_k)
        for t in range(len(x)):
            z_h = np.append(x[t], h)
            h_new = sigmoid(w_h @ z_h)
            sens = h_new * (1 - h_new) * (z_h + w_h[n_in] * sens)
            h = h_new
            if mask[t]:
                z = np.append(x[t], h)
                y = sigmoid(w_k @ z)
                outs.append(y)
                delta = (y - y_target[t]) * y * (1 - y)
                d_k, d_h = np.outer(delta, z), (delta @ w_k[:, n_in]) * sens
                if per_step:
                    w_k = w_k - lr * d_k
                    w_h = w_h - lr * d_h
                else:
                    acc_k, acc_h = acc_k + d_k, acc_h + d_h
        w_k, w_h = w_k - lr * acc_k, w_h - lr * acc_h
    net.w_h[:], net.w_k[:] = w_h, w_k
    return np.array(outs)


@pytest.mark.parametrize(("p", "count"), [(4, 36), (10, 144), (100, 10404)])
def test_weight_count_is_the_papers(p, count):
    """PAPER.md §1.5: (p+1)(p+2) + (p+2) weights for p+1 inputs and outputs, one self-recurrent hidden unit."""
    net = RTRLNet.init(p + 1, p + 1, np.random.default_rng(0), 0.2)
    assert net.n_weights == count
    for lr in (1.0, 4.0, 10.0):
        exp = lstm1997.get_experiment(f"longlag-2a~rtrl-p{p}-lr{lr}")
        model = exp.model(exp, np.random.default_rng(0))
        assert exp.n_weights == model.n_weights == count
        assert np.all(np.abs(model.w_h) <= 0.2) and np.all(np.abs(model.w_k) <= 0.2)


@pytest.mark.parametrize(("seed", "bias"), [(0, False), (1, False), (2, False), (3, True)])
def test_gradient_equals_central_finite_differences(seed, bias):
    rng = np.random.default_rng(seed)
    net, seqs = net_of(rng, 3 + bias, 2), random_sequences(rng, 3, 2)
    net.bias = bias
    g_h, g_k = net.gradient(seqs)
    eps = 1e-5  # central differences: truncation ~eps^2, rounding ~1e-16 E / eps, both below 1e-9 here
    for w, g in ((net.w_h, g_h), (net.w_k, g_k)):
        numeric = np.zeros_like(w)
        for idx in np.ndindex(w.shape):
            keep = w[idx]
            w[idx] = keep + eps
            plus = error(net, seqs)
            w[idx] = keep - eps
            minus = error(net, seqs)
            w[idx] = keep
            numeric[idx] = (plus - minus) / (2 * eps)
        np.testing.assert_allclose(g, numeric, rtol=1e-7, atol=1e-9)


def test_the_bias_unit_is_one_more_input_that_is_always_on():
    rng = np.random.default_rng(2)
    seqs = random_sequences(rng, 3, 2)
    biased = with_bias_unit(seqs)
    for i in range(seqs.n):
        x = seqs.dense_inputs(i)
        assert np.array_equal(biased.dense_inputs(i), np.hstack([x, np.ones((len(x), 1))]))
    net = RTRLNet.init(5, 5, rng, 0.2, bias=True)
    assert net.n_weights == 42 == COMPETITORS["longlag-2a~rtrl-p4-lr1.0+bias"].n_weights  # (p+1)(p+3) + (p+3)
    unbiased = RTRLNet(net.w_h.copy(), net.w_k.copy())
    seqs = longlag.generate_2a(rng, 3, p=4)
    np.testing.assert_array_equal(net.evaluate(seqs), unbiased.evaluate(with_bias_unit(seqs)))
    assert net.copy().bias


@pytest.mark.parametrize("seed", range(4))
def test_gradient_equals_backpropagation_through_time(seed):
    """Offline RTRL computes exactly the gradient of untruncated BPTT (PAPER.md §1, the paper's own remark)."""
    rng = np.random.default_rng(seed)
    net = net_of(rng, 5, 5, scale=2.0)  # large weights: long-range sensitivities matter
    for seqs in (random_sequences(rng, 5, 5, n=4), longlag.generate_2a(rng, 4, p=4)):
        g_h, g_k = net.gradient(seqs)
        r_h, r_k = bptt(net, seqs)
        np.testing.assert_allclose(g_h, r_h, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(g_k, r_k, rtol=1e-12, atol=1e-14)
        assert np.abs(g_h[-1]) > 1e-6  # the self-connection's gradient is exercised


def test_outputs_equal_a_dense_forward_pass_and_leave_weights_unchanged():
    rng = np.random.default_rng(7)
    net, seqs = net_of(rng, 4, 3), random_sequences(rng, 4, 3)
    before = net.copy()
    out = net.evaluate(seqs)
    reference = python_rtrl(before.copy(), seqs, lr=0.0, per_step=True)
    np.testing.assert_allclose(out, reference, rtol=1e-13)
    assert np.array_equal(net.w_h, before.w_h) and np.array_equal(net.w_k, before.w_k)
    net.gradient(seqs)
    assert np.array_equal(net.w_h, before.w_h) and np.array_equal(net.w_k, before.w_k)


@pytest.mark.parametrize("per_step", [True, False])
def test_online_training_equals_a_plain_loop(per_step):
    """Both update timings: outputs as produced while training and the final weights, against python_rtrl."""
    rng = np.random.default_rng(3)
    net, seqs = net_of(rng, 5, 5), longlag.generate_2a(rng, 20, p=4)
    ref = net.copy()
    out = net.train(seqs, 4.0, per_step)
    ref_out = python_rtrl(ref, seqs, 4.0, per_step)
    np.testing.assert_allclose(out, ref_out, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(net.w_h, ref.w_h, rtol=1e-11, atol=1e-13)
    np.testing.assert_allclose(net.w_k, ref.w_k, rtol=1e-11, atol=1e-13)


def test_the_two_timings_differ_and_per_sequence_is_one_gradient_step():
    rng = np.random.default_rng(5)
    net, seqs = net_of(rng, 5, 5), longlag.generate_2a(rng, 1, p=4)
    g_h, g_k = net.gradient(seqs)
    a, b = net.copy(), net.copy()
    a.train(seqs, 1.0, per_step=False)
    b.train(seqs, 1.0, per_step=True)
    np.testing.assert_allclose(a.w_h, net.w_h - g_h, rtol=1e-14, atol=1e-15)
    np.testing.assert_allclose(a.w_k, net.w_k - g_k, rtol=1e-14, atol=1e-15)
    assert not np.allclose(a.w_k, b.w_k, rtol=1e-6)


def test_rows_are_exp_2a_protocol_with_the_papers_figures():
    base = EXPERIMENTS["longlag-2a"]
    assert len(COMPETITORS) == 2 * len(PAPER_RTRL) + 6  # per step, per sequence, the 3 "+bias" and 3 "+lr-x10" rows
    for name, exp in COMPETITORS.items():
        p = exp.spec.n_in - 1
        lr = exp.lr / 10 if name.endswith("+lr-x10") else exp.lr  # the paper row's rate
        assert name.startswith(f"longlag-2a~rtrl-p{p}-lr{lr}")
        assert exp.per_step == (not name.endswith("-per-sequence"))
        assert exp.criterion == Streak(0.25, length=10_000, all_steps=True) == base.criterion
        assert (exp.cap, exp.training_set, exp.test_size, exp.construct, exp.trials) == (5_000_000, "2a", 0, False, 18)
        assert exp.spec.init_range == 0.2 and exp.spec.n_out == p + 1
        assert (exp.paper.success_percent, exp.paper.sequences) == PAPER_RTRL[p, lr]
        assert lstm1997.get_experiment(name) is exp
    assert COMPETITORS["longlag-2a~rtrl-p4-lr1.0"].paper.sequences == 1_043_000
    with pytest.raises(KeyError, match="did you mean"):
        lstm1997.get_experiment("longlag-2a~rtrl-p4-lr1")


def test_rows_need_no_torch():
    code = "import sys, lstm1997; lstm1997.get_experiment('longlag-2a~rtrl-p4-lr1.0'); print('torch' in sys.modules)"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert r.stdout.strip() == "False"


def test_a_trial_runs_on_the_rows_training_set_and_learns():
    """The trial loop trains the RTRL net on 2a's two sequences of the row's p and the error falls; the model
    pickles (checkpoints need it) and a rerun gives the same record."""
    exp = replace(COMPETITORS["longlag-2a~rtrl-p4-lr10.0"], cap=30_000)
    record, model = run_trial(exp, 0)
    assert isinstance(model, RTRLNet) and record["presented"] == 30_000 and record["steps"] == 4 * 30_000
    train_set = longlag.training_set_2a(4)
    untrained = exp.model(exp, np.random.default_rng(0))
    initial = np.sum((untrained.evaluate(train_set) - train_set.targets) ** 2) / train_set.n  # E per sequence
    assert record["curve"]["error"][-1] < 0.5 * initial
    again = pickle.loads(pickle.dumps(model))
    assert np.array_equal(again.w_k, model.w_k)
    second, _ = run_trial(exp, 0)
    assert reproducible(second) == reproducible(record)


def test_records_of_the_rows_get_their_own_table_in_the_report(tmp_path):
    exp = replace(COMPETITORS["longlag-2a~rtrl-p4-lr10.0"], cap=2000)
    run_trials(exp, [0], out=tmp_path)
    text = results_markdown(tmp_path, "test")
    assert "## The paper's RTRL rows" in text
    assert "| longlag-2a~rtrl-p4-lr10.0 | 22% of 18 | 0% of 1 [0-97.5%] |" in text  # with its 95 % interval


def test_an_rtrl_trial_resumed_from_its_checkpoint_ends_with_the_uninterrupted_record(tmp_path):
    exp = replace(get_experiment("longlag-2a~rtrl-p4-lr10.0"), cap=3000)
    whole, _ = run_trial(exp, seed=2)
    ckpt = tmp_path / "seed-2.ckpt"

    def stop(seen: int, cap: int, error: float) -> None:
        if seen >= 2000:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_trial(exp, seed=2, progress=stop, checkpoint=ckpt, checkpoint_every=0)
    assert ckpt.exists()
    resumed, _ = run_trial(exp, seed=2, checkpoint=ckpt)
    assert reproducible(resumed, "provenance") == reproducible(whole, "provenance")
