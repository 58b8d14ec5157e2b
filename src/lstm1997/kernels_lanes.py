"""The compiled kernel of kernels.py for K independent nets of one row at once ("lanes"), in lock-step.

Every array that differs between nets has the lane index as its last, contiguous axis, so that the loops over
lanes are the innermost loops and the compiler can vectorise them; weights and gradients are (rows, cols, K),
activations and traces (units, K) and (cells, n_u, K). The nets share their shapes, squashing kinds, output kind,
reset, masks, mode and learning rate; each has its own weights and its own sequences.

Each lane walks through its own sequences at its own pace: at every tick every lane advances one time step of
its current sequence, and a lane whose sequence ends resets and starts its next one at the next tick (so
sequences of different lengths need no padding); a lane with no sequence left idles until the call ends. All
lanes compute every step unconditionally (an idle lane computes on stale values that nothing reads); what
changes a lane's weights, gradients or outputs runs only for the lanes it concerns (``_runs``). No operation
mixes lanes.

For every lane the floating-point operations and their order are those of ``kernels.run`` on that lane alone
(the same expressions, the same ``math.exp``, sums in the same order), so outputs and weights are bitwise
identical to it (tests/test_lanes.py). Arguments are those of ``kernels.run``, lane-shaped, with the sequences of
all lanes concatenated: lane L owns the sequences ``seq_lo[L] .. seq_hi[L]-1`` of ``starts`` and writes its
targets' outputs from row ``row_lo[L]`` of ``out`` on (``pack`` in lanes.py builds these).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from lstm1997.cell import logistic, output_slope
from lstm1997.kernels import FORWARD, TRAIN_PER_SEQUENCE, TRAIN_PER_STEP


@njit(cache=True, error_model="numpy", inline="always")
def _nets(w, a, b, x_idx, x_val, rb, y_prev, net):
    """net[j, L] = sum_m w[j, m, L] u_m(t) of every unit j of ``w`` and lane L: bias, sparse inputs, then the
    recurrent sources, as cell.source_net adds them (eqs. 6, 7 and net_c)."""
    K = net.shape[1]
    for j in range(w.shape[0]):
        for L in range(K):
            net[j, L] = w[j, 0, L]
    for L in range(K):
        for e in range(a[L], b[L]):
            col = 1 + x_idx[e]
            for j in range(w.shape[0]):
                net[j, L] += w[j, col, L] * x_val[e]
    for j in range(w.shape[0]):
        for r in range(y_prev.shape[0]):
            for L in range(K):
                net[j, L] += w[j, rb + r, L] * y_prev[r, L]


@njit(cache=True, error_model="numpy", inline="always")
def _runs(flag, lo, hi):
    """The runs of consecutive lanes with ``flag[L]``: lanes ``lo[i] .. hi[i]-1`` for i < the count returned. What
    changes weights or gradients loops over these runs: all lanes at once (one run) vectorises; no branch per lane
    (masked stores are slow) and nothing to undo for the others."""
    n = 0
    i = 0
    while i < flag.shape[0]:
        if flag[i]:
            lo[n] = i
            while i < flag.shape[0] and flag[i]:
                i += 1
            hi[n] = i
            n += 1
        else:
            i += 1
    return n


@njit(cache=True, error_model="numpy", inline="always")
def _add_source(acc, j, k, lo, hi, a, b, x_idx, x_val, rb, y_prev):
    """acc[j, :, L] += k[L] * u(t) for the lanes lo..hi-1 (cell.add_source)."""
    for L in range(lo, hi):
        acc[j, 0, L] += k[L]
        for e in range(a[L], b[L]):
            acc[j, 1 + x_idx[e], L] += k[L] * x_val[e]
    for r in range(y_prev.shape[0]):
        for L in range(lo, hi):
            acc[j, rb + r, L] += k[L] * y_prev[r, L]


@njit(cache=True, error_model="numpy", inline="always")
def _state_products(g, j, jc, e, ds_in, ds_c, c, lo, hi):
    """g[j, :, L] -= e[L] ds_in[c, :, L] (eq. 26) and g[jc, :, L] -= e[L] ds_c[c, :, L] (eq. 28) for the lanes
    lo..hi-1 (cell.state_errors)."""
    if hi - lo == 1:
        for m in range(g.shape[1]):
            g[j, m, lo] -= e[lo] * ds_in[c, m, lo]
            g[jc, m, lo] -= e[lo] * ds_c[c, m, lo]
    else:
        for m in range(g.shape[1]):
            for L in range(lo, hi):
                g[j, m, L] -= e[L] * ds_in[c, m, L]
                g[jc, m, L] -= e[L] * ds_c[c, m, L]


@njit(cache=True, error_model="numpy")
def _update(w, g, m, lr, lo, hi):
    """cell.apply_update for the lanes lo..hi-1: w -= lr * g * m on existing connections; clears g."""
    if hi - lo == 1:
        for i in range(w.shape[0]):
            for j in range(w.shape[1]):
                w[i, j, lo] -= lr * g[i, j, lo] * m[i, j]
                g[i, j, lo] = 0.0
    else:
        for i in range(w.shape[0]):
            for j in range(w.shape[1]):
                for L in range(lo, hi):
                    w[i, j, L] -= lr * g[i, j, L] * m[i, j]
                    g[i, j, L] = 0.0


@njit(cache=True, error_model="numpy", inline="always")
def _apply_updates(lr, w, w_k, g, g_k, m, m_k, lo, hi, n_runs):
    """The weight update of the lanes of the runs ``lo[i] .. hi[i]-1``, hidden units then output units."""
    for q in range(n_runs):
        _update(w, g, m, lr, lo[q], hi[q])
        _update(w_k, g_k, m_k, lr, lo[q], hi[q])


@njit(cache=True, error_model="numpy")
def run_lanes(
    w_in, w_out, w_c, w_k,
    m_in, m_out, m_c, m_k,
    block_size, g_kind, h_kind, output_gate, k_kind, reset,
    seq_lo, seq_hi, row_lo,
    starts, x_ptr, x_idx, x_val, target_at, targets,
    mode, lr,
    g_in, g_out, g_c, g_k,
    out,
):  # fmt: skip
    """``kernels.run`` (without ``states``) for each lane L over its sequences ``seq_lo[L] .. seq_hi[L]-1``."""
    nb = w_in.shape[0]
    nc = w_c.shape[0]
    n_u = w_c.shape[1]
    n_out = w_k.shape[0]
    K = w_c.shape[2]
    og, cl = nb, 2 * nb  # rows of the output gates and cells in the stacked hidden-unit arrays
    w = np.concatenate((w_in, w_out, w_c))  # all hidden units read u(t): one pass computes their net inputs
    g = np.concatenate((g_in, g_out, g_c))
    m_h = np.concatenate((m_in, m_out, m_c))
    rb = n_u - nc - 2 * nb
    n_rec = nc + 2 * nb
    train = mode != FORWARD

    y_prev = np.zeros((n_rec, K))
    y_in = np.zeros((nb, K))
    dy_in = np.zeros((nb, K))
    y_out = np.ones((nb, K))
    dy_out = np.zeros((nb, K))
    net = np.zeros((cl + nc, K))
    g_val = np.zeros((nc, K))
    g_der = np.zeros((nc, K))
    s = np.zeros((nc, K))
    h_val = np.zeros((nc, K))
    h_der = np.zeros((nc, K))
    y_c = np.zeros((nc, K))
    ds_in = np.zeros((nc, n_u, K))
    ds_c = np.zeros((nc, n_u, K))
    k_in = np.zeros((nc, K))
    k_c = np.zeros((nc, K))
    y_k = np.zeros((n_out, K))
    e_k = np.zeros((n_out, K))
    delta = np.zeros((nc, K))
    e_s = np.zeros(K)
    e_out = np.zeros(K)

    nxt = seq_lo.copy()  # next sequence of each lane
    t = np.zeros(K, dtype=np.int64)  # current step of each lane (global step index)
    end = np.zeros(K, dtype=np.int64)  # end of each lane's current sequence
    row = row_lo.copy()
    a = np.zeros(K, dtype=np.int64)
    b = np.zeros(K, dtype=np.int64)
    active = np.zeros(K, dtype=np.bool_)  # lanes with a sequence under way
    begun = np.zeros(K, dtype=np.bool_)  # lanes that have started a sequence (their previous one ends)
    ending = np.zeros(K, dtype=np.bool_)
    tg = np.zeros(K, dtype=np.bool_)  # lanes whose current step has a target
    lo = np.zeros(K, dtype=np.int64)  # runs of lanes (_runs)
    hi = np.zeros(K, dtype=np.int64)

    while True:
        # --- sequence boundaries: the lanes whose sequence has ended update (per sequence) and start the next
        n_ending = 0
        for L in range(K):
            ending[L] = active[L] and t[L] == end[L] or not begun[L]
            n_ending += ending[L]
        while n_ending > 0:
            if mode == TRAIN_PER_SEQUENCE:  # "each weight's total update is the sum of all time steps' contributions"
                for L in range(K):  # tg as scratch: the lanes whose sequence has ended
                    tg[L] = ending[L] and begun[L]
                n_runs = _runs(tg, lo, hi)
                _apply_updates(lr, w, w_k, g, g_k, m_h, m_k, lo, hi, n_runs)
            n_ending = 0
            for L in range(K):
                if not ending[L]:
                    continue
                begun[L] = True
                if nxt[L] == seq_hi[L]:  # no sequence left: idle
                    active[L] = False
                    ending[L] = False
                    t[L] = end[L] = 0
                    continue
                active[L] = True
                t[L] = starts[nxt[L]]
                end[L] = starts[nxt[L] + 1]
                nxt[L] += 1
                for r in range(n_rec):  # activations (0 in the paper) and state reset with every sequence
                    y_prev[r, L] = reset
                for c in range(nc):
                    s[c, L] = 0.0
                    if train:
                        for m in range(n_u):
                            ds_in[c, m, L] = 0.0
                            ds_c[c, m, L] = 0.0
                ending[L] = t[L] == end[L]  # an empty sequence ends at once
                n_ending += ending[L]
        n_active = 0
        for L in range(K):
            n_active += active[L]
        if n_active == 0:
            break

        # --- one time step of every lane
        n_tg = 0
        for L in range(K):
            if active[L]:
                a[L] = x_ptr[t[L]]
                b[L] = x_ptr[t[L] + 1]
                tg[L] = target_at[t[L]]
            else:
                a[L] = b[L] = 0
                tg[L] = False
            n_tg += tg[L]
        _nets(w, a, b, x_idx, x_val, rb, y_prev, net)
        for j in range(cl + nc):  # every gate and cell input is logistic(net): the exp calls, then the rest
            if output_gate or not og <= j < cl:
                for L in range(K):
                    net[j, L] = math.exp(-net[j, L])  # eq. 3: f = 1 / (1 + exp(-net))
        for j in range(nb):
            for L in range(K):
                y_in[j, L] = 1.0 / (1.0 + net[j, L])  # eq. 6: input gates
                dy_in[j, L] = y_in[j, L] * (1.0 - y_in[j, L])
            if output_gate:
                for L in range(K):
                    y_out[j, L] = 1.0 / (1.0 + net[og + j, L])  # eq. 7: output gates
                    dy_out[j, L] = y_out[j, L] * (1.0 - y_out[j, L])
        for c in range(nc):
            for L in range(K):
                sg = 1.0 / (1.0 + net[cl + c, L])
                if g_kind == 0:
                    g_val[c, L] = 4.0 * sg - 2.0  # eq. 5: g in [-2, 2]
                    g_der[c, L] = 4.0 * sg * (1.0 - sg)
                else:
                    g_val[c, L] = sg  # g1: logistic in [0, 1] (Exps 2a/2b)
                    g_der[c, L] = sg * (1.0 - sg)
        for c in range(nc):
            j = c // block_size
            for L in range(K):
                s[c, L] += y_in[j, L] * g_val[c, L]  # eq. 8: constant error carousel
        if train:
            for c in range(nc):
                j = c // block_size
                for L in range(K):
                    k_in[c, L] = g_val[c, L] * dy_in[j, L]  # eq. 25: ds_c/dw_in += g(net_c) f'(net_in) y^m(t-1)
                    k_c[c, L] = g_der[c, L] * y_in[j, L]  # eq. 27: ds_c/dw_c += g'(net_c) f(net_in) y^m(t-1)
                    ds_in[c, 0, L] += k_in[c, L]
                    ds_c[c, 0, L] += k_c[c, L]
            for L in range(K):
                for e in range(a[L], b[L]):
                    col = 1 + x_idx[e]
                    for c in range(nc):
                        ds_in[c, col, L] += k_in[c, L] * x_val[e]
                        ds_c[c, col, L] += k_c[c, L] * x_val[e]
            for c in range(nc):
                for r in range(n_rec):
                    for L in range(K):
                        ds_in[c, rb + r, L] += k_in[c, L] * y_prev[r, L]
                        ds_c[c, rb + r, L] += k_c[c, L] * y_prev[r, L]
        for c in range(nc):  # eqs. 4, 9
            j = c // block_size
            if h_kind == 0:
                for L in range(K):
                    h_val[c, L] = math.exp(-s[c, L])  # eq. 3: f = 1 / (1 + exp(-s)), the exp calls first
                for L in range(K):
                    sh = 1.0 / (1.0 + h_val[c, L])
                    h_val[c, L] = 2.0 * sh - 1.0  # eq. 4: h in [-1, 1]
                    h_der[c, L] = 2.0 * sh * (1.0 - sh)
            else:
                for L in range(K):
                    h_val[c, L] = s[c, L]  # identity h (Exps 2a/2b)
                    h_der[c, L] = 1.0
            for L in range(K):
                y_c[c, L] = y_out[j, L] * h_val[c, L]  # eq. 9

        if n_tg > 0:  # the outputs, and the errors of the lanes whose step has a target
            for k in range(n_out):
                for L in range(K):
                    y_k[k, L] = w_k[k, 0, L]
                for c in range(nc):
                    for L in range(K):
                        y_k[k, L] += w_k[k, 1 + c, L] * y_c[c, L]
            for L in range(K):
                if tg[L]:
                    for e in range(a[L], b[L]):
                        for k in range(n_out):
                            y_k[k, L] += w_k[k, 1 + nc + x_idx[e], L] * x_val[e]
                    for k in range(n_out):
                        if k_kind != 1:
                            y_k[k, L] = logistic(y_k[k, L])  # eq. 3: f; or linear (an ablation)
                        out[row[L], k] = y_k[k, L]
            if train:
                n_runs = _runs(tg, lo, hi)
                for q in range(n_runs):
                    for k in range(n_out):
                        for L in range(lo[q], hi[q]):
                            dy_k = output_slope(k_kind, y_k[k, L])
                            e_k[k, L] = dy_k * (targets[row[L], k] - y_k[k, L])  # eq. 19
                            g_k[k, 0, L] -= e_k[k, L]  # eq. 22 (dE/dw = -e_l y^m)
                        for c in range(nc):
                            for L in range(lo[q], hi[q]):
                                g_k[k, 1 + c, L] -= e_k[k, L] * y_c[c, L]
                    for L in range(lo[q], hi[q]):
                        for e in range(a[L], b[L]):
                            for k in range(n_out):
                                g_k[k, 1 + nc + x_idx[e], L] -= e_k[k, L] * x_val[e]
                for c in range(nc):  # sum_k w_kc e_k
                    for L in range(K):
                        delta[c, L] = 0.0
                    for k in range(n_out):
                        for L in range(K):
                            delta[c, L] += w_k[k, 1 + c, L] * e_k[k, L]
                if output_gate:
                    for j in range(nb):
                        for L in range(K):
                            acc = 0.0
                            for c in range(j * block_size, (j + 1) * block_size):
                                acc += h_val[c, L] * delta[c, L]
                            e_out[L] = -(dy_out[j, L] * acc)  # eq. 21; g_out -= e_out u(t) (eq. 22)
                        for q in range(n_runs):
                            _add_source(g, og + j, e_out, lo[q], hi[q], a, b, x_idx, x_val, rb, y_prev)
                for c in range(nc):
                    j = c // block_size
                    for L in range(K):
                        e_s[L] = y_out[j, L] * h_der[c, L] * delta[c, L]  # eq. 23
                    for q in range(n_runs):
                        _state_products(g, j, cl + c, e_s, ds_in, ds_c, c, lo[q], hi[q])  # eqs. 26, 28
                if mode == TRAIN_PER_STEP:
                    _apply_updates(lr, w, w_k, g, g_k, m_h, m_k, lo, hi, n_runs)
            for L in range(K):
                row[L] += tg[L]

        for c in range(nc):
            for L in range(K):
                y_prev[c, L] = y_c[c, L]
        for j in range(nb):
            for L in range(K):
                y_prev[nc + j, L] = y_in[j, L]
                y_prev[nc + nb + j, L] = y_out[j, L]
        for L in range(K):
            t[L] += active[L]
    if train:  # the stacked hidden-unit weights and gradients back into the caller's arrays
        w_in[...] = w[:og]
        w_out[...] = w[og:cl]
        w_c[...] = w[cl:]
        g_in[...] = g[:og]
        g_out[...] = g[og:cl]
        g_c[...] = g[cl:]
