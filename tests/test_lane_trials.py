"""Trials trained side by side in lanes (lstm1997.lane_trials) give, trial by trial, the records and final nets of
the one-net path (run_trial): random rows, seeds, lane counts and settings, with criteria that fire mid-chunk,
trials of different lengths in one group, per-step and per-sequence updates, divergence, and a resumed trial."""

from __future__ import annotations

import time
import zlib
from dataclasses import replace

import numpy as np
import pytest

from lstm1997 import get_experiment
from lstm1997.criteria import ST3, NSeq, Streak
from lstm1997.lane_trials import LANES, lane_count, run_in_lanes, shares_lanes
from lstm1997.sweep import reproducible
from lstm1997.trial import run_trial, start_trial

ROWS = [  # cheap settings of rows of every criterion kind the lanes take (caps lowered, chunks small)
    ("adding-T100", {"cap": 900, "batch": 100, "test_size": 200}),  # ST3
    ("adding-T100", {"cap": 700, "batch": 100, "test_size": 100, "per_step": True}),  # an update at every target step
    ("multiplication-T100", {"cap": 800, "batch": 150, "test_size": 200}),  # NSeq: milestones and tests at its levels
    ("temporal-6a", {"cap": 600, "batch": 100, "test_size": 200}),  # ST3, four outputs
    (
        "twoseq-3a-T100-N3",
        {"cap": 500, "batch": 150, "test_size": 200},
    ),  # periodic tests: chunks end where a test is due
    ("reber-4x1-lr0.1", {"cap": 300, "batch": 100}),  # targets at every step, the Reber test
    ("reber-3x2-lr0.5+per-step", {"cap": 300, "batch": 100}),  # per-step updates at every step
    ("longlag-2b", {"cap": 400, "batch": 100, "test_size": 200}),  # Streak over the sequence ends, wide one-hot inputs
]


def comparable(record: dict) -> dict:
    return reproducible(record, "provenance")


def firing_criterion(exp, rng: np.random.Generator):
    """A criterion of the row's kind that fires (or not) after a few dozen sequences, mostly mid-chunk."""
    crit = exp.criterion
    window = int(rng.integers(20, 80))
    if isinstance(crit, ST3):
        return ST3(avg_error=float(rng.choice([0.05, 0.3, 10.0])), threshold=float(rng.choice([0.3, 1.0, 9.0])),
                   window=window)  # fmt: skip
    if isinstance(crit, NSeq):
        return NSeq(levels=(window + 1, int(rng.integers(1, window))), threshold=crit.threshold, window=window)
    if isinstance(crit, Streak):
        return Streak(float(rng.choice([0.3, 0.6, 2.0])), length=window, all_steps=crit.all_steps)
    return crit  # the periodic tests decide at a chunk's end


def random_row(name: str, options: dict, rng: np.random.Generator):
    exp = get_experiment(name).with_options(**options)
    if rng.random() < 0.7:
        exp = replace(exp, criterion=firing_criterion(exp, rng))
    return exp


def check_same(exp, seeds, n_lanes, **kwargs) -> list[dict]:
    """Each trial's record and final net from the lanes equal run_trial's; returns the records."""
    got = {record["seed"]: (record, net) for record, net in run_in_lanes(exp, [(s, None) for s in seeds], n_lanes,
                                                                          **kwargs)}  # fmt: skip
    assert sorted(got) == sorted(seeds)
    for seed in seeds:
        want, want_net = run_trial(exp, seed)
        record, net = got[seed]
        assert comparable(record) == comparable(want), f"{exp.name} seed {seed}: records differ"
        for k, w in want_net.weights.items():
            assert np.array_equal(net.weights[k], w, equal_nan=True), f"{exp.name} seed {seed}: {k} differs"
    return [got[s][0] for s in seeds]


@pytest.mark.parametrize("name, options", ROWS, ids=[f"{n}{'-per-step' * o.get('per_step', 0)}" for n, o in ROWS])
def test_lanes_give_the_one_net_records(name, options):
    rng = np.random.default_rng(zlib.crc32(f"{name}{options}".encode()))
    exp = random_row(name, options, rng)
    seeds = [int(s) for s in rng.choice(1000, size=int(rng.integers(5, 9)), replace=False)]
    check_same(exp, seeds, int(rng.integers(4, 7)), min_lanes=int(rng.choice([1, 4])))


def test_trials_of_different_lengths_share_lanes_and_end_mid_chunk():
    """ST3 over a short window fires mid-chunk at a different sequence in each trial; some trials fail at the cap;
    three lanes for seven trials, so freed lanes take new seeds while the others run on."""
    exp = replace(get_experiment("adding-T100").with_options(cap=1200, batch=200, test_size=100),
                  criterion=ST3(avg_error=0.02, threshold=0.25, window=30))  # fmt: skip
    records = check_same(exp, list(range(7)), 3, min_lanes=1)
    ends = {r["presented"] for r in records}
    assert len(ends) >= 3, f"the trials should end at different sequences, got {ends}"
    assert any(r["success"] and r["presented"] % 200 for r in records), "no criterion fired mid-chunk"
    assert any(not r["success"] for r in records), "no trial ran to its cap"


@pytest.mark.filterwarnings("ignore:overflow:RuntimeWarning")
def test_diverging_trials_end_in_their_lanes_alone():
    exp = get_experiment("adding-T100+linear-output").with_options(cap=400, batch=100, lr=10.0, test_size=100)
    records = check_same(exp, [0, 1, 2, 3, 4], 5)
    assert all(r["diverged"] for r in records)
    assert len({r["presented"] for r in records}) > 1, "the trials should diverge at different chunks"


def test_a_lane_trial_resumes_from_its_checkpoint(tmp_path):
    exp = replace(get_experiment("multiplication-T100").with_options(cap=1500, batch=100, test_size=100),
                  criterion=NSeq(levels=(41, 3), threshold=0.04, window=40))  # fmt: skip
    ckpt = tmp_path / "seed-5.ckpt"
    started = start_trial(exp, 5, ckpt, 0)  # a one-net run of 4 chunks that stops ("crashes") there
    for _ in range(4):
        seqs = started.trial.next_chunk()
        assert seqs is not None
        before = started.trial.model.copy()
        out = started.trial.train(seqs)
        started.trial.after_training(seqs, out, before, None, started.saver)
    assert ckpt.exists()
    seen = []
    jobs = [(5, ckpt), (6, tmp_path / "seed-6.ckpt"), (7, None), (8, None)]
    got = {r["seed"]: r for r, _ in run_in_lanes(exp, jobs, 4, 0, lambda seed: lambda *a: seen.append((seed, *a)))}
    assert min(s for seed, s, *_ in seen if seed == 5) > 100, "seed 5 restarted instead of resuming"
    assert (tmp_path / "seed-6.ckpt").exists(), "a lane trial checkpoints to its own file"
    for seed in (5, 6, 7, 8):
        assert comparable(got[seed]) == comparable(run_trial(exp, seed)[0]), f"seed {seed} differs"


def test_which_rows_share_lanes():
    assert lane_count(get_experiment("adding-T1000")) == lane_count(get_experiment("temporal-6b")) == LANES
    assert lane_count(get_experiment("twoseq-3b-T100-N3")) == LANES
    for one in ("reber-3x2-lr0.1", "longlag-2c-q1000-p1000", "longlag-2b", "temporal-6a+full-gradient"):
        assert lane_count(get_experiment(one)) == 1, one
    for name in ("longlag-2a", "temporal-6a+full-gradient", "temporal-6a~forget-gate", "adding-T100~nnlstm-h3-sgd"):
        assert not shares_lanes(get_experiment(name)), name
        with pytest.raises(ValueError, match="cannot share lanes"):
            next(run_in_lanes(get_experiment(name), [(0, None)]))


def test_a_sweep_in_lanes_gives_the_records_of_one_net_sweeps(tmp_path):
    """Two workers, each a group of eight trials in lanes, records sent and saved as each trial ends; the one-net
    path (lanes=1) gives the same records."""
    from lstm1997 import store
    from lstm1997.sweep import _units, run_trials

    exp = replace(get_experiment("temporal-6a").with_options(cap=900, batch=100, test_size=100),
                  criterion=ST3(avg_error=0.3, threshold=0.9, window=50))  # fmt: skip
    jobs = [(exp, seed, None, 0.0) for seed in range(16)]
    assert [(len(group), k) for _, group, k, _ in _units(jobs, 2, None)] == [(8, LANES), (8, LANES)]
    assert [(len(group), k) for _, group, k, _ in _units(jobs, 2, 1)] == [(1, 1)] * 16  # the one-net path
    assert [(len(group), k) for _, group, k, _ in _units(jobs[:12], 2, None)] == [(1, 1)] * 12  # groups too small
    assert [(len(group), k) for _, group, k, _ in _units(jobs[:12], 2, 4)] == [(6, 4), (6, 4)]  # as asked
    events = []
    lanes = run_trials(exp, range(16), workers=2, out=tmp_path, checkpoint_every=0, report=lambda *e: events.append(e))
    alone = run_trials(exp, range(16), lanes=1)
    assert [comparable(r) for r in lanes] == [comparable(r) for r in alone]
    saved = [comparable(store.load(store.trial_path(tmp_path, exp.name, s))) for s in range(16)]
    assert saved == [comparable(r) for r in alone]
    assert sorted(i["record"]["seed"] for e, i in events if e == "done") == list(range(16))
    assert any(e == "progress" for e, _ in events)
    assert not list((tmp_path / exp.name).glob("*.ckpt"))
    from lstm1997.cli import _backend, build_parser

    for argv, lanes in (([], None), (["--lanes", "1"], 1), (["--lanes", "16"], 16)):  # --lanes reaches run_plan
        assert _backend(build_parser().parse_args(["reproduce", *argv]))["lanes"] == lanes


def test_ray_tasks_run_groups_in_lanes(tmp_path):
    """Under Ray a group of a row's trials is one task (at least one group per 16 trials); records as locally."""
    ray = pytest.importorskip("ray")
    from lstm1997.sweep import _units, run_trials

    exp = replace(get_experiment("temporal-6a").with_options(cap=600, batch=100, test_size=100),
                  criterion=ST3(avg_error=0.3, threshold=0.9, window=50))  # fmt: skip
    jobs = [(exp, seed, None, 0.0) for seed in range(40)]
    assert [len(group) for _, group, _, _ in _units(jobs, 1, None, ray=True)] == [14, 13, 13]
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        got = run_trials(exp, range(16), workers=2, out=tmp_path, backend="ray", checkpoint_every=0)
    finally:
        ray.shutdown()
    assert [comparable(r) for r in got] == [comparable(r) for r in run_trials(exp, range(16), lanes=1)]
    assert len(list((tmp_path / exp.name).glob("seed-*.json"))) == 16


def test_the_wall_times_of_a_group_add_up_to_its_time():
    """A trial's wall_time in lanes is its share of each round, so RESULTS.md's compute (the sum of wall_time) is
    the time the group took, not that time once per trial."""
    exp = get_experiment("adding-T100").with_options(cap=600, batch=100, test_size=50)
    start = time.perf_counter()
    records = [record for record, _ in run_in_lanes(exp, [(seed, None) for seed in range(6)], n_lanes=6)]
    elapsed = time.perf_counter() - start
    total = sum(r["wall_time"] for r in records)
    assert len(records) == 6 and 0.5 * elapsed < total <= elapsed
