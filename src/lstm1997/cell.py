"""Compiled pieces shared by the kernels (kernels.py, kernels_full.py, and ``logistic`` in nnlstm.py): the
squashing functions, the forward step of the 1997 memory cell block (Appendix A.1, eqs. 3-9), the truncated
errors at a target step (eqs. 19-28) and the weight update.

The source vector of gates and cells is ``u(t) = [1, x(t), y_prev]``: column 0 is the bias, columns 1..n_in
the inputs, given sparse (the CSR entries ``a..b-1`` of ``x_idx``/``x_val``), and columns ``rb..`` the previous
step's recurrent activations ``y_prev``. The helpers (all but ``apply_update``) are inlined into their callers
(``inline="always"``), so the kernels compile to the same loops, with the same order of floating-point
operations, as when written out.

Numba's cache tracks only the file of a cached function: after editing this module, clear the ``__pycache__``
of the kernels that inline it (or touch their files) so that they recompile.
"""

from __future__ import annotations

import math

from numba import njit


@njit(cache=True, error_model="numpy", inline="always")
def kernel_sizes(w_in, w_c, w_k):
    """(n_blocks, n_cells, n_u, n_out, rb, n_rec) of a net from its weights: rb is the first recurrent column of
    u(t), n_rec = n_cells + 2 n_blocks the length of its recurrent part [y_c, y_in, y_out]."""
    nb = w_in.shape[0]
    nc = w_c.shape[0]
    n_u = w_c.shape[1]
    return nb, nc, n_u, w_k.shape[0], n_u - nc - 2 * nb, nc + 2 * nb


@njit(cache=True, error_model="numpy", inline="always")
def logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))  # eq. 3: f


@njit(cache=True, error_model="numpy", inline="always")
def source_net(w, j, a, b, x_idx, x_val, rb, y_prev):
    """Net input of the unit of row j of ``w`` from u(t): sum_m w_jm u_m(t) (eqs. 6, 7 and net_c)."""
    net = w[j, 0]
    for e in range(a, b):
        net += w[j, 1 + x_idx[e]] * x_val[e]
    for r in range(y_prev.shape[0]):
        net += w[j, rb + r] * y_prev[r]
    return net


@njit(cache=True, error_model="numpy", inline="always")
def add_source(acc, j, k, a, b, x_idx, x_val, rb, y_prev):
    """acc[j, :] += k * u(t) (only the nonzero inputs touch their columns)."""
    acc[j, 0] += k
    for e in range(a, b):
        acc[j, 1 + x_idx[e]] += k * x_val[e]
    for r in range(y_prev.shape[0]):
        acc[j, rb + r] += k * y_prev[r]


@njit(cache=True, error_model="numpy", inline="always")
def add_source_pair(acc1, k1, acc2, k2, j, a, b, x_idx, x_val, rb, y_prev):
    """acc1[j, :] += k1 * u(t) and acc2[j, :] += k2 * u(t) in one pass over u(t) (faster than two)."""
    acc1[j, 0] += k1
    acc2[j, 0] += k2
    for e in range(a, b):
        col = 1 + x_idx[e]
        acc1[j, col] += k1 * x_val[e]
        acc2[j, col] += k2 * x_val[e]
    for r in range(y_prev.shape[0]):
        acc1[j, rb + r] += k1 * y_prev[r]
        acc2[j, rb + r] += k2 * y_prev[r]


@njit(cache=True, error_model="numpy", inline="always")
def gates(w, a, b, x_idx, x_val, rb, y_prev, y, dy):
    """One gate per row of ``w``: y = f(net) and its derivative dy = f'(net) (eq. 6 input, eq. 7 output gates)."""
    for j in range(w.shape[0]):
        y[j] = logistic(source_net(w, j, a, b, x_idx, x_val, rb, y_prev))
        dy[j] = y[j] * (1.0 - y[j])


@njit(cache=True, error_model="numpy", inline="always")
def cell_inputs(w_c, g_kind, a, b, x_idx, x_val, rb, y_prev, g_val, g_der):
    """g(net_c(t)) and g'(net_c(t)) of every cell."""
    for c in range(w_c.shape[0]):
        sg = logistic(source_net(w_c, c, a, b, x_idx, x_val, rb, y_prev))
        if g_kind == 0:
            g_val[c] = 4.0 * sg - 2.0  # eq. 5: g in [-2, 2]
            g_der[c] = 4.0 * sg * (1.0 - sg)
        else:
            g_val[c] = sg  # g1: logistic in [0, 1] (Exps 2a/2b)
            g_der[c] = sg * (1.0 - sg)


@njit(cache=True, error_model="numpy", inline="always")
def cell_outputs(s, y_out, block_size, h_kind, h_val, h_der, y_c):
    """h(s_c(t)), h'(s_c(t)) and the cell outputs y_c(t) = y_out(t) h(s_c(t)) from the updated states."""
    for c in range(s.shape[0]):
        if h_kind == 0:
            sh = logistic(s[c])
            h_val[c] = 2.0 * sh - 1.0  # eq. 4: h in [-1, 1]
            h_der[c] = 2.0 * sh * (1.0 - sh)
        else:
            h_val[c] = s[c]  # identity h (Exps 2a/2b)
            h_der[c] = 1.0
        y_c[c] = y_out[c // block_size] * h_val[c]  # eq. 9


@njit(cache=True, error_model="numpy", inline="always")
def output_units(w_k, k_kind, y_c, a, b, x_idx, x_val, y_k):
    """Output units read v(t) = [1, y_c(t), x(t)] (the inputs only under connectivity "B")."""
    nc = y_c.shape[0]
    for k in range(w_k.shape[0]):
        net = w_k[k, 0]
        for c in range(nc):
            net += w_k[k, 1 + c] * y_c[c]
        for e in range(a, b):
            net += w_k[k, 1 + nc + x_idx[e]] * x_val[e]
        y_k[k] = net if k_kind == 1 else logistic(net)  # eq. 3: f; or linear (an ablation)


@njit(cache=True, error_model="numpy", inline="always")
def output_slope(k_kind, y):
    """The factor f'_k(net_k) of eq. 19 for an output unit with activation ``y``, by output kind: 0 logistic
    (the paper's); 1 linear and 2 logistic with the cross-entropy error (no f'_k: no flat spot); 3 logistic with
    Fahlman's flat-spot offset, f'_k + 0.1. Kinds 1-3 are deviations from eq. 19 (docs/DEVIATIONS.md)."""
    if k_kind == 0:
        return y * (1.0 - y)
    if k_kind == 3:
        return y * (1.0 - y) + 0.1
    return 1.0


@njit(cache=True, error_model="numpy", inline="always")
def output_errors(w_k, k_kind, y_k, targets, row, y_c, a, b, x_idx, x_val, e_k, delta, g_k):
    """At a target step: the output errors e_k (eq. 19), g_k -= e_k v(t) (eq. 22), and the error each cell
    output receives, delta_c = sum_k w_kc e_k."""
    nc = y_c.shape[0]
    n_out = w_k.shape[0]
    for k in range(n_out):
        dy_k = output_slope(k_kind, y_k[k])
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


@njit(cache=True, error_model="numpy", inline="always")
def block_sum(acc, v, d, j, block_size):
    """acc + sum over the cells c of block j of v[c] d[c], added in cell order."""
    for c in range(j * block_size, (j + 1) * block_size):
        acc += v[c] * d[c]
    return acc


@njit(cache=True, error_model="numpy", inline="always")
def output_gate_errors(dy_out, h_val, delta, block_size, a, b, x_idx, x_val, rb, y_prev, g_out):
    """At a target step: each output gate's error e_out (eq. 21) and g_out -= e_out u(t) (eq. 22)."""
    for j in range(dy_out.shape[0]):
        e_out = dy_out[j] * block_sum(0.0, h_val, delta, j, block_size)  # eq. 21
        add_source(g_out, j, -e_out, a, b, x_idx, x_val, rb, y_prev)  # eq. 22


@njit(cache=True, error_model="numpy", inline="always")
def state_errors(y_out, h_der, delta, block_size, ds_in, ds_c, g_in, g_c, e_s):
    """At a target step: each cell state's truncated error e_s (eq. 23), and g -= e_s ds/dw for the input gate
    and cell weights through the traces ds_in, ds_c (eqs. 26, 28)."""
    for c in range(delta.shape[0]):
        j = c // block_size
        e_s[c] = y_out[j] * h_der[c] * delta[c]  # eq. 23
        for m in range(ds_in.shape[1]):
            g_in[j, m] -= e_s[c] * ds_in[c, m]  # eq. 26
            g_c[c, m] -= e_s[c] * ds_c[c, m]  # eq. 28


@njit(cache=True, error_model="numpy")
def apply_update(w, g, m, lr):
    """w -= lr * g on existing connections only; clears g."""
    for i in range(w.shape[0]):
        for j in range(w.shape[1]):
            w[i, j] -= lr * g[i, j] * m[i, j]
            g[i, j] = 0.0


@njit(cache=True, error_model="numpy", inline="always")
def apply_updates(lr, w_in, w_out, w_c, w_k, g_in, g_out, g_c, g_k, m_in, m_out, m_c, m_k):
    """``apply_update`` of the input gate, output gate, cell and output weights, in that order."""
    apply_update(w_in, g_in, m_in, lr)
    apply_update(w_out, g_out, m_out, lr)
    apply_update(w_c, g_c, m_c, lr)
    apply_update(w_k, g_k, m_k, lr)
