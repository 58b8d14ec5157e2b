"""The task generators of the six experiments (docs/SPEC.md §2-§7): structure, targets recomputed from the inputs,
distributions within statistical tolerance, and determinism."""

import re
from collections import defaultdict

import numpy as np
import pytest

from lstm1997.sequences import Sequences
from lstm1997.tasks import adding, longlag, reber, temporal, twoseq

# ---------------------------------------------------------------------------------------------------------------
# helpers


def dense(s: Sequences) -> np.ndarray:
    """(steps, n_in) dense inputs of the whole batch."""
    x = np.zeros((s.n_steps, s.n_in))
    rows = np.repeat(np.arange(s.n_steps), np.diff(s.x_ptr))
    np.add.at(x, (rows, s.x_idx), s.x_val)
    return x


def onehot_symbols(s: Sequences) -> np.ndarray:
    """(steps,) the input symbol of each step; asserts the inputs are one-hot."""
    assert np.array_equal(s.x_ptr, np.arange(s.n_steps + 1)), "exactly one nonzero input per step"
    assert np.all(s.x_val == 1.0)
    assert s.x_idx.min() >= 0 and s.x_idx.max() < s.n_in
    return s.x_idx


def positions(s: Sequences) -> np.ndarray:
    """(steps,) 0-based position of each step within its sequence."""
    return np.arange(s.n_steps) - np.repeat(s.starts[:-1], s.lengths)


def check_batch(s: Sequences, n: int, n_in: int, n_out: int) -> None:
    """CSR consistency and sizes."""
    assert s.n == n and s.n_in == n_in and s.n_out == n_out
    assert s.starts[0] == 0 and np.all(np.diff(s.starts) > 0)
    assert len(s.x_ptr) == s.n_steps + 1 and s.x_ptr[0] == 0 and s.x_ptr[-1] == len(s.x_idx) == len(s.x_val)
    assert len(s.target_at) == s.n_steps and len(s.targets) == s.target_at.sum()


def check_last_step_only(s: Sequences) -> None:
    """Exactly one target per sequence, at its last step."""
    expected = np.zeros(s.n_steps, dtype=bool)
    expected[s.starts[1:] - 1] = True
    assert np.array_equal(s.target_at, expected)


def check_onehot_targets(s: Sequences) -> np.ndarray:
    """Asserts the targets are one-hot; returns their class indices."""
    assert set(np.unique(s.targets)) <= {0.0, 1.0}
    assert np.all(s.targets.sum(axis=1) == 1.0)
    return s.targets.argmax(axis=1)


def assert_chi2(counts: np.ndarray, probs: np.ndarray) -> None:
    """Pearson chi-square goodness of fit, rejecting at about 5 standard deviations of the statistic."""
    counts, probs = np.asarray(counts, dtype=float), np.asarray(probs, dtype=float)
    assert np.all(counts[probs == 0] == 0), "counts where the probability is 0"
    keep = probs > 0
    expected = counts.sum() * probs[keep] / probs[keep].sum()
    assert expected.min() >= 20, "too few samples for the test"
    df = keep.sum() - 1
    chi2 = ((counts[keep] - expected) ** 2 / expected).sum()
    assert chi2 < df + 5 * np.sqrt(2 * df), (chi2, df)


def assert_uniform_ints(values: np.ndarray, lo: int, hi: int) -> None:
    """Integers uniform on {lo, ..., hi}: both ends are hit, nothing outside, chi-square fit."""
    assert values.min() == lo and values.max() == hi
    assert_chi2(np.bincount(values - lo, minlength=hi - lo + 1), np.ones(hi - lo + 1))


def assert_mean(values: np.ndarray, mean: float, var: float, z: float = 5.0) -> None:
    """Sample mean within z standard errors of ``mean`` for a population variance ``var``."""
    assert abs(values.mean() - mean) <= z * np.sqrt(var / len(values)) + 1e-12, (values.mean(), mean)


def assert_var(values: np.ndarray, var: float, rel: float = 0.03) -> None:
    assert abs(values.var() / var - 1) < rel, (values.var(), var)


def assert_same(a: Sequences, b: Sequences) -> None:
    for f in ("starts", "x_ptr", "x_idx", "x_val", "target_at", "targets", "eval_targets", "legal_next"):
        va, vb = getattr(a, f), getattr(b, f)
        assert (va is None and vb is None) or np.array_equal(va, vb), f


GENERATORS = {
    "reber": lambda rng: reber.generate(rng, 50),
    "2a": lambda rng: longlag.generate_2a(rng, 50, 10),
    "2b": lambda rng: longlag.generate_2b(rng, 50, 10),
    "2c": lambda rng: longlag.generate_2c(rng, 50, 10, 20),
    "3a": lambda rng: twoseq.generate(rng, 50, 100, 3, "a"),
    "3b": lambda rng: twoseq.generate(rng, 50, 100, 1, "b"),
    "3c": lambda rng: twoseq.generate(rng, 50, 100, 3, "c"),
    "adding": lambda rng: adding.generate_adding(rng, 50, 100),
    "multiplication": lambda rng: adding.generate_multiplication(rng, 50, 100),
    "6a": lambda rng: temporal.generate(rng, 50, 2),
    "6b": lambda rng: temporal.generate(rng, 50, 3),
}


@pytest.mark.parametrize("name", GENERATORS)
def test_determinism(name):
    gen = GENERATORS[name]
    assert_same(gen(np.random.default_rng(123)), gen(np.random.default_rng(123)))
    a, b = gen(np.random.default_rng(123)), gen(np.random.default_rng(124))
    fields = ("starts", "x_idx", "x_val", "targets")
    assert not all(np.array_equal(getattr(a, f), getattr(b, f)) for f in fields)


# ---------------------------------------------------------------------------------------------------------------
# Exp 1: embedded Reber grammar (§2)

# Independent of the generator's transition table: the Reber grammar as a regular expression, derived by hand.
# From node 4 to the end: (X T* V P)* (S | X T* V V); the embedded form repeats the second symbol (back-reference).
_R4 = r"(?:XT*VP)*(?:S|XT*VV)"
_REBER_RE = re.compile(rf"B(?:TS*X{_R4}|PT*V(?:V|P{_R4}))E")
_EMBEDDED_RE = re.compile(rf"B([TP]){_REBER_RE.pattern}\1E")


def test_reber_regex_sanity():
    for good in ("BTXSE", "BPVVE", "BTSSXXTVVE", "BPTVPXVVE", "BTXXVPSE", "BPVPXTVVE", "BTSXSE", "BPVPSE"):
        assert _REBER_RE.fullmatch(good), good
    for bad in ("BTSE", "BPVE", "BTXXE", "BPVSE", "BTSXTE", "BPVPE"):
        assert not _REBER_RE.fullmatch(bad), bad
    assert _EMBEDDED_RE.fullmatch("BTBPVVETE") and not _EMBEDDED_RE.fullmatch("BTBPVVEPE")


def test_reber_strings_are_grammatical():
    rng = np.random.default_rng(1)
    plain = [reber.reber_string(rng) for _ in range(3000)]
    assert all(_REBER_RE.fullmatch(s) for s in plain)
    embedded = [reber.embedded_reber_string(rng) for _ in range(5000)]
    assert all(_EMBEDDED_RE.fullmatch(s) for s in embedded)  # includes the embedded symmetry s[1] == s[-2]
    assert all(s[1] == s[-2] and s[1] in "TP" for s in embedded)
    lengths = np.array([len(s) for s in embedded])
    assert lengths.min() == 9  # "short time lags (of as few as 9 steps)"
    assert abs(lengths.mean() - 12.0) < 0.15  # simulated mean ~12.0 (docs/spec/reber.md §2)


def test_reber_choices_are_fair():
    """Every choice point is taken each way with probability 0.5."""
    rng = np.random.default_rng(2)
    strings = [reber.embedded_reber_string(rng) for _ in range(4000)]
    counts: dict[str, np.ndarray] = defaultdict(lambda: np.zeros(len(reber.SYMBOLS)))
    for s in strings:
        for t in range(len(s) - 1):
            counts[s[: t + 1]][reber.SYMBOLS.index(s[t + 1])] += 1
    second = np.array([s[1] == "T" for s in strings])
    inner = np.array([s[3] == "T" for s in strings])
    assert_mean(second, 0.5, 0.25)
    assert_mean(inner, 0.5, 0.25)
    assert abs(np.corrcoef(second, inner)[0, 1]) < 0.08  # independent choices
    for prefix in ("BTBT", "BPBP", "BTBTS", "BPBPT"):
        c = counts[prefix]
        assert np.count_nonzero(c) == 2 and abs(c.max() / c.sum() - 0.5) < 5 * 0.5 / np.sqrt(c.sum())


def test_legal_successors_examples():
    L = reber.legal_successors
    assert L("") == {"B"}
    assert L("B") == {"T", "P"}
    assert L("BT") == {"B"}
    assert L("BTB") == {"T", "P"}
    assert L("BPBT") == {"S", "X"}
    assert L("BPBP") == {"T", "V"}
    assert L("BPBTX") == {"X", "S"}
    assert L("BPBPV") == {"P", "V"}
    assert L("BPBPVV") == {"E"}
    assert L("BPBPVVE") == {"P"}
    assert L("BTBPVVE") == {"T"}
    assert L("BTBPVVET") == {"E"}
    assert L("BTBPVVETE") == frozenset()
    for bad in ("T", "BB", "BTBPVVEP", "BTBPVVETEE", "BTBQ"):
        with pytest.raises(ValueError):
            L(bad)


def test_legal_successors_match_observed_successors():
    """Observed successors of each prefix are legal; prefixes seen often show exactly their legal successors."""
    rng = np.random.default_rng(3)
    seen: dict[str, set[str]] = defaultdict(set)
    times: dict[str, int] = defaultdict(int)
    for _ in range(3000):
        s = reber.embedded_reber_string(rng)
        for t in range(len(s)):
            seen[s[:t]].add(s[t])
            times[s[:t]] += 1
    checked = 0
    for prefix, succ in seen.items():
        legal = reber.legal_successors(prefix)
        assert succ <= legal and 1 <= len(legal) <= 2
        if times[prefix] >= 30:  # both branches of a choice seen, except with probability 2^-29
            assert succ == legal, prefix
            checked += 1
    assert checked > 50


def test_reber_encode_worked_example():
    s = reber.encode(["BTBPVVETE"])
    check_batch(s, 1, 7, 7)
    assert "".join(reber.SYMBOLS[i] for i in onehot_symbols(s)) == "BTBPVVET"
    assert "".join(reber.SYMBOLS[i] for i in check_onehot_targets(s)) == "TBPVVETE"
    legal = ["".join(sorted(reber.SYMBOLS[j] for j in np.flatnonzero(row))) for row in s.legal_next]
    assert legal == ["PT", "B", "PT", "TV", "PV", "E", "T", "E"]


def test_reber_encode_batch():
    rng = np.random.default_rng(4)
    strings = [reber.embedded_reber_string(rng) for _ in range(2000)]
    s = reber.encode(strings)
    check_batch(s, 2000, 7, 7)
    assert np.array_equal(s.lengths, [len(w) - 1 for w in strings])
    assert s.target_at.all()
    sym = onehot_symbols(s)
    nxt = check_onehot_targets(s)
    code = {c: i for i, c in enumerate(reber.SYMBOLS)}
    assert np.array_equal(sym, [code[c] for w in strings for c in w[:-1]])
    assert np.array_equal(nxt, [code[c] for w in strings for c in w[1:]])
    # targets at step t are the inputs at step t+1 within a sequence
    inner = np.ones(s.n_steps, dtype=bool)
    inner[s.starts[1:] - 1] = False
    assert np.array_equal(nxt[inner], sym[1:][inner[:-1]])
    # legal_next: boolean, 1 or 2 legal symbols, includes the actual next symbol, agrees with legal_successors
    assert s.legal_next.dtype == bool and s.legal_next.shape == (s.n_steps, 7)
    assert set(np.unique(s.legal_next.sum(axis=1))) == {1, 2}
    assert s.legal_next[np.arange(s.n_steps), nxt].all()
    for i in range(0, 2000, 97):
        w = strings[i]
        for t in range(len(w) - 1):
            row = s.legal_next[s.starts[i] + t]
            assert {reber.SYMBOLS[j] for j in np.flatnonzero(row)} == reber.legal_successors(w[: t + 1])
    # the symbol before last is determined (k=1) and equals the second symbol
    before_last = s.starts[1:] - 2
    assert np.all(s.legal_next[before_last].sum(axis=1) == 1)
    assert np.array_equal(nxt[before_last], sym[s.starts[:-1] + 1])
    assert np.all(nxt[s.starts[1:] - 1] == code["E"])


def test_reber_encode_rejects_illegal_strings():
    with pytest.raises(ValueError):
        reber.encode(["BTBPVVEPE"])


def test_reber_generate():
    s = reber.generate(np.random.default_rng(5), 300)
    check_batch(s, 300, 7, 7)
    assert s.target_at.all() and s.legal_next.shape == s.targets.shape
    assert s.lengths.min() >= 8


def test_reber_train_test_sets():
    rng = np.random.default_rng(6)
    train, test = reber.train_test_sets(rng)
    assert len(train) == 256 and len(test) == 256
    assert not set(train) & set(test)
    assert all(_EMBEDDED_RE.fullmatch(w) for w in train + test)
    assert len(set(train)) < 256  # duplicates are kept as generated (short strings are frequent)
    train2, test2 = reber.train_test_sets(np.random.default_rng(6), 40, 500)
    assert len(train2) == 40 and len(test2) == 500 and not set(train2) & set(test2)
    assert train2 == train[:40]


# ---------------------------------------------------------------------------------------------------------------
# Exp 2: long time lags (§3)


def test_2a_training_set_exact():
    s = longlag.training_set_2a(5)  # a1..a4 = 0..3, x = 4, y = 5
    check_batch(s, 2, 6, 6)
    assert s.target_at.all() and np.array_equal(s.starts, [0, 5, 10])
    assert np.array_equal(onehot_symbols(s), [4, 0, 1, 2, 3, 5, 0, 1, 2, 3])
    assert np.array_equal(check_onehot_targets(s), [0, 1, 2, 3, 4, 0, 1, 2, 3, 5])
    assert longlag.training_set_2a().n_steps == 200 and longlag.training_set_2a().n_in == 101


def test_2a_generate():
    p = 100
    s = longlag.generate_2a(np.random.default_rng(7), 600, p)
    check_batch(s, 600, p + 1, p + 1)
    assert np.all(s.lengths == p) and s.target_at.all()
    seq = onehot_symbols(s).reshape(600, p)
    tgt = check_onehot_targets(s).reshape(600, p)
    ref = onehot_symbols(longlag.training_set_2a(p)).reshape(2, p)
    is_y = seq[:, 0] == p
    assert np.array_equal(seq, ref[is_y.astype(int)])  # each sequence is one of the two training sequences
    assert np.array_equal(tgt[:, :-1], seq[:, 1:]) and np.array_equal(tgt[:, -1], seq[:, 0])
    assert_mean(is_y, 0.5, 0.25)


def test_2b_generate():
    p, n = 20, 5000
    s = longlag.generate_2b(np.random.default_rng(8), n, p)
    check_batch(s, n, p + 1, p + 1)
    assert np.all(s.lengths == p) and s.target_at.all()
    seq = onehot_symbols(s).reshape(n, p)
    tgt = check_onehot_targets(s).reshape(n, p)
    assert np.all((seq[:, 0] == p - 1) | (seq[:, 0] == p))  # x or y first
    middle = seq[:, 1:]
    assert middle.min() == 0 and middle.max() == p - 2  # only a_1..a_{p-1} in the middle
    assert np.array_equal(tgt[:, :-1], seq[:, 1:])  # next symbol
    assert np.array_equal(tgt[:, -1], seq[:, 0])  # the final x/y repeats the first symbol
    assert_mean(seq[:, 0] == p, 0.5, 0.25)
    assert_chi2(np.bincount(middle.ravel(), minlength=p - 1), np.ones(p - 1))
    # i.i.d.: neighbouring middle symbols uncorrelated
    assert abs(np.corrcoef(middle[:, :-1].ravel(), middle[:, 1:].ravel())[0, 1]) < 0.01


@pytest.mark.parametrize("p,q", [(10, 20), (50, 50)])
def test_2c_structure_and_targets(p, q):
    n = 4000
    s = longlag.generate_2c(np.random.default_rng(9), n, p, q)
    check_batch(s, n, p + 4, 2)
    check_last_step_only(s)
    sym = onehot_symbols(s)
    e, b, x, y = p, p + 1, p + 2, p + 3
    first, last = s.starts[:-1], s.starts[1:] - 1
    assert np.all(sym[first] == b) and np.all(np.isin(sym[first + 1], [x, y])) and np.all(sym[last] == e)
    pos = positions(s)
    body = (pos >= 2) & ~s.target_at
    assert sym[body].max() < p and np.count_nonzero(sym == e) == n and np.count_nonzero(sym == b) == n
    assert np.count_nonzero(np.isin(sym, [x, y])) == n
    assert s.lengths.min() >= q + 3
    cls = check_onehot_targets(s)
    assert np.array_equal(cls, sym[first + 1] - x)  # (1,0) for x, (0,1) for y
    assert_mean(cls, 0.5, 0.25)
    assert_chi2(np.bincount(sym[body], minlength=p), np.ones(p))


def test_2c_geometric_tail():
    q, n = 5, 20000
    s = longlag.generate_2c(np.random.default_rng(10), n, 8, q)
    k = s.lengths - (q + 3)
    assert k.min() == 0
    assert_mean(k, 9.0, 90.0)  # P(k) = 0.1 * 0.9^k: mean 9, variance 0.9/0.01 = 90
    kmax = 40
    probs = np.append(0.1 * 0.9 ** np.arange(kmax), 0.9**kmax)
    assert_chi2(np.bincount(np.minimum(k, kmax), minlength=kmax + 1), probs)


# ---------------------------------------------------------------------------------------------------------------
# Exp 3: two-sequence problem (§4)


@pytest.mark.parametrize("variant", ["a", "b", "c"])
@pytest.mark.parametrize("N", [1, 3])
def test_twoseq(variant, N):
    T, n = 100, 8000
    s = twoseq.generate(np.random.default_rng(11), n, T, N, variant)
    check_batch(s, n, 1, 1)
    check_last_step_only(s)
    assert_uniform_ints(s.lengths, T, T + T // 10)
    x = dense(s)[:, 0]
    pos = positions(s)
    info = pos < N
    if variant == "c":
        clean = s.eval_targets[:, 0]
        assert set(np.unique(clean)) == {0.2, 0.8}
        class1 = clean == 0.2
        assert_mean(s.targets[:, 0] - clean, 0.0, 0.1)
        assert_var(s.targets[:, 0] - clean, 0.1, rel=0.05)
    else:
        assert s.eval_targets is None
        assert set(np.unique(s.targets)) == {0.0, 1.0}
        class1 = s.targets[:, 0] == 1.0
    assert_mean(class1, 0.5, 0.25)
    sign = np.repeat(np.where(class1, 1.0, -1.0), s.lengths)
    if variant == "b":
        noise = x[info] - sign[info]
        assert_mean(noise, 0.0, 0.2)
        assert_var(noise, 0.2, rel=0.1 if N == 1 else 0.05)
    else:
        assert np.array_equal(x[info], sign[info])  # exactly +-1, sign given by the class
    rest = x[~info]
    assert_mean(rest, 0.0, 0.2)
    assert_var(rest, 0.2, rel=0.01)
    assert abs(np.mean(np.abs(rest) < np.sqrt(0.2)) - 0.6827) < 0.005  # Gaussian, not e.g. uniform
    assert abs(np.corrcoef(rest[:-1], rest[1:])[0, 1]) < 0.01


def test_twoseq_long_T_lengths():
    s = twoseq.generate(np.random.default_rng(12), 3000, 1000, 3, "a")
    assert_uniform_ints(s.lengths, 1000, 1100)


def test_twoseq_rejects_bad_variant():
    with pytest.raises(ValueError):
        twoseq.generate(np.random.default_rng(0), 3, 100, 3, "d")


# ---------------------------------------------------------------------------------------------------------------
# Exps 4 and 5: adding and multiplication (§5, §6, §9.1)


def _marked(s: Sequences):
    """Inputs and the two marked positions (lo < hi) of each sequence, from the inputs alone."""
    x = dense(s)
    value, marker = x[:, 0], x[:, 1]
    assert set(np.unique(marker)) <= {-1.0, 0.0, 1.0}
    plus = np.flatnonzero(marker == 1.0)
    assert len(plus) == 2 * s.n  # exactly two marked pairs per sequence
    seq = np.repeat(np.arange(s.n), s.lengths)[plus]
    assert np.array_equal(seq, np.repeat(np.arange(s.n), 2))
    rel = (plus - s.starts[seq]).reshape(s.n, 2)
    return value, marker, rel[:, 0], rel[:, 1]


@pytest.mark.parametrize("kind", ["adding", "multiplication"])
@pytest.mark.parametrize("T", [100, 21])
def test_adding_structure_and_targets(kind, T):
    n = 20000 if T == 100 else 5000
    gen = adding.generate_adding if kind == "adding" else adding.generate_multiplication
    s = gen(np.random.default_rng(13), n, T)
    check_batch(s, n, 2, 1)
    check_last_step_only(s)
    assert_uniform_ints(s.lengths, T, T + T // 10)
    value, marker, lo, hi = _marked(s)
    half = T // 2
    first, last = s.starts[:-1], s.starts[1:] - 1
    # first and last markers -1 unless marked (the last pair is never marked); all others 0 unless marked
    assert np.all(marker[last] == -1.0)
    assert np.array_equal(marker[first], np.where(lo == 0, 1.0, -1.0))
    assert np.count_nonzero(marker == -1.0) == 2 * n - np.count_nonzero(lo == 0)
    # one marker among the first ten pairs, the other in the first half
    assert np.all(lo < 10) and np.all(hi < half)
    # position 0 marked: value replaced by 0.0 (adding) / 1.0 (multiplication)
    fill = 0.0 if kind == "adding" else 1.0
    assert np.any(lo == 0) and np.all(value[first[lo == 0]] == fill)
    x1, x2 = value[first + lo], value[first + hi]
    expect = 0.5 + (x1 + x2) / 4.0 if kind == "adding" else x1 * x2
    np.testing.assert_allclose(s.targets[:, 0], expect, rtol=0, atol=1e-15)
    # values uniform in [-1, 1] / [0, 1] (unmarked position 0 keeps its random value)
    v = np.delete(value, first[lo == 0])
    a = -1.0 if kind == "adding" else 0.0
    assert v.min() >= a and v.max() <= 1.0 and v.min() < a + 1e-3 and v.max() > 1.0 - 1e-3
    assert_mean(v, (a + 1) / 2, (1 - a) ** 2 / 12)
    assert_var(v, (1 - a) ** 2 / 12, rel=0.01)
    assert_chi2(np.histogram(v, bins=20, range=(a, 1.0))[0], np.ones(20))


@pytest.mark.parametrize("T", [100, 21, 500])
def test_adding_marker_positions(T):
    """First marker uniform over 0..9; second uniform over 0..T//2-1 minus the first (may precede it)."""
    n = 20000 if T == 100 else 6000
    s = adding.generate_adding(np.random.default_rng(14), n, T)
    _, _, lo, hi = _marked(s)
    half = T // 2
    # P(position j is marked) = P(m1 = j) + P(m2 = j) = [j<10]/10 + (1 - [j<10]/10) / (half - 1)
    p1 = np.where(np.arange(half) < 10, 0.1, 0.0)
    probs = p1 + (1 - p1) / (half - 1)
    assert_chi2(np.bincount(np.concatenate([lo, hi]), minlength=half), probs)
    # both markers in 0..9 iff the second falls there: probability 9 / (half - 1) (1 when T//2 = 10)
    both = min(9, half - 1) / (half - 1)
    assert_mean(hi < 10, both, both * (1 - both))


def test_adding_rejects_short_T():
    with pytest.raises(ValueError):
        adding.generate_adding(np.random.default_rng(0), 3, 19)


# ---------------------------------------------------------------------------------------------------------------
# Exp 6: temporal order (§7)


@pytest.mark.parametrize("n_relevant", [2, 3])
def test_temporal(n_relevant):
    n = 12000
    s = temporal.generate(np.random.default_rng(15), n, n_relevant)
    check_batch(s, n, 8, 2**n_relevant)
    check_last_step_only(s)
    assert temporal.SYMBOLS == "abcdXYBE"
    assert_uniform_ints(s.lengths, 100, 110)
    sym = onehot_symbols(s)
    first, last = s.starts[:-1], s.starts[1:] - 1
    assert np.all(sym[first] == 7) and np.all(sym[last] == 6)  # starts with E, ends with trigger B
    assert np.count_nonzero(sym == 7) == n and np.count_nonzero(sym == 6) == n
    rel = np.flatnonzero((sym == 4) | (sym == 5))  # X or Y
    assert len(rel) == n_relevant * n
    seq = np.repeat(np.arange(n), s.lengths)[rel]
    assert np.array_equal(seq, np.repeat(np.arange(n), n_relevant))
    t = (rel - s.starts[seq] + 1).reshape(n, n_relevant)  # 1-based positions, in order
    ranges = {2: [(10, 20), (50, 60)], 3: [(10, 20), (33, 43), (66, 76)]}[n_relevant]
    for j, (a, b) in enumerate(ranges):
        assert_uniform_ints(t[:, j], a, b)
    bits = (sym[rel] - 4).reshape(n, n_relevant)  # X = 0, Y = 1
    assert_mean(bits.ravel(), 0.5, 0.25)
    cls = check_onehot_targets(s)
    assert np.array_equal(cls, bits @ (2 ** np.arange(n_relevant)[::-1]))  # first symbol most significant
    assert_chi2(np.bincount(cls, minlength=2**n_relevant), np.ones(2**n_relevant))
    other = np.ones(s.n_steps, dtype=bool)
    other[np.concatenate([first, last, rel])] = False
    assert_chi2(np.bincount(sym[other], minlength=4), np.ones(4))


def test_temporal_class_names():
    """XY -> R (index 1), YX -> S (index 2): a hand-built check of the bit order."""
    s = temporal.generate(np.random.default_rng(16), 200, 2)
    sym = onehot_symbols(s)
    for i in range(20):
        word = "".join(temporal.SYMBOLS[c] for c in sym[s.starts[i] : s.starts[i + 1]] if c in (4, 5))
        assert "QRSU"[s.targets[i].argmax()] == {"XX": "Q", "XY": "R", "YX": "S", "YY": "U"}[word]


def test_temporal_rejects_bad_n_relevant():
    with pytest.raises(ValueError):
        temporal.generate(np.random.default_rng(0), 3, 4)
