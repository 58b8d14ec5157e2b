"""End-to-end throughput of a sweep: trials of one row run by ``run_trials`` with the default lanes against the
one-net path (``lanes=1``), in the same process, taking turns.

    python benchmarks/sweep.py [--row adding-T100] [--trials 8] [--workers 2] [--cap 100000] [--repeats 3]

The rate is the records' network-steps (their ``steps`` fields summed) over the sweep's wall time, start-up of
the worker processes and the trials' tests included: what ``lstm1997 run ROW --trials N --workers W`` delivers.
``--cap`` lowers the row's failure cap so that a sweep takes seconds to minutes (trials that would run on fail
there; the work per step is the row's). The records of both paths are checked to be equal (all but timing). Prints
a markdown table with the machine, the commit and the load average; a machine shared with other processes lowers
both paths' rates, and the order alternates so that a change of load affects both alike.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import time

from lstm1997.catalog import get_experiment
from lstm1997.lane_trials import lane_count
from lstm1997.sweep import reproducible, run_trials


def sweep_rate(exp, trials: int, workers: int, lanes: int | None) -> tuple[float, list[dict]]:
    """Network-steps per wall second of one sweep, and its records."""
    start = time.perf_counter()
    records = run_trials(exp, range(trials), workers, lanes=lanes)
    wall = time.perf_counter() - start
    return sum(r["steps"] for r in records) / wall, records


def comparable(records: list[dict]) -> list[dict]:
    return [reproducible(r, "provenance") for r in records]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--row", default="adding-T100")
    parser.add_argument("--trials", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--cap", type=int, default=100_000, help="the rows' failure cap (0: the row's own)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--lanes", type=int, default=None, help="lanes for the lane runs (default: the row's)")
    args = parser.parse_args()
    exp = get_experiment(args.row)
    if args.cap:
        exp = exp.with_options(cap=args.cap)
    lanes = args.lanes or lane_count(exp)
    sweep_rate(exp.with_options(cap=2 * exp.batch), 2 * args.workers, args.workers, lanes)  # compile, warm up
    rates: dict[str, list[float]] = {"lanes": [], "one net": []}
    for i in range(args.repeats):
        order = [("lanes", lanes), ("one net", 1)][:: 1 if i % 2 == 0 else -1]
        done = {}
        for label, k in order:
            rate, records = sweep_rate(exp, args.trials, args.workers, k)
            rates[label].append(rate)
            done[label] = comparable(records)
            print(f"# repeat {i + 1}: {label} {rate / 1e6:.2f} M steps/s", flush=True)
        assert done["lanes"] == done["one net"], "the lanes changed a record"
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    machine = f"{platform.machine()}, {os.cpu_count()} cpus, commit {commit}, load average {os.getloadavg()[0]:.1f}"
    sweep = f"{exp.name}, {args.trials} trials, {args.workers} workers, {lanes} lanes, medians of {args.repeats}"
    print(f"\n{machine}; {sweep}\n")
    lane, one = statistics.median(rates["lanes"]), statistics.median(rates["one net"])
    print("| path | network-steps/s | ratio |\n|---|---|---|")
    print(f"| one net per trial (lanes=1) | {one / 1e6:.2f} M | 1x |")
    print(f"| {lanes} lanes per worker | {lane / 1e6:.2f} M | {lane / one:.2f}x |")


if __name__ == "__main__":
    main()
