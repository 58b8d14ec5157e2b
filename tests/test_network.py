"""Network specs: the paper's weight counts for all 30 rows, masks, initialisation, validation."""

from dataclasses import replace

import numpy as np
import pytest

import lstm1997
from lstm1997.experiments import EXPERIMENTS
from lstm1997.network import NetworkSpec

# The paper's "# weights" for every row (Tables 1-9 and Table 10), typed from the paper, not computed.
PAPER_WEIGHTS = {
    "reber-4x1-lr0.1": 264, "reber-3x2-lr0.1": 276, "reber-3x2-lr0.2": 276, "reber-4x1-lr0.5": 264,
    "reber-3x2-lr0.5": 276, "longlag-2a": 10504, "longlag-2b": 10504,
    "longlag-2c-q50-p50": 364, "longlag-2c-q100-p100": 664, "longlag-2c-q200-p200": 1264,
    "longlag-2c-q500-p500": 3064, "longlag-2c-q1000-p1000": 6064, "longlag-2c-q1000-p500": 3064,
    "longlag-2c-q1000-p200": 1264, "longlag-2c-q1000-p100": 664, "longlag-2c-q1000-p50": 364,
    "twoseq-3a-T100-N3": 102, "twoseq-3a-T100-N1": 102, "twoseq-3a-T1000-N3": 102, "twoseq-3b-T100-N3": 102,
    "twoseq-3b-T100-N1": 102, "twoseq-3b-T1000-N1": 102, "twoseq-3c-T100-N3": 102, "twoseq-3c-T100-N1": 102,
    "adding-T100": 93, "adding-T500": 93, "adding-T1000": 93, "multiplication-T100": 93,
    "temporal-6a": 156, "temporal-6b": 308,
}  # fmt: skip


def test_the_thirty_public_names_in_the_papers_order():
    assert list(EXPERIMENTS) == list(PAPER_WEIGHTS)


@pytest.mark.parametrize("name", PAPER_WEIGHTS)
def test_weight_count_equals_the_papers(name):
    exp = lstm1997.get_experiment(name)
    assert exp.n_weights == PAPER_WEIGHTS[name]
    net = exp.init_network(np.random.default_rng(0))
    assert sum(int(np.count_nonzero(w)) for w in net.weights.values()) == PAPER_WEIGHTS[name]
    assert net.absent_is_zero()


def test_initialisation_follows_table_10():
    rng = np.random.default_rng(0)
    net = lstm1997.get_experiment("adding-T100").init_network(rng)
    assert list(net.w_in[:, 0]) == [-3.0, -6.0]
    assert np.all(np.abs(net.w_out) <= 0.1) and np.all(np.abs(net.w_c) <= 0.1)
    net = lstm1997.get_experiment("twoseq-3a-T100-N3").init_network(rng)
    assert list(net.w_in[:, 0]) == [-1.0, -3.0, -5.0] and list(net.w_out[:, 0]) == [-2.0, -4.0, -6.0]
    net = lstm1997.get_experiment("reber-4x1-lr0.1").init_network(rng)
    assert list(net.w_out[:, 0]) == [-1.0, -2.0, -3.0, -4.0]
    assert np.all(np.abs(net.w_in) <= 0.2) and np.abs(net.w_in).max() > 0.1  # "r" in [-0.2, 0.2] (SPEC §12)
    assert not np.any(net.w_c[:, 0]) and not np.any(net.w_k[:, 0])  # only gates are biased ("ga")
    net = lstm1997.get_experiment("longlag-2a").init_network(rng)
    assert not np.any(net.w_out) and not np.any(net.w_in[:, 0])  # no output gate, no biases
    assert np.count_nonzero(net.w_k[:, 2:]) == 101 * 101  # "B": outputs read the inputs


def test_masks_follow_connectivity():
    f = NetworkSpec(3, 2, 2, 2, connectivity="F", bias="none")
    b = NetworkSpec(3, 2, 2, 2, connectivity="B", bias="none")
    rec = slice(1 + 3, f.n_u)
    assert f.masks["w_c"][:, rec].all() and not b.masks["w_c"][:, rec].any()
    assert not f.masks["w_k"][:, 1 + 4 :].any() and b.masks["w_k"][:, 1 + 4 :].all()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"n_in": 0},
        {"block_size": -1},
        {"connectivity": "X"},
        {"bias": "some"},
        {"g": "tanh"},
        {"init_range": 0.0},
        {"in_gate_bias": (-1.0,)},
        {"output_gate": False, "out_gate_bias": (-1.0, -2.0)},
    ],
)
def test_bad_specs_are_rejected(kwargs):
    base = {"n_in": 2, "n_out": 1, "n_blocks": 2, "block_size": 2}
    with pytest.raises(ValueError):
        NetworkSpec(**{**base, **kwargs})


def test_bad_inputs_to_the_functions_are_rejected():
    net = lstm1997.get_experiment("adding-T100").init_network(np.random.default_rng(0))
    with pytest.raises(ValueError):
        lstm1997.forward(net, np.zeros((10, 3)))
    with pytest.raises(ValueError):
        lstm1997.truncated_gradient(net, np.zeros((10, 2)), np.zeros((9, 1)), np.ones(10, bool))


def test_ablations_differ_from_their_paper_row_only_as_declared():
    from dataclasses import fields

    from lstm1997.ablations import ABLATIONS

    declared = {
        "per-step": {"per_step"},
        "full-net": {"construct"},
        "lr10": {"lr"},
        "linear-output": {"spec"},
        "full-gradient": {"gradient"},
        "cells-read-inputs": {"spec"},
    }
    for name, ablation in ABLATIONS.items():
        base, suffix = name.split("+")
        paper = lstm1997.get_experiment(base)
        differ = {f.name for f in fields(paper) if getattr(paper, f.name) != getattr(ablation, f.name)}
        assert differ == {"name", "description"} | declared[suffix], name
        if suffix == "cells-read-inputs":  # the cells lose their bias and recurrent weights, nothing else
            spec = paper.spec
            dropped = [0, *range(1 + spec.n_in, spec.n_u)]  # bias (if the row has one) and recurrent
            assert ablation.n_weights == paper.n_weights - spec.masks["w_c"][:, dropped].sum()
            assert not ablation.spec.masks["w_c"][:, dropped].any()
            assert (ablation.spec.masks["w_c"][:, 1 : 1 + spec.n_in] == 1).all()
        else:
            assert ablation.n_weights == paper.n_weights
        assert "ABLATION" in ablation.description


def test_unknown_experiment_suggests_the_closest_name():
    with pytest.raises(KeyError, match="adding-T100"):
        lstm1997.get_experiment("adding-T10")


def test_public_api_shapes():
    exp = lstm1997.get_experiment("adding-T100")
    rng = np.random.default_rng(0)
    net = exp.init_network(rng)
    x, y, mask = exp.sample(rng)
    assert x.shape[1] == 2 and y.shape == (len(x), 1) and mask.shape == (len(x),) and mask[-1] and mask.sum() == 1
    assert lstm1997.forward(net, x).shape == (len(x), 1)
    g = lstm1997.truncated_gradient(net, x, y, mask)
    assert {k: v.shape for k, v in g.items()} == {k: v.shape for k, v in net.weights.items()}


def test_cell_init_range_rescales_only_the_cells_bias_and_recurrent_weights():
    base = NetworkSpec(2, 1, 2, 2, bias="all", in_gate_bias=(-3, -6))
    a = base.init(np.random.default_rng(0))
    b = replace(base, cell_init_range=0.0).init(np.random.default_rng(0))
    c = replace(base, cell_init_range=0.01).init(np.random.default_rng(0))
    for k in ("w_in", "w_out", "w_k"):
        np.testing.assert_array_equal(getattr(a, k), getattr(b, k))
    np.testing.assert_array_equal(a.w_c[:, 1:3], b.w_c[:, 1:3])  # the inputs keep their draw
    assert not np.any(b.w_c[:, 0]) and not np.any(b.w_c[:, 3:])
    np.testing.assert_allclose(c.w_c[:, 3:], a.w_c[:, 3:] / 10)
    assert base.n_weights == replace(base, cell_init_range=0.0).n_weights == 93
    with pytest.raises(ValueError, match="cell_init_range"):
        replace(base, cell_init_range=0.5)


def test_gate_bias_jitter_adds_the_fixed_bias_to_the_random_draw():
    base = NetworkSpec(2, 1, 2, 2, bias="all", in_gate_bias=(-3, -6))
    exact = base.init(np.random.default_rng(4))
    jitter = replace(base, gate_bias_jitter=True).init(np.random.default_rng(4))
    drawn = replace(base, in_gate_bias=None).init(np.random.default_rng(4))
    np.testing.assert_array_equal(exact.w_in[:, 0], [-3, -6])
    np.testing.assert_array_equal(jitter.w_in[:, 0], drawn.w_in[:, 0] + [-3, -6])
    np.testing.assert_array_equal(jitter.w_c, exact.w_c)
