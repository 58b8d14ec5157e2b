"""The 1997 net with an input-gate pre-training phase (an ABLATION, not the paper's method): the paper's net and
protocol, except that the first ``k`` sequences of the trial (2,000 in the rows) train only the input-gate weights,
with Adam on a gate target (open at the steps where the task's information enters, closed elsewhere), before the
paper's SGD takes over. The pre-training sequences are part of the trial's sequence stream, so they are counted in
"presented" and in sequences to success.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from lstm1997 import learning
from lstm1997.experiments import Experiment
from lstm1997.models.kernel import KernelModel
from lstm1997.sequences import Sequences


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

    open_at: Callable[[np.ndarray], tuple[np.ndarray, int]] | None = None
    """Where the gates should open: the row's ``Experiment.memory_steps`` (its task's), whose first value is
    True at the steps where a sequence's information enters."""
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
        if self.open_at is None:
            raise ValueError("gate pre-training needs the steps at which the gates should open (open_at)")
        if self.adam_m is None or self.adam_v is None:  # both are set together
            self.adam_m, self.adam_v = np.zeros_like(self.net.w_in), np.zeros_like(self.net.w_in)
        for i in range(seqs.n):
            x, _, has_target = seqs.sequence(i)
            states = learning.forward_states(self.net, x)
            out[first[i] : first[i + 1]] = states["y"][has_target]
            u = source_vectors(states, x)
            _, g = gate_loss_gradient(self.net.w_in, mask_in, u, self.open_at(x)[0])
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
    exp: Experiment, init_rng: np.random.Generator, k: int = 2000, adam_lr: float = 0.05
) -> GatePretrainedModel:
    """Builds the ``gate-pretraining`` ablation: the row's net, ``k`` pre-training sequences first, the gates
    trained to open where the row's task says its information enters (``exp.memory_steps``)."""
    if exp.memory_steps is None:
        raise ValueError(f"{exp.name} does not say where its information enters (no memory_steps)")
    return GatePretrainedModel(exp.init_network(init_rng), open_at=exp.memory_steps, pretrain_left=k, adam_lr=adam_lr)
