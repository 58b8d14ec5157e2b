"""RESULTS.md rows carry their intervals and the verdict column; the verdict key is the one of docs/DEVIATIONS.md
and, on the committed records, gives the verdicts documented there."""

import re
from pathlib import Path

import pytest
from test_replication import record as replication_record

from lstm1997 import store
from lstm1997.experiments import EXPERIMENTS
from lstm1997.report import results_markdown
from lstm1997.stats import RESAMPLES
from lstm1997.summary import mean_cell, reproduces, success_cell, summarize, verdict

RESULTS = Path(__file__).resolve().parent.parent / "results"


def record(name: str, seed: int, sequences: int | None) -> dict:
    """test_replication's made-up record, with an average-error milestone 5,000 sequences before success."""
    return {
        **replication_record(name, seed, sequences),
        "milestones": {"average error": sequences - 5000 if sequences else None},
    }


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("results")
    store.check_writable(out)
    # temporal-6a: 19 of 20 solved, after 22,390 + 1,000 i sequences (mean 31,390: the paper's); longlag-2b: 0/18
    for i in range(20):
        store.save(out, record("temporal-6a", i, 22_390 + 1000 * i if i < 19 else None))
    for i in range(18):
        store.save(out, record("longlag-2b", i, None))
    return results_markdown(out, "test")


def row(text: str, name: str) -> str:
    """The row's line in the detailed paper-vs-ours table (the overview at the top has a line per row too)."""
    return next(line for line in text.splitlines() if line.startswith(f"| {name} | 100% of "))


def test_a_row_shows_its_intervals_and_verdict(report):
    line = row(report, "temporal-6a")
    assert line.startswith("| temporal-6a | 100% of 20 | 95% of 20 [75.1-99.9%] | 31,390 | 31,390 [")
    # mean and median (both 31,390) with their bootstrap intervals
    found = re.search(r"\| 31,390 \[([\d,]+)-([\d,]+)\] \| 31,390 \[([\d,]+)-([\d,]+)\] \|", line)
    bounds = [int(x.replace(",", "")) for x in found.groups()]
    for lo, hi in (bounds[:2], bounds[2:]):
        assert 22_390 < lo < 31_390 < hi < 40_390
    assert (
        "| reproduces: paper's rate above our CI (Fisher p = 1 against the paper's 20/20), paper's mean in our CI; "
        "20 trials detect a rate <= 92.3% |" in line
    )
    assert f"({RESAMPLES:,} resamples, seed 0; none below 5 successes)" in report


def test_a_row_without_successes(report):
    line = row(report, "longlag-2b")
    assert "| 0% of 18 [0-18.5%] | 5,680 | - | - | - |" in line
    assert "does not reproduce: paper's rate above our CI (Fisher p = 2.2e-10 against the paper's 18/18)" in line
    assert "no mean of ours; 18 trials detect a rate <= 91.4%" in line


def test_milestones_carry_intervals(report):
    (line,) = [x for x in report.splitlines() if x.startswith("- temporal-6a: ")]
    assert re.fullmatch(r"- temporal-6a: average error 26,390 \[[\d,]+-[\d,]+\]", line)


def summary_of(name: str, sequences: list[int | None]) -> dict:
    return summarize(EXPERIMENTS[name], [record(name, i, s) for i, s in enumerate(sequences)])


def test_the_verdict_key():
    paper = EXPERIMENTS["temporal-6a"].paper.sequences  # 31,390, 100 % of 20
    assert reproduces(summary_of("temporal-6a", [paper] * 19 + [None]))  # one trial short
    assert not reproduces(summary_of("temporal-6a", [paper] * 18 + [None] * 2))  # two short
    assert reproduces(summary_of("temporal-6a", [2 * paper] * 20))  # 2x exactly
    assert not reproduces(summary_of("temporal-6a", [2 * paper + 1] * 20))
    assert reproduces(summary_of("temporal-6a", [paper // 2 + 1] * 20))
    assert not reproduces(summary_of("temporal-6a", [None] * 20))
    # reber-3x2-lr0.2: the paper's 97 % of 30 is 29 trials, so 28 is within one
    seqs = EXPERIMENTS["reber-3x2-lr0.2"].paper.sequences
    assert reproduces(summary_of("reber-3x2-lr0.2", [seqs] * 28 + [None] * 2))
    assert not reproduces(summary_of("reber-3x2-lr0.2", [seqs] * 27 + [None] * 3))
    few = summary_of("temporal-6a", [paper] * 4)
    assert success_cell(few) == "4/4 [39.8-100%]" and "no CI of our mean (< 5 successes)" in verdict(few)
    assert mean_cell(few) == "31,390" and mean_cell(summary_of("temporal-6a", [None] * 3)) == "-"
    assert re.fullmatch(r"31,390 \[[\d,]+-[\d,]+\]", mean_cell(summary_of("temporal-6a", [31_000, 31_780] * 3)))


def test_the_key_on_the_committed_records_gives_the_documented_verdicts():
    """docs/DEVIATIONS.md: of the 30 paper rows, 3a (three rows) and 6a reproduce."""
    ok = {name for name, exp in EXPERIMENTS.items() if reproduces(summarize(exp, store.load_all(RESULTS, name)))}
    assert ok == {"twoseq-3a-T100-N3", "twoseq-3a-T100-N1", "twoseq-3a-T1000-N3", "temporal-6a"}
