"""One trial of the paper's protocol: online training on sequences one at a time, the row's stopping and
success criteria checked after every sequence, then the test set (docs/SPEC.md §1, §1.7, §12).

The kernel trains a chunk of sequences per call. The criterion's judge (lstm1997.criteria) says at which
sequence of the chunk it fires; if that is before the chunk's end, the chunk is rolled back and retrained up to
that sequence, so counts and final weights are exactly those of a sequence-by-sequence loop. A chunk ends
where a periodic success test is due.

A long trial can save its whole state (lstm1997.trial_state; a checkpoint file: lstm1997.checkpoints) every few
minutes at a chunk boundary and later resume from it to exactly the record an uninterrupted run gives.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lstm1997 import checkpoints, store, trial_state
from lstm1997.criteria import FrozenTest, SequenceStats, TwoSeqTest, correct_rule, judge
from lstm1997.experiments import Experiment
from lstm1997.models.kernel import KernelModel, Model
from lstm1997.network import Network
from lstm1997.sequences import Sequences
from lstm1997.store import StoreError
from lstm1997.tasks import longlag, reber

__all__ = ["CHECKPOINT_EVERY", "KernelModel", "Model", "Started", "Trial", "frozen_test_passes", "reber_test"]
__all__ += ["end_errors", "run_trial", "start_trial", "test_figures", "twoseq_test"]

Progress = Callable[[int, int, float], None]
"""progress(sequences seen, failure cap, recent mean training error)."""

MAX_CURVE_POINTS = 400
"""Learning-curve points kept per trial (older points are thinned by 2 when full)."""

CHECKPOINT_EVERY = 180.0
"""Default wall-clock seconds between two checkpoints of a running trial (0: after every chunk)."""


def end_errors(exp: Experiment, net: Model, seqs: Sequences) -> tuple[np.ndarray, int]:
    """Output minus criterion target at each sequence's last target, and how many sequences are wrong there
    (some output's absolute error above the row's test threshold)."""
    err = net.evaluate(seqs)[seqs.last_target] - seqs.criterion_targets[seqs.last_target]
    return err, int(np.sum(np.max(np.abs(err), axis=1) > exp.test_threshold))


def test_figures(exp: Experiment, net: Model, rng: np.random.Generator, n: int, chunk: int = 1000) -> dict:
    """The row's test: ``n`` fresh sequences; wrong = any output's absolute error at the end above the row's
    threshold. Returns counts and the mean squared / absolute error at sequence ends."""
    wrong, sq, ab = 0, 0.0, 0.0
    for start in range(0, n, chunk):
        err, bad = end_errors(exp, net, exp.generate(rng, min(chunk, n - start)))
        wrong += bad
        sq += float(np.sum(err**2))
        ab += float(np.sum(np.abs(err)))
    n_out = exp.spec.n_out
    return {"n": n, "wrong": wrong, "fraction_wrong": wrong / n, "mse": sq / (n * n_out), "mae": ab / (n * n_out)}


TWOSEQ_HEAD = 16
"""Test sequences of Exp 3 evaluated first: when ST1 fails among them, the rest is not run."""

REBER_HEAD = 32
"""Strings tried first by Exp 1's success test: an untrained net fails among them, so the rest is not run."""


def twoseq_test(
    exp: Experiment, net: Model, rng: np.random.Generator, crit: TwoSeqTest, head: int = TWOSEQ_HEAD
) -> tuple[bool, bool]:
    """Exp 3's periodic test on ``crit.size`` fresh sequences: (ST1, ST2). The whole set is drawn at once, as
    ``test_figures(..., chunk=crit.size)`` draws it; its first ``head`` sequences are evaluated alone first, and if
    they already hold ``st1_max_wrong`` wrong ones, neither ST1 nor ST2 can hold, so the rest is not run (the same
    answer and the same random draws, far less work)."""
    seqs = exp.generate(rng, crit.size)
    if seqs.n > head and end_errors(exp, net, seqs.take(np.arange(head)))[1] >= crit.st1_max_wrong:
        return False, False
    err, wrong = end_errors(exp, net, seqs)
    st1 = wrong < crit.st1_max_wrong
    return st1, st1 and float(np.sum(np.abs(err))) / (crit.size * exp.spec.n_out) < crit.st2_mae


def reber_test(net: Model, check: Sequences, head: int = REBER_HEAD) -> bool:
    """Exp 1's success test on the strings ``check``. They are independent (activations reset with each), so the
    first ``head`` are tested alone first and the rest only if they pass: the same answer as one run over all,
    at a fraction of the cost while the net still fails."""
    if check.n > head:
        first = check.take(np.arange(head))
        if not reber.all_correct(net.evaluate(first), first):
            return False
    return reber.all_correct(net.evaluate(check), check)


def frozen_test_passes(exp: Experiment, net: Model, rng: np.random.Generator, crit: FrozenTest) -> bool:
    """Exp 2 read as a test of the frozen net: ``crit.size`` fresh sequences all correct (every output's absolute
    error below the threshold, at the end or at every target step). Drawn in growing chunks (10, 100, 1000, ...)
    so that a net far from success is rejected after a few sequences."""
    done, chunk = 0, 10
    while done < crit.size:
        seqs = exp.generate(rng, min(chunk, crit.size - done))
        stats = SequenceStats.of(seqs, net.evaluate(seqs))
        if np.any(stats.abs_error(crit.all_steps) >= crit.threshold):
            return False
        done += seqs.n
        chunk = min(10 * chunk, 1000)
    return True


class Trial:
    """The state of one running trial of ``exp`` with ``seed`` (``run_trial`` runs one to its record; analysis
    scripts drive one by hand: ``draw``, ``train``, ``model``)."""

    def __init__(self, exp: Experiment, seed: int):
        self.exp = exp
        self.seed = seed
        init_ss, data_ss, test_ss = np.random.SeedSequence(seed).spawn(3)
        self.data_rng = np.random.default_rng(data_ss)
        self.test_rng = np.random.default_rng(test_ss)
        self.init_rng = init_rng = np.random.default_rng(init_ss)
        if exp.model is None:
            self.model: Model = KernelModel(exp.init_network(init_rng), full=exp.gradient == "full")
        else:
            self.model = exp.model(exp, init_rng)
        self.seen = 0  # sequences presented
        self.tested = 0  # sequences of periodic success tests (counted as presentations with exp.count_tests)
        self.steps = 0  # network steps in training
        self.milestones: dict[str, int] = {}
        self.tests: dict[str, dict] = {}
        self.curve: dict[str, list] = {"seen": [], "error": [], "correct": []}
        self.curve_stride = 1
        self.chunks = 0
        self.success: bool | None = None
        self.diverged = False
        self.sequences: int | None = None  # sequences to success
        self.judge = judge(exp.criterion, exp.cap)
        self.recent_error = math.nan
        self.pending: Sequences | None = None  # the rest of a chunk cut short by the criterion (never checkpointed)
        if exp.training_set == "reber":
            self.train_set, self.reber_check = reber.trial_sets(seed)
        elif exp.training_set == "2a":
            self.train_set = longlag.training_set_2a(exp.spec.n_in - 1)
        if exp.construct:  # Exp 2a: outputs alone first; cell and input gate added later
            assert isinstance(self.model, KernelModel), "construction needs the 1997 net"
            self.hidden_init = self.model.remove_cell()
            self.previous_phase_error = math.inf
            self.milestones["cell added"] = -1

    # --- data -------------------------------------------------------------------------------------
    def draw(self, n: int) -> Sequences:
        """The next ``n`` training sequences."""
        if self.exp.training_set == "fresh":
            return self.exp.generate(self.data_rng, n)
        return self.train_set.take(self.data_rng.integers(0, self.train_set.n, n))

    def train(self, seqs: Sequences) -> np.ndarray:
        """Train the model on ``seqs``; the outputs at their target steps."""
        self.steps += seqs.n_steps
        return self.model.train(seqs, self.exp.lr, self.exp.per_step)

    # --- the tests a criterion may ask for (criteria.Run) -----------------------------------------
    def test(self, n: int, chunk: int) -> dict:
        return test_figures(self.exp, self.model, self.test_rng, n, chunk)

    def frozen_test(self, crit: FrozenTest) -> bool:
        return frozen_test_passes(self.exp, self.model, self.test_rng, crit)

    def twoseq_test(self, crit: TwoSeqTest) -> tuple[bool, bool]:
        return twoseq_test(self.exp, self.model, self.test_rng, crit)

    def reber_test(self) -> tuple[int, bool]:
        return self.reber_check.n, reber_test(self.model, self.reber_check)

    # --- the loop ---------------------------------------------------------------------------------
    def run(self, progress: Progress | None, checkpoint: Callable[[Trial], None] | None = None) -> None:
        """Train until the criterion or the cap decides; ``checkpoint(self)`` is offered every chunk boundary
        at which no part of a chunk is pending, so a resumed run trains exactly the same chunks."""
        while (seqs := self.next_chunk()) is not None:
            before = self.model.copy()
            out = self.train(seqs)
            self.after_training(seqs, out, before, progress, checkpoint)

    def next_chunk(self) -> Sequences | None:
        """The sequences to train next (the rest of a chunk cut short, or a fresh chunk that ends where a test
        is due), or None once the trial is decided (at the cap it is decided here: ``finish``)."""
        if self.success is not None:
            return None
        if self.exp.cap - self.seen <= 0:
            self.finish(False)
            return None
        if self.pending is not None:
            seqs, self.pending = self.pending, None
            return seqs
        return self.draw(int(min(self.exp.batch, self.exp.cap - self.seen, self.judge.until_test(self.seen))))

    def after_training(
        self,
        seqs: Sequences,
        out: np.ndarray,
        before: Model,
        progress: Progress | None = None,
        checkpoint: Callable[[Trial], None] | None = None,
    ) -> None:
        """Judge the chunk ``seqs`` that the model (``before`` it) has just been trained on, with outputs ``out``
        (the network steps counted): stop at a divergence; if the criterion fired mid-chunk, go back to
        ``before``, train up to that sequence and keep the rest pending; commit; report; offer a checkpoint."""
        stats = SequenceStats.of(seqs, out)
        if not stats.finite or not self.model.finite():
            self.diverged, self.success = True, False
            self.seen += seqs.n
            return
        cut = self.judge.first(stats, self)
        if cut is not None and cut < seqs.n - 1:  # the criterion fired mid-chunk: redo up to it exactly
            self.model = before
            self.steps -= seqs.n_steps
            head = seqs.take(np.arange(cut + 1))
            self.train(head)
            self.pending = seqs.take(np.arange(cut + 1, seqs.n))
            stats = SequenceStats.of(head, out[: len(head.targets)])
            seqs = head
        self.commit(seqs, stats)
        if progress is not None:
            progress(self.seen, self.exp.cap, self.recent_error)
        if self.success is not None:
            self.pending = None
        elif self.pending is None and checkpoint is not None:
            checkpoint(self)

    def commit(self, seqs: Sequences, stats: SequenceStats) -> None:
        """Account for a chunk that was trained for good, and apply the criterion's verdict at its end."""
        exp = self.exp
        self.seen += seqs.n
        self.recent_error = float(stats.error.mean())
        threshold, all_steps = correct_rule(exp.criterion, exp.test_threshold)
        self.record_curve(self.recent_error, float(np.mean(stats.correct(threshold, all_steps))))
        if exp.construct and isinstance(self.model, KernelModel) and self.model.masks is not None:
            self.maybe_add_cell()
        verdict = self.judge.commit(stats, self)
        self.tested += verdict.tested
        for name, at in verdict.milestones:
            self.milestones.setdefault(name, self.presented() if at is None else at)
        if verdict.test is not None:
            self.tests[verdict.test] = self.test(exp.test_size, 1000)
        if verdict.success:
            self.finish(True, verdict.sequences)

    def maybe_add_cell(self) -> None:
        """Exp 2a: add memory cell and input gate once the chunk's mean error has stopped decreasing
        (decreased by less than 1% since the previous chunk)."""
        if self.recent_error > 0.99 * self.previous_phase_error:
            assert isinstance(self.model, KernelModel), "construction needs the 1997 net"
            self.model.add_cell(self.hidden_init)
            self.milestones["cell added"] = self.seen
        self.previous_phase_error = self.recent_error

    def presented(self) -> int:
        """Sequences presented so far: training sequences, and with ``count_tests`` the periodic tests' too."""
        return self.seen + self.tested if self.exp.count_tests else self.seen

    def finish(self, success: bool, sequences: int | None = None) -> None:
        self.success = success
        self.sequences = self.presented() if sequences is None else sequences
        if self.exp.test_size and self.judge.final_test:  # failures too: how close they came
            self.tests["final"] = self.test(self.exp.test_size, 1000)

    def record_curve(self, error: float, correct: float) -> None:
        self.chunks += 1
        if (self.chunks - 1) % self.curve_stride:
            return
        for k, v in zip(("seen", "error", "correct"), (self.seen, error, correct)):
            self.curve[k].append(v)
        if len(self.curve["seen"]) >= MAX_CURVE_POINTS:
            self.curve = {k: v[::2] for k, v in self.curve.items()}
            self.curve_stride *= 2


def run_trial(
    exp: Experiment,
    seed: int,
    progress: Progress | None = None,
    checkpoint: Path | None = None,
    checkpoint_every: float = CHECKPOINT_EVERY,
) -> tuple[dict, Network | Model]:
    """Run one trial of ``exp`` with ``seed``; returns its record and the final network (or baseline model).

    The record depends only on (experiment, seed, numerics version), not on timing: the numerics version
    (``store.NUMERICS_VERSION``), the fingerprint of the row's settings (``Experiment.fingerprint``), seed, success,
    sequences to success (None on failure), milestones, test figures, final training error, and
    the cost (sequences presented, network steps, wall time).

    With ``checkpoint`` (a file path), the trial saves its state there every ``checkpoint_every`` seconds of
    wall time (0: after every chunk), and if the file exists it resumes from it instead of starting afresh;
    the record is the same as an uninterrupted run's. The caller deletes the file once the record is safe.
    A checkpoint of another experiment, seed, package version or format raises StoreError; one written by
    the code of another git commit is resumed, and the record names those commits (``provenance.resumed_from``)."""
    started = start_trial(exp, seed, checkpoint, checkpoint_every)
    started.trial.run(progress, started.saver)
    return started.record()


@dataclass
class Started:
    """A trial started (or resumed from its checkpoint) by ``start_trial``: run ``trial`` with ``saver`` as its
    checkpoint callback (one net: ``Trial.run``; lstm1997.lane_trials: with other trials), then ``record()``."""

    trial: Trial
    """The trial, fresh or as resumed."""
    saver: Callable[[Trial], None] | None
    """Saves the trial's checkpoint when due (None: no checkpoint file)."""
    start: float
    """``time.perf_counter()`` when the trial was started here."""
    earlier: float
    """Wall time spent before the checkpoint resumed from."""
    commits: set[str]
    """The code that computed this trial, resumed parts included."""
    shared: float | None = None
    """Trained in lanes (lstm1997.lane_trials): the trial's share of the rounds it took part in, each round's time
    divided equally among its trials, so that a group's trials add up to the group's time; None: one net alone, its
    time since ``start``."""

    def record(self) -> tuple[dict, Network | Model]:
        """The finished trial's record and its final network (or baseline model): see ``run_trial``."""
        trial = self.trial
        wall = (time.perf_counter() - self.start if self.shared is None else self.shared) + self.earlier
        others = sorted(self.commits - {store.provenance()["commit"]})
        return {
            "experiment": trial.exp.name,
            "seed": trial.seed,
            "numerics": store.NUMERICS_VERSION,
            "fingerprint": trial.exp.fingerprint(),
            "success": bool(trial.success),
            "diverged": trial.diverged,
            "sequences": trial.sequences if trial.success else None,
            "milestones": trial.milestones,
            "test": trial.tests,
            "final_train_error": trial.recent_error,
            "presented": trial.seen,
            "steps": trial.steps,
            "wall_time": wall,
            "steps_per_s": trial.steps / wall if wall > 0 else 0.0,
            "curve": trial.curve,
            **({"provenance": {"resumed_from": others}} if others else {}),  # completed by store.save
        }, (trial.model.net if isinstance(trial.model, KernelModel) else trial.model)


def start_trial(
    exp: Experiment, seed: int, checkpoint: Path | None = None, checkpoint_every: float = CHECKPOINT_EVERY
) -> Started:
    """A trial of ``exp`` with ``seed``, resumed from ``checkpoint`` if that file exists, saving its state there
    every ``checkpoint_every`` seconds once it runs (``run_trial``'s arguments)."""
    _check_trial_args(exp, seed, checkpoint_every)
    start = time.perf_counter()
    trial = Trial(exp, seed)
    earlier = 0.0
    commits = {store.provenance()["commit"]}
    saver = None
    if checkpoint is not None:
        checkpoint = Path(checkpoint)
        if checkpoint.exists():
            state, earlier, before = checkpoints.load(checkpoint, exp, seed)
            try:
                trial_state.restore(trial, state)
            except (KeyError, TypeError, ValueError) as e:
                raise StoreError(f"unusable checkpoint {checkpoint}: {e} (delete it to restart that trial)") from None
            commits |= before
        saver = _Saver(checkpoint, checkpoint_every, start - earlier, commits)
    return Started(trial, saver, start, earlier, commits)


def _check_trial_args(exp: Experiment, seed: int, checkpoint_every: float) -> None:
    if not isinstance(exp, Experiment):
        raise TypeError(f"exp must be an Experiment (see lstm1997.get_experiment), got {type(exp).__name__}")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or not 0 <= seed < 2**32:
        raise ValueError(f"seed must be a whole number in 0 .. 2**32-1, got {seed!r}")
    if isinstance(checkpoint_every, bool) or not isinstance(checkpoint_every, int | float):
        raise ValueError(f"checkpoint_every must be a number of seconds, got {checkpoint_every!r}")
    if not 0 <= checkpoint_every < math.inf:
        raise ValueError(f"checkpoint_every must be 0 or more seconds, got {checkpoint_every!r}")


class _Saver:
    """Saves a trial's checkpoint when ``every`` seconds have passed since the last one."""

    def __init__(self, path: Path, every: float, started: float, commits: set[str]):
        self.path, self.every, self.started, self.commits = path, every, started, commits
        self.last = time.perf_counter()

    def __call__(self, trial: Trial) -> None:
        now = time.perf_counter()
        if now - self.last >= self.every:
            checkpoints.save(
                self.path, trial.exp, trial.seed, trial_state.state(trial), now - self.started, self.commits
            )
            self.last = now
