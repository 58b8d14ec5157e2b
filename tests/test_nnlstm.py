"""The compiled nn.LSTM baseline (lstm1997.nnlstm) against torch.nn.LSTM with autograd and torch.optim, float64:
outputs, BPTT gradients and whole SGD / Adam / RMSprop trajectories (logistic or linear outputs, with or without
gradient-norm clipping) agree to 1e-10."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lstm1997.experiments import EXPERIMENTS  # noqa: E402
from lstm1997.models.nn_lstm import Dense, TorchLSTMNet  # noqa: E402
from lstm1997.nnlstm import NNLSTMModel, n_parameters  # noqa: E402

CASES = [("adding-T100", 3), ("temporal-6a", 5), ("twoseq-3a-T100-N3", 4), ("reber-4x1-lr0.1", 2), ("adding-T100", 32)]
"""Dense inputs with one target; one-hot inputs; several targets per sequence (Reber: a target every step); the
H=32 net of the larger baseline rows. H = 2, 3, 5 also take the kernel's remainder loops after four-row blocks."""


def torch_net(n_in: int, hidden: int, n_out: int, seed: int, linear: bool = False) -> TorchLSTMNet:
    torch.manual_seed(seed)
    net = TorchLSTMNet(n_in, hidden, n_out, linear=linear).double()
    with torch.no_grad():
        for p in net.parameters():
            p.mul_(3.0)  # larger than PyTorch's initialisation: saturated gates and a state that grows
    return net


def torch_sequence(net: TorchLSTMNet, d: Dense, i: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Outputs at the target steps of sequence i and the loss E = 1/2 sum (y - t)^2."""
    rows = d.rows(i)
    y = net(torch.from_numpy(d.x[d.starts[i] : d.starts[i + 1]]).unsqueeze(1))[torch.from_numpy(d.target_pos[rows]), 0]
    return y, 0.5 * torch.sum((y - torch.from_numpy(d.targets[rows])) ** 2)


def flat(net: TorchLSTMNet, grad: bool = False) -> np.ndarray:
    return torch.cat([(p.grad if grad else p.detach()).ravel() for p in net.parameters()]).numpy()


@pytest.mark.parametrize("name,hidden", CASES)
def test_outputs_and_gradient_equal_autograd(name, hidden):
    exp = EXPERIMENTS[name]
    seqs = exp.generate(np.random.default_rng(0), 3)
    net = torch_net(exp.spec.n_in, hidden, exp.spec.n_out, seed=1)
    model = NNLSTMModel.of(net, "sgd")
    assert model.theta.size == n_parameters(exp.spec.n_in, hidden, exp.spec.n_out) == flat(net).size
    d = Dense.of(seqs, dtype=np.float64)
    ys, total = [], 0.0
    for i in range(seqs.n):
        y, loss = torch_sequence(net, d, i)
        ys.append(y.detach().numpy())
        total = total + loss
    total.backward()
    np.testing.assert_allclose(model.evaluate(seqs), np.concatenate(ys), rtol=0, atol=1e-10)
    grad = model.gradient(seqs)
    assert np.abs(grad).max() > 1e-3
    np.testing.assert_allclose(grad, flat(net, grad=True), rtol=0, atol=1e-10)


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("name,hidden", CASES)
def test_training_follows_torch_optim(name, hidden, optimizer):
    exp = EXPERIMENTS[name]
    seqs = exp.generate(np.random.default_rng(2), 6)
    net = torch_net(exp.spec.n_in, hidden, exp.spec.n_out, seed=3)
    model = NNLSTMModel.of(net, optimizer, adam_lr=0.02)
    opt = (
        torch.optim.SGD(net.parameters(), lr=0.3) if optimizer == "sgd" else torch.optim.Adam(net.parameters(), lr=0.02)
    )
    d = Dense.of(seqs, dtype=np.float64)
    ys = []
    for i in range(seqs.n):  # one step per sequence, on that sequence's loss
        y, loss = torch_sequence(net, d, i)
        opt.zero_grad()
        loss.backward()
        opt.step()
        ys.append(y.detach().numpy())
    before = model.theta.copy()
    out = model.train(seqs, 0.3, per_step=False)
    np.testing.assert_allclose(out, np.concatenate(ys), rtol=0, atol=1e-10)
    assert np.abs(model.theta - before).max() > 1e-3
    np.testing.assert_allclose(model.theta, flat(net), rtol=0, atol=1e-10)
    assert model.adam_step[0] == (seqs.n if optimizer == "adam" else 0)


@pytest.mark.parametrize("optimizer", ["sgd", "adam", "rmsprop"])
@pytest.mark.parametrize("linear,clip", [(True, 0.0), (False, 0.01), (True, 0.01)])
@pytest.mark.parametrize("name,hidden", [("adding-T100", 5), ("temporal-6a", 4)])
def test_modern_options_follow_torch(name, hidden, linear, clip, optimizer):
    """Linear outputs, torch.nn.utils.clip_grad_norm_ and torch.optim.RMSprop, alone and together."""
    exp = EXPERIMENTS[name]
    seqs = exp.generate(np.random.default_rng(4), 6)
    net = torch_net(exp.spec.n_in, hidden, exp.spec.n_out, seed=5, linear=linear)
    model = NNLSTMModel.of(net, optimizer, adam_lr=0.02, linear=linear, clip=clip)
    opts = {"sgd": torch.optim.SGD(net.parameters(), lr=0.3), "adam": torch.optim.Adam(net.parameters(), lr=0.02),
            "rmsprop": torch.optim.RMSprop(net.parameters(), lr=0.02)}  # fmt: skip
    opt = opts[optimizer]
    d = Dense.of(seqs, dtype=np.float64)
    ys, clipped = [], 0
    for i in range(seqs.n):
        y, loss = torch_sequence(net, d, i)
        opt.zero_grad()
        loss.backward()
        if clip:
            clipped += float(torch.nn.utils.clip_grad_norm_(net.parameters(), clip)) > clip
        opt.step()
        ys.append(y.detach().numpy())
    if clip:
        assert clipped >= 3  # the clipping is exercised
    out = model.train(seqs, 0.3, per_step=False)
    np.testing.assert_allclose(out, np.concatenate(ys), rtol=0, atol=1e-10)
    np.testing.assert_allclose(model.theta, flat(net), rtol=0, atol=1e-10)


def test_bad_arguments():
    with pytest.raises(ValueError, match="optimizer"):
        NNLSTMModel(2, 3, 1, np.zeros(88), "adagrad")
    with pytest.raises(ValueError, match="shape"):
        NNLSTMModel(2, 3, 1, np.zeros(87), "sgd")
    model = NNLSTMModel(2, 3, 1, np.zeros(88), "sgd")
    with pytest.raises(NotImplementedError):
        model.train(EXPERIMENTS["adding-T100"].generate(np.random.default_rng(0), 1), 0.5, per_step=True)


def test_denormal_flushing_ends_with_the_kernel_call():
    """The kernel runs with subnormals flushed to zero (for speed); afterwards the thread is back to IEEE
    arithmetic, so numpy and PyTorch code that follows sees subnormals again."""
    exp = EXPERIMENTS["adding-T100"]
    model = NNLSTMModel.of(torch_net(exp.spec.n_in, 3, exp.spec.n_out, seed=0), "adam")
    tiny = np.array([1e-310])
    model.train(exp.generate(np.random.default_rng(0), 2), lr=0.1, per_step=False)
    assert (tiny * 1.0)[0] == 1e-310
    assert torch.tensor([1e-310], dtype=torch.float64).mul(1.0).item() == 1e-310
