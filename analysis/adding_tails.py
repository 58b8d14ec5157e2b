"""Where the adding net's wrong sequences come from, and whether a smaller step fixes them.

    python analysis/adding_tails.py [--seed 0] [--train 150000]

Trains adding-T100 with the paper's settings (lr 0.5, online, one update per sequence) for --train
sequences without stopping, then counts wrong test sequences (|error| >= 0.04) by target value, and
continues from the same weights at smaller learning rates to see whether the wrong ones go away.
"""

from __future__ import annotations

import argparse

import numpy as np

import lstm1997
from lstm1997.trial import Trial


def wrong_by_target(net, test) -> tuple[int, np.ndarray, np.ndarray]:
    out = lstm1997.evaluate(net, test)[test.last_target][:, 0]
    target = test.targets[test.last_target][:, 0]
    wrong = np.abs(out - target) >= 0.04
    bins = np.minimum((target * 10).astype(int), 9)
    return int(wrong.sum()), np.bincount(bins, weights=wrong, minlength=10), np.bincount(bins, minlength=10)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--train", type=int, default=150_000)
    args = ap.parse_args()
    exp = lstm1997.get_experiment("adding-T100")
    trial = Trial(exp, args.seed)
    for _ in range(args.train // 1000):
        trial.train(trial.draw(1000))
    test = exp.generate(np.random.default_rng(12345), 20_000)
    n, wrong, count = wrong_by_target(trial.model.net, test)
    print(f"adding-T100 seed {args.seed}, {args.train:,} sequences at lr 0.5: {n} of 20,000 test sequences wrong")
    print("target bin   " + " ".join(f"{b / 10:.1f}-{(b + 1) / 10:.1f}" for b in range(10)))
    print("wrong        " + " ".join(f"{int(w):>7}" for w in wrong))
    print("sequences    " + " ".join(f"{int(c):>7}" for c in count))
    for lr in (0.5, 0.1, 0.02):
        net = trial.model.net.copy()
        for _ in range(100):
            lstm1997.train(net, trial.draw(1000), lr)
        print(f"then 100,000 more sequences at lr {lr}: {wrong_by_target(net, test)[0]} of 20,000 wrong")


if __name__ == "__main__":
    main()
