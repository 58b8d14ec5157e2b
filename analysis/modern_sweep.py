"""The learning-rate sweep of the modern-practice nn.LSTM rows (``lstm1997.baseline_rows.modern_row``).

    nice -n 10 python analysis/modern_sweep.py | tee docs/figures/modern_sweep.txt
    nice -n 10 python analysis/modern_sweep.py --rows temporal-6a --seeds 1001     only some of the trials
    nice -n 10 python analysis/modern_sweep.py --rows adding-T100 --forget-bias 5   another forget-gate bias

RMSprop step sizes LRS on the screening seeds SEEDS (disjoint from the reported seeds 0-9), each trial under the
row's own protocol (criterion, test set) except a lower failure cap, CAP (``--cap``). Prints one line per trial and
a table; writes nothing else. The rows' step sizes (``baseline_rows.MODERN_LR``) are the sweep's winners: the most
successes within the cap, then the lowest mean sequences to success, then the lowest training error over the last
chunk (1,000 sequences) at the end, averaged over the seeds. ``--forget-bias`` trains the rows with another total
initial forget-gate bias than their +1 (PREDICTS_THE_MEAN.md section 5: what separates the adding row from a
published result).
"""

from __future__ import annotations

import argparse
from dataclasses import replace

from lstm1997.baseline_rows import MODERN_FORGET_BIAS, modern_row
from lstm1997.experiments import EXPERIMENTS
from lstm1997.trial import run_trial

ROWS = ("adding-T100", "temporal-6a")
LRS = (3e-4, 1e-3, 3e-3)
SEEDS = (1000, 1001)
CAP = 150_000
"""Screening cap: over twice the student project's ~66,000 (the rows' own caps are 740,000 and 313,900)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", nargs="+", default=ROWS, choices=ROWS)
    parser.add_argument("--lrs", nargs="+", type=float, default=LRS)
    parser.add_argument("--seeds", nargs="+", type=int, default=SEEDS)
    parser.add_argument("--cap", type=int, default=CAP)
    parser.add_argument("--forget-bias", type=float, default=MODERN_FORGET_BIAS)
    args = parser.parse_args()
    bias = "" if args.forget_bias == MODERN_FORGET_BIAS else f" forget bias {args.forget_bias:+g}"
    done: dict[tuple[str, float], list[dict]] = {}
    for seed in args.seeds:  # seed by seed: a sweep cut short still has every step size on the first seeds
        for name in args.rows:
            for lr in args.lrs:
                exp = replace(modern_row(EXPERIMENTS[name], lr, args.forget_bias), cap=args.cap)
                r, _ = run_trial(exp, seed)
                avg = r["milestones"].get("average error")
                wrong = r["test"].get("final", {}).get("wrong")
                print(f"{name}{bias} lr {lr:g} seed {seed}: success {r['success']}, sequences {r['sequences']}, "
                      f"average-error milestone {avg}, training error over the last 1,000 "
                      f"{r['final_train_error']:.4g}, test wrong {wrong} of {exp.test_size}, {r['wall_time']:.0f} s",
                      flush=True)  # fmt: skip
                done.setdefault((name, lr), []).append(r)
    cap = f"{args.cap:,}"
    print(f"\n| row | RMSprop lr | successes (cap {cap}) | mean sequences to success | training error, last chunk |")
    print("|---|---|---|---|---|")
    for (name, lr), results in done.items():
        ok = [r["sequences"] for r in results if r["success"]]
        mean = f"{sum(ok) / len(ok):,.0f}" if ok else "-"
        err = sum(r["final_train_error"] for r in results) / len(results)
        print(f"| {name}{bias} | {lr:g} | {len(ok)}/{len(results)} | {mean} | {err:.4g} |")


if __name__ == "__main__":
    main()
