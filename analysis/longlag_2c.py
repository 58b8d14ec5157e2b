"""Why Exp 2c nets fail the 10,000-successive-sequences criterion: which sequences they get wrong.

    python analysis/longlag_2c.py [--row longlag-2c-q100-p100] [--seed 0] [--train 1000000] [--full]

Trains the row with the paper's settings (online, lr 0.01, one update per sequence) for --train sequences
without stopping, printing every 100,000 sequences the fraction of training sequences wrong (an output off by
0.2 or more at the end) and the longest run of successive correct ones. Then tests 20,000 fresh sequences
with frozen weights and counts the wrong ones by class and by sequence length. A streak of 10,000 needs a
per-sequence error rate well below 1/10,000: at rate r the chance of a given 10,000 being clean is (1-r)^10,000.
``--full`` trains with the full (untruncated) gradient instead, to see whether truncation keeps the gates open.
"""

from __future__ import annotations

import argparse
import dataclasses

import numpy as np

import lstm1997
from lstm1997.trial import Trial


def wrong_at_end(seqs, out: np.ndarray) -> np.ndarray:
    """Per sequence: is any output off by 0.2 or more at the (only) target step?"""
    return (np.abs(out - seqs.targets) >= 0.2).any(axis=1)


def longest_run(ok: np.ndarray) -> int:
    edges = np.flatnonzero(np.diff(np.concatenate(([0], ok.astype(np.int8), [0]))))
    return int((edges[1::2] - edges[::2]).max()) if len(edges) else 0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--row", default="longlag-2c-q100-p100")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--train", type=int, default=1_000_000)
    ap.add_argument("--full", action="store_true", help="the full gradient instead of the truncated one")
    args = ap.parse_args()
    exp = lstm1997.get_experiment(args.row)
    if args.full:
        exp = dataclasses.replace(exp, gradient="full")
    trial = Trial(exp, args.seed)
    block = 100_000
    print(f"{args.row} seed {args.seed}, lr {exp.lr}, {exp.gradient} gradient")
    print(f"training sequences wrong per block of {block:,}")
    for start in range(0, args.train, block):
        wrong = []
        for _ in range(block // 1000):
            seqs = trial.draw(1000)
            wrong.append(wrong_at_end(seqs, trial.train(seqs)))
        wrong = np.concatenate(wrong)
        print(f"  {start + block:>9,}: {wrong.mean():.5f} wrong, longest correct run {longest_run(~wrong):,}")

    test = exp.generate(np.random.default_rng(12345), 20_000)
    wrong = wrong_at_end(test, lstm1997.evaluate(trial.model.net, test))
    lengths = np.diff(test.starts)
    cls = test.targets[:, 1].astype(int)
    print(f"test, frozen weights: {int(wrong.sum())} of 20,000 wrong ({wrong.mean():.5f})")
    print(f"  by class x / y: {int(wrong[cls == 0].sum())} / {int(wrong[cls == 1].sum())}")
    edges = np.quantile(lengths, [0, 0.25, 0.5, 0.75, 0.9, 0.99, 1.0]).astype(int)
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (lengths >= lo) & (lengths <= hi)
        print(f"  length {lo:>5}-{hi:<5}: {int(wrong[sel].sum()):>4} wrong of {int(sel.sum()):>6}")
    states(trial.model.net, test, wrong)


def states(net, test, wrong: np.ndarray, n: int = 2000) -> None:
    """What the cells do: input-gate activation at the class symbol and on distractors, |s_c| at the end, and
    whether the sign of s_c at the end already matches its sign 10 and 50 steps into the sequence."""
    gate_class, gate_distr, s_end, same10, same50 = [], [], [], [], []
    for i in list(np.flatnonzero(wrong)) + list(range(n)):
        st = lstm1997.forward_states(net, test.sequence(i)[0])
        gate_class.append(st["y_in"][1].mean())
        gate_distr.append(st["y_in"][2:-1].mean())
        s_end.append(np.abs(st["s_c"][-1]).mean())
        same10.append(np.mean(np.sign(st["s_c"][-1]) == np.sign(st["s_c"][10])))
        same50.append(np.mean(np.sign(st["s_c"][-1]) == np.sign(st["s_c"][50])))
    k = int(wrong.sum())
    for label, sel in (("wrong", slice(0, k)), (f"first {n}", slice(k, None))):
        gates = f"input gate at class symbol {np.mean(gate_class[sel]):.3f}, distractors {np.mean(gate_distr[sel]):.3f}"
        signs = f"at step 10 in {np.mean(same10[sel]):.2f}, at step 50 in {np.mean(same50[sel]):.2f} of cells"
        print(f"  {label:>10}: {gates}; mean |s_c| at end {np.mean(s_end[sel]):.1f}; sign of s_c at end = {signs}")


if __name__ == "__main__":
    main()
