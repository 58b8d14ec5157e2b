"""analysis/crosscheck_nnlstm.py, the harness checked from outside: its own generators obey the paper's rules and
match the harness's in distribution, it uses no lstm1997 code, and a tiny trial runs."""

import importlib.util
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lstm1997.experiments import EXPERIMENTS  # noqa: E402
from lstm1997.models.nn_lstm import Dense  # noqa: E402

PATH = Path(__file__).resolve().parent.parent / "analysis" / "crosscheck_nnlstm.py"


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("_crosscheck", PATH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]


def test_uses_no_lstm1997_code():
    assert "lstm1997" not in "".join(line for line in PATH.read_text().splitlines() if "import" in line)


def test_adding_rules(script):
    rng = np.random.default_rng(0)
    firsts, seconds = [], []
    for _ in range(3000):
        x, t = script.adding_sequence(rng)
        L = len(x)
        assert 100 <= L <= 110 and x.shape == (L, 2) and np.all(np.abs(x[:, 0]) <= 1.0)
        marked = np.flatnonzero(x[:, 1] == 1.0)
        assert len(marked) == 2 and marked.max() < 50  # both in the first T/2: minimal lag >= T/2
        assert x[-1, 1] == -1.0 and (x[0, 1] == -1.0) == (0 not in marked)
        assert np.all(x[1:-1, 1][~np.isin(np.arange(1, L - 1), marked)] == 0.0)
        if 0 in marked:
            assert x[0, 0] == 0.0
        assert t[0] == pytest.approx(0.5 + x[marked, 0].sum() / 4.0)
        firsts.append(marked.min())
        seconds.append(marked.max())
    assert min(firsts) == 0 and max(seconds) == 49
    # X1 in the first ten: the smaller marked position is < 10 in every sequence
    assert max(firsts) <= 9


def test_temporal_rules(script):
    rng = np.random.default_rng(1)
    classes = []
    for _ in range(2000):
        x, t = script.temporal_sequence(rng)
        L = len(x)
        assert 100 <= L <= 110 and np.all(x.sum(axis=1) == 1.0)
        sym = [script.SYMBOLS[i] for i in x.argmax(axis=1)]
        assert sym[0] == "E" and sym[-1] == "B" and set(sym[1:-1]) <= set("abcdXY")
        xy = [i + 1 for i, s in enumerate(sym) if s in "XY"]  # 1-based positions
        assert len(xy) == 2 and 10 <= xy[0] <= 20 and 50 <= xy[1] <= 60
        cls = {"XX": 0, "XY": 1, "YX": 2, "YY": 3}["".join(sym[p - 1] for p in xy)]
        assert t.tolist() == [float(k == cls) for k in range(4)]
        classes.append(cls)
    assert np.bincount(classes).min() > 400  # all four classes, about equally often


def test_generators_match_the_harness_in_distribution(script):
    """Same lengths, marker positions and targets as lstm1997's generators, in distribution (10,000 each)."""
    n = 10_000
    rng = np.random.default_rng(2)
    ours = [script.adding_sequence(rng) for _ in range(n)]
    seqs = EXPERIMENTS["adding-T100"].generate(np.random.default_rng(3), n)
    x = Dense.of(seqs, dtype=np.float64).x
    at = np.flatnonzero(x[:, 1] == 1.0)  # marked steps, in order: two per sequence
    theirs_second = (at - seqs.starts[np.searchsorted(seqs.starts, at, side="right") - 1]).reshape(n, 2).max(axis=1)
    pairs = (
        ([len(x) for x, _ in ours], np.diff(seqs.starts)),
        ([np.flatnonzero(x[:, 1] == 1.0).max() for x, _ in ours], theirs_second),
    )
    for a, b in pairs:
        a, b = np.bincount(a, minlength=111) / n, np.bincount(b, minlength=111) / n
        assert np.abs(a - b).max() < 0.017  # ~4 standard errors of a difference of frequencies near 1/11
    a = np.array([t[0] for _, t in ours])
    b = seqs.targets[:, 0]
    assert abs(a.mean() - b.mean()) < 0.01 and abs(a.std() - b.std()) < 0.006


def test_a_tiny_trial_runs(script, monkeypatch):
    monkeypatch.setitem(script.TASKS, "adding-T100", replace(script.TASKS["adding-T100"], test_size=50))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as the script's main() does
    try:
        r = script.trial("adding-T100~nnlstm-h64-modern", seed=0, cap=20)
        b = script.trial("adding-T100~nnlstm-h64-modern", seed=0, cap=20, variant=script.Variant(batch=8))
    finally:
        torch.set_num_threads(threads)
    for t in (r, b):  # online, and in batches of 8, 8 and the 4 left to the cap
        assert t["presented"] == 20 and not t["success"] and np.isfinite(t["final_error"])
        assert 0 <= t["test_wrong"] <= 50


def test_a_batch_gives_each_sequence_its_own_last_output(script):
    s, task = script.ROWS["adding-T100~nnlstm-h64-modern"], script.TASKS["adding-T100"]
    torch.manual_seed(0)
    net = script.Net(s, task)
    rng = np.random.default_rng(0)
    xs = [torch.from_numpy(task.sample(rng)[0]).float() for _ in range(5)]
    assert len({len(x) for x in xs}) > 1  # lengths differ, so packing matters
    with torch.no_grad():
        batch = net.forward_batch(xs)
        one_by_one = torch.stack([net(x) for x in xs])
    assert batch.shape == (5, 1) and torch.allclose(batch, one_by_one, atol=1e-6)
