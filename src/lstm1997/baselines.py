"""Baselines under the paper's protocol: other models trained exactly as the 1997 net is, on the same sequences.

Every model here satisfies ``lstm1997.trial.Model``: it is trained online, one sequence at a time (batch size 1),
one weight update per sequence, on the loss the paper's eqs. 19-28 differentiate,
``E = 1/2 sum_{target steps} sum_k (y_k - t_k)^2`` with logistic output units (linear ones only in the modern
rows' adding task), and judged by the row's own stopping criterion, failure cap and test set (docs/SPEC.md §1,
§1.7, §12). Only the model and its optimiser change:

- ``nnlstm-h{H}-{sgd|adam}``: ``torch.nn.LSTM(n_in, H)`` + ``Linear(H, n_out)`` + logistic, PyTorch's default
  initialisation, full backpropagation through time, SGD at the row's learning rate or Adam (lr 1e-3).
  H is either chosen so the parameter count is closest to the paper's net, or 32. The training runs in
  nnlstm.py, a compiled float64 copy of what autograd and torch.optim compute (up to 20x faster than PyTorch at
  batch size 1; docs/PERFORMANCE.md).
- ``nnlstm-h64-modern`` (adding-T100 and temporal-6a only): ``nn.LSTM(n_in, 64)`` as trained today, forget-gate
  bias +1, a linear output where the target is real-valued, RMSprop after clipping the gradient norm to 1
  (``modern_model``; docs/PREDICTS_THE_MEAN.md section 5).
- ``forget-gate``: the 1997 net of the row plus one forget gate per block (Gers, Schmidhuber & Cummins 2000,
  "Learning to forget: continual prediction with LSTM", Neural Computation 12(10)):
  ``s(t) = y_f(t) s(t-1) + y_in(t) g(net_c(t))``, with ``y_f = f(w_f . u(t))`` reading the same source vector
  u(t) as the other gates, forget bias initialised to +1.0 (``forget-gate``) or +5.0 (``forget-gate-bias5``),
  trained with the paper's truncated gradient and plain SGD at the row's learning rate. Gers et al. derive the
  truncated gradient with forget gates as RTRL-style traces that decay with y_f; the kernel of the 1997 net runs
  that algorithm when the net has forget-gate weights (kernels.py); ``ForgetGateLSTM1997`` is the same net as a
  torch module (the autograd reference it is tested against).
- ``gate-pretraining``: the paper's net and protocol, except that the first ``k`` sequences of the trial (2,000)
  train only the input-gate weights, with Adam on a gate target (open at the task's marked steps, closed
  elsewhere), before the paper's SGD takes over. The shortcut is a named ABLATION, not the paper's method; the
  pre-training sequences are part of the trial's sequence stream, so they are counted in "presented" and in
  sequences to success.

``BASELINES`` holds rows named ``<paper row>~<model>``: the paper row with ``model=`` set and ``trials=10``,
everything else (criteria, caps, test sets, learning rate, paper figures) unchanged. ``lstm1997.get_experiment``
finds them by name. Importing this module imports torch.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Literal

import numpy as np
import torch
from torch import nn

from lstm1997 import learning
from lstm1997.experiments import EXPERIMENTS, Experiment
from lstm1997.network import Network, NetworkSpec
from lstm1997.nnlstm import NNLSTMModel, n_parameters
from lstm1997.sequences import Sequences
from lstm1997.tasks import adding, temporal, twoseq
from lstm1997.torch import LSTM1997
from lstm1997.trial import KernelModel

# ---------------------------------------------------------------------------------------------------------------
# Sequences as dense arrays
# ---------------------------------------------------------------------------------------------------------------


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


# ---------------------------------------------------------------------------------------------------------------
# torch.nn.LSTM + Linear + logistic, trained one sequence at a time
# ---------------------------------------------------------------------------------------------------------------


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


def matched_hidden(spec: NetworkSpec) -> int:
    """The hidden size whose ``TorchLSTMNet`` parameter count is closest to the 1997 net's weight count."""
    return min(range(1, 65), key=lambda h: abs(n_parameters(spec.n_in, h, spec.n_out) - spec.n_weights))


def nn_lstm_model(
    exp: Experiment,
    init_rng: np.random.Generator,
    hidden: int,
    optimizer: Literal["sgd", "adam"],
    adam_lr: float = 1e-3,
) -> NNLSTMModel:
    """Builds the ``nnlstm`` baselines: a ``TorchLSTMNet`` with PyTorch's initialisation, drawn from a seed taken
    from ``init_rng``, trained by the compiled equivalent of PyTorch's autograd and optimiser (nnlstm.py)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(init_rng.integers(2**62)))
        net = TorchLSTMNet(exp.spec.n_in, hidden, exp.spec.n_out)
    return NNLSTMModel.of(net, optimizer, adam_lr)


MODERN_HIDDEN = 64
"""Hidden size of the modern-practice row (that of the published student project it is compared with)."""

MODERN_CLIP = 1.0
"""Gradient-norm bound of the modern-practice row (``clip_grad_norm_(max_norm=1.0)``, the common default)."""


def modern_model(
    exp: Experiment, init_rng: np.random.Generator, lr: float, linear: bool, forget_bias: float = 1.0
) -> NNLSTMModel:
    """Builds the modern-practice ``nn.LSTM`` rows: ``TorchLSTMNet(n_in, 64)`` with PyTorch's initialisation except
    a forget-gate bias of ``forget_bias`` (b_ih's forget rows set to it and b_hh's to 0, so the gate's total bias
    is exactly ``forget_bias``; Gers et al. 2000, Jozefowicz et al. 2015), linear outputs where the target is
    real-valued, RMSprop at ``lr`` (torch defaults otherwise) after clipping the gradient norm to 1."""
    H = MODERN_HIDDEN
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(init_rng.integers(2**62)))
        net = TorchLSTMNet(exp.spec.n_in, H, exp.spec.n_out, linear=linear)
    with torch.no_grad():
        b_ih, b_hh = net.lstm.bias_ih_l0, net.lstm.bias_hh_l0  # torch types Module attributes as Tensor | Module
        b_ih[H : 2 * H] = forget_bias  # type: ignore[operator]  # gate order: i, f, g, o
        b_hh[H : 2 * H] = 0.0  # type: ignore[operator]
    return NNLSTMModel.of(net, "rmsprop", lr, linear=linear, clip=MODERN_CLIP)


# ---------------------------------------------------------------------------------------------------------------
# The 1997 net with a forget gate (Gers et al. 2000)
# ---------------------------------------------------------------------------------------------------------------


def forget_mask(spec: NetworkSpec) -> np.ndarray:
    """Connections of the forget gates: those of the input gates (the same source vector u(t)), plus a bias
    whatever the row's bias setting (the forget gate's positive initial bias is what keeps memory at first)."""
    m = spec.masks["w_in"].copy()
    m[:, 0] = 1.0
    m.setflags(write=False)
    return m


@dataclass
class ForgetGateNet(Network):
    """A 1997 net (``lstm1997.Network``) plus forget-gate weights: ``lstm1997.learning`` runs it with its forget
    gates (the kernel's optional part, kernels.py)."""

    w_f: np.ndarray = field(kw_only=True)
    """Forget gate weights, (n_blocks, n_u), with the connections of ``forget_mask``."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.w_f = np.ascontiguousarray(self.w_f, dtype=np.float64)
        if self.w_f.shape != (self.spec.n_blocks, self.spec.n_u):
            raise ValueError(f"w_f must have shape {(self.spec.n_blocks, self.spec.n_u)}, got {self.w_f.shape}")

    @classmethod
    def init(cls, spec: NetworkSpec, rng: np.random.Generator, forget_bias: float) -> ForgetGateNet:
        """The row's 1997 initialisation (``spec.init``), then forget weights uniform in +-init_range and the
        forget biases set to ``forget_bias`` (Gers et al. 2000 start forget gates open, i.e. positive bias)."""
        net = spec.init(rng)
        r = spec.init_range
        w_f = rng.uniform(-r, r, (spec.n_blocks, spec.n_u)) * forget_mask(spec)
        w_f[:, 0] = forget_bias
        return cls(spec, **net.weights, w_f=w_f)

    @property
    def weights(self) -> dict[str, np.ndarray]:
        return {**super().weights, "w_f": self.w_f}

    @property
    def masks(self) -> dict[str, np.ndarray]:
        return {**self.spec.masks, "w_f": forget_mask(self.spec)}

    def without_forget_gate(self) -> Network:
        """The 1997 part of the net (what it computes when every forget gate is 1)."""
        return Network(self.spec, self.w_in.copy(), self.w_out.copy(), self.w_c.copy(), self.w_k.copy())


@dataclass
class ForgetGateModel(KernelModel):
    """The forget-gate net trained with the paper's truncated gradient and plain online SGD (the compiled kernel,
    as the 1997 net is)."""

    net: ForgetGateNet

    def copy(self) -> ForgetGateModel:
        return ForgetGateModel(self.net.copy())

    def state(self) -> dict:
        return {"weights": self.net.weights}

    def restore(self, state: dict) -> None:
        weights = state["weights"]
        shapes = {k: w.shape for k, w in self.net.weights.items()}
        if weights.keys() != shapes.keys() or any(getattr(weights[k], "shape", None) != shapes[k] for k in shapes):
            raise ValueError(f"forget-gate weights must have the shapes {shapes}")
        self.net = ForgetGateNet(self.net.spec, **weights)


def forget_gate_model(exp: Experiment, init_rng: np.random.Generator, forget_bias: float = 1.0) -> ForgetGateModel:
    """Builds the ``forget-gate`` baselines: the row's net and initialisation plus forget gates."""
    return ForgetGateModel(ForgetGateNet.init(exp.spec, init_rng, forget_bias))


class ForgetGateLSTM1997(LSTM1997):
    """``LSTM1997`` with a forget gate per block (Gers et al. 2000), as a torch module: the autograd reference
    for the kernel's forget gates and a drop-in module. Same layout; one extra parameter ``w_f`` (n_blocks, n_u)
    whose mask is ``forget_mask(spec)``; ``LSTM1997.forward`` runs it (``forget_weight``). With
    ``gradient="truncated"`` the recurrent inputs are detached where they enter u(t) (so error flows back in time
    only through s(t-1) -> s(t), now scaled by y_f(t)). The other arguments are ``LSTM1997``'s."""

    w_f: nn.Parameter
    mask_w_f: torch.Tensor

    def __init__(self, spec: NetworkSpec, forget_bias: float = 1.0, **options) -> None:
        super().__init__(spec, **options)
        self.forget_bias = forget_bias
        like = self.w_in
        self.w_f = nn.Parameter(torch.zeros_like(like))
        self.register_buffer("mask_w_f", torch.tensor(forget_mask(spec)).to(like), persistent=False)
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        super().reset_parameters(generator)
        if "w_f" in self._parameters:  # (not yet when LSTM1997.__init__ calls this)
            r = self.spec.init_range
            self.w_f.uniform_(-r, r, generator=generator).mul_(self.mask_w_f)
            self.w_f[:, 0] = self.forget_bias

    def forget_weight(self) -> torch.Tensor:
        return self.masked_weight("w_f")


# ---------------------------------------------------------------------------------------------------------------
# The 1997 net with an Adam "gate pre-training" phase (an ablation)
# ---------------------------------------------------------------------------------------------------------------

Marks = Literal["marker", "xy", "first"]
"""Where input gates should open: adding/multiplication: marker +1 on input 1; temporal order: an X or Y
symbol; two-sequence problem: the first N steps."""


def gate_targets(marks: Marks, x: np.ndarray, n_first: int = 0) -> np.ndarray:
    """(T,) bool: the steps at which the pre-training wants the input gates open."""
    if marks == "marker":
        return adding.memory_steps(x)[0]
    if marks == "xy":
        return temporal.memory_steps(x)[0]
    if marks == "first":
        return twoseq.memory_steps(x, n_first)[0]
    raise ValueError(f"unknown marks {marks!r}")


def source_vectors(states: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """(T, n_u) the hidden units' source vectors u(t) = [1, x(t), y_c(t-1), y_in(t-1), y_out(t-1)], from the
    activations ``learning.forward_states`` returns."""
    rec = np.concatenate([states["y_c"], states["y_in"], states["y_out"]], axis=1)
    rec = np.concatenate([np.zeros((1, rec.shape[1])), rec[:-1]])
    return np.concatenate([np.ones((len(x), 1)), x, rec], axis=1)


def gate_loss_gradient(
    w_in: np.ndarray, mask: np.ndarray, u: np.ndarray, open_at: np.ndarray
) -> tuple[float, np.ndarray]:
    """Class-balanced cross-entropy of every block's input gate y_in(t) = f(w_in u(t)) (eq. 6) against
    ``open_at`` (T,), and its gradient w.r.t. ``w_in`` with the source vectors ``u`` held fixed (truncated like
    the paper's gradient); ``mask`` zeroes absent connections."""
    y = 1.0 / (1.0 + np.exp(-(u @ w_in.T)))  # (T, n_blocks)
    n_open = max(int(open_at.sum()), 1)
    n_shut = max(int((~open_at).sum()), 1)
    weight = np.where(open_at, 1.0 / n_open, 1.0 / n_shut)[:, None]
    target = open_at[:, None].astype(float)
    eps = 1e-12
    loss = -float(np.sum(weight * (target * np.log(y + eps) + (1 - target) * np.log(1 - y + eps))))
    grad = ((y - target) * weight).T @ u  # d loss / d net_in = (y - target) * weight
    return loss, grad * mask


@dataclass
class GatePretrainedModel(KernelModel):
    """The paper's KernelModel whose first ``pretrain_left`` training sequences instead train only the input-gate
    weights, with Adam on ``gate_loss_gradient`` (the shortcut; an ablation). Outputs returned for those sequences
    are the net's outputs before each update, like the kernel's; their targets are not used."""

    marks: Marks = "marker"
    """Where the gates should open."""
    n_first: int = 0
    """For ``marks="first"``: the number of information-carrying first steps (N)."""
    pretrain_left: int = 0
    """Pre-training sequences still to come."""
    adam_lr: float = 0.05
    """Adam step size of the pre-training."""
    adam_m: np.ndarray | None = None
    """Adam's first-moment estimate for ``w_in`` (None until the first step)."""
    adam_v: np.ndarray | None = None
    """Adam's second-moment estimate for ``w_in``."""
    adam_t: int = 0
    """Adam steps taken."""

    def train(self, seqs: Sequences, lr: float, per_step: bool) -> np.ndarray:
        k = min(self.pretrain_left, seqs.n)
        if k == 0:
            return super().train(seqs, lr, per_step)
        outs = [self.pretrain(seqs.take(np.arange(k)))]
        if k < seqs.n:
            outs.append(super().train(seqs.take(np.arange(k, seqs.n)), lr, per_step))
        return np.concatenate(outs)

    def pretrain(self, seqs: Sequences) -> np.ndarray:
        """One Adam step on the input-gate weights per sequence (beta 0.9, 0.999, eps 1e-8)."""
        out = np.empty((len(seqs.targets), seqs.n_out))
        first = np.concatenate([[0], np.cumsum(np.add.reduceat(seqs.target_at, seqs.starts[:-1]))])
        mask_in = self.net.spec.masks["w_in"]
        if self.adam_m is None or self.adam_v is None:  # both are set together
            self.adam_m, self.adam_v = np.zeros_like(self.net.w_in), np.zeros_like(self.net.w_in)
        for i in range(seqs.n):
            x, _, has_target = seqs.sequence(i)
            states = learning.forward_states(self.net, x)
            out[first[i] : first[i + 1]] = states["y"][has_target]
            u = source_vectors(states, x)
            _, g = gate_loss_gradient(self.net.w_in, mask_in, u, gate_targets(self.marks, x, self.n_first))
            self.adam_t += 1
            self.adam_m = 0.9 * self.adam_m + 0.1 * g
            self.adam_v = 0.999 * self.adam_v + 0.001 * g * g
            m_hat = self.adam_m / (1 - 0.9**self.adam_t)
            v_hat = self.adam_v / (1 - 0.999**self.adam_t)
            self.net.w_in -= self.adam_lr * m_hat / (np.sqrt(v_hat) + 1e-8) * mask_in
        self.pretrain_left -= seqs.n
        return out

    def copy(self) -> GatePretrainedModel:
        return copy.deepcopy(self)

    def state(self) -> dict:
        adam = {"adam_m": self.adam_m, "adam_v": self.adam_v, "adam_t": self.adam_t}
        return {**super().state(), "pretrain_left": self.pretrain_left, **adam}

    def restore(self, state: dict) -> None:
        super().restore(state)
        self.pretrain_left, self.adam_t = int(state["pretrain_left"]), int(state["adam_t"])
        self.adam_m, self.adam_v = state["adam_m"], state["adam_v"]
        for moment in (self.adam_m, self.adam_v):
            if moment is not None and (not isinstance(moment, np.ndarray) or moment.shape != self.net.w_in.shape):
                raise ValueError(f"Adam's moments must have the shape of w_in {self.net.w_in.shape}")


def gate_pretrained_model(
    exp: Experiment, init_rng: np.random.Generator, marks: Marks, n_first: int = 0, k: int = 2000, adam_lr: float = 0.05
) -> GatePretrainedModel:
    """Builds the ``gate-pretraining`` ablation: the row's net, ``k`` pre-training sequences first."""
    return GatePretrainedModel(
        exp.init_network(init_rng), marks=marks, n_first=n_first, pretrain_left=k, adam_lr=adam_lr
    )


# ---------------------------------------------------------------------------------------------------------------
# The rows
# ---------------------------------------------------------------------------------------------------------------

BASE_ROWS = ("adding-T100", "adding-T500", "multiplication-T100", "temporal-6a", "twoseq-3a-T100-N3")
"""Paper rows that get baseline variants."""

LARGE_HIDDEN = 32
"""Hidden size of the larger ``nn.LSTM`` baseline."""


def _marks(base: Experiment) -> tuple[Marks, int]:
    family = base.family.split()[-1]
    if family in ("adding", "multiplication"):
        return "marker", 0
    if family == "temporal":
        return "xy", 0
    if family == "twoseq":
        assert isinstance(base.generate, partial)  # the twoseq rows' generate
        return "first", int(base.generate.keywords["N"])
    raise ValueError(f"no gate targets for {base.name}")


def _row(base: Experiment, suffix: str, what: str, model) -> Experiment:
    return replace(
        base,
        name=f"{base.name}~{suffix}",
        description=f"{base.description}; BASELINE: {what}",
        model=model,
        trials=10,
    )


def _variants(base: Experiment) -> list[Experiment]:
    spec = base.spec
    h = matched_hidden(spec)
    marks, n_first = _marks(base)
    rows = []
    for hidden in (h, LARGE_HIDDEN):
        n_par = n_parameters(spec.n_in, hidden, spec.n_out)
        rows += [
            _row(base, f"nnlstm-h{hidden}-sgd", f"torch.nn.LSTM({spec.n_in}, {hidden}) + logistic outputs "
                 f"({n_par} parameters), full BPTT, SGD at the row's lr", partial(nn_lstm_model, hidden=hidden,
                 optimizer="sgd")),
            _row(base, f"nnlstm-h{hidden}-adam", f"torch.nn.LSTM({spec.n_in}, {hidden}) + logistic outputs "
                 f"({n_par} parameters), full BPTT, Adam lr 1e-3", partial(nn_lstm_model, hidden=hidden,
                 optimizer="adam")),
        ]  # fmt: skip
    for bias, suffix in ((1.0, "forget-gate"), (5.0, "forget-gate-bias5")):
        rows.append(
            _row(base, suffix, f"1997 net + forget gates (Gers et al. 2000), forget bias +{bias:g}, truncated "
                 "gradient, SGD at the row's lr", partial(forget_gate_model, forget_bias=bias))
        )  # fmt: skip
    rows.append(
        _row(base, "gate-pretraining", "ABLATION: the first 2,000 sequences train only the input gates with Adam "
             f"(lr 0.05) to open at the marked steps ({marks}), then the paper's protocol; pre-training sequences "
             "are counted", partial(gate_pretrained_model, marks=marks, n_first=n_first))
    )  # fmt: skip
    return rows


MODERN_LR = {"adding-T100": 1e-3, "temporal-6a": 1e-3}
"""RMSprop step size of each modern-practice row, chosen by the sweep of ``analysis/modern_sweep.py`` on screening
seeds from 1000 (docs/PREDICTS_THE_MEAN.md, "The modern-practice nn.LSTM"). PROVISIONAL until that sweep is in."""


def modern_row(base: Experiment, lr: float) -> Experiment:
    """``<row>~nnlstm-h64-modern``: nn.LSTM(n_in, 64) as practised today (``modern_model``) at RMSprop step ``lr``,
    under the row's protocol; linear outputs where the targets are real-valued (not for one-hot classes)."""
    linear = base.family.split()[-1] in ("adding", "multiplication")
    out = "a linear output" if linear else "logistic outputs"
    what = (f"torch.nn.LSTM({base.spec.n_in}, {MODERN_HIDDEN}) + {out}, forget-gate bias +1, full BPTT, RMSprop lr "
            f"{lr:g}, gradient norm clipped to {MODERN_CLIP:g}")  # fmt: skip
    return _row(base, f"nnlstm-h{MODERN_HIDDEN}-modern", what, partial(modern_model, lr=lr, linear=linear))


BASELINES: dict[str, Experiment] = {e.name: e for base in BASE_ROWS for e in _variants(EXPERIMENTS[base])}
"""Baseline rows ``<paper row>~<model>``: the paper row with another model, under the paper's protocol."""
BASELINES.update({f"{n}~nnlstm-h{MODERN_HIDDEN}-modern": modern_row(EXPERIMENTS[n], lr) for n, lr in MODERN_LR.items()})
