"""The paper's stopping and success criteria, one small frozen dataclass each (docs/SPEC.md §1.7, §2-§7, §12),
and their logic as a trial runs: a trial asks its criterion's judge (``judge(crit)``) at which sequence of a
freshly trained chunk the criterion fires (``first``), and once the chunk is trained for good, what it decided
at the chunk's end (``commit``: milestones, a test, success).

"Wrong" always means: the absolute error of at least one output unit exceeds the row's threshold, measured
against the noise-free target where the training targets are noisy (Exp 3c).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from lstm1997.sequences import Sequences


@dataclass(frozen=True)
class ReberTest:
    """Exp 1: success once every symbol of all training and test strings is predicted correctly (the k most
    active outputs are exactly the k legal successors), tested every ``every`` training sequences."""

    every: int = 1000
    """Training sequences between two runs of the success test (docs/spec/decisions.md §12)."""


@dataclass(frozen=True)
class Streak:
    """Exps 2a-2c, ABS(β): ``length`` successive training sequences all with absolute error below
    ``threshold``; sequences to success = the sequences seen before that streak began."""

    threshold: float
    """β: the largest allowed absolute error of any output unit."""
    length: int = 10_000
    """Number of successive sequences that must all be correct."""
    all_steps: bool = False
    """Whether the error counts at every target step (2a) or only at the sequence end (2b, 2c)."""


@dataclass(frozen=True)
class FrozenTest:
    """Exp 2 success read as a test of the frozen net (a reading, docs/DEVIATIONS.md): every ``every`` training
    sequences, fresh sequences are run with the weights fixed; success once ``size`` of them in a row have every
    output's absolute error below ``threshold`` (the test stops at the first wrong one)."""

    threshold: float
    """β: the largest allowed absolute error of any output unit."""
    all_steps: bool = False
    """Whether the error counts at every target step (2a) or only at the sequence end (2b, 2c)."""
    size: int = 10_000
    """Test sequences that must all be correct ("10,000 successive, randomly chosen input sequences")."""
    every: int = 100
    """Training sequences between two tests."""


@dataclass(frozen=True)
class ST3:
    """Exps 4 and 6, ST3(β): the average training error over the ``window`` most recent sequences is below
    ``avg_error`` and all of them were processed correctly (absolute error below ``threshold``)."""

    avg_error: float
    """β: bound on the mean of the sequence-end error E = sum_k (t_k - y_k)^2 over the window (§12)."""
    threshold: float
    """A sequence is correct if every output's absolute error at the end is below this."""
    window: int = 2000
    """Number of most recent training sequences."""


@dataclass(frozen=True)
class NSeq:
    """Exp 5: fewer than n_seq of the ``window`` most recent training sequences have an absolute error above
    ``threshold``; each n_seq in ``levels`` is a milestone with its own test, training stops at the last."""

    levels: tuple[int, ...] = (140, 13)
    """The n_seq values, reached in this order."""
    threshold: float = 0.04
    """Absolute error above which a training sequence counts as wrong."""
    window: int = 2000
    """Number of most recent training sequences."""


@dataclass(frozen=True)
class TwoSeqTest:
    """Exp 3: every ``every`` training sequences a fresh test set of ``size`` sequences is drawn.
    ST1: fewer than ``st1_max_wrong`` of them wrong (|error| > ``threshold``); ST2: ST1 and mean absolute
    error below ``st2_mae``. Training stops at ST2."""

    threshold: float
    """Absolute error above which a test sequence is misclassified (0.2; 0.1 against the clean target in 3c)."""
    st1_max_wrong: int
    """ST1 holds when fewer than this many test sequences are wrong (1 for 3a/3c, 6 for 3b)."""
    st2_mae: float
    """ST2's bound on the mean absolute test error (0.01 / 0.04 / 0.015)."""
    every: int = 1000
    """Training sequences between two tests (docs/spec/decisions.md §12)."""
    size: int = 256
    """Sequences per test set."""


Criterion = ReberTest | Streak | FrozenTest | ST3 | NSeq | TwoSeqTest
"""Every criterion a row can have."""


def correct_rule(crit: Criterion, test_threshold: float) -> tuple[float, bool]:
    """What "correct" means for one training sequence in a trial's learning curve: every output's absolute error
    below the returned threshold, at every target step if the flag is set, else at the sequence end. A criterion
    without a threshold (Exp 1's symbol test) uses the row's test threshold (infinite there: all correct)."""
    return getattr(crit, "threshold", test_threshold), getattr(crit, "all_steps", False)


@dataclass
class SequenceStats:
    """Per-sequence figures of one trained or evaluated chunk: what the criteria judge."""

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
        """The figures of ``seqs`` given the outputs ``out`` at their target steps."""
        first = np.concatenate([[0], np.cumsum(np.add.reduceat(seqs.target_at, seqs.starts[:-1]))[:-1]])
        sq = np.sum((out - seqs.targets) ** 2, axis=1)
        absolute = np.max(np.abs(out - seqs.criterion_targets), axis=1)
        return cls(
            error=np.add.reduceat(sq, first),
            abs_end=absolute[seqs.last_target],
            abs_all=np.maximum.reduceat(absolute, first),
            finite=bool(np.all(np.isfinite(out))),
        )

    def abs_error(self, all_steps: bool) -> np.ndarray:
        """Per sequence: the largest absolute output error over all target steps, or at the last one."""
        return self.abs_all if all_steps else self.abs_end

    def correct(self, threshold: float, all_steps: bool) -> np.ndarray:
        """Per sequence: every output's absolute error below ``threshold`` (at every target step or at the end)."""
        return self.abs_error(all_steps) < threshold


# --- the criteria as a trial runs ------------------------------------------------------------------------------


class Run(Protocol):
    """What a judge may ask of the running trial: its counts, and the tests it runs on the current model."""

    seen: int
    """Training sequences presented so far (the chunk being judged included)."""
    milestones: dict[str, int]
    """Milestones reached so far."""

    def test(self, n: int, chunk: int) -> dict:
        """The row's test on ``n`` fresh sequences (figures: ``n``, ``wrong``, ``mae``, ...)."""

    def frozen_test(self, crit: FrozenTest) -> bool:
        """Whether the frozen net gets ``crit.size`` fresh sequences right."""

    def twoseq_test(self, crit: TwoSeqTest) -> tuple[bool, bool]:
        """Exp 3's test on ``crit.size`` fresh sequences: (ST1 holds, ST2 holds)."""

    def reber_test(self) -> tuple[int, bool]:
        """Exp 1's success test on all training and test strings: how many strings, and whether the net
        predicts every symbol of them correctly."""


@dataclass(frozen=True)
class Verdict:
    """What a criterion decided at the end of a chunk trained for good, in the order the trial applies it."""

    tested: int = 0
    """Sequences of a periodic success test run now (presentations with ``Experiment.count_tests``)."""
    milestones: tuple[tuple[str, int | None], ...] = ()
    """Milestones reached, each kept the first time: (name, sequences; None: the sequences presented now)."""
    test: str | None = None
    """Run the row's test set now and keep its figures under this name (Exp 5's levels)."""
    success: bool = False
    """The criterion is met: training stops."""
    sequences: int | None = None
    """Sequences to success, where not the sequences presented now (Exp 2: those before the streak)."""


def _first(cond: np.ndarray) -> int | None:
    hits = np.flatnonzero(cond)
    return int(hits[0]) if len(hits) else None


@dataclass
class WindowJudge:
    """ST3 and NSeq: the wrong flags and errors of the ``window`` most recent training sequences."""

    crit: ST3 | NSeq
    bad: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    error: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def _scan(self, stats: SequenceStats) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """For each sequence of a new chunk: wrong?, full window present?, wrong count and mean error in it."""
        crit = self.crit
        bad = stats.abs_end >= crit.threshold if isinstance(crit, ST3) else stats.abs_end > crit.threshold
        all_bad = np.concatenate([self.bad, bad])
        all_err = np.concatenate([self.error, stats.error])
        ends = np.arange(len(self.bad), len(all_bad)) + 1
        cb = np.concatenate([[0], np.cumsum(all_bad)])
        ce = np.concatenate([[0.0], np.cumsum(all_err)])
        lo = np.maximum(ends - crit.window, 0)
        full = ends - lo == crit.window
        return bad, full, cb[ends] - cb[lo], (ce[ends] - ce[lo]) / np.maximum(ends - lo, 1)

    @property
    def final_test(self) -> bool:
        """Whether the row's test set is run when training stops (NSeq runs it at each level instead)."""
        return isinstance(self.crit, ST3)

    def _reached(self, run: Run) -> int:
        """NSeq: how many of its levels the trial has reached."""
        return sum(m.startswith("n_seq=") for m in run.milestones)

    def _level(self, run: Run) -> int:
        """NSeq: the n_seq to reach next."""
        assert isinstance(self.crit, NSeq)
        return self.crit.levels[self._reached(run)]

    def _fires(self, run: Run, full: np.ndarray, n_bad: np.ndarray, mean_err: np.ndarray) -> np.ndarray:
        crit = self.crit
        if isinstance(crit, ST3):  # ST3(β): all of the window correct and its mean error below β
            return full & (n_bad == 0) & (mean_err < crit.avg_error)
        return full & (n_bad < self._level(run))  # fewer than n_seq of the window wrong

    def first(self, stats: SequenceStats, run: Run) -> int | None:
        """The first sequence of a new chunk at which the criterion fires (None: none of them)."""
        _, full, n_bad, mean_err = self._scan(stats)
        return _first(self._fires(run, full, n_bad, mean_err))

    def commit(self, stats: SequenceStats, run: Run) -> Verdict:
        """Take a chunk trained for good into the window (it fires at its last sequence, if at all)."""
        bad, full, n_bad, mean_err = self._scan(stats)
        fired = bool(self._fires(run, full, n_bad, mean_err)[-1])
        n = len(bad)
        self.bad = np.concatenate([self.bad, bad])[-self.crit.window :]
        self.error = np.concatenate([self.error, stats.error])[-self.crit.window :]
        if isinstance(self.crit, ST3):
            low = _first(full & (mean_err < self.crit.avg_error))  # diagnostic: the error half of ST3 alone
            reached = () if low is None else (("average error", run.seen - n + low + 1),)
            return Verdict(milestones=reached, success=fired)
        if not fired:
            return Verdict()
        name = f"n_seq={self._level(run)}"
        last = self._reached(run) + 1 == len(self.crit.levels)
        return Verdict(milestones=((name, run.seen),), test=name, success=last)

    def until_test(self, seen: int) -> float:
        return math.inf

    def state(self) -> dict:
        return {"window": {"bad": self.bad, "error": self.error}}

    def restore(self, state: dict) -> None:
        bad = np.asarray(state["window"]["bad"], dtype=bool)
        error = np.asarray(state["window"]["error"], dtype=np.float64)
        if bad.ndim != 1 or bad.shape != error.shape or len(bad) > self.crit.window:
            raise ValueError(f"a window of at most {self.crit.window} flags and errors, got shapes {bad.shape}, "
                             f"{error.shape}")  # fmt: skip
        self.bad, self.error = bad, error


@dataclass
class StreakJudge:
    """Exp 2's ABS(β): the run of successive correct training sequences that ends at the latest one."""

    crit: Streak
    streak: int = 0
    final_test = True

    def _runs(self, stats: SequenceStats) -> np.ndarray:
        """The length of the streak ending at each sequence of a new chunk."""
        good = stats.correct(self.crit.threshold, self.crit.all_steps)
        pos = np.arange(len(good))
        last_bad = np.maximum.accumulate(np.where(good, -1, pos))
        return np.where(last_bad >= 0, pos - last_bad, self.streak + pos + 1)

    def first(self, stats: SequenceStats, run: Run) -> int | None:
        return _first(self._runs(stats) >= self.crit.length)

    def commit(self, stats: SequenceStats, run: Run) -> Verdict:
        self.streak = int(self._runs(stats)[-1])
        if self.streak < self.crit.length:
            return Verdict()
        return Verdict(success=True, sequences=run.seen - self.streak)  # the sequences before the streak began

    def until_test(self, seen: int) -> float:
        return math.inf

    def state(self) -> dict:
        return {"streak": self.streak}

    def restore(self, state: dict) -> None:
        self.streak = int(state["streak"])


@dataclass
class PeriodicJudge:
    """The periodic success tests (ReberTest, TwoSeqTest, FrozenTest): run every ``every`` training sequences,
    at the end of a chunk (a trial's chunks end where a test is due)."""

    crit: ReberTest | TwoSeqTest | FrozenTest
    cap: int
    """The trial's failure cap (Exp 1 also tests at the cap)."""
    final_test = True

    def first(self, stats: SequenceStats, run: Run) -> int | None:
        return None  # decided only at a chunk's end

    def commit(self, stats: SequenceStats, run: Run) -> Verdict:
        crit = self.crit
        if isinstance(crit, ReberTest):
            if run.seen % crit.every and run.seen < self.cap:
                return Verdict()
            tested, correct = run.reber_test()
            return Verdict(tested=tested, success=correct)
        if run.seen % crit.every:
            return Verdict()
        if isinstance(crit, FrozenTest):
            return Verdict(success=run.frozen_test(crit))
        st1, st2 = run.twoseq_test(crit)
        if not st1:
            return Verdict(tested=crit.size)
        return Verdict(tested=crit.size, milestones=(("ST1", None),), success=st2)

    def until_test(self, seen: int) -> float:
        """Training sequences until the next test is due."""
        return self.crit.every - seen % self.crit.every

    def state(self) -> dict:
        return {}

    def restore(self, state: dict) -> None:
        pass


Judge = WindowJudge | StreakJudge | PeriodicJudge
"""A criterion as a trial runs."""


def judge(crit: Criterion, cap: int) -> Judge:
    """A fresh judge of ``crit`` for a trial with failure cap ``cap``."""
    if isinstance(crit, ST3 | NSeq):
        return WindowJudge(crit)
    if isinstance(crit, Streak):
        return StreakJudge(crit)
    return PeriodicJudge(crit, cap)
