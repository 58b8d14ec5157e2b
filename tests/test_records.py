"""Committed records reproduce: rerunning a trial gives its committed record (all but the timing fields and the
provenance), so a change to a kernel that alters a single rounding in a row's results fails here, not silently
in the next sweep. The trials are the cheapest committed ones of each kernel mode (truncated and full gradient,
per-sequence and per-step updates, Exp 2a's construction), each criterion kind (the Reber test, ST1/ST2 on a test
set, ST3, "N sequences", a streak), each model the sweep can train (the 1997 net with each output and input
variant, the forget-gate net, the nn.LSTM baselines, gate pre-training, RTRL) and each test interval; the lane path
reruns some of them side by side (about a minute in all). Exp 2a per step (2 min on an idle core) is
`slow`."""

from __future__ import annotations

from pathlib import Path

import pytest

from lstm1997 import get_experiment, store
from lstm1997.lane_trials import run_in_lanes
from lstm1997.sweep import reproducible
from lstm1997.trial import run_trial

pytestmark = pytest.mark.heavy  # reruns of committed records: not in the everyday tier

RESULTS = Path(__file__).resolve().parent.parent / "results"

RECORDS = [
    "reber-4x1-lr0.1/seed-2",  # targets at every step, the Reber test
    "reber-3x2-lr0.5+per-step/seed-22",  # a weight update at every step
    "reber-4x1-lr0.5+reconstructed-modified/seed-1026",  # the full gradient, per step, tests every 100 strings
    "twoseq-3b-T100-N3/seed-3",  # ST1/ST2 on a test set
    "twoseq-3b-T100-N3+reconstructed/seed-1006",  # ST1/ST2, a test every 100 sequences
    "twoseq-3c-T100-N3/seed-6",  # 3c's noisy targets
    "twoseq-3a-T100-N3~forget-gate-bias5/seed-6",  # the forget-gate kernel
    "temporal-6a/seed-14",  # ST3
    "temporal-6a+full-gradient/seed-15",  # the full-gradient kernel
    "adding-T100+reconstructed-modified/seed-1008",  # ST3 with a linear output unit
    "multiplication-T100+linear-output/seed-4",  # "N sequences" (NSeq)
    "longlag-2c-q50-p50/seed-15",  # one-hot inputs, "after 5 million exemplars"
    "longlag-2c-q50-p50+cells-read-inputs/seed-15",  # cell inputs connected to the input units
    "longlag-2a/seed-8",  # the training set and the construction phase of Exp 2a
    "longlag-2a~rtrl-p4-lr10.0-per-sequence/seed-4",  # the RTRL competitor
    "temporal-6a~nnlstm-h3-adam/seed-1",  # the compiled nn.LSTM baseline with Adam
    "temporal-6a~nnlstm-h3-sgd/seed-1",  # and with plain gradient descent
    pytest.param("longlag-2a+per-step/seed-2", marks=pytest.mark.slow),  # Exp 2a per step (2 min)
]

LANE_RECORDS = {  # rerun side by side in lanes (lstm1997.lane_trials), one lane per seed
    "temporal-6a": [12, 13, 14, 15],
    "twoseq-3b-T100-N3+reconstructed": [1000, 1001, 1006, 1007],
}


def drop_unstable(record: dict) -> dict:
    """A record without its timing fields, provenance, numerics version and fingerprint (checked apart)."""
    return reproducible(record, "provenance", "numerics", "fingerprint")


REGENERATE = "regenerate the committed records (lstm1997 reproduce --full --out results, and the baseline rows)"


@pytest.mark.parametrize("name", RECORDS)
def test_a_committed_record_reproduces(name):
    if "~nnlstm" in name or "~forget-gate" in name:
        pytest.importorskip("torch")  # these baselines' models import torch
    stored = store.load(RESULTS / f"{name}.json")
    exp = get_experiment(stored["experiment"])
    assert store.numerics(stored) == store.NUMERICS_VERSION, f"NUMERICS_VERSION was raised: {REGENERATE}"
    record, _ = run_trial(exp, stored["seed"])
    assert record["numerics"] == store.NUMERICS_VERSION
    assert record["fingerprint"] == stored.get("fingerprint", exp.fingerprint())  # absent: computed from the row
    assert drop_unstable(record) == drop_unstable(stored), (
        f"a change altered the numbers of a record: raise lstm1997.store.NUMERICS_VERSION and {REGENERATE}"
    )


def test_a_gate_pretraining_record_reproduces_to_rounding():
    """Gate pre-training runs outside the compiled kernels (numpy's matrix products, exp and log; torch's when
    the records were made), whose code is chosen for the CPU at run time, so its records reproduce on another
    machine to rounding only (DEVIATIONS.md, P12): every count and verdict exactly, error figures to 1e-9."""
    stored = store.load(RESULTS / "twoseq-3a-T100-N3~gate-pretraining/seed-8.json")
    record, _ = run_trial(get_experiment(stored["experiment"]), stored["seed"])
    assert equal_to_rounding(drop_unstable(record), drop_unstable(stored))


def equal_to_rounding(a, b) -> bool:
    """Whether ``a`` and ``b`` (nested dicts and lists) hold the same keys, the same ints, strings and booleans,
    and floats within 1e-9 relative of each other."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(equal_to_rounding(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(map(equal_to_rounding, a, b))
    if isinstance(a, float) and isinstance(b, float):
        return a == pytest.approx(b, rel=1e-9, abs=0)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("row", LANE_RECORDS)
def test_committed_records_reproduce_in_lanes(row):
    exp = get_experiment(row)
    jobs = [(seed, None) for seed in LANE_RECORDS[row]]
    seeds = []
    for record, _ in run_in_lanes(exp, jobs, n_lanes=len(jobs), min_lanes=1):
        stored = store.load(RESULTS / row / f"seed-{record['seed']}.json")
        assert drop_unstable(record) == drop_unstable(stored), f"seed {record['seed']} in lanes: {REGENERATE}"
        seeds.append(record["seed"])
    assert sorted(seeds) == LANE_RECORDS[row]


def test_every_committed_record_is_of_this_numerics_version():
    versions = {store.numerics(store.load(p)) for p in RESULTS.glob("*/seed-*.json")}
    assert versions == {store.NUMERICS_VERSION}, f"records of numerics versions {versions}: {REGENERATE}"


def test_fingerprints_are_the_same_in_every_process():
    """A record's fingerprint must not depend on the process (addresses, hash seeds) or the machine: pinned."""
    assert get_experiment("adding-T100").fingerprint() == "c9bef866ccade082"
    assert get_experiment("longlag-2a").fingerprint() != get_experiment("longlag-2a+full-net").fingerprint()


def test_report_marks_a_row_built_from_mixed_numerics_versions(tmp_path):
    import json
    import shutil

    from lstm1997.report import results_markdown

    shutil.copy(RESULTS / store.MARKER, tmp_path / store.MARKER)
    (tmp_path / "temporal-6a").mkdir()
    for seed, version in ((0, None), (1, 2)):
        record = json.loads((RESULTS / f"temporal-6a/seed-{seed}.json").read_text())
        if version is not None:
            record["numerics"] = version
        (tmp_path / f"temporal-6a/seed-{seed}.json").write_text(json.dumps(record))
    assert "MIXED NUMERICS VERSIONS" in results_markdown(tmp_path, "test")
    (tmp_path / "temporal-6a/seed-1.json").unlink()
    assert "MIXED" not in results_markdown(tmp_path, "test")
