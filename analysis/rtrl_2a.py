"""What Table 2's RTRL net does on Exp 2a when it fails: the class never reaches the hidden unit's last step.

    python analysis/rtrl_2a.py [--row longlag-2a~rtrl-p4-lr1.0] [--seed 0] [--sequences 1000000]

Trains the row's net exactly as a trial of ``lstm1997 run ROW`` does (the same initial weights and training
sequences for the seed; the criterion is not checked) and prints, ten times along the way:

- w_hh, the hidden unit's self-connection, and w_h[x] - w_h[y], the difference of its weights from the two
  class symbols (the only way the class can reach the last step);
- w_kh[x], w_kh[y]: the weights from the hidden unit to the x and y outputs;
- h(t) at every step of the x-sequence, and the largest |h(t)| difference between the x- and the y-sequence
  at any step after the first (the class as the hidden unit carries it);
- |dE/dw_h[x]|: the gradient, summed over the two training sequences, that would make the class reach h;
- the x and y outputs at the last step of the x- and of the y-sequence (equal when the class is not stored).

Prints a table. With the 2-core machine shared, 1,000,000 sequences of p = 4 take about 30 s.
"""

from __future__ import annotations

import argparse

import numpy as np

from lstm1997.competitors import COMPETITORS
from lstm1997.tasks import longlag


def hidden_trace(net, seqs, i: int) -> np.ndarray:
    """h(t) at every step of sequence i (the net's forward pass, in numpy)."""
    x = seqs.dense_inputs(i)
    n_in, h, trace = len(net.w_h) - 1, 0.0, []
    for t in range(len(x)):
        h = 1.0 / (1.0 + np.exp(-(net.w_h[:n_in] @ x[t] + net.w_h[n_in] * h)))
        trace.append(h)
    return np.array(trace)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--row", default="longlag-2a~rtrl-p4-lr1.0")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sequences", type=int, default=1_000_000)
    args = ap.parse_args()
    exp = COMPETITORS[args.row]
    p = exp.spec.n_in - 1
    init_ss, data_ss, _ = np.random.SeedSequence(args.seed).spawn(3)  # as lstm1997.trial does
    net = exp.model(exp, np.random.default_rng(init_ss))
    data = np.random.default_rng(data_ss)
    train_set = longlag.training_set_2a(p)  # row 0: the x-sequence, row 1: the y-sequence
    last = p - 1  # each sequence's last target row; x is output p-1, y is output p
    print(f"{args.row}, seed {args.seed}")
    print("sequences   w_hh    w_h[x]-w_h[y]  w_kh[x]  w_kh[y]  h(t), x-sequence         x vs y    |dE/dw_h[x]|  "
          "x, y out at end: x-seq   y-seq")  # fmt: skip
    done = 0
    for k in range(1, 11):
        while done < k * args.sequences // 10:
            n = min(exp.batch, k * args.sequences // 10 - done)
            net.train(train_set.take(data.integers(0, train_set.n, n)), exp.lr, exp.per_step)
            done += n
        g_h, _ = net.gradient(train_set)
        out = net.evaluate(train_set)
        h_x, h_y = hidden_trace(net, train_set, 0), hidden_trace(net, train_set, 1)
        h = " ".join(f"{v:.3f}" for v in h_x)
        h += f" {np.max(np.abs(h_x - h_y)[1:]):9.1e}"
        print(
            f"{done:>9,} {net.w_h[-1]:+7.3f} {net.w_h[p - 1] - net.w_h[p]:+10.4f} {net.w_k[p - 1, -1]:+9.3f} "
            f"{net.w_k[p, -1]:+8.3f}  {h:34s} {abs(g_h[p - 1]):10.2e}   "
            f"{out[last, p - 1]:.3f} {out[last, p]:.3f}    {out[p + last, p - 1]:.3f} {out[p + last, p]:.3f}"
        )


if __name__ == "__main__":
    main()
