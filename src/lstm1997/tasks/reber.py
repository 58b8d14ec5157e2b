"""Experiment 1: the embedded Reber grammar (docs/spec/reber.md §2, paper Sec. 5.1).

Rule. A Reber string is produced by walking the standard Reber grammar (Cleeremans et al. 1989; Fahlman 1991)
from node 0 to the end node, choosing each outgoing edge with probability 0.5 where there is a choice::

    0 -B-> 1 ;  1 -T-> 2 | -P-> 3 ;  2 -S-> 2 | -X-> 4 ;  3 -T-> 3 | -V-> 5 ;
    4 -X-> 3 | -S-> 6 ;  5 -P-> 4 | -V-> 6 ;  6 -E-> end

An embedded Reber string is ``B``, then ``T`` or ``P`` (p=0.5), then a full Reber string (with its own B...E), then
**the same** ``T`` or ``P``, then ``E``. Minimal length 9, mean length ~12, no length cap (docs/spec/reber.md §2).

Coding (§2): the 7 symbols ``SYMBOLS = "BTPSXVE"`` are coded locally (one-hot, 7 input and 7 output units; the index
in ``SYMBOLS`` is the unit). The net reads a string one symbol at a time and predicts the next symbol at every step:
the input at step t is ``s[t]`` for t = 0..L-2 (the final E is never input), and the training target is the one-hot
of the actual next symbol ``s[t+1]`` (docs/spec/decisions.md §12). ``legal_next`` marks the k = 1 or 2 legal
successors at every step; the success test asks that the k most active outputs be exactly these.

Worked example: ``"BTBPVVETE"`` (= B, T, Reber string BPVVE, T, E; the shortest kind) gives 8 steps:

    input       B     T    B     P     V     V    E    T
    target      T     B    P     V     V     E    T    E
    legal_next  T,P   B    T,P   T,V   P,V   E    T    E

To predict the symbol before last (T), the net must remember the second symbol across the inner string.

Paper parameters (Table 1, Table 10 rows 1-1 .. 1-5; Table 11): 256 training strings and 256 separate test strings;
training exemplars are picked randomly from the training set (t1). Three different training/test pairs, 10 trials
each. The architectures (4x1 or 3x2 blocks, α = 0.1/0.2/0.5) do not affect the data.
"""

from __future__ import annotations

import numpy as np

from lstm1997.sequences import Sequences

SYMBOLS = "BTPSXVE"
"""The 7 symbols; the index of a symbol is its input/output unit."""

# The standard Reber grammar (§2): node -> {symbol: next node}; node 7 is the end node.
_REBER: dict[int, dict[str, int]] = {
    0: {"B": 1},
    1: {"T": 2, "P": 3},
    2: {"S": 2, "X": 4},
    3: {"T": 3, "V": 5},
    4: {"X": 3, "S": 6},
    5: {"P": 4, "V": 6},
    6: {"E": 7},
}
_END = 7


def _embedded_automaton() -> np.ndarray:
    """(20, 7) int: next state of the embedded grammar after each symbol, -1 where the symbol is illegal.

    States: 0 start; 1 after the first B; 2 + 8*b + k inside the Reber copy of branch b (b=0: T, b=1: P) at
    Reber node k (k = 7: the inner string is complete); 18 after the repeated T|P; 19 after the final E.
    """
    nxt = np.full((20, len(SYMBOLS)), -1, dtype=np.int64)
    nxt[0, SYMBOLS.index("B")] = 1
    for b, branch in enumerate("TP"):
        base = 2 + 8 * b
        nxt[1, SYMBOLS.index(branch)] = base
        for node, edges in _REBER.items():
            for sym, node2 in edges.items():
                nxt[base + node, SYMBOLS.index(sym)] = base + node2
        nxt[base + _END, SYMBOLS.index(branch)] = 18  # the same T|P as the second symbol
    nxt[18, SYMBOLS.index("E")] = 19
    return nxt


_NEXT = _embedded_automaton()
_LEGAL = _NEXT >= 0
_CODE = np.full(128, -1, dtype=np.int64)
_CODE[[ord(c) for c in SYMBOLS]] = np.arange(len(SYMBOLS))


def reber_string(rng: np.random.Generator) -> str:
    """A random string of the standard Reber grammar (edges chosen with p=0.5), e.g. ``"BTSSXXTVVE"``."""
    node, out = 0, []
    while node != _END:
        edges = list(_REBER[node].items())
        sym, node = edges[rng.integers(len(edges))] if len(edges) > 1 else edges[0]
        out.append(sym)
    return "".join(out)


def embedded_reber_string(rng: np.random.Generator) -> str:
    """A random embedded Reber string: B, T|P (p=0.5), a Reber string, the same T|P, E."""
    branch = "TP"[rng.integers(2)]
    return "B" + branch + reber_string(rng) + branch + "E"


def _states(s: str) -> list[int]:
    """Automaton state after each prefix s[:1], ..., s[:len(s)]; ValueError if s is not a legal prefix."""
    state, out = 0, []
    for c in s:
        code = _CODE[ord(c)] if ord(c) < 128 else -1
        state = _NEXT[state, code] if code >= 0 else -1
        if state < 0:
            raise ValueError(f"{s!r} is not a prefix of an embedded Reber string")
        out.append(int(state))
    return out


def legal_successors(prefix: str) -> frozenset[str]:
    """The legal next symbols after ``prefix`` of an embedded Reber string (1 or 2 of them; none after the end).

    ``legal_successors("BT") == {"B"}``, ``legal_successors("BTB") == {"T", "P"}``; ValueError for an illegal prefix.
    """
    states = _states(prefix)
    state = states[-1] if states else 0
    return frozenset(SYMBOLS[j] for j in np.flatnonzero(_LEGAL[state]))


def encode(strings: list[str]) -> Sequences:
    """Embedded Reber strings as a batch: input s[t], target one-hot s[t+1] and ``legal_next`` at t = 0..L-2."""
    if not strings:
        raise ValueError("encode needs at least one string")
    lengths = np.array([len(s) for s in strings], dtype=np.int64)
    codes = _CODE[np.frombuffer("".join(strings).encode("ascii"), dtype=np.uint8)]
    ends = np.cumsum(lengths)
    is_last = np.zeros(len(codes), dtype=bool)
    is_last[ends - 1] = True
    is_first = np.zeros(len(codes), dtype=bool)
    is_first[ends - lengths] = True
    starts = np.concatenate([[0], np.cumsum(lengths - 1)])
    legal = np.concatenate([_LEGAL[_states(s)[:-1]] for s in strings])  # also validates every string
    eye = np.eye(len(SYMBOLS))
    return Sequences.from_onehot(
        codes[~is_last],
        starts,
        len(SYMBOLS),
        np.ones(len(codes) - len(strings), dtype=bool),
        eye[codes[~is_first]],
        legal_next=legal,
    )


def memory_steps(x: np.ndarray) -> tuple[np.ndarray, int]:
    """Where the long-term dependency of an encoded string ``x`` (T, 7) lies: the steps that input the outer T|P
    (the second and the last input), and the step whose target is the repeated T|P (the one before last, whose
    input is the inner string's E)."""
    steps = np.zeros(len(x), dtype=bool)
    steps[[1, len(x) - 1]] = True
    return steps, len(x) - 2


def generate(rng: np.random.Generator, n: int) -> Sequences:
    """``n`` fresh random embedded Reber strings, encoded."""
    return encode([embedded_reber_string(rng) for _ in range(n)])


def train_test_sets(rng: np.random.Generator, n_train: int = 256, n_test: int = 256) -> tuple[list[str], list[str]]:
    """Fahlman's split (§2): ``n_train`` random training strings and ``n_test`` "separate" test strings.

    Choices (the paper only says "sequences already used in the training set are not used for testing"): the
    training set is ``n_train`` strings exactly as generated, so it may contain duplicates; test strings are drawn
    until ``n_test`` strings that do not occur in the training set have been found (rejected draws are discarded),
    and the test set may contain duplicates of its own.
    """
    train = [embedded_reber_string(rng) for _ in range(n_train)]
    seen = set(train)
    test: list[str] = []
    while len(test) < n_test:
        s = embedded_reber_string(rng)
        if s not in seen:
            test.append(s)
    return train, test


def trial_sets(seed: int) -> tuple[Sequences, Sequences]:
    """A trial's fixed sets: the training strings it draws from, and the success test's strings (training and
    test strings together). Trials ``10 k`` .. ``10 k + 9`` share one split, drawn from ``[k, 1997]``."""
    train, test = train_test_sets(np.random.default_rng([seed // 10, 1997]))
    return encode(train), encode(train + test)


def all_correct(out: np.ndarray, seqs: Sequences) -> bool:
    """Exp 1's success test on the outputs ``out`` at every step of ``seqs``: at every step the k most active
    outputs are exactly the k legal successors."""
    legal = seqs.legal_next
    assert legal is not None, "Exp 1's sequences carry their legal successors"
    lowest_legal = np.where(legal, out, np.inf).min(axis=1)
    highest_illegal = np.where(legal, -np.inf, out).max(axis=1)
    return bool(np.all(lowest_legal > highest_illegal))
