"""Named deviations and the knobs behind them: each changes what it says and nothing else."""

from dataclasses import replace

import numpy as np
import pytest

from lstm1997 import get_experiment
from lstm1997.criteria import FrozenTest, TwoSeqTest
from lstm1997.experiments import EXPERIMENTS
from lstm1997.profiles import DEVIATIONS, apply
from lstm1997.tasks import longlag
from lstm1997.trial import run_trial


def test_rows_with_deviations_resolve_by_name_and_keep_the_paper_row_figures():
    exp = get_experiment("adding-T100+ce-output+cell-init-zero")
    base = EXPERIMENTS["adding-T100"]
    assert exp.spec.output == "logistic-ce" and exp.spec.cell_init_range == 0.0
    assert (exp.paper, exp.cap, exp.trials, exp.criterion, exp.lr) == (
        base.paper, base.cap, base.trials, base.criterion, base.lr
    )  # fmt: skip
    assert "MODIFICATION" in exp.description and "READING" in exp.description
    assert exp.n_weights == base.n_weights == 93


def test_unknown_or_unconcerned_deviations_are_refused():
    with pytest.raises(KeyError, match="unknown deviation"):
        get_experiment("adding-T100+no-such-thing")
    with pytest.raises(KeyError, match="does not concern"):
        get_experiment("adding-T100+end-target")
    with pytest.raises(ValueError, match="does not concern"):
        apply(EXPERIMENTS["temporal-6a"], ["linear-output"])
    with pytest.raises(KeyError, match="per-step updates need the truncated gradient"):
        get_experiment("reber-3x2-lr0.5+per-step+full-gradient")


def test_every_deviation_names_its_tier_and_what_it_rests_on_or_contradicts():
    for d in DEVIATIONS.values():
        assert d.tier in ("reading", "modification") and d.conflicts and d.what
        assert any(d.applies(e) for e in EXPERIMENTS.values()), d.name


RECORD = {
    "diverged": False,
    "milestones": {},
    "test": {},
    "steps": 1,
    "wall_time": 1.0,
    "final_train_error": 0.0,
    "steps_per_s": 1.0,
    "curve": {"seen": [], "error": [], "correct": []},
}
"""The fields of a made-up record that the report reads but these tests do not vary."""


def _quick_twoseq(**changes):
    crit = TwoSeqTest(threshold=0.2, st1_max_wrong=10_000, st2_mae=10.0)  # passes at the first test
    return replace(EXPERIMENTS["twoseq-3a-T100-N3"], criterion=crit, test_size=0, **changes)


def test_count_tests_adds_the_periodic_tests_sequences_and_changes_nothing_else():
    plain, _ = run_trial(_quick_twoseq(), seed=3)
    counted, _ = run_trial(_quick_twoseq(count_tests=True), seed=3)
    assert plain["sequences"] == plain["presented"] == 1000
    assert counted["sequences"] == 1000 + 256 and counted["milestones"]["ST1"] == 1256
    assert counted["presented"] == 1000 and counted["final_train_error"] == plain["final_train_error"]


def test_test_every_100_tests_at_every_hundred_sequences():
    exp = apply(_quick_twoseq(), ["test-every-100"])
    record, _ = run_trial(exp, seed=3)
    assert exp.batch == 100 and record["sequences"] == 100


@pytest.mark.parametrize(("threshold", "success"), [(1.0, True), (1e-9, False)])
def test_frozen_test_passes_or_fails_on_the_frozen_net(threshold, success):
    crit = FrozenTest(threshold, size=1200, every=500)
    exp = replace(EXPERIMENTS["longlag-2c-q50-p50"], criterion=crit, cap=2000, test_size=0, batch=500)
    record, _ = run_trial(exp, seed=1)
    assert record["success"] is success
    assert record["presented"] == (500 if success else 2000)


def test_frozen_test_of_2a_checks_every_step():
    exp = apply(EXPERIMENTS["longlag-2a"], ["frozen-test"])
    assert exp.criterion.all_steps and exp.criterion.every == 100 and exp.batch == 100


def test_end_target_2b_keeps_the_inputs_and_keeps_only_the_final_target():
    full = longlag.generate_2b(np.random.default_rng(5), 4, p=10)
    end = longlag.generate_2b(np.random.default_rng(5), 4, p=10, end_only=True)
    np.testing.assert_array_equal(full.x_idx, end.x_idx)
    assert end.target_at.sum() == 4 and full.target_at.sum() == 40
    np.testing.assert_array_equal(end.targets, full.targets[full.last_target])
    np.testing.assert_array_equal(np.flatnonzero(end.target_at), np.flatnonzero(full.target_at)[full.last_target])


def test_results_overview_puts_profile_rows_beside_the_literal_ones(tmp_path, monkeypatch):
    from lstm1997 import profiles, store
    from lstm1997.report import results_markdown

    monkeypatch.setitem(profiles.PROFILES, "reconstructed", profiles.Profile("reconstructed", "test", ("ce-output",)))
    store.check_writable(tmp_path)
    base = RECORD
    for seed in range(10):  # literal: 2/10 at 10x the paper; profile: 10/10 at the paper's mean
        late = 740_000 if seed < 2 else None
        store.save(tmp_path, {**base, "experiment": "adding-T100", "seed": seed, "success": late is not None,
                              "sequences": late, "presented": late or 740_000})  # fmt: skip
        store.save(tmp_path, {**base, "experiment": "adding-T100+reconstructed", "seed": seed, "success": True,
                              "sequences": 74_000, "presented": 74_000})  # fmt: skip
    text = results_markdown(tmp_path, "test")
    line = next(x for x in text.splitlines() if x.startswith("| adding-T100 |"))
    assert "2/10, 740,000 (10.00x): does not reproduce" in line
    assert "10/10, 74,000 (1.00x): reproduces | not run |" in line
    assert "literal: 0 of 30, reconstructed: 1 of 30, reconstructed-modified: 0 of 30" in text


def test_predictions_are_shown_beside_outcomes_and_counted(monkeypatch):
    from lstm1997 import profiles
    from lstm1997.overview import prediction_lines

    monkeypatch.setitem(profiles.PROFILES, "reconstructed", profiles.Profile("reconstructed", "test", ("ce-output",)))
    base = {**RECORD, "success": True}
    done = [{**base, "seed": s, "sequences": 74_000, "presented": 74_000} for s in range(10)]
    predictions = {"reconstructed": {
        "adding-T100": {"verdict": "reproduces", "basis": "dev"},
        "adding-T500": {"verdict": "does not reproduce", "basis": "plateau"},
    }}  # fmt: skip
    lines = prediction_lines({"adding-T100+reconstructed": done}, predictions)
    assert "| adding-T100 | reconstructed | reproduces | 10/10, 74,000 (1.00x): reproduces | dev |" in lines
    assert "| adding-T500 | reconstructed | does not reproduce | not run | plateau |" in lines
    assert "Predictions judged so far: 1; came true: 1." in lines


def test_a_profile_that_changes_nothing_in_a_row_shows_its_literal_records(tmp_path, monkeypatch):
    from lstm1997 import profiles, store
    from lstm1997.report import results_markdown

    monkeypatch.setitem(profiles.PROFILES, "reconstructed", profiles.Profile("reconstructed", "t", ("linear-output",)))
    store.check_writable(tmp_path)
    base = {**RECORD, "success": True}
    for seed in range(20):
        store.save(tmp_path, {**base, "experiment": "temporal-6a", "seed": seed, "sequences": 31_390,
                              "presented": 31_390})  # fmt: skip
    line = next(x for x in results_markdown(tmp_path, "t").splitlines() if x.startswith("| temporal-6a |"))
    assert line.count("20/20, 31,390 (1.00x): reproduces") == 2 and line.endswith("| not run |")


def test_the_command_line_refuses_unknown_deviations_and_profiles_in_one_line(capsys):
    from lstm1997.cli import main

    assert main(["run", "adding-T100+no-such-thing", "--trials", "1"]) == 2
    assert main(["reproduce", "--profile", "no-such-profile", "--rows", "adding-T100"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 2 and "unknown deviation 'no-such-thing'" in err[0] and "unknown profile" in err[1]


def test_a_row_with_fewer_trials_than_the_papers_is_shown_as_partial_and_not_judged():
    from lstm1997.overview import cell, prediction_lines

    three = [{**RECORD, "seed": s, "success": True, "sequences": 74_000, "presented": 74_000} for s in range(3)]
    assert cell("adding-T100", three) == "3/3, 74,000 (1.00x): partial (3 of 10 trials)"
    assert cell("adding-T100", three, compact=True) == "3/3 1.00x yes"  # the quick run's preview judges its trials
    row = "adding-T100+reconstructed-modified"
    three = [{**r, "experiment": row} for r in three]
    lines = prediction_lines({row: three}, {"reconstructed-modified": {"adding-T100": {"verdict": "reproduces",
                                                                                   "basis": "b"}}})  # fmt: skip
    assert "| adding-T100 | reconstructed-modified | reproduces | 3/3, 74,000 (1.00x): partial (3 of 10 trials) | b |" \
        in lines  # fmt: skip
    assert "Predictions judged so far: 0; came true: 0." in lines
