"""Experiment 6: temporal order (docs/spec/temporal.md §7, paper Sec. 5.6).

Rule. 8 symbols ``SYMBOLS = "abcdXYBE"``, coded locally on input units 0..7 (lowercase b and the trigger B are
different symbols). The length L is uniform in {100, ..., 110}. A sequence starts with E and ends with the trigger
B; the elements at the relevant positions are X or Y (p=0.5 each); all other elements are uniform over {a, b, c, d}.
Relevant positions are 1-based, inclusive and uniform:

- **6a** (2 relevant): t1 in [10, 20], t2 in [50, 60]; 4 classes XX -> Q, XY -> R, YX -> S, YY -> U;
- **6b** (3 relevant): t1 in [10, 20], t2 in [33, 43], t3 in [66, 76]; 8 classes XXX -> Q, XXY -> R, ..., YYY -> C.

There are as many output units as classes. The only target is at the last step (when B is input): the one-hot code
of the class, whose index is the X/Y string read as a binary number with X = 0, Y = 1 and the first relevant symbol
most significant (XX -> 0 = Q, XY -> 1 = R, YX -> 2 = S, YY -> 3 = U; XXX -> 0, ..., YYY -> 7).

Worked example (6a, L = 100, t1 = 12 holds X, t2 = 55 holds Y)::

    position  1  2..11  12  13..54  55  56..99  100
    symbol    E  a-d    X   a-d     Y   a-d     B
    target    at position 100 only: class XY = R = 1, one-hot (0, 1, 0, 0)

Paper parameters (Table 9, Table 10 rows 6a, 6b): 6a uses 8 inputs and 4 outputs, 6b 8 inputs and 8 outputs.
Sequences are generated on-line (t3); test sets have 2560 sequences.
"""

from __future__ import annotations

import numpy as np

from lstm1997.sequences import Sequences

SYMBOLS = "abcdXYBE"
"""The 8 input symbols; the index of a symbol is its input unit."""
X, B, E = SYMBOLS.index("X"), SYMBOLS.index("B"), SYMBOLS.index("E")

RELEVANT_RANGES: dict[int, tuple[tuple[int, int], ...]] = {
    2: ((10, 20), (50, 60)),  # 6a
    3: ((10, 20), (33, 43), (66, 76)),  # 6b
}
"""1-based inclusive ranges of the relevant positions, by number of relevant symbols (§7)."""
MIN_LENGTH, MAX_LENGTH = 100, 110


def memory_steps(x: np.ndarray) -> tuple[np.ndarray, int]:
    """Where the class enters a sequence ``x`` (T, 8): the steps that input X or Y, and the step whose target
    depends on them (the last, where the trigger B is input)."""
    return np.asarray(x[:, X : X + 2].any(axis=1)), len(x) - 1


def generate(rng: np.random.Generator, n: int, n_relevant: int) -> Sequences:
    """``n`` sequences of Task 6a (``n_relevant=2``) or 6b (``n_relevant=3``)."""
    if n_relevant not in RELEVANT_RANGES:
        raise ValueError(f"n_relevant must be 2 (6a) or 3 (6b), got {n_relevant}")
    lengths = rng.integers(MIN_LENGTH, MAX_LENGTH + 1, n)
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(lengths, out=starts[1:])
    symbols = rng.integers(0, 4, starts[-1])  # distractors a..d everywhere, then overwrite
    symbols[starts[:-1]] = E
    symbols[starts[1:] - 1] = B
    cls = np.zeros(n, dtype=np.int64)
    for lo, hi in RELEVANT_RANGES[n_relevant]:
        t = rng.integers(lo, hi + 1, n)  # 1-based position
        bit = rng.integers(0, 2, n)  # 0: X, 1: Y
        symbols[starts[:-1] + t - 1] = X + bit
        cls = 2 * cls + bit  # first relevant symbol most significant
    target_at = np.zeros(starts[-1], dtype=bool)
    target_at[starts[1:] - 1] = True
    return Sequences.from_onehot(symbols, starts, len(SYMBOLS), target_at, np.eye(2**n_relevant)[cls])
