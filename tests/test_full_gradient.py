"""The full (untruncated, BPTT) gradient kernel against finite differences, torch autograd (gradient="full"),
the truncated kernel where truncation drops nothing, and sequential gradient steps."""

import zlib

import numpy as np
import pytest
from reference import finite_differences as reference_finite_differences
from test_gradient import NO_LOSS, SHAPES, random_net, random_sequence

import lstm1997
from lstm1997 import kernels
from lstm1997.learning import _run
from lstm1997.network import Network, NetworkSpec
from lstm1997.sequences import Sequences


def seed(*parts) -> int:
    return zlib.crc32("/".join(map(str, parts)).encode())


def finite_differences(net: Network, x: np.ndarray, y: np.ndarray, mask: np.ndarray, eps: float = 1e-6) -> dict:
    """Central differences of the reference loss for every existing connection (0 elsewhere)."""
    return reference_finite_differences(net.weights, net.spec, x, y, mask, eps)


@pytest.mark.parametrize("name", [n for n in SHAPES if n not in NO_LOSS])
@pytest.mark.parametrize("every_step", [False, True], ids=["end-only", "every-step"])
def test_full_gradient_equals_finite_differences(name, every_step):
    spec = SHAPES[name]
    rng = np.random.default_rng(seed("fd", name, every_step))
    net = random_net(spec, rng)
    x, y, mask = random_sequence(name, spec, rng, 15, every_step)
    got = lstm1997.full_gradient(net, x, y, mask)
    fd = finite_differences(net, x, y, mask)
    for k in fd:
        assert np.abs(fd[k]).max() > 0 or k == "w_out"
        assert np.all(np.abs(got[k] - fd[k]) < 1e-7 + 1e-6 * np.abs(fd[k])), (k, np.abs(got[k] - fd[k]).max())


@pytest.mark.parametrize("name", [n for n in SHAPES if n not in NO_LOSS])
@pytest.mark.parametrize("every_step", [False, True], ids=["end-only", "every-step"])
def test_full_gradient_equals_torch_autograd(name, every_step):
    torch = pytest.importorskip("torch")
    from lstm1997.torch import LSTM1997

    spec = SHAPES[name]
    rng = np.random.default_rng(seed("torch", name, every_step))
    for _ in range(3):
        net = random_net(spec, rng)
        x, y, mask = random_sequence(name, spec, rng, int(rng.integers(2, 40)), every_step)
        got = lstm1997.full_gradient(net, x, y, mask)
        module = LSTM1997.from_network(net, gradient="full", dtype=torch.float64)
        out, _ = module(torch.from_numpy(x))
        m = torch.from_numpy(mask)
        o, t = out[m], torch.from_numpy(y)[m]
        if spec.output == "logistic-ce":
            torch.nn.functional.binary_cross_entropy(o, t, reduction="sum").backward()
        else:
            (0.5 * ((o - t) ** 2).sum()).backward()
        for k in got:
            p = getattr(module, k)
            want = np.zeros(p.shape) if p.grad is None else p.grad.numpy()
            np.testing.assert_allclose(got[k], want, rtol=0, atol=1e-10, err_msg=k)


@pytest.mark.parametrize("name", SHAPES)
def test_full_equals_truncated_without_recurrent_weights_into_gates_and_cells(name):
    spec = SHAPES[name]
    rng = np.random.default_rng(seed("norec", name))
    net = random_net(spec, rng)
    for k in ("w_in", "w_out", "w_c"):
        net.weights[k][:, 1 + spec.n_in :] = 0.0
    x, y, mask = random_sequence(name, spec, rng, 25, True)
    full = lstm1997.full_gradient(net, x, y, mask)
    truncated = lstm1997.truncated_gradient(net, x, y, mask)
    for k in full:
        np.testing.assert_allclose(full[k], truncated[k], rtol=0, atol=1e-12, err_msg=k)


def test_full_differs_from_truncated_with_recurrent_weights():
    spec = SHAPES["adding 2x2 all-bias"]
    rng = np.random.default_rng(seed("differs"))
    net = random_net(spec, rng, scale=2.0)
    x, y, mask = random_sequence("adding 2x2 all-bias", spec, rng, 20, False)
    full = lstm1997.full_gradient(net, x, y, mask)
    truncated = lstm1997.truncated_gradient(net, x, y, mask)
    assert np.abs(full["w_in"] - truncated["w_in"]).max() > 1e-6
    np.testing.assert_allclose(full["w_k"], truncated["w_k"], rtol=0, atol=1e-12)  # outputs: nothing truncated


@pytest.mark.parametrize("name", ["6b 3x2 all", "3x2 B with out-gates", "mixed no out-gate F"])
def test_batch_gradient_is_the_sum_over_sequences_and_outputs_equal_the_truncated_kernel(name):
    """Many sequences per call, of varied lengths, with targets anywhere (or none), each from a zero state."""
    spec = SHAPES[name]
    rng = np.random.default_rng(seed("batch", name))
    net = random_net(spec, rng)
    items = []
    for i in range(8):
        x, y, _ = random_sequence(name, spec, rng, int(rng.integers(1, 20)), True)
        mask = rng.random(len(x)) < (0.0 if i == 3 else 0.3)
        items.append((x, y, mask))
    seqs = Sequences.from_list(items)
    total = lstm1997.gradient(net, seqs, full=True)
    for k, g in total.items():
        want = sum(lstm1997.full_gradient(net, *item)[k] for item in items)
        np.testing.assert_allclose(g, want, rtol=0, atol=1e-12, err_msg=k)
    full_out = _run(net, seqs, kernels.FORWARD, full=True)
    np.testing.assert_array_equal(full_out, lstm1997.evaluate(net, seqs))


@pytest.mark.parametrize("name", ["adding 2x2 all-bias", "reber 4x1 gate-bias", "2a no out-gate, id h, logistic g, B"])
def test_full_training_equals_sequential_full_gradient_steps(name):
    spec = SHAPES[name]
    rng = np.random.default_rng(seed("train", name))
    net = random_net(spec, rng, scale=0.5)
    every = name != "adding 2x2 all-bias"
    items = [random_sequence(name, spec, rng, int(rng.integers(3, 25)), every) for _ in range(20)]
    lr = 0.3
    manual = net.copy()
    outputs = []
    for x, y, mask in items:
        outputs.append(lstm1997.forward(manual, x)[mask])
        g = lstm1997.full_gradient(manual, x, y, mask)
        for k, w in manual.weights.items():
            w -= lr * g[k]
    trained = net.copy()
    out = lstm1997.train(trained, Sequences.from_list(items), lr, full=True)
    np.testing.assert_allclose(out, np.concatenate(outputs), rtol=0, atol=1e-12)
    for k in manual.weights:
        np.testing.assert_allclose(trained.weights[k], manual.weights[k], rtol=0, atol=1e-12, err_msg=k)
    assert trained.absent_is_zero()


@pytest.mark.parametrize("name", SHAPES)
def test_absent_connections_stay_zero_after_full_training(name):
    spec = SHAPES[name]
    rng = np.random.default_rng(seed("absent", name))
    net = spec.init(rng)
    before = net.copy()
    items = [random_sequence(name, spec, rng, 20, True) for _ in range(50)]
    lr = 1.0 if spec.output == "logistic" else 0.01  # a linear output diverges at lr 1
    lstm1997.train(net, Sequences.from_list(items), lr, full=True)
    assert net.absent_is_zero()
    changed = [not np.array_equal(w, before.weights[k]) for k, w in net.weights.items()]
    assert changed == [True, spec.output_gate, True, True]


def test_frozen_connections_keep_their_values_under_full_training():
    spec = NetworkSpec(3, 2, 2, 2, bias="all")
    rng = np.random.default_rng(seed("frozen"))
    net = random_net(spec, rng)
    masks = {k: m.copy() for k, m in spec.masks.items()}
    masks["w_c"][:, 1 + spec.n_in :] = 0.0  # recurrent cell inputs do not learn
    before = net.copy()
    items = [random_sequence("frozen", spec, rng, 10, True) for _ in range(5)]
    lstm1997.train(net, Sequences.from_list(items), 0.5, masks=masks, full=True)
    np.testing.assert_array_equal(net.w_c[:, 1 + spec.n_in :], before.w_c[:, 1 + spec.n_in :])
    assert not np.array_equal(net.w_c[:, : 1 + spec.n_in], before.w_c[:, : 1 + spec.n_in])


def test_full_training_has_no_per_step_mode():
    spec = SHAPES["adding 2x2 all-bias"]
    net = random_net(spec, np.random.default_rng(0))
    seqs = Sequences.from_list([random_sequence("adding 2x2 all-bias", spec, np.random.default_rng(1), 5, True)])
    with pytest.raises(ValueError, match="per-step"):
        lstm1997.train(net, seqs, 0.1, per_step=True, full=True)


def test_full_gradient_ablation_rows_really_train_with_the_full_gradient():
    from lstm1997.trial import Trial, run_trial

    exp = lstm1997.get_experiment("adding-T100+full-gradient").with_options(cap=50, batch=50, test_size=0)
    trial = Trial(exp, 0)
    net, seqs = trial.model.net.copy(), trial.draw(50)
    lstm1997.train(net, seqs, exp.lr, full=True)
    truncated = trial.model.net.copy()
    lstm1997.train(truncated, seqs, exp.lr)
    _, trained = run_trial(exp, 0)
    for k in net.weights:
        np.testing.assert_array_equal(trained.weights[k], net.weights[k])
    assert not np.array_equal(trained.w_in, truncated.w_in)
