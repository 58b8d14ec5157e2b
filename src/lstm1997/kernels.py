"""The compiled kernel: forward pass and truncated gradient of the 1997 LSTM (Appendix A.1, eqs. 3-28).

One call processes many sequences, so Python overhead vanishes. Inputs arrive sparse (see sequences.py):
only nonzero inputs touch the net inputs and the sensitivities, which makes the one-hot nets of Exps 1, 2
and 6 as cheap per step as the small dense ones. Errors are computed only at steps that carry a target.

Layout of the hidden units' source vector u(t): column 0 = bias, 1..n_in = inputs x(t), then the previous
step's cell outputs, input-gate and output-gate activations (``rb`` = 1 + n_in is where they start).

The same kernel runs the one later variant of the cell that the baselines train: a forget gate per block (Gers,
Schmidhuber & Cummins 2000, "Learning to forget"), given by forget-gate weights ``w_f``. Without them (``w_f``
None, the 1997 net) numba compiles the kernel without the forget gate's lines (its branches on ``w_f is None``
are decided at compile time): exactly the 1997 arithmetic, at the 1997 kernel's speed.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from lstm1997.cell import (
    add_source,
    add_source_pair,
    apply_update,
    apply_updates,
    cell_inputs,
    cell_outputs,
    gates,
    kernel_sizes,
    output_errors,
    output_gate_errors,
    output_units,
    state_errors,
)

FORWARD, GRADIENT, TRAIN_PER_SEQUENCE, TRAIN_PER_STEP = 0, 1, 2, 3
"""Kernel modes: outputs only; accumulate dE/dw over all sequences; update after each sequence / step."""


@njit(cache=True, error_model="numpy")
def run(
    w_in, w_out, w_c, w_k,
    m_in, m_out, m_c, m_k,
    block_size, g_kind, h_kind, output_gate, k_kind, reset,
    starts, x_ptr, x_idx, x_val, target_at, targets,
    mode, lr,
    g_in, g_out, g_c, g_k,
    out, states,
    w_f, m_f, g_f,
):  # fmt: skip
    """Run the net over sequences ``starts[i]..starts[i+1]-1``, resetting all activations for each.

    Writes the outputs at target steps to ``out`` (one row per target). GRADIENT mode adds dE/dw of every
    sequence (E = 1/2 sum over targets of the squared error, truncated) to ``g_*``; the TRAIN modes instead
    use ``g_*`` as scratch and apply ``w -= lr * g * m`` after each sequence or each target step.
    If ``states`` has rows, it receives [y_in, y_out, s_c, y_c] of every step, then y_f with forget gates.

    Forget gates (Gers et al. 2000): given ``w_f`` (n_blocks, n_u), each block gets a gate y_f = f(w_f u(t))
    reading the same u(t) as the other gates, and the CEC becomes s(t) = y_f(t) s(t-1) + y_in(t) g(net_c(t)).
    Its truncated gradient is Gers et al.'s: the traces ds/dw of the input gate, cell and forget gate weights decay
    with y_f(t), the forget gate's grows by s(t-1) f'(net_f(t)) u(t), and no error flows into y(t-1) (as in the
    paper). ``m_f`` and ``g_f`` are its mask and gradient, like the others'. None, None, None: no forget gates.
    """
    nb, nc, n_u, n_out, rb, n_rec = kernel_sizes(w_in, w_c, w_k)
    record_states = states.shape[0] > 0

    y_prev = np.zeros(n_rec)  # [y_c, y_in, y_out] at t-1
    y_in = np.zeros(nb)
    dy_in = np.zeros(nb)
    y_out = np.ones(nb)
    dy_out = np.zeros(nb)
    g_val = np.zeros(nc)
    g_der = np.zeros(nc)
    s = np.zeros(nc)
    h_val = np.zeros(nc)
    h_der = np.zeros(nc)
    y_c = np.zeros(nc)
    ds_in = np.zeros((nc, n_u))  # d s_c / d w_in[block(c), :]
    ds_c = np.zeros((nc, n_u))  # d s_c / d w_c[c, :]
    y_f = np.ones(nb)  # forget gates (with w_f): their activations and derivatives, and the traces
    dy_f = np.zeros(nb)
    ds_f = np.zeros((nc if w_f is not None else 0, n_u))  # d s_c / d w_f[block(c), :]
    y_k = np.zeros(n_out)
    e_k = np.zeros(n_out)
    delta = np.zeros(nc)
    e_s = np.zeros(nc)
    row = 0

    for i in range(len(starts) - 1):
        y_prev[:] = reset  # activations (0 in the paper) and state reset with every sequence; s_c(0) = 0
        s[:] = 0.0
        ds_in[:, :] = 0.0
        ds_c[:, :] = 0.0
        if w_f is not None:
            ds_f[:, :] = 0.0
        for t in range(starts[i], starts[i + 1]):
            a = x_ptr[t]
            b = x_ptr[t + 1]
            gates(w_in, a, b, x_idx, x_val, rb, y_prev, y_in, dy_in)  # eq. 6: input gates
            if w_f is not None:
                gates(w_f, a, b, x_idx, x_val, rb, y_prev, y_f, dy_f)  # forget gates (Gers et al. 2000)
            if output_gate:
                gates(w_out, a, b, x_idx, x_val, rb, y_prev, y_out, dy_out)  # eq. 7: output gates
            cell_inputs(w_c, g_kind, a, b, x_idx, x_val, rb, y_prev, g_val, g_der)
            for c in range(nc):
                j = c // block_size
                s_prev = s[c]
                if w_f is not None:
                    s[c] = y_f[j] * s_prev + y_in[j] * g_val[c]  # the CEC with a forget gate (Gers et al. 2000)
                else:
                    s[c] += y_in[j] * g_val[c]  # eq. 8: constant error carousel
                if mode != FORWARD:
                    if w_f is not None:  # ds(t)/dw = y_f(t) ds(t-1)/dw + (this step's term)
                        for m in range(n_u):
                            ds_in[c, m] *= y_f[j]
                            ds_c[c, m] *= y_f[j]
                            ds_f[c, m] *= y_f[j]
                        add_source(ds_f, c, s_prev * dy_f[j], a, b, x_idx, x_val, rb, y_prev)
                    k_in = g_val[c] * dy_in[j]  # eq. 25: ds_c/dw_in += g(net_c) f'(net_in) y^m(t-1)
                    k_c = g_der[c] * y_in[j]  # eq. 27: ds_c/dw_c += g'(net_c) f(net_in) y^m(t-1)
                    add_source_pair(ds_in, k_in, ds_c, k_c, c, a, b, x_idx, x_val, rb, y_prev)
            cell_outputs(s, y_out, block_size, h_kind, h_val, h_der, y_c)  # eqs. 4, 9
            if record_states:
                states[t, :nb] = y_in
                states[t, nb : 2 * nb] = y_out
                states[t, 2 * nb : 2 * nb + nc] = s
                states[t, 2 * nb + nc : 2 * nb + 2 * nc] = y_c
                if w_f is not None:
                    states[t, 2 * nb + 2 * nc :] = y_f
            if target_at[t]:  # the outputs feed nothing back: computed only where a target reads them
                output_units(w_k, k_kind, y_c, a, b, x_idx, x_val, y_k)
                out[row, :] = y_k
                if mode != FORWARD:
                    output_errors(w_k, k_kind, y_k, targets, row, y_c, a, b, x_idx, x_val, e_k, delta, g_k)
                    if output_gate:
                        output_gate_errors(dy_out, h_val, delta, block_size, a, b, x_idx, x_val, rb, y_prev, g_out)
                    state_errors(y_out, h_der, delta, block_size, ds_in, ds_c, g_in, g_c, e_s)  # eqs. 23, 26, 28
                    if w_f is not None:  # the forget gates' part, through their traces (as eq. 26)
                        for c in range(nc):
                            for m in range(n_u):
                                g_f[c // block_size, m] -= e_s[c] * ds_f[c, m]
                    if mode == TRAIN_PER_STEP:
                        apply_updates(lr, w_in, w_out, w_c, w_k, g_in, g_out, g_c, g_k, m_in, m_out, m_c, m_k)
                        if w_f is not None:
                            apply_update(w_f, g_f, m_f, lr)
                row += 1
            y_prev[:nc] = y_c
            y_prev[nc : nc + nb] = y_in
            y_prev[nc + nb :] = y_out
        if mode == TRAIN_PER_SEQUENCE:  # "each weight's total update is the sum of all time steps' contributions"
            apply_updates(lr, w_in, w_out, w_c, w_k, g_in, g_out, g_c, g_k, m_in, m_out, m_c, m_k)
            if w_f is not None:
                apply_update(w_f, g_f, m_f, lr)
