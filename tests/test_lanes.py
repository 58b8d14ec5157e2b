"""The lane kernel (K nets in one call, lstm1997.lanes) against the one-net kernel, lane by lane, bit for bit: random
nets of every experiment's shape, random lane counts, chunks of different sizes and sequence lengths per lane."""

from __future__ import annotations

import zlib
from dataclasses import replace

import numpy as np
import pytest

from lstm1997 import kernels, kernels_lanes, lanes, learning
from lstm1997.ablations import ABLATIONS
from lstm1997.catalog import get_experiment
from lstm1997.experiments import EXPERIMENTS
from lstm1997.network import G_CODES, H_CODES, OUTPUT_CODES, Network, NetworkSpec
from lstm1997.sequences import Sequences

ROWS = [  # one row of each shape and task family (the 2c nets at small p: same code, fewer columns)
    "reber-4x1-lr0.1",
    "reber-3x2-lr0.1",
    "longlag-2a",
    "longlag-2b",
    "longlag-2c-q50-p50",
    "twoseq-3a-T100-N3",
    "twoseq-3c-T100-N1",
    "adding-T100",
    "multiplication-T100",
    "temporal-6a",
    "temporal-6b",
]
MODES = {"evaluate": None, "per-sequence": False, "per-step": True}


def random_net(spec: NetworkSpec, rng: np.random.Generator) -> Network:
    """The row's initial weights plus a random perturbation of the existing connections (a net in training)."""
    net = spec.init(rng)
    scale = rng.choice([0.0, 0.3, 2.0])
    return Network(spec, **{k: w + rng.normal(0, scale, w.shape) * spec.masks[k] for k, w in net.weights.items()})


def with_empty_sequence(seqs: Sequences, rng: np.random.Generator) -> Sequences:
    """``seqs`` with a sequence of no steps inserted at a random place."""
    i = int(rng.integers(0, seqs.n + 1))
    return replace(seqs, starts=np.insert(seqs.starts, i, seqs.starts[i]))


def chunks(exp, rng: np.random.Generator, k: int, most: int) -> list[Sequences]:
    """One chunk per lane, of random sizes (0 sequences included) from the row's own generator."""
    out = []
    for _ in range(k):
        n = int(rng.integers(0, most + 1))
        seqs = exp.generate(rng, max(n, 1))
        out.append(seqs.take(np.arange(n)) if n == 0 else seqs)
    if rng.random() < 0.3:
        out[0] = with_empty_sequence(out[0], rng)
    return out


def check_lanes(spec: NetworkSpec, lr: float, nets: list[Network], seqs_list: list[Sequences], per_step, masks=None):
    """Each lane's outputs and final weights equal those of the one-net kernel on that lane alone."""
    alone = [net.copy() for net in nets]
    if per_step is None:
        got = lanes.evaluate_lanes(nets, seqs_list)
        want = [learning.evaluate(net, seqs) for net, seqs in zip(alone, seqs_list)]
    else:
        got = lanes.train_lanes(nets, seqs_list, lr, per_step=per_step, masks=masks)
        want = [learning.train(n, s, lr, per_step=per_step, masks=masks) for n, s in zip(alone, seqs_list)]
    assert len(got) == len(nets)
    for lane, (net, one) in enumerate(zip(nets, alone)):
        assert got[lane].shape == want[lane].shape, f"lane {lane}"
        assert np.array_equal(got[lane], want[lane], equal_nan=True), f"lane {lane}: outputs differ"
        for name, w in net.weights.items():
            assert np.array_equal(w, one.weights[name], equal_nan=True), f"lane {lane}: {name} differs"


def random_case(exp, rng: np.random.Generator, most: int, max_lanes: int = 9) -> None:
    spec = exp.spec
    if rng.random() < 0.3:
        spec = replace(spec, reset=0.5)
    k = int(rng.integers(1, max_lanes + 1))
    nets = [random_net(spec, rng) for _ in range(k)]
    per_step = MODES[str(rng.choice(list(MODES)))]
    check_lanes(spec, exp.lr, nets, chunks(exp, rng, k, most), per_step)


@pytest.mark.parametrize("row", ROWS)
def test_lanes_equal_one_net_kernel_bitwise(row):
    exp = EXPERIMENTS[row]
    rng = np.random.default_rng(zlib.crc32(row.encode()))
    most = 3 if exp.spec.n_in > 50 or "T100" in row else 12
    for _ in range(4):
        random_case(exp, rng, most)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("output", OUTPUT_CODES)
def test_every_output_kind_and_mode(output, mode):
    exp = EXPERIMENTS["temporal-6a"]
    spec = replace(exp.spec, output=output)
    rng = np.random.default_rng(zlib.crc32(f"{output}{mode}".encode()))
    for _ in range(2):
        k = int(rng.integers(1, 10))
        nets = [random_net(spec, rng) for _ in range(k)]
        check_lanes(spec, exp.lr, nets, chunks(exp, rng, k, 6), MODES[mode])


@pytest.mark.parametrize("per_step", [False, True], ids=["per-sequence", "per-step"])
def test_lanes_that_end_together_and_given_masks(per_step):
    """Every lane on the same sequences (they end their sequences at the same steps: the update vectorised over
    lanes), with Exp 2a's construction-phase masks (only some connections learn)."""
    exp = EXPERIMENTS["longlag-2a"]
    rng = np.random.default_rng(7)
    masks = {k: m.copy() for k, m in exp.spec.masks.items()}
    masks["w_in"][:] = 0.0
    masks["w_c"][:] = 0.0
    masks["w_k"][:, 1] = 0.0
    seqs = exp.generate(rng, 5)
    nets = [random_net(exp.spec, rng) for _ in range(8)]
    check_lanes(exp.spec, exp.lr, nets, [seqs] * 8, per_step, masks)


def test_gradient_mode_accumulates_each_lanes_gradient():
    """The kernel's GRADIENT mode (not offered by lanes.py): each lane's dE/dw summed over its sequences, added to
    what its gradient arrays held, as kernels.run does."""
    exp = EXPERIMENTS["twoseq-3a-T100-N3"]
    spec, rng = exp.spec, np.random.default_rng(3)
    nets = [random_net(spec, rng) for _ in range(5)]
    seqs_list = chunks(exp, rng, 5, 4)
    start = [{k: rng.normal(size=w.shape) for k, w in net.weights.items()} for net in nets]
    want = [{k: v.copy() for k, v in g.items()} for g in start]
    for net, seqs, grads in zip(nets, seqs_list, want):
        learning._run(net, seqs, kernels.GRADIENT, grads=grads)
    w = {k: np.stack([net.weights[k] for net in nets], axis=-1) for k in spec.masks}
    g = {k: np.stack([grads[k] for grads in start], axis=-1) for k in spec.masks}
    p = lanes.pack(seqs_list)
    out = np.empty((len(p["targets"]), spec.n_out))
    m = spec.masks
    kernels_lanes.run_lanes(
        w["w_in"], w["w_out"], w["w_c"], w["w_k"], m["w_in"], m["w_out"], m["w_c"], m["w_k"],
        spec.block_size, G_CODES[spec.g], H_CODES[spec.h], spec.output_gate, OUTPUT_CODES[spec.output], spec.reset,
        p["seq_lo"], p["seq_hi"], p["row_lo"], p["starts"], p["x_ptr"], p["x_idx"], p["x_val"], p["target_at"],
        p["targets"], kernels.GRADIENT, 0.0, g["w_in"], g["w_out"], g["w_c"], g["w_k"], out,
    )  # fmt: skip
    for lane, grads in enumerate(want):
        for k, v in grads.items():
            assert np.array_equal(g[k][..., lane], v), f"lane {lane}: gradient {k} differs"
        assert np.array_equal(w["w_c"][..., lane], nets[lane].w_c), "GRADIENT mode leaves the weights alone"


def test_nets_of_different_specs_are_refused():
    a, b = EXPERIMENTS["adding-T100"], EXPERIMENTS["multiplication-T100"]
    rng = np.random.default_rng(0)
    nets = [a.init_network(rng), replace(b.spec, init_range=0.2).init(rng)]
    with pytest.raises(ValueError, match="same spec"):
        lanes.train_lanes(nets, [a.generate(rng, 1)] * 2, 0.5)
    with pytest.raises(ValueError, match="one Sequences per net"):
        lanes.evaluate_lanes(nets[:1], [])


@pytest.mark.slow
def test_lanes_equal_one_net_kernel_bitwise_every_row():
    """Every paper row and ablation the 1997 kernel trains with the truncated gradient, up to 16 lanes."""
    rows = [n for n, e in {**EXPERIMENTS, **ABLATIONS}.items() if e.model is None and e.gradient == "truncated"]
    for row in rows:
        exp = get_experiment(row)
        rng = np.random.default_rng(zlib.crc32(row.encode()))
        most = 4 if exp.spec.n_in > 200 or "T1000" in row else 30
        for _ in range(6):
            random_case(exp, rng, most, max_lanes=16)
