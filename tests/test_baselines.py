"""Baselines under the paper's protocol (lstm1997.baseline_rows, lstm1997.models): the Model protocol, learning
on a tiny problem, rows through run_trial and the report, the forget-gate net against the 1997 net and against
torch autograd, and the gate pre-training ablation."""

import math
import pickle
import subprocess
import sys
from dataclasses import replace
from functools import partial

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import lstm1997  # noqa: E402
from lstm1997 import learning, store  # noqa: E402
from lstm1997.baseline_rows import ADAM_LR, BASE_ROWS, BASELINES, MODERN_LR, matched_hidden  # noqa: E402
from lstm1997.experiments import EXPERIMENTS  # noqa: E402
from lstm1997.models.forget_gate import (  # noqa: E402
    ForgetGateLSTM1997,
    ForgetGateModel,
    ForgetGateNet,
    forget_gate_model,
)
from lstm1997.models.nn_lstm import Dense, nn_lstm_model  # noqa: E402
from lstm1997.models.pretraining import GatePretrainedModel, gate_pretrained_model  # noqa: E402
from lstm1997.network import NetworkSpec  # noqa: E402
from lstm1997.nnlstm import NNLSTMModel, n_parameters  # noqa: E402
from lstm1997.report import results_markdown  # noqa: E402
from lstm1997.sweep import reproducible  # noqa: E402
from lstm1997.tasks import twoseq  # noqa: E402
from lstm1997.trial import run_trial  # noqa: E402

pytestmark = pytest.mark.heavy  # torch models trained under the protocol: not in the everyday tier

TINY = replace(EXPERIMENTS["twoseq-3a-T100-N3"], generate=partial(twoseq.generate, T=6, N=3, variant="a"))
"""The two-sequence problem with T = 6: learnable in a few hundred sequences by every model."""

BUILDERS = {
    "nnlstm-sgd": partial(nn_lstm_model, hidden=4, optimizer="sgd"),
    "nnlstm-adam": lambda exp, rng: nn_lstm_model(replace(exp, lr=0.01), rng, hidden=4, optimizer="adam"),
    "forget-gate": partial(forget_gate_model, forget_bias=1.0),
    "gate-pretraining": partial(gate_pretrained_model, k=50),
}


def build(kind: str, exp=TINY, seed: int = 0):
    return BUILDERS[kind](exp, np.random.default_rng(seed))


def mean_error(model, seqs) -> float:
    return float(np.mean(np.sum((model.evaluate(seqs) - seqs.targets) ** 2, axis=1)))


def parameters(model) -> list[np.ndarray]:
    if isinstance(model, NNLSTMModel):
        return [model.theta.copy()]
    return [w.copy() for w in model.net.weights.values()]


@pytest.mark.parametrize("kind", BUILDERS)
def test_model_protocol(kind):
    rng = np.random.default_rng(1)
    model = build(kind)
    seqs = TINY.generate(rng, 20)
    before = parameters(model)
    twin = model.copy()
    out = model.train(seqs, TINY.lr, per_step=False)
    assert out.shape == seqs.targets.shape and np.all((out > 0) & (out < 1))
    assert model.evaluate(seqs).shape == seqs.targets.shape
    assert all(np.array_equal(a, b) for a, b in zip(before, parameters(twin)))  # the copy did not move
    assert not all(np.array_equal(a, b) for a, b in zip(before, parameters(model)))
    assert model.finite()
    if isinstance(model, NNLSTMModel):
        model.theta[0] = math.nan
    else:
        model.net.w_k[0, 1] = math.nan
    assert not model.finite() and twin.finite()


@pytest.mark.parametrize("kind", BUILDERS)
def test_training_lowers_the_error(kind):
    rng = np.random.default_rng(2)
    model = build(kind)
    test = TINY.generate(np.random.default_rng(99), 200)
    start = mean_error(model, test)
    model.train(TINY.generate(rng, 2000), TINY.lr, per_step=False)
    assert mean_error(model, test) < 0.5 * start


def test_train_outputs_are_those_before_each_update_and_evaluate_is_per_sequence():
    rng = np.random.default_rng(3)
    model = build("nnlstm-sgd", EXPERIMENTS["adding-T100"])
    seqs = EXPERIMENTS["adding-T100"].generate(rng, 3)
    first = model.copy().evaluate(seqs.take(np.arange(1)))
    assert np.array_equal(model.train(seqs, 0.5, per_step=False)[0], first[0])
    one_by_one = np.concatenate([model.evaluate(seqs.take(np.array([i]))) for i in range(3)])
    assert np.array_equal(model.evaluate(seqs), one_by_one)


def test_dense_equals_sequence():
    seqs = EXPERIMENTS["temporal-6a"].generate(np.random.default_rng(4), 5)
    d = Dense.of(seqs, dtype=np.float64)
    for i in range(seqs.n):
        x, y, mask = seqs.sequence(i)
        assert np.array_equal(d.x[d.starts[i] : d.starts[i + 1]], x)
        rows = d.rows(i)
        assert np.array_equal(d.targets[rows], y[mask]) and np.array_equal(d.target_pos[rows], np.flatnonzero(mask))


def test_nn_lstm_sizes():
    assert n_parameters(2, 3, 1) == 88 == nn_lstm_model(EXPERIMENTS["adding-T100"], np.random.default_rng(0),
                                                        hidden=3, optimizer="sgd").theta.size  # fmt: skip
    assert matched_hidden(EXPERIMENTS["adding-T100"].spec) == 3  # 88 parameters against the paper's 93


# --- forget gate -------------------------------------------------------------------------------------------


FG_SPECS = {
    "adding": EXPERIMENTS["adding-T100"].spec,
    "temporal (one-hot)": EXPERIMENTS["temporal-6a"].spec,
    "no output gate, g1/id, B": NetworkSpec(3, 2, 2, 1, connectivity="B", bias="none", output_gate=False, g="g1",
                                            h="id"),
}  # fmt: skip


def random_fg_net(spec: NetworkSpec, rng: np.random.Generator, forget_bias: float) -> ForgetGateNet:
    net = ForgetGateNet.init(spec, rng, forget_bias)
    for name, w in net.weights.items():
        w += rng.uniform(-0.7, 0.7, w.shape) * net.masks[name]
    net.w_f[:, 0] = forget_bias
    return net


def random_batch(spec: NetworkSpec, rng: np.random.Generator, n: int = 3, T: int = 25) -> lstm1997.Sequences:
    items = []
    for _ in range(n):
        x = rng.uniform(-1, 1, (T, spec.n_in)) * (rng.random((T, spec.n_in)) < 0.6)
        mask = rng.random(T) < 0.3
        mask[-1] = True
        items.append((x, rng.uniform(0, 1, (T, spec.n_out)) * mask[:, None], mask))
    return lstm1997.Sequences.from_list(items)


@pytest.mark.parametrize("name", FG_SPECS)
def test_forget_gate_open_is_the_1997_net(name):
    """y_f = 1 (bias +50: 1 - f(50) < 1e-21): outputs and truncated gradient equal the 1997 net's (the kernel,
    and the torch module) to 1e-10 in float64."""
    rng = np.random.default_rng(5)
    spec = FG_SPECS[name]
    net = random_fg_net(spec, rng, forget_bias=50.0)
    net.w_f[:, 1:] = 0.0
    plain = net.without_forget_gate()
    seqs = random_batch(spec, rng)
    assert np.allclose(ForgetGateModel(net).evaluate(seqs), learning.evaluate(plain, seqs), atol=1e-10, rtol=0)
    module = ForgetGateLSTM1997.from_network(net)
    for i in range(seqs.n):
        x, _, _ = seqs.sequence(i)
        y, _ = module(torch.from_numpy(x))
        assert np.allclose(y.detach().numpy(), learning.forward(plain, x), atol=1e-10, rtol=0)
    g_fg, g_1997 = learning.gradient(net, seqs), learning.gradient(plain, seqs)
    for k in g_1997:
        assert np.allclose(g_fg[k], g_1997[k], atol=1e-10, rtol=0)


@pytest.mark.parametrize("name", FG_SPECS)
@pytest.mark.parametrize("gradient", ["truncated", "full"])
def test_forget_gate_kernel_against_torch_autograd(name, gradient):
    """The compiled kernel's forward pass and truncated gradient equal autograd through ForgetGateLSTM1997 with
    detached recurrent inputs (1e-10, float64); the full gradient differs (the truncation is real)."""
    rng = np.random.default_rng(6)
    spec = FG_SPECS[name]
    net = random_fg_net(spec, rng, forget_bias=1.0)
    seqs = random_batch(spec, rng)
    module = ForgetGateLSTM1997.from_network(net, gradient=gradient)
    loss, outs = 0.0, []
    for i in range(seqs.n):
        x, y, mask = seqs.sequence(i)
        out, _ = module(torch.from_numpy(x))
        m = torch.from_numpy(mask)
        outs.append(out[m].detach().numpy())
        loss = loss + 0.5 * torch.sum((out[m] - torch.from_numpy(y[mask])) ** 2)
    loss.backward()
    assert np.allclose(np.concatenate(outs), ForgetGateModel(net).evaluate(seqs), atol=1e-12, rtol=0)
    g = learning.gradient(net, seqs)
    auto = {k: getattr(module, k).grad for k in g}  # None: frozen (w_out without output gates)
    diffs = [np.abs(g[k] - (0 if auto[k] is None else auto[k].numpy() * net.masks[k])).max() for k in g]
    if gradient == "truncated":
        assert max(diffs) < 1e-10
    elif spec.connectivity == "F":
        assert max(diffs) > 1e-6


@pytest.mark.parametrize("name", FG_SPECS)
def test_forget_gate_per_step_updates(name):
    """The kernel's per-step mode with forget gates (no row uses it): with the gates open (y_f = f(50) = 1.0
    exactly) it trains exactly as the 1997 net does per step; with one target per sequence it is one update per
    sequence, as the per-sequence mode (and it moves w_f); with several targets it differs from it."""
    rng = np.random.default_rng(9)
    spec = FG_SPECS[name]
    seqs = random_batch(spec, rng)
    net = random_fg_net(spec, rng, forget_bias=50.0)
    net.w_f[:, 1:] = 0.0
    plain = net.without_forget_gate()
    fg_model = ForgetGateModel(net.copy())
    assert np.array_equal(fg_model.train(seqs, 0.3, per_step=True), learning.train(plain, seqs, 0.3, per_step=True))
    assert all(np.array_equal(fg_model.net.weights[k], w) for k, w in plain.weights.items())
    net = random_fg_net(spec, rng, forget_bias=1.0)
    last = random_batch(spec, rng)
    last = lstm1997.Sequences.from_list([(x, y * 0, np.arange(len(x)) == len(x) - 1) for x, y, _ in
                                         (last.sequence(i) for i in range(last.n))])  # fmt: skip
    per_step, per_seq = ForgetGateModel(net.copy()), ForgetGateModel(net.copy())
    assert np.array_equal(per_step.train(last, 0.3, per_step=True), per_seq.train(last, 0.3, per_step=False))
    assert all(np.array_equal(per_step.net.weights[k], w) for k, w in per_seq.net.weights.items())
    assert not np.array_equal(per_step.net.w_f, net.w_f)
    per_step, per_seq = ForgetGateModel(net.copy()), ForgetGateModel(net.copy())
    per_step.train(seqs, 0.3, per_step=True)
    per_seq.train(seqs, 0.3, per_step=False)
    assert not np.array_equal(per_step.net.w_f, per_seq.net.w_f)


def test_forget_gate_states_and_bias():
    rng = np.random.default_rng(7)
    exp = EXPERIMENTS["adding-T100"]
    model = forget_gate_model(exp, rng, forget_bias=1.0)
    assert np.all(model.net.w_f[:, 0] == 1.0)
    assert np.all(model.net.w_f[model.net.masks["w_f"] == 0] == 0)
    st = learning.batch_states(model.net, exp.generate(rng, 1))
    assert np.all((st["y_f"] > 0.6) & (st["y_f"] < 0.85))  # f(1 +- small) at the start


# --- gate pre-training ------------------------------------------------------------------------------------


def test_pretraining_changes_only_input_gate_weights_and_opens_them_at_markers():
    exp = BASELINES["adding-T100~gate-pretraining"]
    rng = np.random.default_rng(8)
    model = exp.model(exp, rng)
    assert isinstance(model, GatePretrainedModel) and model.pretrain_left == 2000
    before = model.net.copy()
    seqs = exp.generate(rng, 600)
    out = model.train(seqs, exp.lr, per_step=False)
    assert out.shape == seqs.targets.shape and model.pretrain_left == 1400
    for name in ("w_out", "w_c", "w_k"):
        assert np.array_equal(getattr(model.net, name), getattr(before, name))
    assert not np.array_equal(model.net.w_in, before.w_in) and model.net.absent_is_zero()
    x, _, _ = exp.sample(rng)
    y_in = learning.forward_states(model.net, x)["y_in"]
    marked = exp.memory_steps(x)[0]  # the marked pairs of the adding problem
    assert y_in[marked].min() > 0.5 and y_in[~marked].mean() < 0.1


def test_pretraining_sequences_are_counted_then_the_paper_takes_over():
    exp = replace(BASELINES["adding-T100~gate-pretraining"], cap=1500)
    record, net = run_trial(exp, seed=0)
    fresh = exp.model(exp, np.random.default_rng(np.random.SeedSequence(0).spawn(3)[0])).net
    assert record["presented"] == 1500 and np.array_equal(net.w_k, fresh.w_k)  # all 1500 were pre-training
    exp = replace(exp, model=partial(gate_pretrained_model, k=500))
    record, net = run_trial(exp, seed=0)
    assert record["presented"] == 1500 and not np.array_equal(net.w_k, fresh.w_k)


# --- rows -------------------------------------------------------------------------------------------------


def test_rows():
    assert {n.split("~")[0] for n in BASELINES} == set(BASE_ROWS)
    for name, exp in BASELINES.items():
        base = EXPERIMENTS[name.split("~")[0]]
        assert exp.trials == 10 and exp.model is not None and "BASELINE" in exp.description
        for field in ("criterion", "cap", "test_size", "test_threshold", "spec", "paper", "generate"):
            assert getattr(exp, field) == getattr(base, field)
        own_step = {"adam": ADAM_LR, "modern": MODERN_LR.get(base.name)}.get(name.rsplit("-", 1)[-1])
        assert exp.lr == (own_step or base.lr)  # Adam's and RMSprop's step size, which the model uses
        assert pickle.loads(pickle.dumps(exp)).name == name
        assert lstm1997.get_experiment(name) is exp
    assert "adding-T100~nnlstm-h32-adam" in BASELINES and "temporal-6a~forget-gate" in BASELINES
    with pytest.raises(KeyError, match="did you mean"):
        lstm1997.get_experiment("adding-T100~forget-gat")


def test_default_import_path_has_no_torch():
    code = "import sys, lstm1997; lstm1997.get_experiment('adding-T100'); print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"


def test_baseline_rows_import_their_models_only_when_a_trial_builds_one():
    code = (
        "import sys, numpy, lstm1997; exp = lstm1997.get_experiment('temporal-6a~forget-gate'); "
        "print('torch' in sys.modules, 'lstm1997.models.forget_gate' in sys.modules); "
        "exp.model(exp, numpy.random.default_rng(0)); print('lstm1997.models.forget_gate' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.split()
    assert out == ["False", "False", "True"]


@pytest.mark.parametrize("name", ["twoseq-3a-T100-N3~nnlstm-h4-sgd", "adding-T100~forget-gate"])
def test_row_runs_through_the_protocol_and_the_report(name, tmp_path):
    exp = replace(BASELINES[name], cap=2000)
    record, _ = run_trial(exp, seed=3)
    again, _ = run_trial(exp, seed=3)
    assert record["experiment"] == name and record["presented"] == 2000 and not record["success"]
    assert record["steps"] > 2000 * 100 and math.isfinite(record["final_train_error"])
    if "final" in record["test"]:
        assert record["test"]["final"]["n"] == exp.test_size
    assert reproducible(record) == reproducible(again)
    store.save(tmp_path, record)
    text = results_markdown(tmp_path, "test")
    assert "Baselines under the paper's protocol" in text and name in text


def test_modern_rows_build_the_modern_net():
    """nn.LSTM(n_in, 64), total forget-gate bias +1 (the other biases PyTorch's), RMSprop, clipping at 1, a linear
    output on adding and logistic ones on temporal order."""
    for name, linear in (("adding-T100", True), ("temporal-6a", False)):
        exp = BASELINES[f"{name}~nnlstm-h64-modern"]
        model = exp.model(exp, np.random.default_rng(0))
        H, G, n_in = 64, 256, exp.spec.n_in
        b_ih = model.theta[G * (n_in + H) : G * (n_in + H + 1)]
        b_hh = model.theta[G * (n_in + H + 1) : G * (n_in + H + 2)]
        assert np.all(b_ih[H : 2 * H] + b_hh[H : 2 * H] == 1.0)
        assert 0 < np.abs(b_ih[:H]).max() <= 1 / 8 and 0 < np.abs(b_hh[2 * H :]).max() <= 1 / 8
        assert (model.hidden, model.optimizer, model.clip, model.linear) == (64, "rmsprop", 1.0, linear)
