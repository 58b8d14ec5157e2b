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


REGENERATE = "regenerate the committed records (lstm1997 reproduce --full --out results, and the baseline rows)"


@pytest.mark.parametrize("name", RECORDS)
def test_a_committed_record_reproduces(name):
    if "~" in name:
        pytest.importorskip("torch")  # the baselines' models import torch
    stored = store.load(RESULTS / f"{name}.json")
    exp = get_experiment(stored["experiment"])
    assert store.numerics(stored) == store.NUMERICS_VERSION, f"NUMERICS_VERSION was raised: {REGENERATE}"
    record, _ = run_trial(exp, stored["seed"])
    assert record["numerics"] == store.NUMERICS_VERSION
    assert record["fingerprint"] == stored.get("fingerprint", exp.fingerprint())  # absent: computed from the row
    drop = {*TIMING_FIELDS, "provenance", "numerics", "fingerprint"}
    assert {k: v for k, v in record.items() if k not in drop} == {k: v for k, v in stored.items() if k not in drop}, (
        f"a change altered the numbers of a record: raise lstm1997.store.NUMERICS_VERSION and {REGENERATE}"
    )


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
