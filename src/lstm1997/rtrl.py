"""RTRL, the paper's competitor in Exp 2a (Table 2): one self-recurrent hidden unit, p+1 non-recurrent output
units, "each layer has connections from all layers below", all units logistic (PAPER.md §3), trained by real-time
recurrent learning (Williams & Zipser 1989) in a compiled kernel.

The net at step t (processing order of Sec. 5: inputs, then the hidden unit, then the outputs; no biases)::

    h(t)   = f(sum_j w_h[j] x_j(t) + w_h[n_in] h(t-1))           h(0) = 0 at every sequence start (A6)
    y_k(t) = f(sum_j w_k[k, j] x_j(t) + w_k[k, n_in] h(t))        f(x) = 1 / (1 + exp(-x))

so it has (n_in + 1) + n_out (n_in + 1) weights: with n_in = n_out = p+1, (p+1)(p+2) + (p+2) = 36 / 144 / 10404
for p = 4 / 10 / 100, the paper's counts (PAPER.md §1.5). The only recurrent unit is h, so RTRL's sensitivities are
one vector, P_j(t) = dh(t)/dw_h[j]:

    P_j(t) = f'(net_h(t)) (z_j(t) + w_h[n_in] P_j(t-1)),   z(t) = [x(t), h(t-1)],   P(0) = 0

and the error E(t) = 1/2 sum_k (y_k(t) - t_k(t))^2 of a target step has
dE/dw_k[k, :] = delta_k [x(t), h(t)] and dE/dw_h[j] = (sum_k delta_k w_k[k, n_in]) P_j(t),
with delta_k = (y_k - t_k) f'(net_k).

When weights change (``per_step``):

- per step (the default of the RTRL rows; "real-time" recurrent learning): w -= lr dE(t)/dw at every target step,
  right after the step's outputs; the sensitivities are carried on, computed with the weights of their own step
  (Williams & Zipser's online approximation). This is what RTRL means.
- per sequence: the contributions of all target steps are summed and applied at the sequence's end, as our LSTM
  default (DEVIATIONS.md A1); the sum is then the exact gradient of the sequence's error (= untruncated BPTT).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numba import njit

from lstm1997.sequences import Sequences

FORWARD, GRADIENT, TRAIN_PER_SEQUENCE, TRAIN_PER_STEP = 0, 1, 2, 3
"""Kernel modes: outputs only; accumulate dE/dw over all sequences; update after each sequence / target step."""


@njit(cache=True, error_model="numpy")
def run(w_h, w_k, starts, x_ptr, x_idx, x_val, target_at, targets, mode, lr, g_h, g_k, out):
    """Run the net over sequences ``starts[i]..starts[i+1]-1``, h and P reset for each.

    Writes the outputs at target steps to ``out`` (one row per target). GRADIENT mode adds dE/dw of every
    sequence to ``g_h``, ``g_k``; TRAIN_PER_SEQUENCE uses them as scratch and applies ``w -= lr * g`` at each
    sequence's end; TRAIN_PER_STEP changes the weights directly at every target step (g unused)."""
    n_in = w_h.shape[0] - 1  # column n_in: the hidden unit (its self-connection in w_h, its output in w_k)
    n_out = w_k.shape[0]
    sens = np.zeros(n_in + 1)  # P_j(t) = dh(t)/dw_h[j]
    delta = np.zeros(n_out)
    per_step = mode == TRAIN_PER_STEP
    step = -lr if per_step else 1.0  # per step: the change goes straight into w; otherwise dE/dw into g
    dst_h = w_h if per_step else g_h
    dst_k = w_k if per_step else g_k
    row = 0
    for i in range(len(starts) - 1):
        h = 0.0  # activations and sensitivities reset with every sequence
        sens[:] = 0.0
        for t in range(starts[i], starts[i + 1]):
            a = x_ptr[t]
            b = x_ptr[t + 1]
            w_hh = w_h[n_in]
            net = w_hh * h
            for e in range(a, b):
                net += w_h[x_idx[e]] * x_val[e]
            h_new = 1.0 / (1.0 + np.exp(-net))
            dh = h_new * (1.0 - h_new)
            if mode != FORWARD:  # RTRL: P_j(t) = f'(net_h) (z_j(t) + w_hh P_j(t-1))
                for j in range(n_in):
                    sens[j] = dh * w_hh * sens[j]
                for e in range(a, b):
                    sens[x_idx[e]] += dh * x_val[e]
                sens[n_in] = dh * (h + w_hh * sens[n_in])
            h = h_new
            if target_at[t]:  # the outputs feed nothing back: computed only where a target reads them
                back = 0.0  # dE(t)/dh(t)
                for k in range(n_out):
                    net = w_k[k, n_in] * h
                    for e in range(a, b):
                        net += w_k[k, x_idx[e]] * x_val[e]
                    y = 1.0 / (1.0 + np.exp(-net))
                    out[row, k] = y
                    delta[k] = (y - targets[row, k]) * y * (1.0 - y)  # dE/dnet_k, E = 1/2 sum (y - t)^2
                    back += delta[k] * w_k[k, n_in]
                if mode != FORWARD:
                    for k in range(n_out):
                        d = step * delta[k]
                        for e in range(a, b):
                            dst_k[k, x_idx[e]] += d * x_val[e]
                        dst_k[k, n_in] += d * h
                    for j in range(n_in + 1):
                        dst_h[j] += step * back * sens[j]
                row += 1
        if mode == TRAIN_PER_SEQUENCE:  # the sum of all target steps' contributions, at the sequence's end
            for j in range(n_in + 1):
                w_h[j] -= lr * g_h[j]
                g_h[j] = 0.0
            for k in range(n_out):
                for j in range(n_in + 1):
                    w_k[k, j] -= lr * g_k[k, j]
                    g_k[k, j] = 0.0


def with_bias_unit(seqs: Sequences) -> Sequences:
    """The same sequences with one more input unit (index ``seqs.n_in``) that is 1 at every step."""
    nnz = np.diff(seqs.x_ptr) + 1
    x_ptr = np.zeros(seqs.n_steps + 1, dtype=np.int64)
    np.cumsum(nnz, out=x_ptr[1:])
    bias_at = x_ptr[1:] - 1  # each step's last entry
    x_idx = np.full(x_ptr[-1], seqs.n_in, dtype=np.int64)
    x_val = np.ones(x_ptr[-1])
    keep = np.ones(x_ptr[-1], dtype=bool)
    keep[bias_at] = False
    x_idx[keep], x_val[keep] = seqs.x_idx, seqs.x_val
    return replace(seqs, n_in=seqs.n_in + 1, x_ptr=x_ptr, x_idx=x_idx, x_val=x_val)


@dataclass
class RTRLNet:
    """The net and its weights, trained online by RTRL (the ``lstm1997.models.kernel.Model`` protocol)."""

    w_h: np.ndarray
    """(n_in + 1,) weights into the hidden unit: from the inputs, then its self-connection."""
    w_k: np.ndarray
    """(n_out, n_in + 1) weights into the output units: from the inputs, then from the hidden unit."""
    bias: bool = False
    """Whether the last input is a bias unit added to every sequence (an ablation: Table 2's net has none);
    n_in above then counts it."""

    @classmethod
    def init(cls, n_in: int, n_out: int, rng: np.random.Generator, init_range: float, bias: bool = False) -> RTRLNet:
        """Weights uniform in [-init_range, init_range] (hidden unit's first, then the outputs')."""
        n_in += bias
        w_h = rng.uniform(-init_range, init_range, n_in + 1)
        return cls(w_h, rng.uniform(-init_range, init_range, (n_out, n_in + 1)), bias)

    @property
    def n_weights(self) -> int:
        """Number of weights: (n_in + 1) + n_out (n_in + 1)."""
        return self.w_h.size + self.w_k.size

    def _run(self, seqs: Sequences, mode: int, lr: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.bias:
            seqs = with_bias_unit(seqs)
        n_in, n_out = self.w_h.size - 1, self.w_k.shape[0]
        if seqs.n_in != n_in or seqs.n_out != n_out:
            raise ValueError(f"sequences have {seqs.n_in} inputs and {seqs.n_out} outputs; the net {n_in} and {n_out}")
        g_h, g_k = np.zeros_like(self.w_h), np.zeros_like(self.w_k)
        out = np.empty((len(seqs.targets), n_out))
        args = (seqs.starts, seqs.x_ptr, seqs.x_idx, seqs.x_val, seqs.target_at, seqs.targets)
        run(self.w_h, self.w_k, *args, mode, float(lr), g_h, g_k, out)
        return out, g_h, g_k

    def train(self, seqs: Sequences, lr: float, per_step: bool) -> np.ndarray:
        """Online RTRL on the sequences in order; returns the outputs at target steps as produced."""
        return self._run(seqs, TRAIN_PER_STEP if per_step else TRAIN_PER_SEQUENCE, lr)[0]

    def evaluate(self, seqs: Sequences) -> np.ndarray:
        """Outputs at target steps, weights unchanged."""
        return self._run(seqs, FORWARD)[0]

    def gradient(self, seqs: Sequences) -> tuple[np.ndarray, np.ndarray]:
        """dE/dw_h and dE/dw_k summed over the sequences (E = 1/2 sum of squared errors), weights unchanged."""
        return self._run(seqs, GRADIENT)[1:]

    def copy(self) -> RTRLNet:
        return RTRLNet(self.w_h.copy(), self.w_k.copy(), self.bias)

    def finite(self) -> bool:
        return bool(np.all(np.isfinite(self.w_h)) and np.all(np.isfinite(self.w_k)))

    def state(self) -> dict:
        """The weights, as plain arrays (a checkpoint's part of the model)."""
        return {"w_h": self.w_h, "w_k": self.w_k}

    def restore(self, state: dict) -> None:
        """Continue from ``state()`` of a net of the same row; refuses arrays of another shape."""
        for name in ("w_h", "w_k"):
            value = np.ascontiguousarray(state[name], dtype=np.float64)
            if value.shape != getattr(self, name).shape:
                raise ValueError(f"RTRL state {name} has shape {value.shape}, the net {getattr(self, name).shape}")
            setattr(self, name, value)
