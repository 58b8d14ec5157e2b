"""The kernel's truncated gradient against an independent backward-mode computation and finite differences."""

import zlib

import numpy as np
import pytest
from reference import finite_differences, reference_forward, reference_loss, reference_truncated_gradient

import lstm1997
from lstm1997.network import Network, NetworkSpec

SHAPES = {
    "adding 2x2 all-bias": NetworkSpec(2, 1, 2, 2, bias="all"),
    "2a no out-gate, id h, logistic g, B": NetworkSpec(
        12, 12, 1, 1, connectivity="B", bias="none", output_gate=False, g="g1", h="id"
    ),
    "reber 4x1 gate-bias": NetworkSpec(7, 7, 4, 1, bias="gates"),
    "3x2 B with out-gates": NetworkSpec(5, 3, 3, 2, connectivity="B", bias="all"),
    "twoseq 3x1 hidden-bias": NetworkSpec(1, 1, 3, 1, bias="hidden"),
    "6b 3x2 all": NetworkSpec(8, 8, 3, 2, bias="all"),
    "2c one-hot, no bias": NetworkSpec(14, 2, 2, 1, bias="none"),
    "mixed no out-gate F": NetworkSpec(3, 2, 2, 2, bias="all", output_gate=False, g="g1", h="id"),
    "adding, linear output (ablation)": NetworkSpec(2, 1, 2, 2, bias="all", output="linear"),
    "adding, cross-entropy error (deviation)": NetworkSpec(2, 1, 2, 2, bias="all", output="logistic-ce"),
    "reber, flat-spot offset (deviation)": NetworkSpec(7, 7, 4, 1, bias="gates", output="logistic-offset"),
    "adding, activations reset to 0.5 (deviation)": NetworkSpec(2, 1, 2, 2, bias="all", reset=0.5),
}
NO_LOSS = {"reber, flat-spot offset (deviation)"}  # f'_k + 0.1 is the gradient of no loss: no finite differences
ONE_HOT = {
    "2a no out-gate, id h, logistic g, B",
    "reber 4x1 gate-bias",
    "reber, flat-spot offset (deviation)",
    "6b 3x2 all",
    "2c one-hot, no bias",
}


def random_net(spec: NetworkSpec, rng: np.random.Generator, scale: float = 1.0) -> Network:
    return Network(spec, **{k: rng.uniform(-scale, scale, m.shape) * m for k, m in spec.masks.items()})


def random_sequence(name: str, spec: NetworkSpec, rng: np.random.Generator, T: int, every_step: bool):
    if name in ONE_HOT:
        x = np.eye(spec.n_in)[rng.integers(0, spec.n_in, T)]
    else:
        x = rng.uniform(-1, 1, (T, spec.n_in)) * (rng.random((T, spec.n_in)) < 0.7)
    y = rng.uniform(0, 1, (T, spec.n_out))
    mask = np.ones(T, dtype=bool) if every_step else np.arange(T) == T - 1
    return x, y, mask


@pytest.mark.parametrize("name", SHAPES)
@pytest.mark.parametrize("every_step", [False, True], ids=["end-only", "every-step"])
def test_kernel_gradient_equals_backward_mode_reference(name, every_step):
    spec = SHAPES[name]
    rng = np.random.default_rng(zlib.crc32(f"{name}{every_step}".encode()))
    for _ in range(3):
        net = random_net(spec, rng)
        x, y, mask = random_sequence(name, spec, rng, int(rng.integers(5, 40)), every_step)
        got = lstm1997.truncated_gradient(net, x, y, mask)
        want = reference_truncated_gradient(net.weights, spec, x, y, mask)
        for k in want:
            assert np.abs(want[k]).max() > 0 or k == "w_out"
            np.testing.assert_allclose(got[k], want[k], rtol=0, atol=1e-10, err_msg=k)


@pytest.mark.parametrize("name", SHAPES)
def test_forward_equals_reference(name):
    spec = SHAPES[name]
    rng = np.random.default_rng(1)
    net = random_net(spec, rng)
    x, _, _ = random_sequence(name, spec, rng, 30, True)
    np.testing.assert_allclose(lstm1997.forward(net, x), reference_forward(net.weights, spec, x)["y"], atol=1e-12)
    states = lstm1997.forward_states(net, x)
    ref = reference_forward(net.weights, spec, x)
    for k in ("y_in", "s", "y_c"):
        np.testing.assert_allclose(states["s_c" if k == "s" else k], ref[k], atol=1e-12)


@pytest.mark.parametrize("name", [n for n in SHAPES if n not in NO_LOSS])
def test_truncated_gradient_is_exact_without_recurrent_weights_into_gates_and_cells(name):
    """Where recurrent weights into gates and cells are zero, truncation drops only zero terms, so the
    truncated gradient must equal the true gradient, here by central finite differences."""
    spec = SHAPES[name]
    rng = np.random.default_rng(2)
    net = random_net(spec, rng)
    rb = 1 + spec.n_in
    for k in ("w_in", "w_out", "w_c"):
        net.weights[k][:, rb:] = 0.0
    x, y, mask = random_sequence(name, spec, rng, 15, True)
    got = lstm1997.truncated_gradient(net, x, y, mask)
    fd = finite_differences(net.weights, spec, x, y, mask)
    for k in fd:
        np.testing.assert_allclose(got[k], fd[k], rtol=1e-6, atol=1e-7, err_msg=k)


def test_truncation_matters_with_recurrent_weights():
    """Sanity: with recurrent weights the truncated gradient differs from the true one (finite differences)."""
    spec = SHAPES["adding 2x2 all-bias"]
    rng = np.random.default_rng(3)
    net = random_net(spec, rng, scale=2.0)
    x, y, mask = random_sequence("adding 2x2 all-bias", spec, rng, 20, False)
    got = lstm1997.truncated_gradient(net, x, y, mask)["w_in"][0, 0]
    eps = 1e-6
    w = net.w_in
    w[0, 0] += eps
    plus = reference_loss(net.weights, spec, x, y, mask)
    w[0, 0] -= 2 * eps
    minus = reference_loss(net.weights, spec, x, y, mask)
    assert abs(got - (plus - minus) / (2 * eps)) > 1e-6


@pytest.mark.parametrize("name", ["adding 2x2 all-bias", "reber 4x1 gate-bias", "2a no out-gate, id h, logistic g, B"])
def test_training_equals_sequential_gradient_steps(name):
    spec = SHAPES[name]
    rng = np.random.default_rng(4)
    net = random_net(spec, rng, scale=0.5)
    every = name != "adding 2x2 all-bias"
    items = [random_sequence(name, spec, rng, int(rng.integers(3, 25)), every) for _ in range(20)]
    lr = 0.3
    manual = net.copy()
    for x, y, mask in items:
        g = lstm1997.truncated_gradient(manual, x, y, mask)
        for k, w in manual.weights.items():
            w -= lr * g[k]
    trained = net.copy()
    lstm1997.train(trained, lstm1997.Sequences.from_list(items), lr)
    for k in manual.weights:
        np.testing.assert_allclose(trained.weights[k], manual.weights[k], rtol=0, atol=1e-12, err_msg=k)
    assert trained.absent_is_zero()


def test_per_step_updates_equal_per_sequence_when_only_the_last_step_has_a_target():
    spec = SHAPES["6b 3x2 all"]
    rng = np.random.default_rng(5)
    items = [random_sequence("6b 3x2 all", spec, rng, 30, False) for _ in range(10)]
    seqs = lstm1997.Sequences.from_list(items)
    a = random_net(spec, rng)
    b = a.copy()
    lstm1997.train(a, seqs, 0.5)
    lstm1997.train(b, seqs, 0.5, per_step=True)
    for k in a.weights:
        np.testing.assert_array_equal(a.weights[k], b.weights[k])


def test_per_step_updates_differ_with_targets_at_every_step():
    spec = SHAPES["reber 4x1 gate-bias"]
    rng = np.random.default_rng(6)
    seqs = lstm1997.Sequences.from_list([random_sequence("reber 4x1 gate-bias", spec, rng, 12, True)])
    a = random_net(spec, rng)
    b = a.copy()
    lstm1997.train(a, seqs, 0.5)
    lstm1997.train(b, seqs, 0.5, per_step=True)
    assert not np.allclose(a.w_c, b.w_c)
    assert a.absent_is_zero() and b.absent_is_zero()


@pytest.mark.parametrize("name", SHAPES)
def test_absent_connections_stay_zero_after_training(name):
    spec = SHAPES[name]
    rng = np.random.default_rng(7)
    net = spec.init(rng)
    items = [random_sequence(name, spec, rng, 20, True) for _ in range(50)]
    for per_step in (False, True):
        before = net.copy()
        lr = 1.0 if spec.output == "logistic" else 0.01  # a linear output diverges at lr 1
        lstm1997.train(net, lstm1997.Sequences.from_list(items), lr, per_step=per_step)
        assert net.absent_is_zero()
        changed = [not np.array_equal(w, before.weights[k]) for k, w in net.weights.items()]
        assert changed == [True, spec.output_gate, True, True]
