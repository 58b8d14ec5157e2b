"""Screening runs for the reconstruction (docs/DEVIATIONS.md, "Reconstruction"): rows with named deviations, on
screening seeds disjoint from the reported runs' (these start at 10,000; reported runs use 0 .. trials-1).

    python analysis/screen.py --seeds 10 --out screening adding-T100 adding-T100+ce-output ...
    python analysis/screen.py --summary screening            # the table of everything screened so far

``--cap-factor F`` lowers each row's failure cap to F times the paper's mean (for Exp 2, whose cap is 5,000,000
sequences: a trial not done by 10x the paper's mean cannot count towards a row within the verdict key's 2x anyway);
such records go to their own folder.

Records go to OUT/<row>/seed-<s>.json like any sweep's (rerunning resumes). The summary prints per row: trials,
successes, mean and median sequences to success over the successful trials, and their ratio to the paper's mean.
"""

from __future__ import annotations

import argparse
import json
import statistics
from dataclasses import replace
from pathlib import Path

from lstm1997 import get_experiment
from lstm1997.sweep import run_plan

FIRST_SEED = 10_000
"""Screening seeds start here; no reported run uses a seed this high."""


def summary(out: Path) -> list[dict]:
    rows = []
    for folder in sorted(p for p in out.iterdir() if p.is_dir()):
        records = [json.loads(f.read_text()) for f in sorted(folder.glob("seed-*.json"))]
        if not records:
            continue
        exp = get_experiment(folder.name)
        wins = [r["sequences"] for r in records if r["success"]]
        paper = exp.paper.sequences
        mean = statistics.fmean(wins) if wins else None
        rows.append({
            "row": folder.name,
            "trials": len(records),
            "success": len(wins),
            "mean": mean,
            "median": statistics.median(wins) if wins else None,
            "ratio": mean / paper if mean and paper else None,
            "paper_percent": exp.paper.success_percent or 100,
        })  # fmt: skip
    return rows


def print_summary(rows: list[dict]) -> None:
    print(f"{'row':<62} {'succ':>7} {'mean':>10} {'median':>10} {'x paper':>8}")
    for r in rows:
        mean = f"{r['mean']:,.0f}" if r["mean"] else "-"
        median = f"{r['median']:,.0f}" if r["median"] else "-"
        ratio = f"{r['ratio']:.2f}" if r["ratio"] else "-"
        print(f"{r['row']:<62} {r['success']:>3}/{r['trials']:<3} {mean:>10} {median:>10} {ratio:>8}")


def print_markdown(rows: list[dict]) -> None:
    """One markdown table per paper row: the literal reading first, then each screened variant."""
    by_base: dict[str, list[dict]] = {}
    for r in rows:
        by_base.setdefault(r["row"].split("+")[0], []).append(r)
    for base, group in by_base.items():
        exp = get_experiment(base)
        print(f"\n{base} (paper: {exp.paper.success_percent or 100:.0f}%, {exp.paper.sequences:,.0f} sequences)\n")
        print("| deviations | success | mean | median | mean / paper |")
        print("|---|---|---|---|---|")
        for r in sorted(group, key=lambda r: (r["row"] != base, r["row"])):
            name = "+".join(r["row"].split("+")[1:]) or "(literal)"
            mean = f"{r['mean']:,.0f}" if r["mean"] else "-"
            median = f"{r['median']:,.0f}" if r["median"] else "-"
            ratio = f"{r['ratio']:.2f}" if r["ratio"] else "-"
            print(f"| {name} | {r['success']}/{r['trials']} | {mean} | {median} | {ratio} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("rows", nargs="*", help="row names with deviations, e.g. adding-T100+ce-output")
    parser.add_argument("--seeds", type=int, default=10, help="screening seeds per row (from 10,000)")
    parser.add_argument("--first-seed", type=int, default=FIRST_SEED)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--out", type=Path, default=Path("screening"))
    parser.add_argument("--cap-factor", type=float, help="failure cap: this many times the paper's mean, at most")
    parser.add_argument("--summary", type=Path, help="print the table of the records in this folder and stop")
    parser.add_argument("--markdown", action="store_true", help="with --summary: one markdown table per paper row")
    args = parser.parse_args()
    if args.summary:
        (print_markdown if args.markdown else print_summary)(summary(args.summary))
        return
    if args.first_seed < FIRST_SEED:
        parser.error(f"screening seeds start at {FIRST_SEED} (disjoint from the reported runs)")
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    plan = [(get_experiment(name), seeds) for name in args.rows]
    if args.cap_factor:
        plan = [(replace(e, cap=min(e.cap, int(args.cap_factor * e.paper.sequences))), s) for e, s in plan]
    run_plan(plan, args.workers, args.out, checkpoint_every=300)
    print_summary([r for r in summary(args.out) if r["row"] in args.rows])


if __name__ == "__main__":
    main()
