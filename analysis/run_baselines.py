"""Run baseline rows (lstm1997.baseline_rows) under the paper's protocol, 10 trials each, into results/ (resumable).

    nice -n 19 python analysis/run_baselines.py NAME [NAME ...]
    python analysis/run_baselines.py --summary      print the baseline table of results/ (writes nothing)

Each finished trial is saved at once as results/<name>/seed-<i>.json; rerunning skips trials already there.
The same as ``lstm1997 run NAME --trials 10 --out results`` for each name, with a log line for every trial
(also those kept from an earlier run), a progress line at every tenth of a trial's cap, and a summary line
per row.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from lstm1997.catalog import get_experiment
from lstm1997.progress import trial_line
from lstm1997.sweep import run_trials


def main(names: list[str], out: Path = Path("results")) -> None:
    for name in names:
        run_row(name, out)


def run_row(name: str, out: Path) -> None:
    """The 10 trials of one row, with log lines (module docstring)."""
    exp = get_experiment(name)
    start = time.time()
    logged: dict[int, int] = {}  # seed -> tenths of the cap logged so far

    def report(event: str, info: dict) -> None:
        if event == "progress":
            tenth = 10 * info["seen"] // info["cap"]
            if tenth > logged.get(info["seed"], 0):
                logged[info["seed"]] = tenth
                print(f"{name} seed {info['seed']}: {info['seen']:,} of {info['cap']:,} sequences, "
                      f"error {info['error']:.4g}", flush=True)  # fmt: skip
        elif event == "done":
            kept = ", kept from an earlier run" if info["resumed"] else ""
            print(trial_line(info["record"]) + kept, flush=True)

    records = run_trials(exp, range(10), workers=1, out=out, report=report)
    ok = [r["sequences"] for r in records if r["success"]]
    mean = f"{sum(ok) / len(ok):,.0f}" if ok else "-"
    print(f"== {name}: {len(ok)}/10 successes, mean sequences {mean}, {time.time() - start:.0f}s", flush=True)


def summary(out: Path = Path("results")) -> None:
    """Print the report's baseline section for the records under ``out`` (RESULTS.md is not touched)."""
    from lstm1997.report import _baseline_section
    from lstm1997.store import load_all

    by_name: dict[str, list[dict]] = {}
    for r in load_all(out):
        by_name.setdefault(r["experiment"], []).append(r)
    print("\n".join(_baseline_section(by_name)))


if __name__ == "__main__":
    if sys.argv[1:] == ["--summary"]:
        summary()
    else:
        main(sys.argv[1:])
