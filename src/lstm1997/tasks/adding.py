"""Experiments 4 and 5: the adding and the multiplication problem (docs/spec/adding.md §5-§6; paper Secs. 5.4, 5.5).

Rule. Each step is a pair (value, marker): input unit 0 holds the value, unit 1 the marker; one output unit. The
length L is an integer drawn uniformly from {T, ..., T + T//10} (inclusive). Values are uniform in [-1, 1] (adding)
or [0, 1] (multiplication). Two pairs are marked with marker +1.0:

- the first marked pair is uniform among the first ten pairs (0-based positions 0..9); its value is X1;
- the second is uniform among the first T//2 - 1 still-unmarked pairs, i.e. uniform over positions 0..T//2-1
  excluding the first one (so it may lie before the first); its value is X2.

All other markers are 0, except the first and the last pair, whose marker is -1.0 unless marked (the last pair is
never marked). If position 0 is marked, its value is set to 0.0 (adding) or 1.0 (multiplication), in the input as
well as in the target. The only target is at the last step: 0.5 + (X1 + X2)/4 (adding) or X1 * X2 (multiplication).
The minimal lag between the second marker and the end is at least T/2. This is the 1997 task, not the later
"two +1 markers, unscaled sum" variant (docs/spec/paper.md §9.1).

Worked example (adding, T = 20, L = 21, first marked pair at 3, second at 7)::

    position  0     1  2  3    4  5  6  7    8 ... 19  20
    value     v0    v1 v2 v3   v4 v5 v6 v7   v8 ... v19 v20
    marker    -1    0  0  +1   0  0  0  +1   0  ... 0   -1
    target    at step 20 only: 0.5 + (v3 + v7)/4

Paper parameters: adding (Table 7, Table 10 rows 4-1..4-3) T = 100, 500, 1000; multiplication (Table 8, Table 10
row 5) T = 100. Sequences are generated on-line (t3); test sets have 2560 sequences.
"""

from __future__ import annotations

import numpy as np

from lstm1997.sequences import Sequences


def _generate(rng: np.random.Generator, n: int, T: int, low: float, fill: float, multiply: bool) -> Sequences:
    if T < 20:
        raise ValueError(f"T must be at least 20 (the first ten pairs must lie in the first half), got {T}")
    half = T // 2
    lengths = rng.integers(T, T + T // 10 + 1, n)  # "between T and T + T/10" (§5)
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    first, last = starts[:-1], starts[1:] - 1
    value = rng.uniform(low, 1.0, starts[-1])
    m1 = rng.integers(0, 10, n)  # one of the first ten pairs
    m2 = rng.integers(0, half - 1, n)  # one of the first T/2 - 1 still-unmarked pairs:
    m2 += m2 >= m1  # uniform over 0..T/2-1 without m1
    value[first] = np.where((m1 == 0) | (m2 == 0), fill, value[first])  # "we set X1 to zero" (to 1.0 in Exp 5)
    marker = np.zeros(starts[-1])
    marker[first] = -1.0
    marker[last] = -1.0
    marker[first + m1] = 1.0
    marker[first + m2] = 1.0
    x1, x2 = value[first + m1], value[first + m2]
    target = x1 * x2 if multiply else 0.5 + (x1 + x2) / 4.0
    target_at = np.zeros(starts[-1], dtype=bool)
    target_at[last] = True
    return Sequences.from_dense(np.column_stack([value, marker]), starts, target_at, target[:, None])


def memory_steps(x: np.ndarray) -> tuple[np.ndarray, int]:
    """Where the target's information enters a sequence ``x`` (T, 2) of either problem: the two marked pairs
    (marker +1.0), and the step whose target depends on them (the last)."""
    return x[:, 1] == 1.0, len(x) - 1


def generate_adding(rng: np.random.Generator, n: int, T: int) -> Sequences:
    """``n`` adding-problem sequences (Exp 4) of minimal length ``T``: target 0.5 + (X1 + X2)/4."""
    return _generate(rng, n, T, low=-1.0, fill=0.0, multiply=False)


def generate_multiplication(rng: np.random.Generator, n: int, T: int) -> Sequences:
    """``n`` multiplication-problem sequences (Exp 5) of minimal length ``T``: values in [0, 1], target X1 * X2."""
    return _generate(rng, n, T, low=0.0, fill=1.0, multiply=True)
