"""The compiled kernel: forward pass and truncated gradient of the 1997 LSTM (Appendix A.1, eqs. 3-28).

One call processes many sequences, so Python overhead vanishes. Inputs arrive sparse (see sequences.py):
only nonzero inputs touch the net inputs and the sensitivities, which makes the one-hot nets of Exps 1, 2
and 6 as cheap per step as the small dense ones. Errors are computed only at steps that carry a target.

Layout of the hidden units' source vector u(t): column 0 = bias, 1..n_in = inputs x(t), then the previous
step's cell outputs, input-gate and output-gate activations (``rb`` = 1 + n_in is where they start).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

FORWARD, GRADIENT, TRAIN_PER_SEQUENCE, TRAIN_PER_STEP = 0, 1, 2, 3
"""Kernel modes: outputs only; accumulate dE/dw over all sequences; update after each sequence / step."""


@njit(cache=True, error_model="numpy", inline="always")
def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))  # eq. 3: f


@njit(cache=True, error_model="numpy")
def _apply_update(w, g, m, lr):
    """w -= lr * g on existing connections only; clears g."""
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            w[i, j] -= lr * g[i, j] * m[i, j]
            g[i, j] = 0.0


@njit(cache=True, error_model="numpy")
def run(
    w_in, w_out, w_c, w_k,
    m_in, m_out, m_c, m_k,
    block_size, g_kind, h_kind, output_gate, k_kind,
    starts, x_ptr, x_idx, x_val, target_at, targets,
    mode, lr,
    g_in, g_out, g_c, g_k,
    out, states,
):  # fmt: skip
    """Run the net over sequences ``starts[i]..starts[i+1]-1``, resetting all activations for each.

    Writes the outputs at target steps to ``out`` (one row per target). GRADIENT mode adds dE/dw of every
    sequence (E = 1/2 sum over targets of the squared error, truncated) to ``g_*``; the TRAIN modes instead
    use ``g_*`` as scratch and apply ``w -= lr * g * m`` after each sequence or each target step.
    If ``states`` has rows, it receives [y_in, y_out, s_c, y_c] of every step.
    """
    nb = w_in.shape[0]
    nc = w_c.shape[0]
    n_u = w_c.shape[1]
    n_out = w_k.shape[0]
    rb = n_u - nc - 2 * nb  # first recurrent column of u
    n_rec = nc + 2 * nb
    record_states = states.shape[0] > 0

    y_prev = np.zeros(n_rec)  # [y_c, y_in, y_out] at t-1
    y_in = np.zeros(nb)
    dy_in = np.zeros(nb)
    y_out = np.ones(nb)
    dy_out = np.zeros(nb)
    s = np.zeros(nc)
    h_val = np.zeros(nc)
    h_der = np.zeros(nc)
    y_c = np.zeros(nc)
    ds_in = np.zeros((nc, n_u))  # d s_c / d w_in[block(c), :]
    ds_c = np.zeros((nc, n_u))  # d s_c / d w_c[c, :]
    y_k = np.zeros(n_out)
    e_k = np.zeros(n_out)
    delta = np.zeros(nc)
    row = 0

    for i in range(len(starts) - 1):
        y_prev[:] = 0.0  # activations and state reset with every sequence; s_c(0) = 0
        s[:] = 0.0
        ds_in[:, :] = 0.0
        ds_c[:, :] = 0.0
        for t in range(starts[i], starts[i + 1]):
            a = x_ptr[t]
            b = x_ptr[t + 1]
            # eq. 6: input gates
            for j in range(nb):
                net = w_in[j, 0]
                for e in range(a, b):
                    net += w_in[j, 1 + x_idx[e]] * x_val[e]
                for r in range(n_rec):
                    net += w_in[j, rb + r] * y_prev[r]
                y_in[j] = _logistic(net)
                dy_in[j] = y_in[j] * (1.0 - y_in[j])
            # eq. 7: output gates
            if output_gate:
                for j in range(nb):
                    net = w_out[j, 0]
                    for e in range(a, b):
                        net += w_out[j, 1 + x_idx[e]] * x_val[e]
                    for r in range(n_rec):
                        net += w_out[j, rb + r] * y_prev[r]
                    y_out[j] = _logistic(net)
                    dy_out[j] = y_out[j] * (1.0 - y_out[j])
            # cells
            for c in range(nc):
                j = c // block_size
                net = w_c[c, 0]
                for e in range(a, b):
                    net += w_c[c, 1 + x_idx[e]] * x_val[e]
                for r in range(n_rec):
                    net += w_c[c, rb + r] * y_prev[r]
                sg = _logistic(net)
                if g_kind == 0:
                    g_val = 4.0 * sg - 2.0  # eq. 5: g in [-2, 2]
                    g_der = 4.0 * sg * (1.0 - sg)
                else:
                    g_val = sg  # g1: logistic in [0, 1] (Exps 2a/2b)
                    g_der = sg * (1.0 - sg)
                s[c] += y_in[j] * g_val  # eq. 8: constant error carousel
                if mode != FORWARD:
                    k_in = g_val * dy_in[j]  # eq. 25: ds_c/dw_in += g(net_c) f'(net_in) y^m(t-1)
                    k_c = g_der * y_in[j]  # eq. 27: ds_c/dw_c += g'(net_c) f(net_in) y^m(t-1)
                    ds_in[c, 0] += k_in
                    ds_c[c, 0] += k_c
                    for e in range(a, b):
                        col = 1 + x_idx[e]
                        ds_in[c, col] += k_in * x_val[e]
                        ds_c[c, col] += k_c * x_val[e]
                    for r in range(n_rec):
                        ds_in[c, rb + r] += k_in * y_prev[r]
                        ds_c[c, rb + r] += k_c * y_prev[r]
                if h_kind == 0:
                    sh = _logistic(s[c])
                    h_val[c] = 2.0 * sh - 1.0  # eq. 4: h in [-1, 1]
                    h_der[c] = 2.0 * sh * (1.0 - sh)
                else:
                    h_val[c] = s[c]  # identity h (Exps 2a/2b)
                    h_der[c] = 1.0
                y_c[c] = y_out[j] * h_val[c]  # eq. 9
            # output units read the current cell outputs (and inputs under connectivity "B")
            for k in range(n_out):
                net = w_k[k, 0]
                for c in range(nc):
                    net += w_k[k, 1 + c] * y_c[c]
                for e in range(a, b):
                    net += w_k[k, 1 + nc + x_idx[e]] * x_val[e]
                y_k[k] = _logistic(net) if k_kind == 0 else net  # eq. 3: f; or linear (an ablation)
            if record_states:
                states[t, :nb] = y_in
                states[t, nb : 2 * nb] = y_out
                states[t, 2 * nb : 2 * nb + nc] = s
                states[t, 2 * nb + nc :] = y_c
            if target_at[t]:
                out[row, :] = y_k
                if mode != FORWARD:
                    for k in range(n_out):
                        dy_k = y_k[k] * (1.0 - y_k[k]) if k_kind == 0 else 1.0
                        e_k[k] = dy_k * (targets[row, k] - y_k[k])  # eq. 19
                        g_k[k, 0] -= e_k[k]  # eq. 22 (dE/dw = -e_l y^m)
                        for c in range(nc):
                            g_k[k, 1 + c] -= e_k[k] * y_c[c]
                        for e in range(a, b):
                            g_k[k, 1 + nc + x_idx[e]] -= e_k[k] * x_val[e]
                    for c in range(nc):
                        acc = 0.0
                        for k in range(n_out):
                            acc += w_k[k, 1 + c] * e_k[k]
                        delta[c] = acc  # sum_k w_kc e_k
                    if output_gate:
                        for j in range(nb):
                            acc = 0.0
                            for v in range(block_size):
                                c = j * block_size + v
                                acc += h_val[c] * delta[c]
                            e_out = dy_out[j] * acc  # eq. 21
                            g_out[j, 0] -= e_out  # eq. 22
                            for e in range(a, b):
                                g_out[j, 1 + x_idx[e]] -= e_out * x_val[e]
                            for r in range(n_rec):
                                g_out[j, rb + r] -= e_out * y_prev[r]
                    for c in range(nc):
                        j = c // block_size
                        e_s = y_out[j] * h_der[c] * delta[c]  # eq. 23
                        for m in range(n_u):
                            g_in[j, m] -= e_s * ds_in[c, m]  # eq. 26
                            g_c[c, m] -= e_s * ds_c[c, m]  # eq. 28
                    if mode == TRAIN_PER_STEP:
                        _apply_update(w_in, g_in, m_in, lr)
                        _apply_update(w_out, g_out, m_out, lr)
                        _apply_update(w_c, g_c, m_c, lr)
                        _apply_update(w_k, g_k, m_k, lr)
                row += 1
            y_prev[:nc] = y_c
            y_prev[nc : nc + nb] = y_in
            y_prev[nc + nb :] = y_out
        if mode == TRAIN_PER_SEQUENCE:  # "each weight's total update is the sum of all time steps' contributions"
            _apply_update(w_in, g_in, m_in, lr)
            _apply_update(w_out, g_out, m_out, lr)
            _apply_update(w_c, g_c, m_c, lr)
            _apply_update(w_k, g_k, m_k, lr)
