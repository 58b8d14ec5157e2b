"""The 1997 net with a forget gate per block (Gers, Schmidhuber & Cummins 2000, "Learning to forget: continual
prediction with LSTM", Neural Computation 12(10)): s(t) = y_f(t) s(t-1) + y_in(t) g(net_c(t)), with
y_f = f(w_f . u(t)) reading the same source vector u(t) as the other gates, the forget bias initialised to a
positive value (+1.0 or +5.0 in the rows), trained with the paper's truncated gradient and plain SGD at the row's
learning rate. Gers et al. derive the truncated gradient with forget gates as RTRL-style traces that decay with
y_f; the kernel of the 1997 net runs that algorithm when the net has forget-gate weights (kernels.py).
``ForgetGateLSTM1997`` is the same net as a torch module (the autograd reference it is tested against).
Importing this module imports torch.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from lstm1997 import learning
from lstm1997.experiments import Experiment
from lstm1997.network import Network, NetworkSpec
from lstm1997.sequences import Sequences
from lstm1997.torch import LSTM1997


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
class ForgetGateModel:
    """The forget-gate net trained with the paper's truncated gradient and plain online SGD, by the compiled kernel
    as the 1997 net is. Not a ``KernelModel``: a trial returns this model, not its net, so that nothing takes the
    net for a 1997 one (e.g. saves it as a trial's final 1997 weights)."""

    net: ForgetGateNet

    def train(self, seqs: Sequences, lr: float, per_step: bool) -> np.ndarray:
        return learning.train(self.net, seqs, lr, per_step=per_step)

    def evaluate(self, seqs: Sequences) -> np.ndarray:
        return learning.evaluate(self.net, seqs)

    def copy(self) -> ForgetGateModel:
        return ForgetGateModel(self.net.copy())

    def finite(self) -> bool:
        return all(bool(np.all(np.isfinite(w))) for w in self.net.weights.values())

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
