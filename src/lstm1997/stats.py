"""Uncertainty of a row's figures: exact binomial intervals for success rates, percentile-bootstrap intervals
for sequences to success, the smallest shortfall in success rate a number of trials can detect, and Fisher's
exact test of two success counts.

Everything here is deterministic (the bootstrap draws from a fixed seed) and uses numpy and the standard
library only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import cache

import numpy as np

LEVEL = 0.95
"""Confidence level of every interval in the report."""
RESAMPLES = 10_000
"""Bootstrap resamples per interval: a 2.5 % quantile of 10,000 draws has a standard error of 0.16 %-points in level."""
BOOTSTRAP_SEED = 0
"""Seed of the bootstrap's generator, fresh for every interval: a row's interval depends on its values only."""
MIN_BOOTSTRAP = 5
"""Fewest values that get a bootstrap interval: k values have only C(2k-1, k) distinct resamples (3 for k = 2,
35 for k = 4), too few for a 95 % percentile interval to mean anything; 5 values have 126."""
POWER = 0.8
"""Probability with which a shortfall counts as detectable (``detectable_rate``)."""


def binom_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p), summed term by term in log space (accurate to rounding error)."""
    if k < 0:
        return 0.0
    if k >= n:
        return 1.0
    if p <= 0.0:
        return 1.0
    if p >= 1.0:
        return 0.0
    lp, lq = math.log(p), math.log1p(-p)
    lgn = math.lgamma(n + 1)
    return min(
        1.0,
        sum(math.exp(lgn - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * lp + (n - i) * lq) for i in range(k + 1)),
    )


def _root(f: Callable[[float], float], lo: float = 0.0, hi: float = 1.0) -> float:
    """The root in [lo, hi] of f, which is increasing there with f(lo) <= 0 <= f(hi): 100 bisection steps,
    far below double precision."""
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if f(mid) < 0:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@cache
def clopper_pearson(k: int, n: int, level: float = LEVEL) -> tuple[float, float]:
    """Exact (Clopper-Pearson) ``level`` interval for a success probability from k successes in n trials:
    the lower bound solves P(X >= k | p) = (1 - level) / 2 (0 if k = 0), the upper P(X <= k | p) = (1 - level) / 2
    (1 if k = n). Both tails are monotone in p, so bisection finds them to double precision."""
    if not 0 <= k <= n or n < 1:
        raise ValueError(f"need 0 <= k <= n and n >= 1, got k={k}, n={n}")
    tail = (1 - level) / 2
    lower = 0.0 if k == 0 else _root(lambda p: (1 - binom_cdf(k - 1, n, p)) - tail)
    upper = 1.0 if k == n else _root(lambda p: tail - binom_cdf(k, n, p))
    return lower, upper


@cache
def detectable_rate(p0: float, n: int, level: float = LEVEL, power: float = POWER) -> float | None:
    """The highest true success rate below ``p0`` that n trials tell apart from ``p0``: if the true rate is this
    or lower, the ``level`` Clopper-Pearson interval of our k successes lies entirely below ``p0`` with
    probability at least ``power``. A true rate between it and ``p0`` goes unseen more often than 1 - power.
    None if no outcome of n trials puts ``p0`` above the interval (n too small, or p0 near 0)."""
    # the interval of k lies below p0 iff its upper bound does, iff P(X <= k | p0) < (1 - level) / 2
    k_max = max((k for k in range(n) if binom_cdf(k, n, p0) < (1 - level) / 2), default=None)
    if k_max is None:
        return None
    # P(X <= k_max | p), the chance of excluding p0, falls as p rises: find where it equals `power`
    return _root(lambda p: power - binom_cdf(k_max, n, p))


def fisher_exact(k1: int, n1: int, k2: int, n2: int) -> float:
    """Two-sided p-value of Fisher's exact test that k1 successes in n1 trials and k2 in n2 come from the same
    success rate: the probability, given the margins, of a table no more likely than the observed one (the
    convention of R's fisher.test, with its relative tolerance 1e-7 for ties)."""
    if not (0 <= k1 <= n1 and 0 <= k2 <= n2):
        raise ValueError(f"need 0 <= k <= n, got {k1}/{n1} and {k2}/{n2}")
    k, n = k1 + k2, n1 + n2
    probs = [
        math.comb(k, a) * math.comb(n - k, n1 - a) / math.comb(n, n1) for a in range(max(0, k - n2), min(k, n1) + 1)
    ]
    observed = math.comb(k, k1) * math.comb(n - k, n1 - k1) / math.comb(n, n1)
    return min(1.0, sum(q for q in probs if q <= observed * (1 + 1e-7)))


def bootstrap_interval(
    values: Sequence[float] | np.ndarray,
    statistic: Callable[..., np.ndarray] = np.mean,
    level: float = LEVEL,
    resamples: int = RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> tuple[float, float] | None:
    """Percentile-bootstrap ``level`` interval of ``statistic`` (called as ``statistic(a, axis=1)`` on a
    (resamples, n) array): the (1 - level) / 2 and (1 + level) / 2 quantiles of the statistic over ``resamples``
    resamples with replacement drawn by ``default_rng(seed)``. The values are sorted first, so the interval is a
    function of the multiset of values. None for fewer than ``MIN_BOOTSTRAP`` values."""
    a = np.sort(np.asarray(values, dtype=float))
    if len(a) < MIN_BOOTSTRAP:
        return None
    idx = np.random.default_rng(seed).integers(0, len(a), size=(resamples, len(a)))
    stats = statistic(a[idx], axis=1)
    lo, hi = np.quantile(stats, [(1 - level) / 2, (1 + level) / 2])
    return float(lo), float(hi)


def where(x: float, interval: tuple[float, float] | None) -> str | None:
    """Whether ``x`` lies "inside", "below" or "above" a closed interval (None without an interval). The
    comparison allows a relative 1e-9, so a rate at an exact bound counts as inside."""
    if interval is None:
        return None
    lo, hi = interval
    eps = 1e-9 * max(abs(x), 1.0)
    if x < lo - eps:
        return "below"
    if x > hi + eps:
        return "above"
    return "inside"


__all__ = [
    "BOOTSTRAP_SEED",
    "LEVEL",
    "MIN_BOOTSTRAP",
    "POWER",
    "RESAMPLES",
    "binom_cdf",
    "bootstrap_interval",
    "clopper_pearson",
    "detectable_rate",
    "fisher_exact",
    "where",
]
