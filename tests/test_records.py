"""Committed records reproduce: rerunning a trial gives its committed record (all but the timing fields and the
provenance), so a change to a kernel that alters a single rounding in a row's results fails here, not silently
in the next sweep. The trials are the cheapest committed ones of each kind of kernel and criterion (about 20 s)."""

from __future__ import annotations

from pathlib import Path

import pytest

from lstm1997 import get_experiment, store
from lstm1997.sweep import TIMING_FIELDS
from lstm1997.trial import run_trial

pytestmark = pytest.mark.heavy  # reruns of committed records: not in the everyday tier

RESULTS = Path(__file__).resolve().parent.parent / "results"

RECORDS = [
    "reber-4x1-lr0.1/seed-2",  # targets at every step, the Reber test
    "reber-3x2-lr0.5+per-step/seed-22",  # a weight update at every step
    "twoseq-3b-T100-N3/seed-3",  # ST1/ST2 on a test set
    "twoseq-3a-T100-N3~forget-gate-bias5/seed-6",  # the forget-gate kernel
    "temporal-6a/seed-14",  # ST3
    "temporal-6a+full-gradient/seed-15",  # the full-gradient kernel
    "longlag-2c-q50-p50/seed-15",  # one-hot inputs, "after 5 million exemplars"
    "longlag-2a/seed-8",  # the training set and the construction phase of Exp 2a
    "temporal-6a~nnlstm-h3-adam/seed-1",  # the compiled nn.LSTM baseline with Adam
]


@pytest.mark.parametrize("name", RECORDS)
def test_a_committed_record_reproduces(name):
    if "~" in name:
        pytest.importorskip("torch")  # the baselines module imports torch
    stored = store.load(RESULTS / f"{name}.json")
    record, _ = run_trial(get_experiment(stored["experiment"]), stored["seed"])
    drop = {*TIMING_FIELDS, "provenance"}
    assert {k: v for k, v in record.items() if k not in drop} == {k: v for k, v in stored.items() if k not in drop}
