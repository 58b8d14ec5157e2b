"""Experiment 2: noise-free and noisy sequences with long time lags (docs/spec/longlag.md §3, paper Sec. 5.2).

**2a** (noise-free, long lags). p+1 symbols, coded locally with p+1 input and p+1 output units: a_1..a_{p-1} are
units 0..p-2, x is unit p-1 and y is unit p. There are two sequences, each chosen with probability 0.5:
(x, a_1, ..., a_{p-1}, x) and (y, a_1, ..., a_{p-1}, y), of length p+1. The net is given the first p symbols and
predicts the next symbol at every step (target = one-hot of the next symbol). Only the last target depends on the
first symbol, p steps back. Example, p = 4 (a_1, a_2, a_3 = units 0, 1, 2; x = 3; y = 4), the x-sequence::

    input   x=3  a1=0  a2=1  a3=2
    target  0    1     2     3=x

**2b** (no local regularities). As 2a, but the p-1 middle symbols are drawn uniformly i.i.d. from a_1..a_{p-1}
(1 <= i_k <= p-1, docs/spec/longlag.md §3); again every step's target is the next symbol. Only the final x/y is fully
predictable. Example, p = 4: (y, a3, a1, a1, y) gives inputs 4, 2, 0, 0 and targets 2, 0, 0, 4.

**2c** (very long lags, no local regularities). p+4 symbols coded locally with p+4 input units: the distractors
a_1..a_p are units 0..p-1, e is p, b is p+1, x is p+2, y is p+3; 2 output units. A sequence is b, then x or y
(p=0.5), then q distractors, then k further distractors with P(k) = 0.1 * 0.9^k (k >= 0, mean 9), then the trigger
e, then the x/y of position 2 again. Distractors are uniform over a_1..a_p (the paper's bound "q" is read as p,
docs/spec/longlag.md §3 (i)). The net is given b, x|y, the q+k distractors and e (q+k+3 inputs); the final x/y is not
input. The only target is at the e step: (1, 0) if the second symbol was x, (0, 1) if y (docs/spec/decisions.md §12).
Example, p = 3, q = 2 (e = 3, b = 4, x = 5, y = 6), sequence b y a2 a1 a3 e [y] with k = 1::

    input   b=4  y=6  a2=1  a1=0  a3=2  e=3
    target  -    -    -     -     -     (0, 1)

Paper parameters: 2a/2b use p = 100 (Table 2 also lists RTRL with p = 4 and 10; Table 10 rows 2a, 2b); 2a trains on
exactly the two sequences (t1, see ``training_set_2a``), 2b draws from the 2 classes (t2). 2c (Table 3, Table 10 rows
2c-1..2c-9): (q, p) = (50, 50), (100, 100), (200, 200), (500, 500), (1000, 1000), and q = 1000 with p = 500, 200,
100, 50. Note that 2a/2b store a dense (p+1)-wide target row at every step (about 800 bytes per step for p = 100).
"""

from __future__ import annotations

import numpy as np

from lstm1997.sequences import Sequences


def _sequences_2a(first: np.ndarray, middle: np.ndarray, p: int, end_only: bool = False) -> Sequences:
    """2a/2b batch from the first symbols (n,) (p-1 for x, p for y) and the middle symbols (n, p-1); with
    ``end_only`` the only target is the last one (the final x/y)."""
    n = len(first)
    full = np.empty((n, p + 1), dtype=np.int64)
    full[:, 0] = first
    full[:, 1:p] = middle
    full[:, p] = first  # the last symbol repeats the first (§3)
    starts = np.arange(n + 1, dtype=np.int64) * p
    if end_only:
        target_at = np.zeros(n * p, dtype=bool)
        target_at[starts[1:] - 1] = True
        return Sequences.from_onehot(full[:, :p].ravel(), starts, p + 1, target_at, np.eye(p + 1)[first])
    targets = np.eye(p + 1)[full[:, 1:].ravel()]  # the next symbol, at every step
    return Sequences.from_onehot(full[:, :p].ravel(), starts, p + 1, np.ones(n * p, dtype=bool), targets)


def memory_steps(x: np.ndarray) -> tuple[np.ndarray, int]:
    """Where the target's information enters a sequence ``x`` (T, n_in) of 2a, 2b or 2c: the step that inputs x or
    y (the last two input units in every variant: the first step of 2a/2b, the second of 2c), and the step whose
    target depends on it (the last)."""
    return np.asarray(x[:, -2:].any(axis=1)), len(x) - 1


def _check_p(p: int) -> None:
    if p < 2:
        raise ValueError(f"p must be at least 2, got {p}")


def generate_2a(rng: np.random.Generator, n: int, p: int = 100) -> Sequences:
    """``n`` sequences of Task 2a: (x, a_1, ..., a_{p-1}, x) or (y, a_1, ..., a_{p-1}, y), p=0.5 each."""
    _check_p(p)
    first = p - 1 + rng.integers(0, 2, n)  # x = p-1, y = p
    return _sequences_2a(first, np.broadcast_to(np.arange(p - 1), (n, p - 1)), p)


def training_set_2a(p: int = 100) -> Sequences:
    """Task 2a's whole training set: the x-sequence, then the y-sequence."""
    _check_p(p)
    return _sequences_2a(np.array([p - 1, p]), np.broadcast_to(np.arange(p - 1), (2, p - 1)), p)


def generate_2b(rng: np.random.Generator, n: int, p: int = 100, end_only: bool = False) -> Sequences:
    """``n`` sequences of Task 2b: as 2a, but the p-1 middle symbols are uniform i.i.d. over a_1..a_{p-1}.
    ``end_only``: a target at the last step only (a reading: "the only totally predictable targets ... occur at
    sequence ends"); the inputs are the same."""
    _check_p(p)
    first = p - 1 + rng.integers(0, 2, n)
    return _sequences_2a(first, rng.integers(0, p - 1, (n, p - 1)), p, end_only)


def generate_2c(rng: np.random.Generator, n: int, p: int, q: int) -> Sequences:
    """``n`` sequences of Task 2c: inputs b, x|y, q + k distractors, e; target (1,0)|(0,1) at the e step."""
    if p < 1 or q < 0:
        raise ValueError(f"need p >= 1 and q >= 0, got p={p}, q={q}")
    e, b, x = p, p + 1, p + 2
    cls = rng.integers(0, 2, n)  # 0: x, 1: y
    k = rng.geometric(0.1, n) - 1  # P(k) = 0.1 * 0.9^k, k >= 0 (§3: suffix element with p 9/10, e with 1/10)
    lengths = q + k + 3
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    symbols = rng.integers(0, p, starts[-1])  # distractors everywhere, then overwrite the framing
    symbols[starts[:-1]] = b
    symbols[starts[:-1] + 1] = x + cls
    symbols[starts[1:] - 1] = e
    target_at = np.zeros(starts[-1], dtype=bool)
    target_at[starts[1:] - 1] = True
    return Sequences.from_onehot(symbols, starts, p + 4, target_at, np.eye(2)[cls])
