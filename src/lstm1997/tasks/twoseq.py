"""Exp 3: noise and signal on the same channel, the "2-sequence problem" (docs/spec/twoseq.md §4, paper Sec. 5.3).

Rule. One real-valued input unit and one output unit. The length is an integer drawn uniformly from
{T, ..., T + T//10} (inclusive). Each sequence is of class 1 or class 2 with probability 0.5. The first N elements are
+1.0 (class 1) or -1.0 (class 2); every element t > N is Gaussian with mean 0 and variance 0.2 (std sqrt(0.2)).
The only target is at the last step.

- **3a**: target 1.0 for class 1, 0.0 for class 2.
- **3b**: as 3a, but Gaussian noise (mean 0, variance 0.2) is also added to the first N elements.
- **3c**: inputs as in 3a; the target is 0.2 (class 1) or 0.8 (class 2) plus Gaussian target noise with mean 0 and
  variance 0.1. ``eval_targets`` holds the noise-free 0.2/0.8 the criteria compare against.

Worked example (3a, T = 10, N = 3, class 2, length 11)::

    input   -1  -1  -1  g4  g5  ...  g11     (g_t ~ N(0, 0.2))
    target   -   -   -   -   -  ...  0.0

Paper parameters (Tables 4-6, Table 10 rows 3a-3c): 3a (T, N) = (100, 3), (100, 1), (1000, 3); 3b (100, 3),
(100, 1), (1000, 1); 3c (100, 3), (100, 1). Sequences are generated on-line (t3); test sets have 256 and 2560
sequences.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from lstm1997.sequences import Sequences

NOISE_VAR = 0.2
"""Variance of the input noise (elements t > N in all variants; also t <= N in 3b)."""
TARGET_NOISE_VAR = 0.1
"""Variance of the target noise of 3c."""


def memory_steps(x: np.ndarray, N: int) -> tuple[np.ndarray, int]:
    """Where the class enters a sequence ``x`` (T, 1): the first ``N`` elements, and the step whose target depends
    on them (the last)."""
    return np.arange(len(x)) < N, len(x) - 1


def generate(rng: np.random.Generator, n: int, T: int, N: int, variant: Literal["a", "b", "c"]) -> Sequences:
    """``n`` sequences of Task 3a, 3b or 3c with minimal length ``T`` and ``N`` information-carrying elements."""
    if variant not in ("a", "b", "c"):
        raise ValueError(f"variant must be 'a', 'b' or 'c', got {variant!r}")
    if not 1 <= N <= T:
        raise ValueError(f"need 1 <= N <= T, got N={N}, T={T}")
    lengths = rng.integers(T, T + T // 10 + 1, n)  # "between T and T + T/10" (§4)
    class1 = rng.integers(0, 2, n) == 0
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    x = rng.normal(0.0, np.sqrt(NOISE_VAR), starts[-1])
    pos = np.arange(starts[-1]) - np.repeat(starts[:-1], lengths)  # 0-based position in the sequence
    info = pos < N
    sign = np.repeat(np.where(class1, 1.0, -1.0), lengths)[info]
    x[info] = sign + x[info] if variant == "b" else sign  # 3b: noise on the first N elements too
    target_at = np.zeros(starts[-1], dtype=bool)
    target_at[starts[1:] - 1] = True
    if variant == "c":
        clean = np.where(class1, 0.2, 0.8)
        noisy = clean + rng.normal(0.0, np.sqrt(TARGET_NOISE_VAR), n)
        return Sequences.from_dense(x[:, None], starts, target_at, noisy[:, None], eval_targets=clean[:, None])
    return Sequences.from_dense(x[:, None], starts, target_at, np.where(class1, 1.0, 0.0)[:, None])
