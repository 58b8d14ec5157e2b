"""The net applied to sequences: forward pass, truncated gradient, and online training (thin wrappers over
the compiled kernel in kernels.py); ``full=True`` uses the untruncated gradient of kernels_full.py instead.

Every function takes a ``Network``; a net whose ``weights`` include forget-gate weights ``w_f`` (the forget-gate
baseline, ``lstm1997.models.forget_gate.ForgetGateNet``) runs with its forget gates (kernels.py)."""

from __future__ import annotations

import numpy as np

from lstm1997 import kernels, kernels_full
from lstm1997.network import G_CODES, H_CODES, OUTPUT_CODES, Network
from lstm1997.sequences import Sequences

_EMPTY_STATES = np.zeros((0, 0))


def _run(
    net: Network,
    seqs: Sequences,
    mode: int,
    lr: float = 0.0,
    grads: dict[str, np.ndarray] | None = None,
    states: np.ndarray = _EMPTY_STATES,
    masks: dict[str, np.ndarray] | None = None,
    full: bool = False,
) -> np.ndarray:
    spec = net.spec
    if not isinstance(seqs, Sequences):
        raise TypeError(f"seqs must be a Sequences, got {type(seqs).__name__}")
    if seqs.n_in != spec.n_in or seqs.n_out != spec.n_out:
        raise ValueError(
            f"sequences have {seqs.n_in} inputs and {seqs.n_out} outputs; the net has {spec.n_in} and {spec.n_out}"
        )
    check_arrays(net.weights, net.masks, "weight", finite=True)
    if masks is not None:
        check_arrays(masks, net.masks, "mask")
    if grads is None:
        grads = {name: np.zeros_like(w) for name, w in net.weights.items()}
    out = np.empty((len(seqs.targets), spec.n_out))
    m = net.masks if masks is None else masks
    args = (
        net.w_in, net.w_out, net.w_c, net.w_k,
        m["w_in"], m["w_out"], m["w_c"], m["w_k"],
        spec.block_size, G_CODES[spec.g], H_CODES[spec.h], spec.output_gate, OUTPUT_CODES[spec.output], spec.reset,
        seqs.starts, seqs.x_ptr, seqs.x_idx, seqs.x_val, seqs.target_at, seqs.targets,
        mode, float(lr),
        grads["w_in"], grads["w_out"], grads["w_c"], grads["w_k"],
        out,
    )  # fmt: skip
    forget = "w_f" in net.weights
    if full:
        if forget:
            raise ValueError("the full-gradient kernel has no forget gates")
        kernels_full.run_full(*args)
    elif forget:
        kernels.run(*args, states, net.weights["w_f"], m["w_f"], grads["w_f"])
    else:
        kernels.run(*args, states, None, None, None)  # the 1997 net
    return out


def check_arrays(arrays: dict[str, np.ndarray], like: dict[str, np.ndarray], what: str, finite: bool = False) -> None:
    """ValueError unless each of ``like``'s arrays has a counterpart in ``arrays`` that is a C-contiguous float64
    array of its shape (what the compiled kernels index without bounds checks), finite if ``finite``. Costs
    O(number of arrays), plus one pass over the (small) weights for ``finite``."""
    for name, model in like.items():
        a = arrays.get(name) if isinstance(arrays, dict) else None
        if not isinstance(a, np.ndarray) or a.dtype != np.float64 or a.shape != model.shape:
            got = f"{a.dtype} array of shape {a.shape}" if isinstance(a, np.ndarray) else type(a).__name__
            raise ValueError(f"{what} {name} must be a float64 array of shape {model.shape}, got {got}")
        if not a.flags.c_contiguous:
            raise ValueError(f"{what} {name} must be C-contiguous (np.ascontiguousarray)")
        if finite and not np.isfinite(a).all():
            raise ValueError(f"{what} {name} has NaN or infinite values")


def check_lr(lr: float) -> float:
    """``lr`` as a float; ValueError unless it is a finite positive number."""
    if isinstance(lr, bool) or not isinstance(lr, int | float | np.integer | np.floating):
        raise ValueError(f"the learning rate must be a number, got {lr!r}")
    if not 0 < lr < np.inf:
        raise ValueError(f"the learning rate must be finite and positive, got {lr!r}")
    return float(lr)


def _one(net: Network, x: np.ndarray, y: np.ndarray | None, mask: np.ndarray | None) -> Sequences:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim != 2 or x.shape[1] != net.spec.n_in:
        raise ValueError(f"x must have shape (T, {net.spec.n_in}), got {x.shape}")
    if not np.isfinite(x).all() or (y is not None and not np.isfinite(np.asarray(y, dtype=np.float64)).all()):
        raise ValueError("x and y must be finite, not NaN or infinite")
    n_steps = x.shape[0]
    if y is None:
        y, mask = np.zeros((n_steps, net.spec.n_out)), np.ones(n_steps, dtype=bool)
    y = np.asarray(y, dtype=np.float64)
    mask = np.asarray(mask, dtype=bool)
    if y.shape != (n_steps, net.spec.n_out) or mask.shape != (n_steps,):
        raise ValueError(f"y must have shape {(n_steps, net.spec.n_out)} and mask {(n_steps,)}")
    return Sequences.from_dense(x, np.array([0, n_steps]), mask, y[mask])


def forward(net: Network, x: np.ndarray) -> np.ndarray:
    """Output activations (T, n_out) of ``net`` on one sequence ``x`` (T, n_in), from a zero state."""
    return _run(net, _one(net, x, None, None), kernels.FORWARD)


def forward_states(net: Network, x: np.ndarray) -> dict[str, np.ndarray]:
    """Every activation of ``net`` on one sequence: outputs, y_in, y_out, s_c and y_c, each (T, ·)."""
    return batch_states(net, _one(net, x, None, None))


def batch_states(net: Network, seqs: Sequences) -> dict[str, np.ndarray]:
    """Every activation of ``net`` on a batch, each sequence from a zero state: the outputs ``y`` at the target
    steps (n_targets, n_out), and y_in, y_out, s_c and y_c at every step (n_steps, ·); with forget gates also
    their activations y_f (n_steps, n_blocks)."""
    nb, nc = net.spec.n_blocks, net.spec.n_cells
    forget = "w_f" in net.weights
    states = np.zeros((seqs.n_steps, (3 if forget else 2) * nb + 2 * nc))
    out = _run(net, seqs, kernels.FORWARD, states=states)
    named = {
        "y": out,
        "y_in": states[:, :nb],
        "y_out": states[:, nb : 2 * nb],
        "s_c": states[:, 2 * nb : 2 * nb + nc],
        "y_c": states[:, 2 * nb + nc : 2 * nb + 2 * nc],
    }
    return {**named, "y_f": states[:, 2 * nb + 2 * nc :]} if forget else named


def truncated_gradient(net: Network, x: np.ndarray, y: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
    """dE/dw for E = 1/2 sum_{t in mask} sum_k (y_k(t) - target_k(t))^2, truncated as in eqs. 19-28.

    ``x`` (T, n_in), ``y`` (T, n_out) targets, ``mask`` (T,) bool: steps that carry a target. Returns arrays
    shaped like the weights (w_in, w_out, w_c, w_k); absent connections have gradient 0.
    """
    return gradient(net, _one(net, x, y, mask))


def full_gradient(net: Network, x: np.ndarray, y: np.ndarray, mask: np.ndarray) -> dict[str, np.ndarray]:
    """The exact (untruncated) dE/dw for the same E as ``truncated_gradient``, by backpropagation through
    time along every recurrent connection (kernels_full.py). Same arguments and result layout."""
    return gradient(net, _one(net, x, y, mask), full=True)


def gradient(net: Network, seqs: Sequences, full: bool = False) -> dict[str, np.ndarray]:
    """Truncated dE/dw summed over all sequences of a batch, each run from a zero state; with ``full``, the
    exact (untruncated, BPTT) gradient instead."""
    grads = {name: np.zeros_like(w) for name, w in net.weights.items()}
    _run(net, seqs, kernels.GRADIENT, grads=grads, full=full)
    for name, m in net.masks.items():
        grads[name] *= m
    return grads


def evaluate(net: Network, seqs: Sequences) -> np.ndarray:
    """Outputs (n_targets, n_out) at every target step of every sequence, weights unchanged."""
    return _run(net, seqs, kernels.FORWARD)


def train(
    net: Network,
    seqs: Sequences,
    lr: float,
    per_step: bool = False,
    masks: dict[str, np.ndarray] | None = None,
    full: bool = False,
) -> np.ndarray:
    """Online training, one sequence at a time, in order: ``w -= lr * dE/dw`` after each sequence
    (the paper's sum over time steps) or, with ``per_step``, after each target step. Updates ``net`` in
    place and returns the outputs at target steps as they were produced during training. ``masks``
    (default: the spec's) selects which connections learn; the others keep their values. With ``full``,
    each sequence's update uses the exact (untruncated, BPTT) gradient; it has no per-step variant."""
    if full and per_step:
        raise ValueError("full=True has no per-step updates: the full gradient needs the whole sequence")
    mode = kernels.TRAIN_PER_STEP if per_step else kernels.TRAIN_PER_SEQUENCE
    return _run(net, seqs, mode, lr=check_lr(lr), masks=masks, full=full)
