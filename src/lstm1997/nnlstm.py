"""``torch.nn.LSTM`` + a logistic or linear output layer, trained online with full BPTT and SGD, Adam or RMSprop
(optionally after gradient-norm clipping): compiled.

The ``nnlstm`` baselines train one sequence at a time (batch size 1, one optimiser step per sequence), where
PyTorch's per-sequence graph and optimiser overhead dominates (docs/PERFORMANCE.md has the measurements). This
module computes the same thing in one numba call per chunk of sequences, in float64: PyTorch's LSTM equations
(gate rows in PyTorch's order i, f, g, o)

    a(t) = W_ih x(t) + b_ih + W_hh h(t-1) + b_hh
    i, f, o = sigmoid(a_i, a_f, a_o);  g = tanh(a_g)
    c(t) = f c(t-1) + i g;  h(t) = o tanh(c(t));  y(t) = sigmoid(W h(t) + b)  (or W h(t) + b: linear)

from a zero state, the loss E = 1/2 sum over target steps of (y - target)^2, its exact gradient by
backpropagation through time, optionally ``torch.nn.utils.clip_grad_norm_``, and ``torch.optim.SGD`` /
``torch.optim.Adam`` / ``torch.optim.RMSprop`` (default betas, alpha and eps) steps. tests/test_nnlstm.py checks
outputs, gradients and optimiser steps against torch.nn.LSTM with autograd and torch.optim in float64 to 1e-10.

Parameters live in one flat vector in ``torch.nn.Module.parameters()`` order:
``W_ih (4H, n_in), W_hh (4H, H), b_ih (4H), b_hh (4H), W (n_out, H), b (n_out)``.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
from numba import njit

from lstm1997.cell import logistic
from lstm1997.learning import check_lr
from lstm1997.sequences import Sequences

FORWARD, GRADIENT, SGD, ADAM, RMSPROP = 0, 1, 2, 3, 4
"""Modes of the kernel: outputs only; also add each sequence's gradient to ``grad`` (net unchanged); also take
one SGD, Adam or RMSprop step per sequence."""

OPTIMIZERS = {"sgd": SGD, "adam": ADAM, "rmsprop": RMSPROP}
"""The kernel mode of each optimiser."""


def n_parameters(n_in: int, hidden: int, n_out: int) -> int:
    """Parameters of the net: 4 gates x (input, recurrent and two bias vectors) + the output layer."""
    return 4 * hidden * (n_in + hidden + 2) + n_out * (hidden + 1)


@njit(cache=True, error_model="numpy", inline="always")
def _tanh(x):
    """tanh(x) from one exp: ~4 ns against libm tanh's ~15 ns, within 4e-16 of it (docs/PERFORMANCE.md)."""
    return 2.0 / (1.0 + math.exp(-2.0 * x)) - 1.0


@njit(cache=True, error_model="numpy")
def _add_tmatvec(M, x, y):
    """y += M^T x, four rows of M at a time (one load and store of y per four rows)."""
    n = M.shape[0]
    n4 = n - n % 4
    for r in range(0, n4, 4):
        x0, x1, x2, x3 = x[r], x[r + 1], x[r + 2], x[r + 3]
        for m in range(M.shape[1]):
            y[m] += x0 * M[r, m] + x1 * M[r + 1, m] + x2 * M[r + 2, m] + x3 * M[r + 3, m]
    for r in range(n4, n):
        xr = x[r]
        for m in range(M.shape[1]):
            y[m] += xr * M[r, m]


@njit(cache=True, error_model="numpy")
def _views(theta, n_in, hidden, n_out):
    """W_ih, W_hh, b_ih, b_hh, W, b as views of the flat vector ``theta``."""
    G = 4 * hidden
    a = G * n_in
    b = a + G * hidden
    c = b + G
    d = c + G
    e = d + n_out * hidden
    return (theta[:a].reshape((G, n_in)), theta[a:b].reshape((G, hidden)), theta[b:c], theta[c:d],
            theta[d:e].reshape((n_out, hidden)), theta[e:])  # fmt: skip


@njit(cache=True, error_model="numpy")
def run(
    theta, n_in, hidden, n_out,
    starts, x_ptr, x_idx, x_val, target_at, targets,
    mode, lr, beta1, beta2, eps, adam_m, adam_v, adam_step,
    grad, out, linear=False, clip=0.0,
):  # fmt: skip
    """Run the net over sequences ``starts[i]..starts[i+1]-1``, each from a zero state, writing the outputs at
    target steps to ``out`` (one row per target). In GRADIENT mode, add each sequence's dE/dtheta (BPTT) to
    ``grad``; in SGD and ADAM modes, after each sequence: ``grad`` = that sequence's dE/dtheta and one optimiser
    step (SGD: theta -= lr grad; Adam: torch.optim.Adam's update with state ``adam_m``, ``adam_v``,
    ``adam_step[0]``; RMSprop: torch.optim.RMSprop's with smoothing constant ``beta2`` and square average
    ``adam_v``). ``linear``: linear output units instead of logistic ones. ``clip`` > 0: before the step, scale
    ``grad`` as ``torch.nn.utils.clip_grad_norm_(max_norm=clip)`` does."""
    H = hidden
    G = 4 * H
    W_ih, W_hh, b_ih, b_hh, W, b = _views(theta, n_in, H, n_out)
    gW_ih, gW_hh, gb_ih, gb_hh, gW, gb = _views(grad, n_in, H, n_out)
    W_hhT = np.ascontiguousarray(W_hh.T)  # (H, 4H): the forward pass reads W_hh column-wise
    max_len = int(np.max(starts[1:] - starts[:-1])) if len(starts) > 1 else 0
    act = np.zeros((max_len, G))  # i, f, g, o after their squashing functions
    c = np.zeros((max_len + 1, H))  # c[t + 1] = c(t); c[0] = 0
    h = np.zeros((max_len + 1, H))
    tanh_c = np.zeros((max_len, H))
    a = np.zeros(G)
    e = np.zeros((max_len, n_out))  # dE/d(net of output k) at target steps
    dh = np.zeros(H)
    dc = np.zeros(H)
    das = np.zeros((max_len, G))  # dE/da(t) of the sequence, for dE/dW_hh at its end
    row = 0
    for i in range(len(starts) - 1):
        t0 = starts[i]
        T = starts[i + 1] - t0
        last_target = -1
        for t in range(T):
            for r in range(G):
                a[r] = b_ih[r] + b_hh[r]
            for j in range(x_ptr[t0 + t], x_ptr[t0 + t + 1]):
                m = x_idx[j]
                for r in range(G):
                    a[r] += W_ih[r, m] * x_val[j]
            _add_tmatvec(W_hhT, h[t], a)  # W_hh h(t-1)
            for u in range(H):
                ig = logistic(a[u])
                fg = logistic(a[H + u])
                gg = _tanh(a[2 * H + u])
                og = logistic(a[3 * H + u])
                act[t, u] = ig
                act[t, H + u] = fg
                act[t, 2 * H + u] = gg
                act[t, 3 * H + u] = og
                c[t + 1, u] = fg * c[t, u] + ig * gg
                tanh_c[t, u] = _tanh(c[t + 1, u])
                h[t + 1, u] = og * tanh_c[t, u]
            if target_at[t0 + t]:
                for k in range(n_out):
                    net = b[k]
                    for u in range(H):
                        net += W[k, u] * h[t + 1, u]
                    if linear:
                        out[row, k] = net
                        e[t, k] = net - targets[row, k]  # dE/dnet_k
                    else:
                        y = logistic(net)
                        out[row, k] = y
                        e[t, k] = (y - targets[row, k]) * y * (1.0 - y)  # dE/dnet_k
                row += 1
                last_target = t
        if mode == FORWARD:
            continue

        if mode != GRADIENT:
            grad[:] = 0.0
        dh[:] = 0.0
        dc[:] = 0.0
        for t in range(last_target, -1, -1):  # BPTT: steps after the last target carry no error
            if target_at[t0 + t]:
                for k in range(n_out):
                    gb[k] += e[t, k]
                    for u in range(H):
                        gW[k, u] += e[t, k] * h[t + 1, u]
                        dh[u] += W[k, u] * e[t, k]
            da = das[t]
            for u in range(H):
                ig = act[t, u]
                fg = act[t, H + u]
                gg = act[t, 2 * H + u]
                og = act[t, 3 * H + u]
                tc = tanh_c[t, u]
                dcu = dc[u] + dh[u] * og * (1.0 - tc * tc)
                da[u] = dcu * gg * ig * (1.0 - ig)
                da[H + u] = dcu * c[t, u] * fg * (1.0 - fg)
                da[2 * H + u] = dcu * ig * (1.0 - gg * gg)
                da[3 * H + u] = dh[u] * tc * og * (1.0 - og)
                dc[u] = dcu * fg
            for r in range(G):
                gb_ih[r] += da[r]
                gb_hh[r] += da[r]
            for j in range(x_ptr[t0 + t], x_ptr[t0 + t + 1]):
                m = x_idx[j]
                for r in range(G):
                    gW_ih[r, m] += da[r] * x_val[j]
            dh[:] = 0.0
            _add_tmatvec(W_hh, da, dh)  # W_hh^T da(t)
        n = last_target + 1
        for r in range(G):  # dE/dW_hh = sum_t da(t) h(t-1)^T, four steps at a time
            _add_tmatvec(h[:n], das[:n, r], gW_hh[r])

        if mode == GRADIENT:
            continue
        if clip > 0.0:  # torch.nn.utils.clip_grad_norm_
            norm = 0.0
            for p in range(theta.shape[0]):
                norm += grad[p] * grad[p]
            scale = min(clip / (math.sqrt(norm) + 1e-6), 1.0)
            for p in range(theta.shape[0]):
                grad[p] *= scale
        if mode == SGD:
            for p in range(theta.shape[0]):
                theta[p] -= lr * grad[p]
        elif mode == RMSPROP:  # torch.optim.RMSprop, single-tensor update (no momentum, not centred)
            for p in range(theta.shape[0]):
                adam_v[p] = adam_v[p] * beta2 + (1.0 - beta2) * grad[p] * grad[p]
                theta[p] -= lr * grad[p] / (math.sqrt(adam_v[p]) + eps)
        else:  # torch.optim.Adam, single-tensor update
            adam_step[0] += 1
            bc1 = 1.0 - beta1 ** adam_step[0]
            bc2 = 1.0 - beta2 ** adam_step[0]
            step_size = lr / bc1
            bc2_sqrt = math.sqrt(bc2)
            for p in range(theta.shape[0]):
                adam_m[p] += (grad[p] - adam_m[p]) * (1.0 - beta1)
                adam_v[p] = adam_v[p] * beta2 + (1.0 - beta2) * grad[p] * grad[p]
                theta[p] -= step_size * adam_m[p] / (math.sqrt(adam_v[p]) / bc2_sqrt + eps)
        for m in range(H):
            for r in range(G):
                W_hhT[m, r] = W_hh[r, m]


@dataclass
class NNLSTMModel:
    """The net and its optimiser state, trained online (the ``lstm1997.models.kernel.Model`` protocol)."""

    n_in: int
    """Input units."""
    hidden: int
    """LSTM units (H)."""
    n_out: int
    """Output units."""
    theta: np.ndarray
    """All parameters, flat, in ``torch.nn.Module.parameters()`` order (module docstring)."""
    optimizer: str
    """"sgd" (step size: the row's learning rate), "adam" or "rmsprop" (step size ``adam_lr``)."""
    adam_lr: float = 1e-3
    """The step size of Adam or RMSprop."""
    betas: tuple[float, float] = (0.9, 0.999)
    """Adam's decay rates (torch's defaults)."""
    eps: float = 1e-8
    """Adam's and RMSprop's epsilon (torch's default)."""
    alpha: float = 0.99
    """RMSprop's smoothing constant (torch's default)."""
    linear: bool = False
    """Linear output units y = W h + b instead of logistic ones."""
    clip: float = 0.0
    """> 0: clip the gradient's norm to this before each step (``torch.nn.utils.clip_grad_norm_``)."""
    adam_m: np.ndarray | None = None
    """Adam's first moment (zeros at the start)."""
    adam_v: np.ndarray | None = None
    """Adam's second moment or RMSprop's square average (zeros at the start)."""
    adam_step: np.ndarray | None = None
    """Adam's step count, as a 1-element int64 array."""

    def __post_init__(self):
        if self.optimizer not in OPTIMIZERS:
            raise ValueError(f"optimizer must be one of {sorted(OPTIMIZERS)}, got {self.optimizer!r}")
        if self.theta.shape != (n_parameters(self.n_in, self.hidden, self.n_out),):
            raise ValueError(f"theta has shape {self.theta.shape}, the net needs "
                             f"({n_parameters(self.n_in, self.hidden, self.n_out)},)")  # fmt: skip
        if self.adam_m is None:
            self.adam_m = np.zeros_like(self.theta)
            self.adam_v = np.zeros_like(self.theta)
            self.adam_step = np.zeros(1, dtype=np.int64)

    @classmethod
    def of(cls, net, optimizer: str, adam_lr: float = 1e-3, **options) -> NNLSTMModel:
        """The parameters of ``net`` (a ``baselines.TorchLSTMNet``: ``nn.LSTM`` + ``nn.Linear``), in float64;
        ``options``: the other fields (``linear``, ``clip``, ...)."""
        theta = np.concatenate([p.detach().double().numpy().ravel() for p in net.parameters()])
        n_in, hidden, n_out = net.lstm.input_size, net.lstm.hidden_size, net.out.out_features
        return cls(n_in, hidden, n_out, theta, optimizer, adam_lr, **options)

    def _run(self, seqs: Sequences, mode: int, lr: float, grad: np.ndarray) -> np.ndarray:
        import torch  # the baselines' extra; here only for its switch of the CPU's denormal mode

        if seqs.n_in != self.n_in or seqs.n_out != self.n_out:
            raise ValueError(f"sequences have {seqs.n_in} inputs and {seqs.n_out} outputs, the net {self.n_in}, "
                             f"{self.n_out}")  # fmt: skip
        n = (n_parameters(self.n_in, self.hidden, self.n_out),)
        for name, dtype, shape in (("theta", np.float64, n), ("adam_m", np.float64, n), ("adam_v", np.float64, n),
                                   ("adam_step", np.int64, (1,)), ("grad", np.float64, n)):  # fmt: skip
            a = grad if name == "grad" else getattr(self, name)
            if not isinstance(a, np.ndarray) or a.dtype != dtype or a.shape != shape or not a.flags.c_contiguous:
                raise ValueError(f"{name} must be a C-contiguous {np.dtype(dtype).name} array of shape {shape}")
        if not np.isfinite(self.theta).all():
            raise ValueError("theta has NaN or infinite values")
        out = np.empty((len(seqs.targets), self.n_out))
        # Subnormal numbers (|x| < 2.2e-308: states and errors that decay over hundreds of steps) cost the CPU
        # ~100 cycles per operation; with them flushed to zero a trained Adam net runs 3.4x faster
        # (docs/PERFORMANCE.md). Flushing changes values by less than 2.2e-308 each.
        torch.set_flush_denormal(True)
        try:
            run(
                self.theta, self.n_in, self.hidden, self.n_out,
                seqs.starts, seqs.x_ptr, seqs.x_idx, seqs.x_val, seqs.target_at, seqs.targets,
                mode, lr, self.betas[0], self.alpha if mode == RMSPROP else self.betas[1], self.eps,
                self.adam_m, self.adam_v, self.adam_step, grad, out, self.linear, self.clip,
            )  # fmt: skip
        finally:
            torch.set_flush_denormal(False)  # PyTorch's default
        return out

    def train(self, seqs: Sequences, lr: float, per_step: bool) -> np.ndarray:
        """One optimiser step per sequence; returns the outputs at target steps (before each sequence's step)."""
        if per_step:
            raise NotImplementedError("baselines update once per sequence (per-step rows are 1997-net ablations)")
        if self.optimizer == "sgd":
            return self._run(seqs, SGD, check_lr(lr), np.zeros_like(self.theta))
        return self._run(seqs, OPTIMIZERS[self.optimizer], check_lr(self.adam_lr), np.zeros_like(self.theta))

    def evaluate(self, seqs: Sequences) -> np.ndarray:
        return self._run(seqs, FORWARD, 0.0, np.zeros_like(self.theta))

    def gradient(self, seqs: Sequences) -> np.ndarray:
        """dE/dtheta summed over ``seqs`` (full BPTT), without changing the net."""
        grad = np.zeros_like(self.theta)
        self._run(seqs, GRADIENT, 0.0, grad)
        return grad

    def copy(self) -> NNLSTMModel:
        return copy.deepcopy(self)

    def state(self) -> dict:
        return {"theta": self.theta, "adam_m": self.adam_m, "adam_v": self.adam_v, "adam_step": self.adam_step}

    def restore(self, state: dict) -> None:
        for name in ("theta", "adam_m", "adam_v", "adam_step"):
            value, like = state[name], getattr(self, name)
            if not isinstance(value, np.ndarray) or value.shape != like.shape:
                raise ValueError(f"{name} must have shape {like.shape}, got {getattr(value, 'shape', value)!r}")
            setattr(self, name, np.ascontiguousarray(value, dtype=like.dtype))

    def finite(self) -> bool:
        return bool(np.isfinite(self.theta).all())
