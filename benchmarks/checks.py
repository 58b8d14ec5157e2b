"""Cost of the input checks of ``lstm1997.train`` (shapes, dtypes, layout, finite weights, learning rate): the
adding net trained on 2000 sequences by ``learning.train`` against the bare compiled call it wraps, alternated
in one process, medians of ``--repeats`` calls each; and the one-time check of a Sequences batch.

    python benchmarks/checks.py [--repeats 9]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

import numpy as np

import lstm1997
from lstm1997 import kernels, learning
from lstm1997.network import G_CODES, H_CODES, OUTPUT_CODES
from lstm1997.tasks import adding


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=9)
    args = ap.parse_args()
    seqs = adding.generate_adding(np.random.default_rng(0), 2000, 100)
    exp = lstm1997.get_experiment("adding-T100")
    net0 = exp.init_network(np.random.default_rng(0))
    spec, m = net0.spec, net0.spec.masks

    def bare(net: lstm1997.Network) -> None:
        g = {k: np.zeros_like(w) for k, w in net.weights.items()}
        out = np.empty((len(seqs.targets), spec.n_out))
        kernels.run(net.w_in, net.w_out, net.w_c, net.w_k, m["w_in"], m["w_out"], m["w_c"], m["w_k"],
                    spec.block_size, G_CODES[spec.g], H_CODES[spec.h], spec.output_gate, OUTPUT_CODES[spec.output],
                    spec.reset, seqs.starts, seqs.x_ptr, seqs.x_idx, seqs.x_val, seqs.target_at, seqs.targets,
                    kernels.TRAIN_PER_SEQUENCE, exp.lr, g["w_in"], g["w_out"], g["w_c"], g["w_k"], out,
                    np.zeros((0, 0)), None, None, None)  # fmt: skip

    def checked(net: lstm1997.Network) -> None:
        learning.train(net, seqs, exp.lr)

    times: dict[str, list[float]] = {"bare": [], "checked": []}
    for f in (bare, checked):
        f(net0.copy())  # compile
    for _ in range(args.repeats):
        for name, f in (("bare", bare), ("checked", checked)):
            net = net0.copy()
            t = time.perf_counter()
            f(net)
            times[name].append(time.perf_counter() - t)
    b, c = statistics.median(times["bare"]), statistics.median(times["checked"])
    t = time.perf_counter()
    for _ in range(args.repeats):
        dataclasses.replace(seqs)  # runs Sequences' checks again
    once = (time.perf_counter() - t) / args.repeats
    print(f"adding-T100, 2000 sequences ({seqs.n_steps:,} steps): bare kernel {seqs.n_steps / b / 1e6:.3f} M steps/s, "
          f"learning.train {seqs.n_steps / c / 1e6:.3f} M steps/s, time ratio {c / b:.3f}; "
          f"checking the Sequences once: {once * 1e3:.2f} ms ({once / c:.2%} of the training call)")  # fmt: skip


if __name__ == "__main__":
    main()
