"""Why the multiplication net (Exp 5, T = 100) learns with the paper's truncated gradient but not with the full one.

    python analysis/multiplication_full_gradient.py [--seeds 0 1] [--train 800000] [--every 100000]

Trains multiplication-T100 (the paper row) and multiplication-T100+full-gradient (the same net, seed and random
streams, untruncated BPTT) exactly as their trials do, with no stopping criterion, and before training and after
every --every sequences probes 500 fresh sequences with frozen weights: the mean squared error at the end against
the trivial predictor's (a constant output at the mean target), the spread (std) of the outputs against the
targets', the mean input-gate activation at the two marked steps and at all other steps, per block, and the mean
|s_c| and h'(s_c) at the end (eq. 23 scales every error that reaches the gates and cells by h'(s_c)).
"""

from __future__ import annotations

import argparse

import numpy as np

import lstm1997
from lstm1997.trial import Trial

ROWS = ("multiplication-T100", "multiplication-T100+full-gradient")


def probe(net: lstm1997.Network, seqs: lstm1997.Sequences) -> dict[str, np.ndarray | float]:
    """Error, output spread, input gates at marked / other steps (per block), |s_c| and h'(s_c) at the end."""
    out, marked, other, s_end = [], [], [], []
    for i in range(len(seqs.starts) - 1):
        x = seqs.dense_inputs(i)
        st = lstm1997.forward_states(net, x)
        out.append(st["y"][-1, 0])  # the one target is at the last step
        m = x[:, 1] == 1.0  # the two marked steps
        marked.append(st["y_in"][m].mean(axis=0))
        other.append(st["y_in"][~m].mean(axis=0))
        s_end.append(np.abs(st["s_c"][-1]))
    out, s = np.array(out), np.array(s_end)
    sig = 1.0 / (1.0 + np.exp(-s))
    return {
        "error": float(np.mean((out - seqs.targets[:, 0]) ** 2)),
        "spread": float(out.std()),
        "marked": np.mean(marked, axis=0),
        "other": np.mean(other, axis=0),
        "s": s.mean(axis=0),
        "h_der": (2.0 * sig * (1.0 - sig)).mean(axis=0),
    }


def _row(values: np.ndarray, fmt: str) -> str:
    return " ".join(f"{v:{fmt}}" for v in values)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--train", type=int, default=800_000)
    ap.add_argument("--every", type=int, default=100_000)
    args = ap.parse_args()
    probes = lstm1997.get_experiment(ROWS[0]).generate(np.random.default_rng(12345), 500)  # same task in both rows
    targets = probes.targets[:, 0]
    for seed in args.seeds:
        for name in ROWS:
            exp = lstm1997.get_experiment(name)
            trial = Trial(exp, seed)
            print(f"{name} seed {seed} (lr {exp.lr}); probe: 500 fresh sequences, frozen weights; trivial error "
                  f"{targets.var():.4f}, target spread {targets.std():.3f}")  # fmt: skip
            print(f"{'sequences':>10} {'error':>7} {'spread':>7} {'y_in marked':>14} {'y_in other':>14} "
                  f"{'|s_c| at end, per cell':>30} {'h_prime(s_c), per cell':>30}")  # fmt: skip
            for seen in range(0, args.train + 1, args.every):
                if seen:
                    for _ in range(args.every // 1000):
                        trial.train(trial.draw(1000))
                p = probe(trial.model.net, probes)
                print(f"{seen:>10,} {p['error']:7.4f} {p['spread']:7.3f} {_row(p['marked'], '6.3f'):>14} "
                      f"{_row(p['other'], '6.3f'):>14} {_row(p['s'], '7.2f'):>30} {_row(p['h_der'], '7.4f'):>30}",
                      flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
