"""``torch.nn.LSTM`` under the paper's protocol: the ``nnlstm`` baselines and the modern-practice rows.

The net is ``nn.LSTM(n_in, H)`` + ``Linear(H, n_out)`` + logistic outputs (``TorchLSTMNet``), PyTorch's default
initialisation, full backpropagation through time, trained one sequence at a time. The training runs in
nnlstm.py, a compiled float64 copy of what autograd and torch.optim compute (up to 20x faster than PyTorch at
batch size 1; docs/PERFORMANCE.md). ``Dense`` is a batch of sequences as dense arrays (what torch reads).
Importing this module imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from torch import nn

from lstm1997.experiments import Experiment
from lstm1997.nnlstm import NNLSTMModel
from lstm1997.sequences import Sequences


@dataclass(frozen=True)
class Dense:
    """A batch of sequences as dense arrays: the same data as ``Sequences.sequence(i)`` for every i, vectorised."""

    x: np.ndarray
    """(steps, n_in) inputs of all sequences, concatenated in time."""
    starts: np.ndarray
    """(n+1,) sequence i occupies rows starts[i] .. starts[i+1]-1 of ``x``."""
    target_seq: np.ndarray
    """(n_targets,) the sequence of each target row."""
    target_pos: np.ndarray
    """(n_targets,) the position of each target row inside its sequence."""
    targets: np.ndarray
    """(n_targets, n_out) training targets."""

    @classmethod
    def of(cls, seqs: Sequences, dtype: type = np.float32) -> Dense:
        x: np.ndarray = np.zeros((seqs.n_steps, seqs.n_in), dtype=dtype)
        step = np.repeat(np.arange(seqs.n_steps), np.diff(seqs.x_ptr))
        np.add.at(x, (step, seqs.x_idx), seqs.x_val)
        target_seq = seqs.target_seq
        target_pos = np.flatnonzero(seqs.target_at) - seqs.starts[target_seq]
        return cls(x, seqs.starts, target_seq, target_pos, seqs.targets.astype(dtype))

    def rows(self, i: int) -> slice:
        """The target rows of sequence i (target rows are in step order, so they are contiguous)."""
        lo, hi = np.searchsorted(self.target_seq, [i, i + 1])
        return slice(int(lo), int(hi))


class TorchLSTMNet(nn.Module):
    """``nn.LSTM(n_in, hidden)`` followed by logistic output units ``y = f(W h(t) + b)`` (or linear ones,
    ``y = W h(t) + b``), PyTorch's default initialisation (uniform in +-1/sqrt(hidden) for all LSTM weights and
    biases; no forget-bias trick)."""

    def __init__(self, n_in: int, hidden: int, n_out: int, linear: bool = False):
        super().__init__()
        self.lstm = nn.LSTM(n_in, hidden)
        self.out = nn.Linear(hidden, n_out)
        self.linear = linear

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (T, B, n_in) -> outputs (T, B, n_out), from a zero state."""
        h, _ = self.lstm(x)
        net = self.out(h)
        return net if self.linear else torch.sigmoid(net)

    def gates(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """Gate activations (T, B, hidden) by name ("i", "f", "o"), recomputed from x(t) and h(t-1) (PyTorch's
        row order of the stacked weights is i, f, g, o)."""
        lstm, H = self.lstm, self.lstm.hidden_size
        with torch.no_grad():
            h, _ = lstm(x)
            h_prev = torch.cat([torch.zeros_like(h[:1]), h[:-1]])
            # (the ignore: torch types a Module's attributes as Tensor | Module)
            net = x @ lstm.weight_ih_l0.T + lstm.bias_ih_l0 + h_prev @ lstm.weight_hh_l0.T + lstm.bias_hh_l0  # type: ignore[operator]
        return {"i": torch.sigmoid(net[..., :H]), "f": torch.sigmoid(net[..., H : 2 * H]),
                "o": torch.sigmoid(net[..., 3 * H :])}  # fmt: skip


def nn_lstm_model(
    exp: Experiment, init_rng: np.random.Generator, hidden: int, optimizer: Literal["sgd", "adam"]
) -> NNLSTMModel:
    """Builds the ``nnlstm`` baselines: a ``TorchLSTMNet`` with PyTorch's initialisation, drawn from a seed taken
    from ``init_rng``, trained by the compiled equivalent of PyTorch's autograd and optimiser (nnlstm.py) at the
    row's step size ``exp.lr``."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(init_rng.integers(2**62)))
        net = TorchLSTMNet(exp.spec.n_in, hidden, exp.spec.n_out)
    return NNLSTMModel.of(net, optimizer, exp.lr)  # (SGD's comes with each train call: the same exp.lr)


def modern_model(
    exp: Experiment, init_rng: np.random.Generator, hidden: int, clip: float, linear: bool, forget_bias: float = 1.0
) -> NNLSTMModel:
    """Builds the modern-practice ``nn.LSTM`` rows: ``TorchLSTMNet(n_in, hidden)`` with PyTorch's initialisation
    except a forget-gate bias of ``forget_bias`` (b_ih's forget rows set to it and b_hh's to 0, so the gate's total
    bias is exactly ``forget_bias``; Gers et al. 2000, Jozefowicz et al. 2015), linear outputs if ``linear`` (where
    the target is real-valued), RMSprop at the row's ``exp.lr`` (torch defaults otherwise) after clipping the
    gradient norm to ``clip``."""
    H = hidden
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(init_rng.integers(2**62)))
        net = TorchLSTMNet(exp.spec.n_in, H, exp.spec.n_out, linear=linear)
    with torch.no_grad():
        b_ih, b_hh = net.lstm.bias_ih_l0, net.lstm.bias_hh_l0  # torch types Module attributes as Tensor | Module
        b_ih[H : 2 * H] = forget_bias  # type: ignore[operator]  # gate order: i, f, g, o
        b_hh[H : 2 * H] = 0.0  # type: ignore[operator]
    return NNLSTMModel.of(net, "rmsprop", exp.lr, linear=linear, clip=clip)
