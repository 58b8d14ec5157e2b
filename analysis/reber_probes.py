"""Exp 1 probes beyond the two update readings: smaller learning rates, and legal-successor targets.

    python analysis/reber_probes.py

1. Learning rate: reber-3x2 at lr 0.05 and 0.02, per sequence and per step, seeds 0-5, cap 400,000.
2. Targets: every legal successor set to 1 (multi-hot) instead of the one-hot actual next symbol (the paper
   does not say which it used; docs/spec/reber.md §2), for three rows, seeds 0-5, each row's cap, tested every 1,000.
Prints the sequences to success per seed (None = not solved by the cap).
"""

from __future__ import annotations

import dataclasses

import lstm1997
from lstm1997.trial import Trial, run_trial


def main() -> None:
    for lr in (0.05, 0.02):
        for per_step in (False, True):
            exp = lstm1997.get_experiment("reber-3x2-lr0.1").with_options(lr=lr, per_step=per_step, cap=400_000)
            hits = [run_trial(exp, seed)[0]["sequences"] for seed in range(6)]
            print(f"reber-3x2, lr {lr}, per_step={per_step}: {hits}", flush=True)
    for name in ("reber-3x2-lr0.5", "reber-3x2-lr0.1", "reber-4x1-lr0.1"):
        exp = lstm1997.get_experiment(name)
        hits = []
        for seed in range(6):
            trial = Trial(exp, seed)
            trial.train_set = dataclasses.replace(trial.train_set, targets=trial.train_set.legal_next.astype(float))
            hit = None
            for i in range(exp.cap // 1000):
                trial.train(trial.draw(1000))
                if trial.reber_test()[1]:
                    hit = (i + 1) * 1000
                    break
            hits.append(hit)
        print(f"{name}, legal-successor targets: {hits}", flush=True)


if __name__ == "__main__":
    main()
