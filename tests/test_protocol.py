"""The training protocol: criteria exact per sequence, determinism, sweeps, the results store."""

import dataclasses
import json

import numpy as np
import pytest

import lstm1997
from lstm1997 import store
from lstm1997 import trial as trial_module
from lstm1997.catalog import get_experiment
from lstm1997.criteria import ST3, NSeq, SequenceStats, Streak
from lstm1997.sequences import Sequences
from lstm1997.sweep import reproducible, run_trials
from lstm1997.tasks import reber
from lstm1997.trial import Trial, reber_test, run_trial, twoseq_test


def comparable(record: dict) -> dict:
    return reproducible(record, "provenance")


def brute_force_stop(exp, seed, batch, condition):
    """Train sequence by sequence in Python on the trial's first chunk; index of the first sequence after
    which ``condition(history of per-sequence stats)`` holds, and the weights at that point."""
    trial = Trial(exp, seed)
    seqs = trial.draw(batch)
    net = trial.model.net.copy()
    history = []
    for i in range(seqs.n):
        one = seqs.take([i])
        out = lstm1997.train(net, one, exp.lr)
        s = SequenceStats.of(one, out)
        history.append((float(s.error[0]), float(s.abs_end[0]), float(s.abs_all[0])))
        if condition(history):
            return i, net
    return None, net


def test_st3_fires_at_exactly_the_right_sequence_with_exact_weights():
    crit = ST3(avg_error=0.06, threshold=0.3, window=50)
    exp = lstm1997.get_experiment("adding-T100").with_options(criterion=crit, test_size=0, batch=1000)

    def st3(h):
        w = h[-50:]
        return len(w) == 50 and all(a < 0.3 for _, a, _ in w) and np.mean([e for e, _, _ in w]) < 0.06

    stop, net = brute_force_stop(exp, 3, 1000, st3)
    assert stop is not None and stop < 999, "pick a criterion that fires inside the first chunk"
    record, trained = run_trial(exp, 3)
    assert record["success"] and record["sequences"] == stop + 1
    assert record["milestones"]["average error"] <= record["sequences"]
    for k in net.weights:
        np.testing.assert_array_equal(trained.weights[k], net.weights[k])


def test_streak_counts_the_sequences_before_the_streak():
    crit = Streak(threshold=0.25, length=8)
    exp = lstm1997.get_experiment("adding-T100").with_options(criterion=crit, test_size=0)

    def streak(h):
        return len(h) >= 8 and all(a < 0.25 for _, a, _ in h[-8:])

    stop, _ = brute_force_stop(exp, 0, 1000, streak)
    assert stop is not None and stop > 8
    record, _ = run_trial(exp, 0)
    assert record["success"] and record["sequences"] == stop + 1 - 8
    json.dumps(record, allow_nan=True)  # plain Python types only


def test_nseq_milestones_in_order_with_a_test_at_each():
    crit = NSeq(levels=(45, 30), threshold=0.3, window=50)
    exp = lstm1997.get_experiment("multiplication-T100").with_options(criterion=crit, test_size=100)
    record, _ = run_trial(exp, 0)
    assert record["success"]
    assert list(record["milestones"]) == ["n_seq=45", "n_seq=30"]
    assert record["milestones"]["n_seq=45"] <= record["milestones"]["n_seq=30"] == record["sequences"]
    assert set(record["test"]) == {"n_seq=45", "n_seq=30"} and record["test"]["n_seq=30"]["n"] == 100


def test_cap_makes_a_failure():
    exp = lstm1997.get_experiment("adding-T100").with_options(cap=1500, test_size=300)
    record, _ = run_trial(exp, 0)
    assert not record["success"] and record["sequences"] is None and record["presented"] == 1500
    assert record["test"]["final"]["n"] == 300  # a failed trial is tested too: how close it came


def test_divergence_is_recorded_not_raised():
    base = lstm1997.get_experiment("adding-T100+linear-output")  # a linear output's error does not saturate

    def poisoned(rng, n):  # a huge (finite) target: the weights overflow to inf, then NaN
        seqs = base.generate(rng, n)
        targets = seqs.targets.copy()
        targets[rng.integers(0, len(targets))] = 1e200
        return dataclasses.replace(seqs, targets=targets)

    with np.errstate(over="ignore", invalid="ignore"):
        record, _ = run_trial(base.with_options(generate=poisoned, cap=3000), 0)
    assert record["diverged"] and not record["success"] and record["presented"] == 1000


def test_trial_is_deterministic():
    exp = lstm1997.get_experiment("temporal-6a").with_options(cap=3000)
    a, _ = run_trial(exp, 5)
    b, _ = run_trial(exp, 5)
    c, _ = run_trial(exp, 6)
    assert comparable(a) == comparable(b) != comparable(c)


@pytest.mark.heavy  # a process pool
def test_same_records_whatever_the_number_of_workers(tmp_path):
    exp = lstm1997.get_experiment("temporal-6a").with_options(cap=4000)
    one = run_trials(exp, [0, 1, 2], workers=1)
    two = run_trials(exp, [0, 1, 2], workers=2, out=tmp_path)
    assert [comparable(r) for r in one] == [comparable(r) for r in two]
    assert len(list(tmp_path.glob("*/seed-*.json"))) == 3


def test_resume_skips_finished_trials_and_reruns_missing_ones(tmp_path):
    exp = lstm1997.get_experiment("temporal-6a").with_options(cap=2000)
    first = run_trials(exp, [0, 1, 2], out=tmp_path)
    store.trial_path(tmp_path, exp.name, 1).unlink()
    events = []
    again = run_trials(exp, [0, 1, 2], out=tmp_path, report=lambda e, i: events.append((e, i)))
    resumed = {i["record"]["seed"]: i["resumed"] for e, i in events if e == "done"}
    assert resumed == {0: True, 1: False, 2: True}
    assert [comparable(r) for r in first] == [comparable(r) for r in again]


def test_store_rejects_corrupted_and_foreign_files(tmp_path):
    exp = lstm1997.get_experiment("temporal-6a").with_options(cap=1000)
    run_trials(exp, [0], out=tmp_path)
    path = store.trial_path(tmp_path, exp.name, 0)
    text = path.read_text()
    path.write_text(text[: len(text) // 2])
    with pytest.raises(store.StoreError, match="seed-0.json"):
        store.load(path)
    record = json.loads(text)
    record["provenance"]["format"] = 999
    path.write_text(json.dumps(record))
    with pytest.raises(store.StoreError, match="format"):
        store.load(path)


def test_records_carry_provenance(tmp_path):
    exp = lstm1997.get_experiment("temporal-6a").with_options(cap=1000)
    run_trials(exp, [0], out=tmp_path)
    record = store.load(store.trial_path(tmp_path, exp.name, 0))
    assert {"commit", "lstm1997", "numpy", "numba", "python", "machine"} <= set(record["provenance"])


def test_a_plan_of_rows_gives_the_records_of_separate_sweeps(tmp_path):
    from lstm1997.sweep import run_plan

    a = lstm1997.get_experiment("temporal-6a").with_options(cap=2000)
    b = lstm1997.get_experiment("adding-T100").with_options(cap=1000, test_size=100)
    together = run_plan([(a, [0, 1]), (b, [3])], workers=2, out=tmp_path)
    apart = [run_trials(a, [0, 1]), run_trials(b, [3])]
    assert [[comparable(r) for r in row] for row in together] == [[comparable(r) for r in row] for row in apart]
    with pytest.raises(ValueError, match="once"):
        run_plan([(a, [0]), (a, [1])])


def test_a_batch_that_does_not_divide_the_test_interval_still_tests_on_time():
    """Periodic success tests are due every ``every`` sequences: with chunks of 300 a chunk ends at 1,000 and
    2,000 all the same (a chunk is cut where a test is due), so both tests run."""
    exp = lstm1997.get_experiment("twoseq-3a-T100-N3").with_options(batch=300, cap=2000, test_size=0)
    trial = Trial(exp, 0)
    trial.run(None)
    assert trial.seen == 2000 and trial.tested == 2 * exp.criterion.size
    assert trial.curve["seen"] == [300, 600, 900, 1000, 1300, 1600, 1900, 2000]


class _Oracle:
    """A stand-in net whose outputs are the legal successors, except at the target rows in ``wrong``."""

    def __init__(self, wrong: set[int]) -> None:
        self.wrong = wrong

    def evaluate(self, seqs: Sequences) -> np.ndarray:
        out = seqs.legal_next.astype(float)
        for row in self.wrong:
            if row < len(out):
                out[row] = 1.0 - out[row]
        return out


def test_reber_test_tries_the_first_strings_first_with_the_same_answer() -> None:
    strings = reber.train_test_sets(np.random.default_rng(5), 40, 40)
    seqs = reber.encode(strings[0] + strings[1])
    last_row = len(seqs.targets) - 1
    for wrong in (set(), {0}, {last_row}):
        answers = {reber_test(_Oracle(wrong), seqs, head) for head in (1, 8, 32, 80, 1000)}
        assert answers == {not wrong}, wrong


class _Noisy:
    """A stand-in net: the clean targets plus a deterministic error of scale ``scale`` per sequence (a function of
    its inputs, so a sequence gets the same answer alone and in a batch, as from a real net)."""

    def __init__(self, scale: float) -> None:
        self.scale = scale

    def evaluate(self, seqs: Sequences) -> np.ndarray:
        per_seq = np.add.reduceat(np.abs(seqs.x_val), seqs.x_ptr[seqs.starts[:-1]])
        noise = self.scale * np.sin(1000.0 * per_seq)[seqs.target_seq]
        return seqs.criterion_targets + noise[:, None]


@pytest.mark.parametrize("row", ["twoseq-3a-T100-N3", "twoseq-3b-T100-N1", "twoseq-3c-T100-N3"])
def test_twoseq_test_answers_as_the_full_test_figures(row: str) -> None:
    exp = get_experiment(row)
    crit = exp.criterion
    outcomes = set()
    for scale in (0.0, 0.003, 0.01, 0.02, 0.06, 0.3):
        rng_full = np.random.default_rng(1)
        full = trial_module.test_figures(exp, _Noisy(scale), rng_full, crit.size, chunk=crit.size)
        st1 = full["wrong"] < crit.st1_max_wrong
        expected = (st1, st1 and full["mae"] < crit.st2_mae)
        outcomes.add(expected)
        for head in (1, 16, 1000):
            rng = np.random.default_rng(1)
            assert twoseq_test(exp, _Noisy(scale), rng, crit, head) == expected, (scale, head)
            assert rng.bit_generator.state == rng_full.bit_generator.state  # the same draws as the full test
    assert len(outcomes) >= 2  # the scales cover passing and failing tests
