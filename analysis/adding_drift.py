"""What the 1997 adding net does on its plateau at T = 100, 500 and 1000: state drift against the lag.

    python analysis/adding_drift.py [--T 100 500 1000] [--seeds 0 1] [--probe 300] [--distractor-scale S]
                                    [--cells-read-inputs]

Trains the paper's adding net (adding-T{100,500,1000}: lr 0.5, input-gate biases -3 and -6, online, one
update per sequence, the compiled kernel) without stopping, and at checkpoints measures on fixed probe
sequences (seed 123) of the same T:

- mse: mean squared error at the sequence end (trivial predictor: 1/24 = 0.042);
- |s_c(T)|: the mean absolute cell state at the end, and h'(s_c(T)) = 2 f(s)(1 - f(s)) (eq. 4's h'; 0.5 in
  h's linear range, 0 when saturated), the factor by which eq. 23 scales the error reaching the cell;
- the input gates' mean activation at the marked steps and elsewhere;
- R^2: the held-out fit of the target from y_c(T), as in analysis/predicts_the_mean.py.

``--distractor-scale S`` is a diagnostic intervention, not the paper's task: it multiplies the values of the
unmarked pairs (training and probe) by S, so that at T = 500, S = 1/sqrt(5) the distractors add as much
variance to an ungated sum as at T = 100. It tests whether the plateau's length comes from the distractors
diluting X1 + X2 or from the lag itself. ``--cells-read-inputs``, another intervention, trains the ablation
``adding-T{T}+cells-read-inputs`` instead: the cells have no bias and no recurrent inputs, only the value and
the marker. Inputs that are nearly constant over a sequence add T times their weight to s_c, and their weights
get T-fold larger updates, so the net has to hold them finely balanced; without them it has no drift to balance.

Prints one table per T. On this project's machine, sharing its cores with background sweeps, T = 100 and 500
with two seeds took 13 minutes and T = 1000 with one seed 22 minutes.
"""

from __future__ import annotations

import argparse
import dataclasses

import numpy as np
from predicts_the_mean import heldout_r2

import lstm1997
from lstm1997 import learning

CHECKPOINTS = {
    100: [0, 10_000, 20_000, 30_000, 40_000, 60_000, 80_000],
    500: [0, 100_000, 200_000, 400_000, 600_000, 800_000, 1_000_000],
    1000: [0, 250_000, 500_000, 1_000_000, 2_000_000, 3_000_000],
}
"""Sequences trained at each checkpoint, per T (the last is the run's length)."""


def scale_distractors(seqs: lstm1997.Sequences, scale: float) -> lstm1997.Sequences:
    """``seqs`` with the value (input 0) of every unmarked pair multiplied by ``scale`` (``seqs`` itself at 1)."""
    if scale == 1.0:
        return seqs
    step = np.repeat(np.arange(seqs.n_steps), np.diff(seqs.x_ptr))  # the step of each nonzero input
    marked = np.zeros(seqs.n_steps, dtype=bool)
    marked[step[(seqs.x_idx == 1) & (seqs.x_val == 1.0)]] = True
    x_val = np.where((seqs.x_idx == 0) & ~marked[step], seqs.x_val * scale, seqs.x_val)
    return dataclasses.replace(seqs, x_val=x_val)


def measure(net, probe: lstm1997.Sequences) -> dict[str, float]:
    out = lstm1997.evaluate(net, probe)[probe.last_target][:, 0]
    targets = probe.targets[probe.last_target][:, 0]
    s_end, y_end, marked, other = [], [], [], []
    for i in range(probe.n):
        x, _, _ = probe.sequence(i)
        st = learning.forward_states(net, x)
        s_end.append(st["s_c"][-1])
        y_end.append(st["y_c"][-1])
        m = x[:, 1] == 1.0
        marked.append(st["y_in"][m].mean())
        other.append(st["y_in"][~m].mean())
    s = np.array(s_end)
    f = 1.0 / (1.0 + np.exp(-s))
    return {
        "mse": float(np.mean((out - targets) ** 2)),
        "|s_c(T)|": float(np.abs(s).mean()),
        "h'(s_c(T))": float(np.mean(2.0 * f * (1.0 - f))),  # eq. 4: h = 2f - 1
        "gate marked": float(np.mean(marked)),
        "gate other": float(np.mean(other)),
        "R^2": heldout_r2(np.array(y_end), targets),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    ap.add_argument("--T", type=int, nargs="+", default=[100, 500, 1000], choices=sorted(CHECKPOINTS))
    ap.add_argument("--probe", type=int, default=300, help="probe sequences")
    ap.add_argument("--distractor-scale", type=float, default=1.0, help="scale of the unmarked values")
    ap.add_argument("--cells-read-inputs", action="store_true", help="cells' bias and recurrent weights fixed at 0")
    args = ap.parse_args()
    for T in args.T:
        exp = lstm1997.get_experiment(f"adding-T{T}" + ("+cells-read-inputs" if args.cells_read_inputs else ""))
        probe = scale_distractors(exp.generate(np.random.default_rng(123), args.probe), args.distractor_scale)
        task = "" if args.distractor_scale == 1.0 else f", unmarked values x {args.distractor_scale:g}"
        task += ", cells' bias and recurrent weights fixed at 0" if args.cells_read_inputs else ""
        print(f"\nadding-T{T}{task}, paper settings; probe: {args.probe} sequences (seed 123)\n")
        print("| seed | sequences | mse | |s_c(T)| | h'(s_c(T)) | gate marked | gate other | R^2 |")
        print("|---|---|---|---|---|---|---|---|")
        for seed in args.seeds:
            rng = np.random.default_rng(seed)
            net = exp.init_network(rng)
            seen = 0
            for point in CHECKPOINTS[T]:
                while seen < point:
                    n = min(1000, point - seen)
                    seqs = scale_distractors(exp.generate(rng, n), args.distractor_scale)
                    lstm1997.train(net, seqs, exp.lr)
                    seen += n
                m = measure(net, probe)
                print(f"| {seed} | {seen:,} | " + " | ".join(f"{v:.4f}" for v in m.values()) + " |", flush=True)


if __name__ == "__main__":
    main()
