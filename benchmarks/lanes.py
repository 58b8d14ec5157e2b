"""Aggregate training throughput of the lane kernel (K nets of one row per call, lstm1997.lanes) against the one-net
kernel (lstm1997.train) in the same process, on one core, and how close each gets to the cost of its exp calls.

    python benchmarks/lanes.py [--repeats 5] [--lanes 1 2 4 8 16]

One network-step is one time step of one net, forward pass and truncated-gradient bookkeeping included. Each lane
trains its own net on its own sequences; the rate is all lanes' steps over the call's time, median of ``repeats``
calls after a warm-up call; the calls of the one-net kernel and of each K take turns. Time is this process's CPU
time (``time.process_time``; the kernels run on one thread): on a machine shared with other processes it leaves out
their time slices, which wall time would count.

The exp floor is the rate a net would reach if a step cost only its ``math.exp`` calls (one per gate, per cell input
and cell output, and per output unit at a target step), timed as a compiled loop of as many logistic calls on
arguments in the same range; "best / floor" is the best lane rate as a fraction of it. The last column asks what
a vectorised exp would be worth: the best lane rate if each logistic cost what a vectorisable one costs (a
compiled loop over the same arguments: exp(x) as a degree-7 Taylor polynomial of x/1024 squared ten times, which
the compiler turns into vector instructions, within about 2e-13 of ``math.exp``'s). It is a projection from these
two timings, not a kernel: such a kernel would change the records' last bits, and bitwise identity comes first.
Prints a markdown table with the machine, the commit and the load average: other processes on the machine still
lower the absolute figures (shared caches and memory bandwidth), the ratios, taken in the same process within
seconds, much less.
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import subprocess
import time

import numpy as np
from numba import njit

from lstm1997 import lanes, learning
from lstm1997.catalog import get_experiment

CASES = [  # label, row, sequences per lane
    ("adding net (93 w), T=100", "adding-T100", 400),
    ("adding net (93 w), T=1000", "adding-T1000", 40),
    ("temporal-order net 6a (252 w), T=100-110", "temporal-6a", 400),
    ("Reber net 3x2 (276 w), targets every step", "reber-3x2-lr0.1", 3000),
    ("2c net p=q=1000 (6064 w)", "longlag-2c-q1000-p1000", 40),
]


def median_time(fn, repeats: int) -> float:
    """Median CPU seconds of ``repeats`` calls of ``fn``, after one call to compile and warm up."""
    return median_times([fn], repeats)[0]


def median_times(fns: list, repeats: int) -> list[float]:
    """Median CPU seconds of each of ``fns`` over ``repeats`` rounds that call each once, in turn (so that a change
    of load on the machine affects all of them alike), after one call of each to compile and warm up."""
    for fn in fns:
        fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for fn, ts in zip(fns, times):
            t = time.process_time()
            fn()
            ts.append(time.process_time() - t)
    return [statistics.median(ts) for ts in times]


@njit(cache=True)
def _exp_loop(x):
    acc = 0.0
    for v in x:
        acc += 1.0 / (1.0 + math.exp(-v))
    return acc


@njit(cache=True, error_model="numpy")
def _vector_logistics(x, out):
    for i in range(x.size):
        y = x[i] * (1.0 / 1024.0)
        p = 1.0 + y * (1.0 + y * (1 / 2 + y * (1 / 6 + y * (1 / 24 + y * (1 / 120 + y * (1 / 720 + y / 5040))))))
        p *= p
        p *= p
        p *= p
        p *= p
        p *= p
        p *= p
        p *= p
        p *= p
        p *= p
        p *= p  # exp(x) = exp(x / 1024) ** 1024
        out[i] = p / (1.0 + p)


def _vector_exp_loop(x):
    out = np.empty_like(x)
    _vector_logistics(x, out)
    return out


def exp_seconds(repeats: int, loop=_exp_loop) -> float:
    """Seconds per logistic (one ``math.exp`` call, or ``loop``'s exp) on arguments spread over [-8, 8]."""
    x = np.random.default_rng(0).uniform(-8, 8, 1_000_000)
    return median_time(lambda: loop(x), repeats) / len(x)


def exps_per_step(row: str, seqs) -> float:
    """The exp calls of one network-step of ``row``'s net, averaged over ``seqs`` (outputs only at targets)."""
    spec = get_experiment(row).spec
    per_step = spec.n_blocks * (2 if spec.output_gate else 1) + spec.n_cells * (2 if spec.h == "h1" else 1)
    per_target = spec.n_out if spec.output != "linear" else 0
    return per_step + per_target * len(seqs.targets) / seqs.n_steps


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--lanes", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    args = ap.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, Python "
        f"{platform.python_version()}; commit {commit}; load average {load}; median of {args.repeats} calls, "
        "1 core (one process, one thread)\n"
    )
    t_exp, t_vec = exp_seconds(args.repeats), exp_seconds(args.repeats, _vector_exp_loop)
    print(f"one logistic: {t_exp * 1e9:.1f} ns (math.exp), {t_vec * 1e9:.2f} ns (vectorised); cells: aggregate "
          "network-steps/s (ratio to one net)\n")  # fmt: skip
    head = " | ".join(f"K={k}" for k in args.lanes)
    print(f"| net | one-net kernel | {head} | exp floor | best / floor | best, vectorised exp (projected) |")
    print("|---|---|" + "---|" * len(args.lanes) + "---|---|---|")
    for label, row, n in CASES:
        exp = get_experiment(row)
        rng = np.random.default_rng(0)
        pool = [exp.generate(rng, n) for _ in range(max(args.lanes))]
        nets = [exp.init_network(np.random.default_rng(i)) for i in range(max(args.lanes))]
        one = nets[0].copy()
        fns = [lambda o=one, s=pool[0], a=exp.lr: learning.train(o, s, a)]
        for k in args.lanes:
            group, seqs = [net.copy() for net in nets[:k]], pool[:k]
            fns.append(lambda g=group, s=seqs, a=exp.lr: lanes.train_lanes(g, s, a))
        t_one, *t_lanes = median_times(fns, args.repeats)
        base = pool[0].n_steps / t_one
        rates = [sum(s.n_steps for s in pool[:k]) / t for k, t in zip(args.lanes, t_lanes)]
        cells = [f"{rate / 1e6:.2f} M ({rate / base:.2f}x)" for rate in rates]
        best = max(rates)
        n_exp = statistics.mean(exps_per_step(row, s) for s in pool)
        floor = 1.0 / (t_exp * n_exp)
        vector = 1.0 / (1.0 / best - n_exp * (t_exp - t_vec))
        print(f"| {label} | {base / 1e6:.2f} M | {' | '.join(cells)} | {floor / 1e6:.1f} M | {best / floor:.0%} | "
              f"{vector / 1e6:.2f} M ({vector / base:.2f}x) |")  # fmt: skip


if __name__ == "__main__":
    main()
