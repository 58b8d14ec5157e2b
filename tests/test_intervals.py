"""The interval code (lstm1997.stats) on cases with known answers: textbook Clopper-Pearson bounds and their
closed forms, Fisher's exact test, the detectable rate's definition, and the bootstrap's determinism and
coverage."""

import math

import numpy as np
import pytest

from lstm1997.stats import (
    MIN_BOOTSTRAP,
    binom_cdf,
    bootstrap_interval,
    clopper_pearson,
    detectable_rate,
    fisher_exact,
    where,
)

# Clopper-Pearson 95 % bounds as tabulated (e.g. R's binom.test(k, n)$conf.int)
TEXTBOOK = {
    (0, 10): (0.0, 0.3084971),
    (10, 10): (0.6915029, 1.0),
    (5, 10): (0.1870860, 0.8129140),
    (1, 10): (0.0025286, 0.4450161),
    (9, 10): (0.5549839, 0.9974714),
    (6, 10): (0.2623781, 0.8784477),
    (0, 20): (0.0, 0.1684335),
}


@pytest.mark.parametrize(("k", "n"), list(TEXTBOOK))
def test_clopper_pearson_textbook_values(k, n):
    lo, hi = clopper_pearson(k, n)
    assert lo == pytest.approx(TEXTBOOK[k, n][0], abs=5e-7) and hi == pytest.approx(TEXTBOOK[k, n][1], abs=5e-7)


@pytest.mark.parametrize("n", [1, 2, 10, 18, 20, 30, 50])
def test_clopper_pearson_closed_forms_and_definition(n):
    # k = 0 and k = n have closed forms: upper(0, n) = 1 - 0.025^(1/n), lower(n, n) = 0.025^(1/n)
    assert clopper_pearson(0, n) == (0.0, pytest.approx(1 - 0.025 ** (1 / n), abs=1e-13))
    assert clopper_pearson(n, n) == (pytest.approx(0.025 ** (1 / n), abs=1e-13), 1.0)
    for k in range(n + 1):
        lo, hi = clopper_pearson(k, n)
        assert 0 <= lo <= k / n <= hi <= 1
        mirror = clopper_pearson(n - k, n)  # symmetry under swapping successes and failures
        assert lo == pytest.approx(1 - mirror[1], abs=1e-12) and hi == pytest.approx(1 - mirror[0], abs=1e-12)
        if k > 0:  # the defining tail probabilities: P(X >= k | lo) = P(X <= k | hi) = 0.025
            assert 1 - binom_cdf(k - 1, n, lo) == pytest.approx(0.025, abs=1e-12)
        if k < n:
            assert binom_cdf(k, n, hi) == pytest.approx(0.025, abs=1e-12)


def test_clopper_pearson_rejects_impossible_counts():
    for k, n in ((-1, 10), (11, 10), (0, 0)):
        with pytest.raises(ValueError):
            clopper_pearson(k, n)


def test_binom_cdf_equals_the_direct_sum():
    assert binom_cdf(5, 10, 0.5) == pytest.approx(638 / 1024, rel=1e-13)
    for n, p in ((7, 0.3), (30, 0.9), (200, 0.01)):
        for k in range(n + 1):
            direct = sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1))
            assert binom_cdf(k, n, p) == pytest.approx(direct, rel=1e-11, abs=1e-300)
    assert binom_cdf(-1, 5, 0.5) == 0 and binom_cdf(5, 5, 0.5) == 1 and binom_cdf(2, 5, 0.0) == 1


def test_fisher_exact_known_values():
    assert fisher_exact(3, 4, 1, 4) == pytest.approx(34 / 70, rel=1e-12)  # the lady tasting tea
    assert fisher_exact(3, 10, 7, 10) == pytest.approx(0.1788954, abs=1e-7)  # R: fisher.test(rbind(c(3,7),c(7,3)))
    assert fisher_exact(6, 10, 10, 10) == pytest.approx(0.0866873, abs=1e-7)
    assert fisher_exact(10, 10, 10, 10) == 1.0 and fisher_exact(0, 5, 0, 7) == 1.0
    assert fisher_exact(2, 9, 7, 12) == pytest.approx(fisher_exact(7, 12, 2, 9), rel=1e-12)  # symmetric


@pytest.mark.parametrize("n", [10, 18, 20, 30])
def test_detectable_rate_against_a_perfect_paper(n):
    # against 100 %, one failure puts 1.0 above the interval, so the power at rate p is 1 - p^n: 0.8 at 0.2^(1/n)
    assert detectable_rate(1.0, n) == pytest.approx(0.2 ** (1 / n), abs=1e-12)


def test_detectable_rate_definition():
    p0, n = 0.97, 30
    d = detectable_rate(p0, n)
    k_max = max(k for k in range(n + 1) if clopper_pearson(k, n)[1] < p0)
    assert clopper_pearson(k_max + 1, n)[1] >= p0
    assert binom_cdf(k_max, n, d) == pytest.approx(0.8, abs=1e-12)  # P(the paper's rate above our interval)
    assert binom_cdf(k_max, n, d + 0.01) < 0.8 < binom_cdf(k_max, n, d - 0.01)
    assert detectable_rate(0.1, 10) is None  # even 0/10 has an interval reaching 30.8 %
    assert detectable_rate(1.0, 10) < detectable_rate(1.0, 20) < detectable_rate(1.0, 30)


def test_bootstrap_of_a_constant_sample_is_that_constant():
    assert bootstrap_interval([7.0] * 12) == (7.0, 7.0)
    assert bootstrap_interval([7.0] * 12, np.median) == (7.0, 7.0)


def test_bootstrap_is_deterministic_and_a_function_of_the_values():
    x = np.random.default_rng(5).exponential(1e5, 20)
    first = bootstrap_interval(x)
    assert bootstrap_interval(x) == first
    assert bootstrap_interval(x[::-1]) == first  # order does not matter
    assert bootstrap_interval(x, seed=1) != first  # the seed is what fixes it
    lo, hi = first
    assert lo < x.mean() < hi
    assert bootstrap_interval(x[: MIN_BOOTSTRAP - 1]) is None and bootstrap_interval(x[:MIN_BOOTSTRAP]) is not None


def coverage(draw, truth: float, repeats: int = 400) -> float:
    rng = np.random.default_rng(123)
    hits = 0
    for i in range(repeats):
        lo, hi = bootstrap_interval(draw(rng), resamples=2000, seed=i)
        hits += lo <= truth <= hi
    return hits / repeats


def test_bootstrap_coverage_roughly_nominal():
    # normal samples of 30: the percentile interval covers the true mean about 95 % of the time (measured 0.95)
    assert 0.91 <= coverage(lambda rng: rng.normal(10, 2, 30), 10.0) <= 0.98
    # skewed (exponential) samples of 30: it under-covers, as percentile intervals do (measured 0.90)
    assert 0.85 <= coverage(lambda rng: rng.exponential(1.0, 30), 1.0) <= 0.95


def test_where():
    assert where(1.0, (0.69, 1.0)) == "inside" and where(1.0, (0.55, 0.997)) == "above"
    assert where(10.0, (11.0, 12.0)) == "below" and where(3.0, None) is None
