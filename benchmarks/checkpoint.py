"""Cost of a trial checkpoint (lstm1997.checkpoints): median time to save (written to a temporary file, fsync'd,
renamed) and to load one, and its size, for the smallest and the largest net of the paper's rows.

    python benchmarks/checkpoint.py [--repeats 9]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import lstm1997
from lstm1997 import checkpoints, trial_state
from lstm1997.trial import Trial


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=9)
    args = ap.parse_args()
    print("| row | save (median) | load (median) | size |\n|---|---|---|---|")
    for name in ("reber-3x2-lr0.5", "longlag-2c-q1000-p1000"):
        exp = lstm1997.get_experiment(name)
        trial = Trial(exp, 0)
        path = Path(tempfile.mkdtemp()) / "seed-0.ckpt"
        saves, loads = [], []
        for _ in range(args.repeats):
            t = time.perf_counter()
            checkpoints.save(path, exp, 0, trial_state.state(trial), 1.0, {"commit"})
            saves.append(time.perf_counter() - t)
            t = time.perf_counter()
            checkpoints.load(path, exp, 0)
            loads.append(time.perf_counter() - t)
        size = path.stat().st_size / 1024
        print(f"| {name} | {statistics.median(saves) * 1e3:.1f} ms | {statistics.median(loads) * 1e3:.1f} ms | "
              f"{size:.0f} KB |")  # fmt: skip


if __name__ == "__main__":
    main()
