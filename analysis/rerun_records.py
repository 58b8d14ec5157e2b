"""Rerun every committed record whose trial took at most SECONDS and compare it field by field (all but the timing
fields and the provenance) with the record as committed; prints each record that differs and a count.

    python analysis/rerun_records.py [SECONDS] [--results DIR]

The output with its commit and machine is quoted in docs/DEVIATIONS.md (P12).
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

from lstm1997 import get_experiment, store
from lstm1997.sweep import TIMING_FIELDS
from lstm1997.trial import run_trial

IGNORED = {*TIMING_FIELDS, "provenance", "numerics", "fingerprint"}  # the last two: absent in records before 0.1.0


def differences(stored: dict, rerun: dict) -> dict:
    """{field: (stored, rerun)} of the fields that differ (the curve by name only)."""
    keys = (stored.keys() | rerun.keys()) - IGNORED
    return {k: ("...", "...") if k == "curve" else (stored.get(k), rerun.get(k)) for k in sorted(keys)
            if stored.get(k) != rerun.get(k)}  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("seconds", nargs="?", type=float, default=2.5, help="largest wall time of a trial to rerun")
    ap.add_argument("--results", type=Path, default=Path("results"))
    args = ap.parse_args()
    start = time.perf_counter()
    prov = store.provenance()
    print(f"commit {prov['commit']}; {platform.processor() or platform.machine()}; numba {prov['numba']}")
    n = differ = 0
    for stored in store.load_all(args.results):
        if stored["wall_time"] > args.seconds:
            continue
        rerun, _ = run_trial(get_experiment(stored["experiment"]), stored["seed"])
        n += 1
        diff = differences(stored, rerun)
        if diff:
            differ += 1
            made = stored["provenance"]["commit"]
            print(f"{stored['experiment']} seed {stored['seed']} (made at {made}): {diff}", flush=True)
    print(f"{n} records rerun, {differ} differ ({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
