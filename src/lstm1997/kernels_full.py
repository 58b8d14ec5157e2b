"""The compiled kernel for the FULL (untruncated) gradient of the 1997 LSTM: backpropagation through time.

The paper trains with a truncated gradient (Appendix A.1, eqs. 19-28): error that arrives at a gate or cell
input never flows back into the units that feed it, so it reaches the past only through the constant error
carousel (CEC) s_c(t) = s_c(t-1) + y_in(t) g(net_c(t)). Sec. 6 reports "a few experiments with non-truncated
LSTM" and "no significant difference". This kernel computes the exact gradient of the same net, so the claim
can be tested at scale: error also flows through every recurrent connection y_c(t-1), y_in(t-1), y_out(t-1)
into every gate and cell.

Same net, same argument conventions and same forward pass as ``kernels.run`` (weights ``w_*``, masks ``m_*``,
squashing codes, CSR inputs, target steps, ``out``), so outputs are bitwise those of ``kernels.run``. Per
sequence: a forward pass (eqs. 3-9) that stores every step's activations in work arrays sized to the longest
sequence of the call, then a backward pass from the sequence's last target step down to its first step.
Only nonzero inputs touch the net inputs (forward) and the input-weight gradients (backward).

Backward-pass notation (all derivatives of E = 1/2 sum over target steps of sum_k (y_k - t_k)^2):

    d_k(t)    = dE/dnet_k(t)    = f'(net_k(t)) (y_k(t) - t_k(t))                      (= -e_k, eq. 19)
    D_c(t)    = dE/dy_c(t)      = sum_k w_kc d_k(t) + R_c(t)
    d_out(t)  = dE/dnet_out(t)  = f'(net_out) [ sum_{c in block} h(s_c) D_c + R_out ]  (eq. 21 + R)
    S_c(t)    = dE/ds_c(t)      = y_out h'(s_c) D_c(t) + S_c(t+1)                      (eq. 23 + the CEC)
    d_in(t)   = dE/dnet_in(t)   = f'(net_in) [ sum_{c in block} g(net_c) S_c + R_in ]  (eqs. 25-26 + R)
    d_c(t)    = dE/dnet_c(t)    = y_in g'(net_c) S_c(t)                                (eqs. 27-28)
    R_r(t-1)  = dE/dy_r(t-1) via u(t) = sum_{gate/cell i} w_{i,rb+r} d_i(t)            (what truncation drops)

and dE/dw_im = sum_t d_i(t) u_m(t) for gates and cells, dE/dw_km = sum_t d_k(t) v_m(t) for outputs (eq. 22).
The truncated gradient is the special case R = 0.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from lstm1997.cell import (
    apply_updates,
    block_sum,
    cell_inputs,
    cell_outputs,
    gates,
    kernel_sizes,
    output_slope,
    output_units,
)
from lstm1997.kernels import FORWARD, GRADIENT, TRAIN_PER_SEQUENCE

__all__ = ["FORWARD", "GRADIENT", "TRAIN_PER_SEQUENCE", "run_full"]


# The arguments are those of kernels.run up to ``out``, on purpose (a deliberate mirror): learning._run builds one
# argument tuple and hands it to either kernel.
@njit(cache=True, error_model="numpy")
def run_full(
    w_in, w_out, w_c, w_k,
    m_in, m_out, m_c, m_k,
    block_size, g_kind, h_kind, output_gate, k_kind, reset,
    starts, x_ptr, x_idx, x_val, target_at, targets,
    mode, lr,
    g_in, g_out, g_c, g_k,
    out,
):  # fmt: skip
    """Run the net over sequences ``starts[i]..starts[i+1]-1``, resetting all activations for each, with the
    full gradient (backpropagation through time over each whole sequence).

    Writes the outputs at target steps to ``out`` (one row per target). GRADIENT mode adds the exact dE/dw of
    every sequence (E = 1/2 sum over its targets of the squared error) to ``g_*``, unmasked like
    ``kernels.run``; TRAIN_PER_SEQUENCE uses ``g_*`` as scratch and applies ``w -= lr * g * m`` after each
    sequence; FORWARD only writes ``out``. There is no per-step mode: a full gradient needs the whole sequence.
    """
    if mode != FORWARD and mode != GRADIENT and mode != TRAIN_PER_SEQUENCE:
        raise ValueError("run_full: mode must be FORWARD, GRADIENT or TRAIN_PER_SEQUENCE")
    nb, nc, n_u, n_out, rb, n_rec = kernel_sizes(w_in, w_c, w_k)
    o_in = nc  # offsets of y_in and y_out in the recurrent part [y_c, y_in, y_out]
    o_out = nc + nb

    # Work arrays for one sequence, sized to the longest one in the call; row tau = step starts[i] + tau.
    max_len = 0
    for i in range(len(starts) - 1):
        max_len = max(max_len, starts[i + 1] - starts[i])
    Y = np.zeros((max_len, n_rec))  # [y_c, y_in, y_out](t): the recurrent part of u(t+1)
    F_in = np.zeros((max_len, nb))  # f'(net_in(t))
    F_out = np.zeros((max_len, nb))  # f'(net_out(t))
    G_val = np.zeros((max_len, nc))  # g(net_c(t))
    G_der = np.zeros((max_len, nc))  # g'(net_c(t))
    H_val = np.zeros((max_len, nc))  # h(s_c(t))
    H_der = np.zeros((max_len, nc))  # h'(s_c(t))

    y_prev = np.zeros(n_rec)
    y_in = np.zeros(nb)
    y_out = np.ones(nb)
    s = np.zeros(nc)
    y_k = np.zeros(n_out)
    d_k = np.zeros(n_out)
    D_c = np.zeros(nc)
    S_c = np.zeros(nc)
    d_in = np.zeros(nb)
    d_out = np.zeros(nb)
    d_c = np.zeros(nc)
    R = np.zeros(n_rec)
    row = 0

    for i in range(len(starts) - 1):
        t0 = starts[i]
        y_prev[:] = reset  # activations (0 in the paper) and state reset with every sequence; s_c(0) = 0
        s[:] = 0.0
        t_last = -1  # last step of the sequence with a target: the backward pass starts there
        for t in range(t0, starts[i + 1]):
            tau = t - t0
            a = x_ptr[t]
            b = x_ptr[t + 1]
            gates(w_in, a, b, x_idx, x_val, rb, y_prev, y_in, F_in[tau])  # eq. 6: input gates
            if output_gate:  # eq. 7: output gates (without them y_out = 1)
                gates(w_out, a, b, x_idx, x_val, rb, y_prev, y_out, F_out[tau])
            cell_inputs(w_c, g_kind, a, b, x_idx, x_val, rb, y_prev, G_val[tau], G_der[tau])
            for c in range(nc):
                s[c] += y_in[c // block_size] * G_val[tau, c]  # eq. 8: constant error carousel
            cell_outputs(s, y_out, block_size, h_kind, H_val[tau], H_der[tau], Y[tau, :nc])  # eqs. 4, 9: y_c(t)
            Y[tau, o_in : o_in + nb] = y_in
            Y[tau, o_out : o_out + nb] = y_out
            y_prev[:] = Y[tau]  # the recurrent part of u(t+1)
            if target_at[t]:
                output_units(w_k, k_kind, Y[tau, :nc], a, b, x_idx, x_val, y_k)
                out[row, :] = y_k
                row += 1
                t_last = t

        if mode == FORWARD or t_last < 0:
            continue

        # Backward pass through time, from the last target step down to the sequence's first step.
        r_row = row  # one past the target row of the step being processed
        R[:] = 0.0  # dE/dy(t) through u(t+1): nothing beyond the last target
        S_c[:] = 0.0  # dE/ds_c(t+1): nothing beyond the last target
        for t in range(t_last, t0 - 1, -1):
            tau = t - t0
            a = x_ptr[t]
            b = x_ptr[t + 1]
            for c in range(nc):
                D_c[c] = R[c]  # dE/dy_c(t) via the gates and cells of step t+1
            if target_at[t]:
                r_row -= 1
                for k in range(n_out):
                    yk = out[r_row, k]
                    fk = output_slope(k_kind, yk)
                    d_k[k] = fk * (yk - targets[r_row, k])  # eq. 19: d_k = -e_k
                    g_k[k, 0] += d_k[k]  # eq. 22: dE/dw_km = -e_k v_m
                    for c in range(nc):
                        g_k[k, 1 + c] += d_k[k] * Y[tau, c]
                    for e in range(a, b):
                        g_k[k, 1 + nc + x_idx[e]] += d_k[k] * x_val[e]
                    for c in range(nc):
                        D_c[c] += w_k[k, 1 + c] * d_k[k]  # sum_k w_kc d_k (the delta of eqs. 21, 23)
            # output gates: y_c = y_out h(s_c) (eq. 9), so dE/dy_out = sum_c h(s_c) D_c + R_out (eq. 21)
            if output_gate:
                for j in range(nb):
                    d_out[j] = F_out[tau, j] * block_sum(R[o_out + j], H_val[tau], D_c, j, block_size)
            # cell states: eq. 23 plus the CEC, whose self-connection has weight 1 (eq. 8)
            for c in range(nc):
                j = c // block_size
                yo = Y[tau, o_out + j] if output_gate else 1.0
                S_c[c] += yo * H_der[tau, c] * D_c[c]
            # input gates: s_c += y_in g(net_c) (eq. 8), so dE/dy_in = sum_c g(net_c) S_c + R_in (eqs. 25-26)
            for j in range(nb):
                d_in[j] = F_in[tau, j] * block_sum(R[o_in + j], G_val[tau], S_c, j, block_size)
            # cell inputs: eqs. 27-28
            for c in range(nc):
                d_c[c] = Y[tau, o_in + c // block_size] * G_der[tau, c] * S_c[c]
            # dE/dw_im += d_i(t) u_m(t) for u(t) = [1, x(t), y(t-1)] (eqs. 22, 26, 28 without truncation)
            for j in range(nb):
                g_in[j, 0] += d_in[j]
                for e in range(a, b):
                    g_in[j, 1 + x_idx[e]] += d_in[j] * x_val[e]
            if output_gate:
                for j in range(nb):
                    g_out[j, 0] += d_out[j]
                    for e in range(a, b):
                        g_out[j, 1 + x_idx[e]] += d_out[j] * x_val[e]
            for c in range(nc):
                g_c[c, 0] += d_c[c]
                for e in range(a, b):
                    g_c[c, 1 + x_idx[e]] += d_c[c] * x_val[e]
            if t == t0:  # y(t0-1) is the constant reset value: nothing further back
                if reset != 0.0:
                    for j in range(nb):
                        for r in range(n_rec):
                            g_in[j, rb + r] += d_in[j] * reset
                            if output_gate:
                                g_out[j, rb + r] += d_out[j] * reset
                    for c in range(nc):
                        for r in range(n_rec):
                            g_c[c, rb + r] += d_c[c] * reset
                break
            # Recurrent columns, one pass over each weight row: dE/dw_{i,rb+r} += d_i(t) y_r(t-1), and
            # R_r(t-1) = dE/dy_r(t-1) through u(t) = sum_i w_{i,rb+r} d_i(t): the paths truncation drops.
            R[:] = 0.0
            for j in range(nb):
                dj = d_in[j]
                for r in range(n_rec):
                    g_in[j, rb + r] += dj * Y[tau - 1, r]
                    R[r] += w_in[j, rb + r] * dj
            if output_gate:
                for j in range(nb):
                    dj = d_out[j]
                    for r in range(n_rec):
                        g_out[j, rb + r] += dj * Y[tau - 1, r]
                        R[r] += w_out[j, rb + r] * dj
            for c in range(nc):
                dc = d_c[c]
                for r in range(n_rec):
                    g_c[c, rb + r] += dc * Y[tau - 1, r]
                    R[r] += w_c[c, rb + r] * dc

        if mode == TRAIN_PER_SEQUENCE:  # one update per sequence, as the truncated kernel's per-sequence mode
            apply_updates(lr, w_in, w_out, w_c, w_k, g_in, g_out, g_c, g_k, m_in, m_out, m_c, m_k)
