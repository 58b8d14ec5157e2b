"""Why the long rows of Exp 2c sit at the trivial output (0.5, 0.5): how saturated the cells are at the end.

    python analysis/longlag_2c_saturation.py [--rows longlag-2c-q100-p100 ...] [--seed 0] [--train 300000]
    python analysis/longlag_2c_saturation.py --at-init 20 [--rows ...]
    python analysis/longlag_2c_saturation.py --in-gate-bias -3 --rows longlag-2c-q1000-p1000 [--seed 0] ...

Trains each row exactly as its trial with that seed does (paper settings, same random streams), and before
training and after every --every sequences probes 200 fresh sequences with frozen weights: the mean |s_c| at
the target step, the mean h'(s_c) there (h = 2 logistic - 1, so h' = 1/2 at s_c = 0 and 0.0007 at |s_c| = 8),
which scales every error that reaches the input gates and cells (eq. 23: e_s = y_out h'(s_c) delta), the mean
input-gate activation, and the mean distance of the outputs from 0.5. No stopping criterion is applied.
``--at-init N`` instead measures the initial nets of seeds 0..N-1: the fraction of (probe sequence, cell) pairs
in which h'(s_c) at the target step is at least 0.01, i.e. through which the error reaches the cell and its
input gate cut less than 50-fold (at s_c = 0, h' = 1/2).
"""

from __future__ import annotations

import argparse
import dataclasses

import numpy as np

import lstm1997
from lstm1997.diagnose import h_prime
from lstm1997.trial import Trial


def probe(net: lstm1997.Network, seqs: lstm1997.Sequences) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Per sequence and cell, |s_c| and h'(s_c) at the target step, (n_seqs, n_cells); the mean y_in over all steps
    and cells; the mean |y - 0.5| at the end."""
    s_end, h_der, gate, dist = [], [], [], []
    for i in range(len(seqs.starts) - 1):
        st = lstm1997.forward_states(net, seqs.sequence(i)[0])
        s = st["s_c"][-1]
        s_end.append(np.abs(s))
        h_der.append(h_prime(s, "h1"))
        gate.append(st["y_in"].mean())
        dist.append(np.abs(st["y"][-1] - 0.5).mean())
    return np.array(s_end), np.array(h_der), float(np.mean(gate)), float(np.mean(dist))


def row(name: str, in_gate_bias: float | None) -> tuple[str, lstm1997.Experiment]:
    """The row called ``name``, and with ``in_gate_bias``: with gate biases, every input gate's starting at it."""
    exp = lstm1997.get_experiment(name)
    if in_gate_bias is None:
        return name, exp
    spec = dataclasses.replace(exp.spec, bias="gates", in_gate_bias=(in_gate_bias,) * exp.spec.n_blocks)
    return f"{name} with gate biases, input gates at {in_gate_bias:g}", dataclasses.replace(exp, spec=spec)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", nargs="+", default=["longlag-2c-q100-p100", "longlag-2c-q1000-p1000",
                                                  "longlag-2c-q1000-p50"])  # fmt: skip
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--train", type=int, default=300_000)
    ap.add_argument("--every", type=int, default=50_000)
    ap.add_argument("--at-init", type=int, default=0, metavar="N", help="measure the initial nets of N seeds")
    ap.add_argument("--in-gate-bias", type=float, default=None, metavar="B", help="gate biases, input gates at B")
    args = ap.parse_args()
    rows = [row(name, args.in_gate_bias) for name in args.rows]
    if args.at_init:
        return at_init(rows, args.at_init)
    for name, exp in rows:
        trial = Trial(exp, args.seed)
        probes = exp.generate(np.random.default_rng(12345), 200)
        print(f"{name} seed {args.seed} (lr {exp.lr}); probe: 200 fresh sequences, frozen weights")
        print(
            f"{'sequences':>10} {'|s_c| at end, per cell':>24} {'h_prime(s_c), per cell':>24} {'mean y_in':>10} "
            f"{'|y - 0.5|':>10}"
        )
        for seen in range(0, args.train + 1, args.every):
            if seen:
                for _ in range(args.every // 1000):
                    trial.train(trial.draw(1000))
            s, h, g, d = probe(trial.model.net, probes)
            cells = " ".join(f"{v:7.2f}" for v in s.mean(axis=0))
            ders = " ".join(f"{v:7.4f}" for v in h.mean(axis=0))
            print(f"{seen:>10,} {cells:>24} {ders:>24} {g:>10.3f} {d:>10.3f}", flush=True)


def at_init(rows: list[tuple[str, lstm1997.Experiment]], n: int) -> None:
    print(f"initial nets of seeds 0-{n - 1}, 200 fresh sequences each: fraction of (sequence, cell) pairs with")
    print("h'(s_c) >= 0.01 at the target step, over the seeds: median (min-max), and seeds where it is below 5%")
    for name, exp in rows:
        probes = exp.generate(np.random.default_rng(12345), 200)
        open_ = np.array([np.mean(probe(Trial(exp, seed).model.net, probes)[1] >= 0.01) for seed in range(n)])
        print(
            f"  {name:<42} {np.median(open_):.2f} ({open_.min():.2f}-{open_.max():.2f}); "
            f"below 5%: {int((open_ < 0.05).sum())} of {n}",
            flush=True,
        )


if __name__ == "__main__":
    main()
