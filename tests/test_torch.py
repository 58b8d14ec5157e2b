"""The torch module against the compiled kernel: forward, truncated gradient, full gradient by finite differences,
batching, masks, weight conversion and state continuation (all in float64)."""

import subprocess
import sys
import zlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from reference import finite_differences  # noqa: E402

import lstm1997  # noqa: E402
from lstm1997.network import Network, NetworkSpec  # noqa: E402
from lstm1997.torch import LSTM1997  # noqa: E402

SHAPES = {
    "2a no out-gate, g1/id, B": NetworkSpec(
        12, 12, 1, 1, connectivity="B", bias="none", output_gate=False, g="g1", h="id"
    ),
    "3x2 gate-bias": NetworkSpec(5, 3, 3, 2, bias="gates"),
    "adding 2x2 all-bias": NetworkSpec(2, 1, 2, 2, bias="all"),
    "reber 4x1 gate-bias": NetworkSpec(7, 7, 4, 1, bias="gates"),
    "twoseq 3x1 hidden-bias": NetworkSpec(1, 1, 3, 1, bias="hidden"),
    "3x2 B all-bias": NetworkSpec(5, 3, 3, 2, connectivity="B", bias="all"),
    "2x2 no out-gate F, g1/id": NetworkSpec(3, 2, 2, 2, bias="all", output_gate=False, g="g1", h="id"),
    "adding 2x2, linear output (ablation)": NetworkSpec(2, 1, 2, 2, bias="all", output="linear"),
}
ONE_HOT = {"2a no out-gate, g1/id, B", "reber 4x1 gate-bias"}
SMALL = [
    "adding 2x2 all-bias",
    "twoseq 3x1 hidden-bias",
    "2x2 no out-gate F, g1/id",
    "adding 2x2, linear output (ablation)",
]


def seed(*parts) -> int:
    return zlib.crc32("/".join(map(str, parts)).encode())


def random_net(spec: NetworkSpec, rng: np.random.Generator, scale: float = 1.0) -> Network:
    return Network(spec, **{k: rng.uniform(-scale, scale, m.shape) * m for k, m in spec.masks.items()})


def random_inputs(name: str, spec: NetworkSpec, rng: np.random.Generator, T: int) -> np.ndarray:
    if name in ONE_HOT:
        return np.eye(spec.n_in)[rng.integers(0, spec.n_in, T)]
    return rng.uniform(-1, 1, (T, spec.n_in)) * (rng.random((T, spec.n_in)) < 0.7)


def random_sequence(name: str, spec: NetworkSpec, rng: np.random.Generator, T: int, every_step: bool):
    x = random_inputs(name, spec, rng, T)
    y = rng.uniform(0, 1, (T, spec.n_out))
    mask = np.ones(T, dtype=bool) if every_step else np.arange(T) == T - 1
    return x, y, mask


def loss(out: "torch.Tensor", y: np.ndarray, mask: np.ndarray) -> "torch.Tensor":
    """E = 1/2 sum over masked steps of the squared error; ``out`` (T, n_out) or (T, B, n_out)."""
    y_t, m = torch.from_numpy(y), torch.from_numpy(mask)
    return 0.5 * ((out[m] - y_t[m]) ** 2).sum()


def grads(module: LSTM1997) -> dict[str, np.ndarray]:
    """The parameters' gradients; w_out is frozen without output gates, so its missing gradient counts as 0."""
    if not module.spec.output_gate:
        assert module.w_out.grad is None and not module.w_out.requires_grad
    return {
        k: np.zeros(tuple(p.shape)) if p.grad is None else p.grad.numpy().copy()
        for k, p in ((k, getattr(module, k)) for k in ("w_in", "w_out", "w_c", "w_k"))
    }


@pytest.mark.parametrize("name", SHAPES)
def test_forward_and_final_state_equal_the_kernel(name):
    spec = SHAPES[name]
    rng = np.random.default_rng(seed("fwd", name))
    net = random_net(spec, rng)
    x = random_inputs(name, spec, rng, 25)
    module = LSTM1997.from_network(net)
    with torch.no_grad():
        out, (y_c, s_c, y_in, y_out) = module(torch.from_numpy(x).unsqueeze(1))
    assert out.shape == (25, 1, spec.n_out) and out.dtype == torch.float64
    np.testing.assert_allclose(out[:, 0].numpy(), lstm1997.forward(net, x), rtol=0, atol=1e-10)
    states = lstm1997.forward_states(net, x)
    for got, k in ((y_c, "y_c"), (s_c, "s_c"), (y_in, "y_in"), (y_out, "y_out")):
        np.testing.assert_allclose(got[0].numpy(), states[k][-1], rtol=0, atol=1e-10, err_msg=k)


@pytest.mark.parametrize("name", SHAPES)
@pytest.mark.parametrize("every_step", [False, True], ids=["end-only", "every-step"])
def test_truncated_autograd_equals_kernel_gradient(name, every_step):
    spec = SHAPES[name]
    rng = np.random.default_rng(seed("trunc", name, every_step))
    for _ in range(2):
        net = random_net(spec, rng)
        x, y, mask = random_sequence(name, spec, rng, int(rng.integers(5, 30)), every_step)
        module = LSTM1997.from_network(net, gradient="truncated")
        out, _ = module(torch.from_numpy(x))
        loss(out, y, mask).backward()
        got, want = grads(module), lstm1997.truncated_gradient(net, x, y, mask)
        for k in want:
            assert np.abs(want[k]).max() > 0 or k == "w_out"
            np.testing.assert_allclose(got[k], want[k], rtol=0, atol=1e-10, err_msg=k)


@pytest.mark.parametrize("name", SMALL)
def test_full_gradient_equals_finite_differences(name):
    spec = SHAPES[name]
    rng = np.random.default_rng(seed("full", name))
    net = random_net(spec, rng, scale=1.5)
    x, y, mask = random_sequence(name, spec, rng, 8, every_step=True)
    module = LSTM1997.from_network(net, gradient="full")
    out, _ = module(torch.from_numpy(x))
    loss(out, y, mask).backward()
    got = grads(module)
    fd = finite_differences(net.weights, spec, x, y, mask)
    for k in fd:
        np.testing.assert_allclose(got[k], fd[k], rtol=1e-7, atol=1e-7, err_msg=k)
    # with recurrent weights this net's true gradient is not the truncated one
    trunc = lstm1997.truncated_gradient(net, x, y, mask)
    assert max(np.abs(got[k] - trunc[k]).max() for k in got) > 1e-6


def random_batch(tag: str, name: str, gradient: str, B: int, T: int, every_step):
    """A random net of shape ``name`` and B random sequences of length T (targets at every step of sequence b if
    ``every_step(b)``): (spec, net, the sequences as (x, y, mask), x of all of them as a (T, B, n_in) tensor)."""
    spec = SHAPES[name]
    rng = np.random.default_rng(seed(tag, name, gradient))
    net = random_net(spec, rng)
    items = [random_sequence(name, spec, rng, T, every_step=every_step(b)) for b in range(B)]
    return spec, net, items, torch.from_numpy(np.stack([x for x, _, _ in items], axis=1))


@pytest.mark.parametrize("name", ["3x2 gate-bias", "2a no out-gate, g1/id, B", "adding 2x2 all-bias"])
@pytest.mark.parametrize("gradient", ["truncated", "full"])
def test_batch_equals_sequences_one_by_one(name, gradient):
    B, T = 4, 12
    spec, net, items, xs = random_batch("batch", name, gradient, B, T, every_step=lambda b: b % 2 == 0)
    batched = LSTM1997.from_network(net, gradient=gradient)
    out, state = batched(xs)
    assert out.shape == (T, B, spec.n_out)
    sum(loss(out[:, b], y, mask) for b, (_, y, mask) in enumerate(items)).backward()
    want = {k: np.zeros_like(w) for k, w in net.weights.items()}
    for b, (x, y, mask) in enumerate(items):
        single = LSTM1997.from_network(net, gradient=gradient)
        out_b, state_b = single(torch.from_numpy(x))
        np.testing.assert_allclose(out[:, b].detach().numpy(), out_b.detach().numpy(), rtol=0, atol=1e-12)
        for z, z_b in zip(state, state_b):
            np.testing.assert_allclose(z[b].detach().numpy(), z_b.detach().numpy(), rtol=0, atol=1e-12)
        loss(out_b, y, mask).backward()
        for k in want:
            want[k] += grads(single)[k]
    for k, g in grads(batched).items():
        np.testing.assert_allclose(g, want[k], rtol=0, atol=1e-10, err_msg=k)


def test_batch_first_matches_time_first():
    spec = SHAPES["3x2 B all-bias"]
    net = random_net(spec, np.random.default_rng(8))
    x = torch.from_numpy(np.random.default_rng(9).uniform(-1, 1, (7, 3, spec.n_in)))
    out_t, state_t = LSTM1997.from_network(net)(x)
    out_b, state_b = LSTM1997.from_network(net, batch_first=True)(x.transpose(0, 1))
    assert out_b.shape == (3, 7, spec.n_out)
    torch.testing.assert_close(out_b, out_t.transpose(0, 1), rtol=0, atol=0)
    for a, b in zip(state_t, state_b):
        torch.testing.assert_close(a, b, rtol=0, atol=0)


@pytest.mark.parametrize("name", SHAPES)
@pytest.mark.parametrize("gradient", ["truncated", "full"])
def test_absent_connections_get_zero_gradient_and_do_nothing(name, gradient):
    spec = SHAPES[name]
    rng = np.random.default_rng(seed("absent", name, gradient))
    net = random_net(spec, rng)
    x, y, mask = random_sequence(name, spec, rng, 10, every_step=True)
    module = LSTM1997.from_network(net, gradient=gradient)
    with torch.no_grad():  # garbage on every absent connection must change nothing
        for k, m in spec.masks.items():
            getattr(module, k)[torch.from_numpy(m == 0)] = 7.0
    out, _ = module(torch.from_numpy(x))
    np.testing.assert_allclose(out.detach().numpy(), lstm1997.forward(net, x), rtol=0, atol=1e-10)
    loss(out, y, mask).backward()
    for k, g in grads(module).items():
        absent = spec.masks[k] == 0
        assert np.all(g[absent] == 0.0), k
        if (~absent).any():
            assert np.any(g[~absent] != 0.0), k
    assert module.to_network().absent_is_zero()


@pytest.mark.parametrize("name", SHAPES)
def test_network_round_trip_is_exact(name):
    spec = SHAPES[name]
    net = spec.init(np.random.default_rng(seed("trip", name)))
    back = LSTM1997.from_network(net).to_network()
    assert back.spec == spec
    for k, w in net.weights.items():
        np.testing.assert_array_equal(back.weights[k], w)
        assert back.weights[k] is not w
    module = LSTM1997(spec, dtype=torch.float64)
    again = LSTM1997.from_network(module.to_network())
    for k in ("w_in", "w_out", "w_c", "w_k"):
        assert torch.equal(getattr(again, k), getattr(module, k))


def test_constructor_initialises_like_the_spec():
    spec = NetworkSpec(2, 1, 3, 2, bias="gates", init_range=0.1, in_gate_bias=(-1.0, -2.0, -3.0))
    torch.manual_seed(0)
    module = LSTM1997(spec)
    net = module.to_network()
    assert module.w_in.dtype == torch.float32
    assert net.absent_is_zero()
    np.testing.assert_allclose(net.w_in[:, 0], [-1.0, -2.0, -3.0])
    for k, m in spec.masks.items():
        w = net.weights[k]
        drawn = (m == 1) & ~((k == "w_in") & (np.arange(m.shape[1]) == 0))
        assert np.all(w[drawn] != 0.0) and np.abs(w[drawn]).max() <= 0.1, k


def test_from_network_rejects_weights_on_absent_connections():
    spec = SHAPES["3x2 B all-bias"]
    net = spec.init(np.random.default_rng(0))
    net.w_c[0, -1] = 0.5  # a recurrent link that connectivity "B" lacks
    with pytest.raises(ValueError, match="lacks"):
        LSTM1997.from_network(net)
    with pytest.raises(ValueError, match="gradient"):
        LSTM1997(spec, gradient="rtrl")


@pytest.mark.parametrize("name", ["adding 2x2 all-bias", "reber 4x1 gate-bias", "2a no out-gate, g1/id, B"])
@pytest.mark.parametrize("gradient", ["truncated", "full"])
def test_returned_state_continues_the_sequence(name, gradient):
    B, T, split = 3, 14, 5
    spec, net, items, x = random_batch("cont", name, gradient, B, T, every_step=lambda b: True)
    y = np.stack([y for _, y, _ in items], axis=1)
    mask = np.ones(T, dtype=bool)

    whole = LSTM1997.from_network(net, gradient=gradient)
    out, state = whole(x)
    loss(out, y, mask).backward()

    parts = LSTM1997.from_network(net, gradient=gradient)
    out1, state1 = parts(x[:split])
    out2, state2 = parts(x[split:], state1)
    loss(torch.cat([out1, out2]), y, mask).backward()

    np.testing.assert_allclose(torch.cat([out1, out2]).detach().numpy(), out.detach().numpy(), rtol=0, atol=1e-13)
    for a, b in zip(state2, state):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=0, atol=1e-13)
    for k, g in grads(parts).items():
        np.testing.assert_allclose(g, grads(whole)[k], rtol=0, atol=1e-12, err_msg=k)


def test_unbatched_input_and_empty_sequence():
    spec = SHAPES["2x2 no out-gate F, g1/id"]
    net = random_net(spec, np.random.default_rng(10))
    module = LSTM1997.from_network(net)
    x = torch.from_numpy(np.random.default_rng(11).uniform(-1, 1, (6, spec.n_in)))
    out, state = module(x)
    assert out.shape == (6, spec.n_out) and [z.shape for z in state] == [(4,), (4,), (2,), (2,)]
    out2, _ = module(x[3:], module(x[:3])[1])
    torch.testing.assert_close(out2, out[3:], rtol=0, atol=1e-13)
    empty, state0 = module(x[:0].unsqueeze(1))
    assert empty.shape == (0, 1, spec.n_out) and all(not z.any() for z in state0)


def test_float32_forward_is_close():
    spec = SHAPES["3x2 gate-bias"]
    net = random_net(spec, np.random.default_rng(12))
    x = random_inputs("3x2 gate-bias", spec, np.random.default_rng(13), 20)
    module = LSTM1997.from_network(net, dtype=torch.float32)
    out, _ = module(torch.from_numpy(x).float())
    assert out.dtype == torch.float32
    np.testing.assert_allclose(out.detach().numpy(), lstm1997.forward(net, x), rtol=0, atol=1e-5)


def test_importing_the_package_does_not_import_torch():
    code = "import sys, lstm1997; assert 'torch' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)
