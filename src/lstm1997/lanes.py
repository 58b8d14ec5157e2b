"""Training and evaluating K independent nets of one row in one compiled call (kernels_lanes.py): the lane
counterparts of ``learning.train`` and ``learning.evaluate``, with the same results for every net, bit for bit."""

from __future__ import annotations

import numpy as np

from lstm1997 import kernels, kernels_lanes
from lstm1997.learning import check_arrays, check_lr
from lstm1997.network import G_CODES, H_CODES, OUTPUT_CODES, Network
from lstm1997.sequences import Sequences

_NAMES = ("w_in", "w_out", "w_c", "w_k")


def pack(seqs_list: list[Sequences]) -> dict[str, np.ndarray]:
    """The sequences of all lanes concatenated, and where each lane's sequences and target rows begin and end:
    the ``seq_lo, seq_hi, row_lo`` and sequence arguments of ``kernels_lanes.run_lanes``."""
    n_seqs = np.array([s.n for s in seqs_list], dtype=np.int64)
    n_steps = np.array([s.n_steps for s in seqs_list], dtype=np.int64)
    n_nnz = np.array([len(s.x_idx) for s in seqs_list], dtype=np.int64)
    n_targets = np.array([len(s.targets) for s in seqs_list], dtype=np.int64)

    def offsets(counts: np.ndarray) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    seq_off, step_off, nnz_off = offsets(n_seqs), offsets(n_steps), offsets(n_nnz)
    starts = [s.starts[:-1] + step_off[i] for i, s in enumerate(seqs_list)]
    x_ptr = [s.x_ptr[:-1] + nnz_off[i] for i, s in enumerate(seqs_list)]
    return {
        "seq_lo": seq_off[:-1],
        "seq_hi": seq_off[1:],
        "row_lo": offsets(n_targets)[:-1],
        "starts": np.concatenate([*starts, step_off[-1:]]),
        "x_ptr": np.concatenate([*x_ptr, nnz_off[-1:]]),
        "x_idx": np.concatenate([s.x_idx for s in seqs_list]),
        "x_val": np.concatenate([s.x_val for s in seqs_list]),
        "target_at": np.concatenate([s.target_at for s in seqs_list]),
        "targets": np.concatenate([s.targets for s in seqs_list]),
    }


def run(
    nets: list[Network],
    seqs_list: list[Sequences],
    mode: int,
    lr: float = 0.0,
    masks: dict[str, np.ndarray] | None = None,
) -> list[np.ndarray]:
    """``kernels_lanes.run_lanes`` on ``nets[L]`` and ``seqs_list[L]`` for every lane L; returns each lane's
    outputs at its target steps and, in a training mode, writes each net's new weights into its arrays."""
    if not nets or len(nets) != len(seqs_list):
        raise ValueError(f"need one Sequences per net and at least one net, got {len(nets)} and {len(seqs_list)}")
    spec = nets[0].spec
    for net, seqs in zip(nets, seqs_list):
        if net.spec != spec:
            raise ValueError("all nets of a lane call must have the same spec")
        if not isinstance(seqs, Sequences):
            raise TypeError(f"seqs must be a Sequences, got {type(seqs).__name__}")
        if seqs.n_in != spec.n_in or seqs.n_out != spec.n_out:
            raise ValueError(
                f"sequences have {seqs.n_in} inputs and {seqs.n_out} outputs; the nets have {spec.n_in} and "
                f"{spec.n_out}"
            )
        check_arrays(net.weights, spec.masks, "weight", finite=True)
    if masks is not None:
        check_arrays(masks, spec.masks, "mask")
    m = spec.masks if masks is None else masks
    w = {name: np.stack([getattr(net, name) for net in nets], axis=-1) for name in _NAMES}
    g = {name: np.zeros_like(a) for name, a in w.items()}
    p = pack(seqs_list)
    out = np.empty((len(p["targets"]), spec.n_out))
    kernels_lanes.run_lanes(
        w["w_in"], w["w_out"], w["w_c"], w["w_k"],
        m["w_in"], m["w_out"], m["w_c"], m["w_k"],
        spec.block_size, G_CODES[spec.g], H_CODES[spec.h], spec.output_gate, OUTPUT_CODES[spec.output], spec.reset,
        p["seq_lo"], p["seq_hi"], p["row_lo"],
        p["starts"], p["x_ptr"], p["x_idx"], p["x_val"], p["target_at"], p["targets"],
        mode, float(lr),
        g["w_in"], g["w_out"], g["w_c"], g["w_k"],
        out,
    )  # fmt: skip
    if mode != kernels.FORWARD:
        for lane, net in enumerate(nets):
            for name in _NAMES:
                getattr(net, name)[...] = w[name][..., lane]
    rows = np.concatenate([p["row_lo"], [len(out)]])
    return [out[rows[i] : rows[i + 1]] for i in range(len(nets))]


def train_lanes(
    nets: list[Network],
    seqs_list: list[Sequences],
    lr: float,
    per_step: bool = False,
    masks: dict[str, np.ndarray] | None = None,
) -> list[np.ndarray]:
    """``learning.train(nets[L], seqs_list[L], lr, per_step, masks)`` for every L, in one compiled call: updates
    each net in place and returns each one's outputs at its target steps, as produced during training. The nets
    must share their spec; ``masks`` (default: the spec's) applies to all of them."""
    mode = kernels.TRAIN_PER_STEP if per_step else kernels.TRAIN_PER_SEQUENCE
    return run(nets, seqs_list, mode, check_lr(lr), masks)


def evaluate_lanes(nets: list[Network], seqs_list: list[Sequences]) -> list[np.ndarray]:
    """``learning.evaluate(nets[L], seqs_list[L])`` for every L, in one compiled call; weights unchanged."""
    return run(nets, seqs_list, kernels.FORWARD)
