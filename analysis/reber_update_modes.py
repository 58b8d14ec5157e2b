"""Exp 1: what the nets learn under the two readings of "when are weights changed" (docs/spec/common.md §1.4).

    python analysis/reber_update_modes.py [--name reber-3x2-lr0.5] [--seeds 3] [--sequences 80000]

For each seed, trains with one update per sequence (our default) and with an update at every time step,
and every 10,000 sequences prints, over all 512 training and test strings: the fraction of steps predicted
correctly (the k most active outputs = the k legal successors), the fraction at the one step that needs
the long time lag (predicting the symbol before last, which repeats the second symbol), and the fraction of
strings entirely correct (the success test needs 100%).
"""

from __future__ import annotations

import argparse

import numpy as np

import lstm1997
from lstm1997.trial import Trial


def accuracy(net, seqs) -> tuple[float, float, float]:
    out = lstm1997.evaluate(net, seqs)
    legal = seqs.legal_next
    ok = np.where(legal, out, np.inf).min(1) > np.where(legal, -np.inf, out).max(1)
    from_end = np.concatenate([np.arange(n)[::-1] for n in seqs.lengths])
    strings = np.logical_and.reduceat(ok, seqs.starts[:-1])
    return float(ok.mean()), float(ok[from_end == 1].mean()), float(strings.mean())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", default="reber-3x2-lr0.5")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--sequences", type=int, default=80_000)
    args = ap.parse_args()
    print("mode          seed  sequences  steps ok  long-lag step ok  strings ok")
    for seed in range(args.seeds):
        for per_step in (False, True):
            exp = lstm1997.get_experiment(args.name).with_options(per_step=per_step)
            trial = Trial(exp, seed)
            for i in range(args.sequences // 1000):
                trial.train(trial.draw(1000))
                if (i + 1) % 10 == 0:
                    steps, lag, strings = accuracy(trial.model.net, trial.reber_check)
                    mode = "per step" if per_step else "per sequence"
                    print(f"{mode:13} {seed:4} {(i + 1) * 1000:10,}  {steps:8.4f}  {lag:16.3f}  {strings:10.3f}")


if __name__ == "__main__":
    main()
