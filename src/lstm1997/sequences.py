"""A batch of sequences in the compact form the kernels read.

Inputs are stored sparsely (CSR over time steps): one-hot tasks (Exps 1, 2, 6) keep one entry per step
whatever the number of input units, and the kernels skip every zero input. Targets are stored only at the
steps that have one (every step in Exps 1, 2a, 2b; the last step elsewhere).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Sequences:
    """n sequences, concatenated in time."""

    n_in: int
    """Number of input units."""
    starts: np.ndarray
    """(n+1,) int64: sequence i occupies steps starts[i] .. starts[i+1]-1."""
    x_ptr: np.ndarray
    """(steps+1,) int64: the nonzero inputs of step t are entries x_ptr[t] .. x_ptr[t+1]-1."""
    x_idx: np.ndarray
    """(nnz,) int64: input unit index (0-based) of each nonzero input."""
    x_val: np.ndarray
    """(nnz,) float64: value of each nonzero input."""
    target_at: np.ndarray
    """(steps,) bool: whether a step has a target."""
    targets: np.ndarray
    """(n_targets, n_out) float64: the training targets, in step order."""
    eval_targets: np.ndarray | None = None
    """(n_targets, n_out): the targets criteria compare against, where they differ from the training targets
    (the noise-free targets of Exp 3c); None means the training targets."""
    legal_next: np.ndarray | None = None
    """(n_targets, n_out) bool: the legal next symbols at each target step (Exp 1's success test)."""

    def __post_init__(self) -> None:
        """Check once, here, everything the compiled kernels rely on (they read these arrays unchecked): dtypes
        and C layout (arrays of another dtype or layout are converted), lengths, indices in range, finite values.
        The arrays must not be changed afterwards."""
        if isinstance(self.n_in, bool) or not isinstance(self.n_in, int | np.integer) or self.n_in < 1:
            raise ValueError(f"Sequences.n_in must be a positive whole number, got {self.n_in!r}")
        for name, dtype, ndim in _ARRAYS:
            value = getattr(self, name)
            if value is None and name in ("eval_targets", "legal_next"):
                continue
            try:
                array = np.ascontiguousarray(value, dtype=dtype)
            except (TypeError, ValueError) as e:
                raise ValueError(f"Sequences.{name} must be an array of {np.dtype(dtype).name}: {e}") from None
            if array.ndim != ndim:
                raise ValueError(f"Sequences.{name} must have {ndim} dimension(s), got shape {array.shape}")
            object.__setattr__(self, name, array)
        n_steps, n_targets = len(self.target_at), int(np.count_nonzero(self.target_at))
        _check(len(self.starts) >= 1 and self.starts[0] == 0 and self.starts[-1] == n_steps, "starts",
               f"must run from 0 to the number of steps ({n_steps})")  # fmt: skip
        _check(bool(np.all(np.diff(self.starts) >= 0)), "starts", "must not decrease")
        _check(
            len(self.x_ptr) == n_steps + 1 and self.x_ptr[0] == 0, "x_ptr", f"must have {n_steps + 1} entries from 0"
        )
        _check(bool(np.all(np.diff(self.x_ptr) >= 0)), "x_ptr", "must not decrease")
        nnz = int(self.x_ptr[-1])
        _check(len(self.x_idx) == nnz == len(self.x_val), "x_idx and x_val", f"must have x_ptr[-1] = {nnz} entries")
        _check(nnz == 0 or self.x_idx.min() >= 0 and self.x_idx.max() < self.n_in, "x_idx",
               f"must index the {self.n_in} input units")  # fmt: skip
        _check(bool(np.all(np.isfinite(self.x_val))), "x_val", "(the inputs) must be finite, not NaN or infinite")
        _check(self.targets.shape[0] == n_targets and self.targets.shape[1] >= 1, "targets",
               f"must have one row per target step ({n_targets}) and at least one column")  # fmt: skip
        _check(bool(np.all(np.isfinite(self.targets))), "targets", "must be finite, not NaN or infinite")
        for name in ("eval_targets", "legal_next"):
            value = getattr(self, name)
            _check(value is None or value.shape == self.targets.shape, name, f"must have shape {self.targets.shape}")

    @property
    def n(self) -> int:
        """Number of sequences."""
        return len(self.starts) - 1

    @property
    def n_out(self) -> int:
        """Number of output units the targets are for."""
        return self.targets.shape[1]

    @property
    def n_steps(self) -> int:
        """Total number of time steps."""
        return int(self.starts[-1])

    @property
    def lengths(self) -> np.ndarray:
        """(n,) length of each sequence."""
        return np.diff(self.starts)

    @property
    def criterion_targets(self) -> np.ndarray:
        """The targets criteria compare against (noise-free where the training targets are noisy)."""
        return self.targets if self.eval_targets is None else self.eval_targets

    @property
    def target_seq(self) -> np.ndarray:
        """(n_targets,) the sequence each target row belongs to."""
        step_seq = np.repeat(np.arange(self.n), self.lengths)
        return step_seq[self.target_at]

    @property
    def last_target(self) -> np.ndarray:
        """(n,) index into the target rows of each sequence's last target (-1 if it has none)."""
        counts = np.add.reduceat(self.target_at.astype(np.int64), self.starts[:-1]) if self.n_steps else 0
        counts = np.where(self.lengths > 0, counts, 0)
        last = np.cumsum(counts) - 1
        return np.where(counts > 0, last, -1)

    @classmethod
    def from_onehot(
        cls,
        symbols: np.ndarray,
        starts: np.ndarray,
        n_in: int,
        target_at: np.ndarray,
        targets: np.ndarray,
        **extra: np.ndarray | None,
    ) -> Sequences:
        """Sequences whose input at each step is the one-hot code of ``symbols[t]`` (0-based)."""
        symbols = np.asarray(symbols, dtype=np.int64)
        n_steps = len(symbols)
        return cls(
            n_in=n_in,
            starts=np.asarray(starts, dtype=np.int64),
            x_ptr=np.arange(n_steps + 1, dtype=np.int64),
            x_idx=symbols,
            x_val=np.ones(n_steps),
            target_at=np.asarray(target_at, dtype=bool),
            targets=np.asarray(targets, dtype=np.float64).reshape(-1, np.shape(targets)[-1]),
            **extra,
        )

    @classmethod
    def from_dense(
        cls,
        x: np.ndarray,
        starts: np.ndarray,
        target_at: np.ndarray,
        targets: np.ndarray,
        **extra: np.ndarray | None,
    ) -> Sequences:
        """Sequences from dense inputs ``x`` of shape (steps, n_in); zeros are dropped."""
        x = np.asarray(x, dtype=np.float64)
        steps, cols = np.nonzero(x)
        counts = np.bincount(steps, minlength=x.shape[0])
        x_ptr = np.zeros(x.shape[0] + 1, dtype=np.int64)
        np.cumsum(counts, out=x_ptr[1:])
        return cls(
            n_in=x.shape[1],
            starts=np.asarray(starts, dtype=np.int64),
            x_ptr=x_ptr,
            x_idx=cols.astype(np.int64),
            x_val=x[steps, cols],
            target_at=np.asarray(target_at, dtype=bool),
            targets=np.asarray(targets, dtype=np.float64).reshape(-1, np.shape(targets)[-1]),
            **extra,
        )

    @classmethod
    def from_list(cls, items: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> Sequences:
        """Sequences from a list of dense ``(x (T, n_in), y (T, n_out), mask (T,))`` triples."""
        if not items:
            raise ValueError("from_list needs at least one sequence")
        xs, ys, masks = zip(*items)
        masks = [np.asarray(m, dtype=bool) for m in masks]
        starts = np.concatenate([[0], np.cumsum([len(x) for x in xs])])
        targets = np.concatenate([np.asarray(y, dtype=np.float64)[m] for y, m in zip(ys, masks)])
        return cls.from_dense(np.concatenate(xs), starts, np.concatenate(masks), targets)

    def dense_inputs(self, i: int) -> np.ndarray:
        """(T, n_in) dense inputs of sequence i."""
        t0, t1 = self.starts[i], self.starts[i + 1]
        x = np.zeros((t1 - t0, self.n_in))
        for t in range(t0, t1):
            a, b = self.x_ptr[t], self.x_ptr[t + 1]
            x[t - t0, self.x_idx[a:b]] += self.x_val[a:b]
        return x

    def sequence(self, i: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Sequence i as dense ``(x (T, n_in), y (T, n_out), mask (T,))``; y is 0 where mask is False."""
        t0, t1 = self.starts[i], self.starts[i + 1]
        mask = self.target_at[t0:t1].copy()
        first = int(np.count_nonzero(self.target_at[:t0]))
        y = np.zeros((t1 - t0, self.n_out))
        y[mask] = self.targets[first : first + int(mask.sum())]
        return self.dense_inputs(i), y, mask

    def take(self, idx: np.ndarray) -> Sequences:
        """The sequences ``idx`` (in that order, repeats allowed) as a new batch."""
        idx = np.asarray(idx, dtype=np.int64)
        lengths = self.lengths[idx]
        starts = np.zeros(len(idx) + 1, dtype=np.int64)
        np.cumsum(lengths, out=starts[1:])
        steps = _ranges(self.starts[idx], lengths)
        nnz_per_step = np.diff(self.x_ptr)[steps]
        x_ptr = np.zeros(len(steps) + 1, dtype=np.int64)
        np.cumsum(nnz_per_step, out=x_ptr[1:])
        entries = _ranges(self.x_ptr[steps], nnz_per_step)
        target_rows = np.cumsum(self.target_at) - 1
        rows = target_rows[steps[self.target_at[steps]]]

        def pick(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[rows]

        return Sequences(
            n_in=self.n_in,
            starts=starts,
            x_ptr=x_ptr,
            x_idx=self.x_idx[entries],
            x_val=self.x_val[entries],
            target_at=self.target_at[steps],
            targets=self.targets[rows],
            eval_targets=pick(self.eval_targets),
            legal_next=pick(self.legal_next),
        )


_ARRAYS = (
    ("starts", np.int64, 1),
    ("x_ptr", np.int64, 1),
    ("x_idx", np.int64, 1),
    ("x_val", np.float64, 1),
    ("target_at", np.bool_, 1),
    ("targets", np.float64, 2),
    ("eval_targets", np.float64, 2),
    ("legal_next", np.bool_, 2),
)
"""The arrays of a Sequences: name, dtype, number of dimensions."""


def _check(ok: bool, name: str, what: str) -> None:
    if not ok:
        raise ValueError(f"Sequences.{name} {what}")


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of arange(s, s+l) for each (s, l), vectorised."""
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return np.arange(total, dtype=np.int64) + offsets
