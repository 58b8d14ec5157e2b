"""One trial of the paper's protocol: online training on sequences one at a time, the row's stopping and
success criteria checked after every sequence, then the test set (docs/SPEC.md §1, §1.7, §12).

The kernel trains a chunk of sequences per call. Window criteria are evaluated for every sequence of the
chunk; if one fires before the chunk's end, the chunk is rolled back and retrained up to that sequence, so
counts and final weights are exactly those of a sequence-by-sequence loop.

A long trial can save its whole state (a checkpoint) every few minutes at a chunk boundary and later resume
from it to exactly the record an uninterrupted run gives: the state is the model, the three random
generators' states, the counters, criterion windows, milestones, tests, learning curve and Exp 2a's
construction phase; the sensitivities restart with every sequence, so they are not state.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from lstm1997 import checkpoints, learning, store
from lstm1997.criteria import ST3, FrozenTest, NSeq, ReberTest, Streak, TwoSeqTest
from lstm1997.experiments import Experiment
from lstm1997.network import Network
from lstm1997.sequences import Sequences
from lstm1997.store import StoreError
from lstm1997.tasks import longlag, reber

Progress = Callable[[int, int, float], None]
"""progress(sequences seen, failure cap, recent mean training error)."""

MAX_CURVE_POINTS = 400
"""Learning-curve points kept per trial (older points are thinned by 2 when full)."""

CHECKPOINT_EVERY = 180.0
"""Default wall-clock seconds between two checkpoints of a running trial (0: after every chunk)."""

_RNGS = ("init_rng", "data_rng", "test_rng")
"""The trial's random generators, saved as their bit generators' states."""

_PLAIN: tuple[str, ...] = ("seen", "steps", "milestones", "tests", "curve", "curve_stride", "chunks", "success")
_PLAIN += ("diverged", "sequences", "streak", "recent_error", "tested", "hidden_init", "previous_phase_error")
"""_Trial attributes saved as they are (plain data; the last two only in Exp 2a's construction)."""


@dataclass
class SequenceStats:
    """Per-sequence figures of one trained or evaluated chunk."""

    error: np.ndarray
    """E = sum over the sequence's targets of sum_k (t_k - y_k)^2 (training targets)."""
    abs_end: np.ndarray
    """Largest absolute output error at the sequence's last target (criterion targets)."""
    abs_all: np.ndarray
    """Largest absolute output error over all the sequence's targets (criterion targets)."""
    finite: bool
    """False if any output was NaN or infinite."""

    @classmethod
    def of(cls, seqs: Sequences, out: np.ndarray) -> SequenceStats:
        first = np.concatenate([[0], np.cumsum(np.add.reduceat(seqs.target_at, seqs.starts[:-1]))[:-1]])
        sq = np.sum((out - seqs.targets) ** 2, axis=1)
        absolute = np.max(np.abs(out - seqs.criterion_targets), axis=1)
        return cls(
            error=np.add.reduceat(sq, first),
            abs_end=absolute[seqs.last_target],
            abs_all=np.maximum.reduceat(absolute, first),
            finite=bool(np.all(np.isfinite(out))),
        )


class Model(Protocol):
    """What a trial trains: the 1997 net (KernelModel) or a baseline (lstm1997.baselines)."""

    def train(self, seqs: Sequences, lr: float, per_step: bool) -> np.ndarray:
        """Online training on the sequences in order; returns the outputs at target steps as produced."""

    def evaluate(self, seqs: Sequences) -> np.ndarray:
        """Outputs at target steps, parameters unchanged."""

    def copy(self) -> Model:
        """An independent copy (for rolling a chunk back)."""

    def finite(self) -> bool:
        """False once any parameter is NaN or infinite."""

    def state(self) -> dict:
        """What changes in training (parameters, optimiser state), as plain data: arrays, numbers, None."""

    def restore(self, state: dict) -> None:
        """Continue from ``state()`` of a model of the same row built from the same seed."""


@dataclass
class KernelModel:
    """The paper's model: the 1997 net trained by the compiled kernel."""

    net: Network
    """The network and its weights."""
    masks: dict[str, np.ndarray] | None = None
    """Connections that learn, when not all of the spec's (Exp 2a's construction phase)."""
    full: bool = False
    """Train with the full (untruncated) gradient instead of the paper's truncated one (an ablation)."""

    def train(self, seqs: Sequences, lr: float, per_step: bool) -> np.ndarray:
        return learning.train(self.net, seqs, lr, per_step=per_step, masks=self.masks, full=self.full)

    def evaluate(self, seqs: Sequences) -> np.ndarray:
        return learning.evaluate(self.net, seqs)

    def copy(self) -> KernelModel:
        return KernelModel(self.net.copy(), self.masks, self.full)

    def finite(self) -> bool:
        return all(np.all(np.isfinite(w)) for w in self.net.weights.values())

    def state(self) -> dict:
        return {"weights": self.net.weights, "masks": self.masks}

    def restore(self, state: dict) -> None:
        self.net = Network(self.net.spec, **state["weights"])
        masks = state["masks"]
        if masks is not None:
            masks = {k: _same_shape(masks[k], m, f"mask {k}") for k, m in self.net.spec.masks.items()}
        self.masks = masks


def _same_shape(value: np.ndarray, like: np.ndarray, what: str) -> np.ndarray:
    """``value`` as a C-contiguous array of ``like``'s shape and dtype; ValueError if its shape differs."""
    if not isinstance(value, np.ndarray) or value.shape != like.shape:
        raise ValueError(f"{what} must have shape {like.shape}, got {getattr(value, 'shape', type(value).__name__)}")
    return np.ascontiguousarray(value, dtype=like.dtype)


def test_figures(exp: Experiment, net: Model, rng: np.random.Generator, n: int, chunk: int = 1000) -> dict:
    """The row's test: ``n`` fresh sequences; wrong = any output's absolute error at the end above the row's
    threshold. Returns counts and the mean squared / absolute error at sequence ends."""
    wrong, sq, ab = 0, 0.0, 0.0
    for start in range(0, n, chunk):
        seqs = exp.generate(rng, min(chunk, n - start))
        out = net.evaluate(seqs)[seqs.last_target]
        err = out - seqs.criterion_targets[seqs.last_target]
        wrong += int(np.sum(np.max(np.abs(err), axis=1) > exp.test_threshold))
        sq += float(np.sum(err**2))
        ab += float(np.sum(np.abs(err)))
    n_out = exp.spec.n_out
    return {"n": n, "wrong": wrong, "fraction_wrong": wrong / n, "mse": sq / (n * n_out), "mae": ab / (n * n_out)}


TWOSEQ_HEAD = 16
"""Test sequences of Exp 3 evaluated first: when ST1 fails among them, the rest is not run."""


def twoseq_test(
    exp: Experiment, net: Model, rng: np.random.Generator, crit: TwoSeqTest, head: int = TWOSEQ_HEAD
) -> tuple[bool, bool]:
    """Exp 3's periodic test on ``crit.size`` fresh sequences: (ST1, ST2). The whole set is drawn at once, as
    always; its first ``head`` sequences are evaluated alone first, and if they already hold ``st1_max_wrong``
    wrong ones, neither ST1 nor ST2 can hold, so the rest is not run (the same answer, far less work)."""
    seqs = exp.generate(rng, crit.size)
    if seqs.n > head:
        first = seqs.take(np.arange(head))
        err = net.evaluate(first)[first.last_target] - first.criterion_targets[first.last_target]
        if int(np.sum(np.max(np.abs(err), axis=1) > exp.test_threshold)) >= crit.st1_max_wrong:
            return False, False
    err = net.evaluate(seqs)[seqs.last_target] - seqs.criterion_targets[seqs.last_target]
    wrong = int(np.sum(np.max(np.abs(err), axis=1) > exp.test_threshold))
    st1 = wrong < crit.st1_max_wrong
    return st1, st1 and float(np.sum(np.abs(err))) / (crit.size * exp.spec.n_out) < crit.st2_mae


def frozen_test_passes(exp: Experiment, net: Model, rng: np.random.Generator, crit: FrozenTest) -> bool:
    """Exp 2 read as a test of the frozen net: ``crit.size`` fresh sequences all correct (every output's absolute
    error below the threshold, at the end or at every target step). Drawn in growing chunks (10, 100, 1000, ...)
    so that a net far from success is rejected after a few sequences."""
    done, chunk = 0, 10
    while done < crit.size:
        seqs = exp.generate(rng, min(chunk, crit.size - done))
        stats = SequenceStats.of(seqs, net.evaluate(seqs))
        if np.any((stats.abs_all if crit.all_steps else stats.abs_end) >= crit.threshold):
            return False
        done += seqs.n
        chunk = min(10 * chunk, 1000)
    return True


REBER_HEAD = 32
"""Strings tried first by Exp 1's success test: an untrained net fails among them, so the rest is not run."""


def reber_all_correct(net: Model, seqs: Sequences, head: int = REBER_HEAD) -> bool:
    """Exp 1's success test: at every step the k most active outputs are exactly the k legal successors.

    The strings are independent (activations reset with each), so the first ``head`` strings are tested alone
    first and the rest only if they pass: the same answer as one run over all, at a fraction of the cost while
    the net still fails.
    """
    if seqs.n > head and not _reber_correct(net, seqs.take(np.arange(head))):
        return False
    return _reber_correct(net, seqs)


def _reber_correct(net: Model, seqs: Sequences) -> bool:
    out = net.evaluate(seqs)
    legal = seqs.legal_next
    assert legal is not None, "Exp 1's sequences carry their legal successors"
    lowest_legal = np.where(legal, out, np.inf).min(axis=1)
    highest_illegal = np.where(legal, -np.inf, out).max(axis=1)
    return bool(np.all(lowest_legal > highest_illegal))


@dataclass
class _Window:
    """The last ``size`` values of per-sequence flags and errors, for ST3, NSeq and Streak."""

    size: int
    bad: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    error: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def scan(self, bad: np.ndarray, error: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For each sequence of a new chunk: full window present?, wrong count and mean error in the window."""
        all_bad = np.concatenate([self.bad, bad])
        all_err = np.concatenate([self.error, error])
        ends = np.arange(len(self.bad), len(all_bad)) + 1
        cb = np.concatenate([[0], np.cumsum(all_bad)])
        ce = np.concatenate([[0.0], np.cumsum(all_err)])
        lo = np.maximum(ends - self.size, 0)
        full = ends - lo == self.size
        return full, cb[ends] - cb[lo], (ce[ends] - ce[lo]) / np.maximum(ends - lo, 1)

    def commit(self, bad: np.ndarray, error: np.ndarray) -> None:
        self.bad = np.concatenate([self.bad, bad])[-self.size :]
        self.error = np.concatenate([self.error, error])[-self.size :]


def _first(cond: np.ndarray) -> int | None:
    hits = np.flatnonzero(cond)
    return int(hits[0]) if len(hits) else None


class _Trial:
    """The state of one running trial."""

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
        crit = exp.criterion
        self.window = _Window(crit.window) if isinstance(crit, ST3 | NSeq) else None
        self.streak = 0
        self.recent_error = math.nan
        if exp.training_set == "reber":
            train_strings, test_strings = reber.train_test_sets(np.random.default_rng([seed // 10, 1997]))
            self.train_set = reber.encode(train_strings)
            self.reber_check = reber.encode(train_strings + test_strings)
        elif exp.training_set == "2a":
            self.train_set = longlag.training_set_2a(exp.spec.n_in - 1)
        if exp.construct:  # Exp 2a: outputs alone first; cell and input gate added later
            assert isinstance(self.model, KernelModel), "construction needs the 1997 net"
            net = self.model.net
            self.hidden_init = (net.w_in.copy(), net.w_c.copy(), net.w_k[:, 1].copy())
            net.w_in[:] = 0.0
            net.w_c[:] = 0.0
            net.w_k[:, 1] = 0.0
            masks = {k: m.copy() for k, m in exp.spec.masks.items()}
            masks["w_in"][:] = 0.0
            masks["w_c"][:] = 0.0
            masks["w_k"][:, 1] = 0.0
            self.model.masks = masks
            self.previous_phase_error = math.inf
            self.milestones["cell added"] = -1

    # --- data -------------------------------------------------------------------------------------
    def draw(self, n: int) -> Sequences:
        if self.exp.training_set == "fresh":
            return self.exp.generate(self.data_rng, n)
        return self.train_set.take(self.data_rng.integers(0, self.train_set.n, n))

    def train(self, seqs: Sequences) -> np.ndarray:
        self.steps += seqs.n_steps
        return self.model.train(seqs, self.exp.lr, self.exp.per_step)

    # --- checkpoints --------------------------------------------------------------------------------
    def state(self) -> dict:
        """Everything that changes while the trial runs, as plain data: what a checkpoint holds."""
        state = {k: getattr(self, k) for k in _PLAIN if hasattr(self, k)}
        state["model"] = self.model.state()
        state["window"] = None if self.window is None else {"bad": self.window.bad, "error": self.window.error}
        state["rngs"] = {k: getattr(self, k).bit_generator.state for k in _RNGS}
        return state

    def restore(self, state: dict) -> None:
        """Continue from ``state`` (from ``state()`` of a trial of the same experiment and seed)."""
        state = dict(state)
        expected = {k for k in _PLAIN if hasattr(self, k)} | {"model", "window", "rngs"}
        if state.keys() != expected:
            raise ValueError(f"a trial state has the fields {sorted(expected)}, got {sorted(state)}")
        for k in _RNGS:
            getattr(self, k).bit_generator.state = state["rngs"][k]
        self.model.restore(state.pop("model"))
        window = state.pop("window")
        if self.window is not None:
            self.window.bad = np.asarray(window["bad"], dtype=bool)
            self.window.error = np.asarray(window["error"], dtype=np.float64)
        del state["rngs"]
        vars(self).update(state)

    # --- the loop ---------------------------------------------------------------------------------
    def run(self, progress: Progress | None, checkpoint: Callable[[_Trial], None] | None = None) -> None:
        """Train until the criterion or the cap decides; ``checkpoint(self)`` is offered every chunk boundary
        at which no part of a chunk is pending, so a resumed run trains exactly the same chunks."""
        exp = self.exp
        pending: Sequences | None = None
        while self.success is None:
            room = exp.cap - self.seen
            if room <= 0:
                self.finish(False)
                break
            seqs = pending if pending is not None else self.draw(min(exp.batch, room))
            pending = None
            before = self.model.copy()
            out = self.train(seqs)
            stats = SequenceStats.of(seqs, out)
            if not stats.finite or not self.model.finite():
                self.diverged, self.success = True, False
                self.seen += seqs.n
                break
            cut = self.scan(stats)
            if cut is not None and cut < seqs.n - 1:  # a criterion fired mid-chunk: redo up to it exactly
                self.model = before
                self.steps -= seqs.n_steps
                head = seqs.take(np.arange(cut + 1))
                self.train(head)
                pending = seqs.take(np.arange(cut + 1, seqs.n))
                stats = SequenceStats.of(head, out[: len(head.targets)])
                seqs = head
            self.commit(seqs, stats)
            if progress is not None:
                progress(self.seen, exp.cap, self.recent_error)
            if self.success is not None:
                pending = None
            elif pending is None and checkpoint is not None:
                checkpoint(self)

    def scan(self, stats: SequenceStats) -> int | None:
        """Index of the first sequence of the chunk at which a window criterion changes state."""
        crit = self.exp.criterion
        if isinstance(crit, ST3):
            assert self.window is not None, "made in __init__ for ST3 and NSeq"
            full, n_bad, mean_err = self.window.scan(stats.abs_end >= crit.threshold, stats.error)
            return _first(full & (n_bad == 0) & (mean_err < crit.avg_error))
        if isinstance(crit, NSeq):
            level = crit.levels[len(self.milestones)]
            assert self.window is not None, "made in __init__ for ST3 and NSeq"
            full, n_bad, _ = self.window.scan(stats.abs_end > crit.threshold, stats.error)
            return _first(full & (n_bad < level))
        if isinstance(crit, Streak):
            good = (stats.abs_all if crit.all_steps else stats.abs_end) < crit.threshold
            pos = np.arange(len(good))
            last_bad = np.maximum.accumulate(np.where(good, -1, pos))
            run = np.where(last_bad >= 0, pos - last_bad, self.streak + pos + 1)  # streak ending at each sequence
            return _first(run >= crit.length)
        return None

    def commit(self, seqs: Sequences, stats: SequenceStats) -> None:
        """Account for a chunk that was trained for good, and apply the criterion at its end."""
        exp, crit = self.exp, self.exp.criterion
        n = seqs.n
        self.seen += n
        self.recent_error = float(stats.error.mean())
        threshold = getattr(crit, "threshold", exp.test_threshold)
        correct = float(np.mean((stats.abs_all if getattr(crit, "all_steps", False) else stats.abs_end) < threshold))
        self.record_curve(self.recent_error, correct)
        if exp.construct and isinstance(self.model, KernelModel) and self.model.masks is not None:
            self.maybe_add_cell()
        if isinstance(crit, ST3 | NSeq):
            bad = stats.abs_end >= crit.threshold if isinstance(crit, ST3) else stats.abs_end > crit.threshold
            assert self.window is not None, "made in __init__ for ST3 and NSeq"
            full, n_bad, mean_err = self.window.scan(bad, stats.error)
            self.window.commit(bad, stats.error)
            if isinstance(crit, ST3):
                low = _first(full & (mean_err < crit.avg_error))  # diagnostic: the error half of ST3 alone
                if low is not None and "average error" not in self.milestones:
                    self.milestones["average error"] = self.seen - n + low + 1
                if full[-1] and n_bad[-1] == 0 and mean_err[-1] < crit.avg_error:
                    self.finish(True)
            elif full[-1] and n_bad[-1] < crit.levels[len(self.milestones)]:
                level = crit.levels[len(self.milestones)]
                self.milestones[f"n_seq={level}"] = self.seen
                self.tests[f"n_seq={level}"] = test_figures(exp, self.model, self.test_rng, exp.test_size)
                if len(self.milestones) == len(crit.levels):
                    self.sequences, self.success = self.seen, True
        elif isinstance(crit, Streak):
            good = (stats.abs_all if crit.all_steps else stats.abs_end) < crit.threshold
            bad_at = np.flatnonzero(~good)
            self.streak = int(n - 1 - bad_at[-1]) if len(bad_at) else self.streak + n
            if self.streak >= crit.length:
                self.finish(True, sequences=self.seen - self.streak)
        elif isinstance(crit, ReberTest):
            due = self.seen % crit.every == 0 or self.seen >= exp.cap
            if due:
                self.tested += self.reber_check.n
                if reber_all_correct(self.model, self.reber_check):
                    self.finish(True)
        elif isinstance(crit, TwoSeqTest) and self.seen % crit.every == 0:
            st1, st2 = twoseq_test(exp, self.model, self.test_rng, crit)
            self.tested += crit.size
            if st1:
                self.milestones.setdefault("ST1", self.presented())
                if st2:
                    self.finish(True)
        elif (
            isinstance(crit, FrozenTest)
            and self.seen % crit.every == 0
            and frozen_test_passes(exp, self.model, self.test_rng, crit)
        ):
            self.finish(True)

    def maybe_add_cell(self) -> None:
        """Exp 2a: add memory cell and input gate once the chunk's mean error has stopped decreasing
        (decreased by less than 1% since the previous chunk)."""
        if self.recent_error > 0.99 * self.previous_phase_error:
            w_in, w_c, w_k1 = self.hidden_init
            assert isinstance(self.model, KernelModel), "construction needs the 1997 net"
            net = self.model.net
            net.w_in[:], net.w_c[:], net.w_k[:, 1] = w_in, w_c, w_k1
            self.model.masks = None
            self.milestones["cell added"] = self.seen
        self.previous_phase_error = self.recent_error

    def presented(self) -> int:
        """Sequences presented so far: training sequences, and with ``count_tests`` the periodic tests' too."""
        return self.seen + self.tested if self.exp.count_tests else self.seen

    def finish(self, success: bool, sequences: int | None = None) -> None:
        self.success = success
        self.sequences = self.presented() if sequences is None else sequences
        if self.exp.test_size and not isinstance(self.exp.criterion, NSeq):  # failures too: how close they came
            self.tests["final"] = test_figures(self.exp, self.model, self.test_rng, self.exp.test_size)

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
    _check_trial_args(exp, seed, checkpoint_every)
    start = time.perf_counter()
    trial = _Trial(exp, seed)
    earlier = 0.0  # wall time spent before the checkpoint resumed from
    here = store.provenance()["commit"]
    commits = {here}  # the code that computed this trial, resumed parts included
    saver = None
    if checkpoint is not None:
        checkpoint = Path(checkpoint)
        if checkpoint.exists():
            state, earlier, before = checkpoints.load(checkpoint, exp, seed)
            try:
                trial.restore(state)
            except (KeyError, TypeError, ValueError) as e:
                raise StoreError(f"unusable checkpoint {checkpoint}: {e} (delete it to restart that trial)") from None
            commits |= before
        saver = _Saver(checkpoint, checkpoint_every, start - earlier, commits)
    trial.run(progress, saver)
    wall = time.perf_counter() - start + earlier
    others = sorted(commits - {here})
    return {
        "experiment": exp.name,
        "seed": seed,
        "numerics": store.NUMERICS_VERSION,
        "fingerprint": exp.fingerprint(),
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

    def __call__(self, trial: _Trial) -> None:
        now = time.perf_counter()
        if now - self.last >= self.every:
            checkpoints.save(self.path, trial.exp, trial.seed, trial.state(), now - self.started, self.commits)
            self.last = now
