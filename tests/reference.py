"""An independent reference for the kernel: a dense NumPy forward pass that stores every activation, and a
backward-mode (BPTT) pass in which error reaches the past only through the CEC.

It shares no code with the package except the weight layout: no sparse inputs, no forward sensitivities.
Truncation here means: every recurrent input y(t-1) of a gate or cell is treated as a constant, so the
only path from step t back to step t-1 is s(t) = s(t-1) + ..., whose derivative is 1.
"""

from __future__ import annotations

import numpy as np


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


def reference_forward(w: dict, spec, x: np.ndarray) -> dict:
    """Dense forward pass; returns every intermediate quantity per step."""
    nb, nc, S = spec.n_blocks, spec.n_cells, spec.block_size
    T = x.shape[0]
    block = np.arange(nc) // S
    y_prev = np.full(nc + 2 * nb, spec.reset)
    s = np.zeros(nc)
    rec = {k: [] for k in ("u", "v", "net_in", "net_out", "net_c", "y_in", "y_out", "s", "y_c", "y")}
    for t in range(T):
        u = np.concatenate([[1.0], x[t], y_prev])
        net_in, net_out, net_c = w["w_in"] @ u, w["w_out"] @ u, w["w_c"] @ u
        y_in = _sig(net_in)
        y_out = _sig(net_out) if spec.output_gate else np.ones(nb)
        g = 4 * _sig(net_c) - 2 if spec.g == "g2" else _sig(net_c)
        s = s + y_in[block] * g
        h = 2 * _sig(s) - 1 if spec.h == "h1" else s
        y_c = y_out[block] * h
        v = np.concatenate([[1.0], y_c, x[t]])
        y = w["w_k"] @ v if spec.output == "linear" else _sig(w["w_k"] @ v)
        for k, val in zip(rec, (u, v, net_in, net_out, net_c, y_in, y_out, s, y_c, y)):
            rec[k].append(val)
        y_prev = np.concatenate([y_c, y_in, y_out])
    return {k: np.array(v) for k, v in rec.items()}


def reference_loss(w: dict, spec, x: np.ndarray, y: np.ndarray, mask: np.ndarray) -> float:
    """E = 1/2 sum over masked steps of the squared output error (exact, untruncated forward); for logistic units
    trained with the cross-entropy error, E = -sum (t log y + (1 - t) log(1 - y))."""
    out = reference_forward(w, spec, x)["y"]
    if spec.output == "logistic-ce":
        t, o = y[mask], out[mask]
        return -float(np.sum(t * np.log(o) + (1 - t) * np.log(1 - o)))
    return 0.5 * float(np.sum((out[mask] - y[mask]) ** 2))


def reference_truncated_gradient(w: dict, spec, x: np.ndarray, y: np.ndarray, mask: np.ndarray) -> dict:
    """dE/dw by backpropagation with the recurrent inputs of gates and cells detached."""
    nb, nc, S = spec.n_blocks, spec.n_cells, spec.block_size
    block = np.arange(nc) // S
    f = reference_forward(w, spec, x)
    grads = {k: np.zeros_like(v) for k, v in w.items()}
    ds_next = np.zeros(nc)  # dE/ds(t+1), carried back through the CEC with weight 1
    for t in range(x.shape[0] - 1, -1, -1):
        u, v = f["u"][t], f["v"][t]
        s = f["s"][t]
        if spec.h == "h1":
            h, dh = 2 * _sig(s) - 1, 2 * _sig(s) * (1 - _sig(s))
        else:
            h, dh = s, np.ones(nc)
        dy = (f["y"][t] - y[t]) if mask[t] else np.zeros(spec.n_out)
        slope = {"logistic": f["y"][t] * (1 - f["y"][t]), "logistic-offset": f["y"][t] * (1 - f["y"][t]) + 0.1}
        dnet_k = dy * slope.get(spec.output, 1.0)  # linear, and logistic with cross-entropy: no f'_k
        grads["w_k"] += np.outer(dnet_k, v)
        dy_c = w["w_k"][:, 1 : 1 + nc].T @ dnet_k  # the only consumer of y_c(t) that is not detached
        y_out = f["y_out"][t]
        if spec.output_gate:
            dy_out = np.bincount(block, weights=dy_c * h, minlength=nb)
            grads["w_out"] += np.outer(dy_out * y_out * (1 - y_out), u)
        ds = dy_c * y_out[block] * dh + ds_next
        sg = _sig(f["net_c"][t])
        g, dg = (4 * sg - 2, 4 * sg * (1 - sg)) if spec.g == "g2" else (sg, sg * (1 - sg))
        y_in = f["y_in"][t]
        dy_in = np.bincount(block, weights=ds * g, minlength=nb)
        grads["w_in"] += np.outer(dy_in * y_in * (1 - y_in), u)
        grads["w_c"] += np.outer(ds * y_in[block] * dg, u)
        ds_next = ds
    return {k: g * spec.masks[k] for k, g in grads.items()}


def finite_differences(w: dict, spec, x: np.ndarray, y: np.ndarray, mask: np.ndarray, eps: float = 1e-6) -> dict:
    """Central differences of the reference loss for every existing connection (0 elsewhere); ``w`` is
    perturbed in place and restored."""
    fd = {k: np.zeros_like(v) for k, v in w.items()}
    for k, v in w.items():
        for idx in zip(*np.nonzero(spec.masks[k])):
            old = v[idx]
            v[idx] = old + eps
            plus = reference_loss(w, spec, x, y, mask)
            v[idx] = old - eps
            minus = reference_loss(w, spec, x, y, mask)
            v[idx] = old
            fd[k][idx] = (plus - minus) / (2 * eps)
    return fd
