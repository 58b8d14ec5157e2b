"""Resident memory over a long trial: does a 10^6-sequence run hold flat memory, alone or in K lanes?

Runs adding-T100 under the paper's protocol with a stopping criterion that cannot fire (ST3 with an average
error below 0), so the trial trains to its cap, checkpointing to a temporary folder every 10 s as a long sweep
would; with ``--lanes K``, K such trials (seeds 0 .. K-1) train side by side in lanes (lstm1997.lane_trials),
each checkpointing. Every 100,000 sequences (of the first trial) it samples the process's resident set (VmRSS),
its peak (VmHWM) and the number of live Python objects, and prints a table. Run by hand (minutes), never in the
tests:

    nice python benchmarks/memory.py [--sequences 1000000] [--every 100000] [--lanes 16]
"""

from __future__ import annotations

import argparse
import gc
import resource
import tempfile
import time
from pathlib import Path

import lstm1997
from lstm1997.criteria import ST3
from lstm1997.lane_trials import run_in_lanes
from lstm1997.trial import run_trial


def memory_mib() -> tuple[float, float]:
    """(resident, peak resident) of this process in MiB, from /proc/self/status (peak from getrusage elsewhere)."""
    try:
        fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024
    except (OSError, KeyError, ValueError):
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return peak, peak


class Sampler:
    """Progress callback: one row per ``every`` sequences."""

    def __init__(self, every: int):
        self.every, self.next, self.start = every, every, time.perf_counter()
        self.rows: list[tuple[int, float, float, int, float]] = []
        self.sample(0)

    def sample(self, seen: int) -> None:
        rss, peak = memory_mib()
        self.rows.append((seen, rss, peak, len(gc.get_objects()), time.perf_counter() - self.start))
        print(f"{seen:>11,} {rss:>9.1f} {rss - self.rows[0][1]:>+8.1f} {peak:>9.1f} {self.rows[-1][3]:>9,} "
              f"{self.rows[-1][4]:>8.1f}", flush=True)  # fmt: skip

    def __call__(self, seen: int, cap: int, error: float) -> None:
        if seen >= self.next:
            self.sample(seen)
            self.next += self.every


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=1_000_000, help="training sequences (the cap)")
    parser.add_argument("--every", type=int, default=100_000, help="sequences between two samples")
    parser.add_argument("--lanes", type=int, default=1, help="trials trained side by side (1: one-net path)")
    args = parser.parse_args()
    never = ST3(avg_error=0.0, threshold=0.04)  # mean error < 0: cannot fire
    exp = lstm1997.get_experiment("adding-T100").with_options(cap=args.sequences, criterion=never)
    run_trial(exp.with_options(cap=2000), 0)  # compile / load the kernels before the first sample
    print(f"adding-T100, {args.lanes} x {args.sequences:,} sequences, checkpoint every 10 s\n")
    print(f"{'sequences':>11} {'RSS MiB':>9} {'change':>8} {'peak MiB':>9} {'objects':>9} {'time s':>8}")
    sampler = Sampler(args.every)
    with tempfile.TemporaryDirectory() as tmp:
        if args.lanes == 1:
            record, _ = run_trial(exp, 0, sampler, checkpoint=Path(tmp) / "seed-0.ckpt", checkpoint_every=10.0)
            records = [record]
        else:
            jobs = [(seed, Path(tmp) / f"seed-{seed}.ckpt") for seed in range(args.lanes)]
            trials = run_in_lanes(exp, jobs, args.lanes, 10.0, lambda seed: sampler if seed == 0 else None)
            records = [record for record, _ in trials]
    record = min(records, key=lambda r: r["seed"])
    if sampler.rows[-1][0] != record["presented"]:
        sampler.sample(record["presented"])
    first, last = sampler.rows[1], sampler.rows[-1]
    steps = sum(r["steps"] for r in records)
    print(
        f"\n{args.lanes} x {record['presented']:,} sequences, {steps:,} steps in {last[4]:.0f} s "
        f"({steps / last[4] / 1e6:.2f} M steps/s); RSS from {first[0]:,} to {last[0]:,} sequences: "
        f"{last[1] - first[1]:+.1f} MiB; live objects {last[3] - first[3]:+,}"
    )


if __name__ == "__main__":
    main()
