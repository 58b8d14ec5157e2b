"""The whole paper's cost before and after lanes: the committed records' network-steps of the 30 paper rows (the
literal reading) divided by each row's training rate, measured here, one net per call and in lanes.

    python benchmarks/paper_cost.py [--results results] [--repeats 3]

For each row, the one-net rate is ``learning.train`` on the row's own net and sequences; the lane rate is
``lanes.train_lanes`` with as many nets as the row has trials, at most ``lane_count(row)`` (16 for the rows that
share lanes; 1, the one-net rate, for the others), each on its own sequences; the calls take turns in this process
(CPU time of one core, median of ``repeats``). A row's cost is the sum of its records' ``steps`` over the rate:
"before" every trial on the one-net kernel, "after" each row's trials in one group (what a sweep does when each
worker gets at least ``MIN_GROUP`` trials: ``--workers 1`` on this machine, where a row has 10-30 trials). As
the trials of a group end, fewer lanes remain, so the gain shown is an upper bound. Beside them, the records' own
wall times: measured on machines of other speeds and loads, tests of the nets included (lanes do not speed
those up).
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
from pathlib import Path

import numpy as np
from lanes import median_times  # benchmarks/lanes.py

from lstm1997 import lanes, learning, store
from lstm1997.catalog import get_experiment
from lstm1997.experiments import EXPERIMENTS
from lstm1997.lane_trials import lane_count

STEPS_PER_CALL = 200_000
"""Network-steps per net and call: enough to time, little against a trial."""


def rates(row: str, trials: int, repeats: int) -> tuple[float, float, int]:
    """(one-net rate, lane rate, lanes) of ``row`` in network-steps per CPU second, with as many lanes as the row
    has ``trials``, at most its ``lane_count``."""
    exp = get_experiment(row)
    k = min(lane_count(exp), trials)
    rng = np.random.default_rng(0)
    mean_length = float(exp.generate(rng, 20).lengths.mean())
    n = max(1, round(STEPS_PER_CALL / mean_length))
    pool = [exp.generate(rng, n) for _ in range(k)]
    nets = [exp.init_network(np.random.default_rng(i)) for i in range(k)]
    one = nets[0].copy()
    fns = [lambda: learning.train(one, pool[0], exp.lr, exp.per_step)]
    if k > 1:
        group = [net.copy() for net in nets]
        fns.append(lambda: lanes.train_lanes(group, pool, exp.lr, exp.per_step))
    times = median_times(fns, repeats)
    one_rate = pool[0].n_steps / times[0]
    return one_rate, (sum(s.n_steps for s in pool) / times[1] if k > 1 else one_rate), k


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", type=Path, default=Path("results"))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus; commit {commit}; "
          f"load average {load}; rates: CPU time of one core, median of {args.repeats} calls\n")  # fmt: skip
    print("| row | trials | network-steps | one net M/s | lanes | lanes M/s | before h | after h | records h |")
    print("|---|---|---|---|---|---|---|---|---|")
    totals = np.zeros(3)
    for row in EXPERIMENTS:
        records = [store.load(p) for p in sorted((args.results / row).glob("seed-*.json"))]
        steps = sum(r["steps"] for r in records)
        one, lane, k = rates(row, len(records), args.repeats)
        hours = np.array([steps / one, steps / lane, sum(r["wall_time"] for r in records)]) / 3600
        totals += hours
        print(f"| {row} | {len(records)} | {steps:,} | {one / 1e6:.2f} | {k} | {lane / 1e6:.2f} | {hours[0]:.2f} | "
              f"{hours[1]:.2f} | {hours[2]:.2f} |", flush=True)  # fmt: skip
    print(f"| all 30 rows | | | | | | {totals[0]:.1f} | {totals[1]:.1f} | {totals[2]:.1f} |")
    print(f"\nafter / before: {totals[1] / totals[0]:.2f} ({totals[0] / totals[1]:.2f}x the throughput)")


if __name__ == "__main__":
    main()
