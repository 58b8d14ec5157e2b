"""The paper's stopping and success criteria, one small frozen dataclass each (docs/SPEC.md §1.7, §2-§7, §12).

"Wrong" always means: the absolute error of at least one output unit exceeds the row's threshold, measured
against the noise-free target where the training targets are noisy (Exp 3c).
"""

from __future__ import annotations

from dataclasses import dataclass


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
