"""The diagnosis rules of `lstm1997 inspect` checked on finished trials: the confusion table of docs/INSPECT.md.

    python analysis/inspect_validation.py [--results DIR] ROW[:SEEDS] ...

SEEDS is e.g. ``0-9`` or ``0,1,14`` (default: every seed with a record in DIR/ROW). For each trial, inspects its
final net as `lstm1997 inspect ROW --seed S --from DIR` does (the saved weights in DIR, else the trial rerun from
its seed) and prints one line per trial, then per row and outcome (success or failure, from the record) how many
trials each diagnosis named and how many got none. Where DIR is not the committed results/ folder and the trial
has a committed record too, the line says whether DIR's record equals it (all but timing and provenance): a
retrained trial is the committed one (the gate-pretraining baseline's numpy pre-training may round differently on
another machine: the line says so when only its error figures differ).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from pathlib import Path

from lstm1997 import diagnose, get_experiment, inspection, store
from lstm1997.sweep import reproducible

COMMITTED = Path(__file__).resolve().parent.parent / "results"


def seeds_of(spec: str, results: Path, row: str) -> list[int]:
    if not spec:
        return sorted(r["seed"] for r in store.load_all(results, row))
    seeds = []
    for part in spec.split(","):
        lo, _, hi = part.partition("-")
        seeds += range(int(lo), int(hi or lo) + 1)
    return seeds


def same_as_committed(results: Path, row: str, seed: int) -> str:
    committed = store.trial_path(COMMITTED, row, seed)
    if Path(results).resolve() == COMMITTED or not committed.exists():
        return ""
    drop = ("provenance", "fingerprint", "numerics")  # the last two: only in records made since
    a, b = (store.load(p) for p in (store.trial_path(results, row, seed), committed))
    if reproducible(a, *drop) == reproducible(b, *drop):
        return "record = committed"
    if all(a[k] == b[k] for k in ("success", "sequences", "presented", "steps")):
        return "record = committed but for rounding in its error figures"
    return "RECORD DIFFERS FROM THE COMMITTED ONE"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", type=Path, default=COMMITTED)
    ap.add_argument("trials", nargs="+", metavar="ROW[:SEEDS]")
    args = ap.parse_args()
    table: dict[tuple[str, str], Counter] = {}
    for item in args.trials:
        row, _, spec = item.partition(":")
        exp = get_experiment(row)
        for seed in seeds_of(spec, args.results, row):
            start = time.perf_counter()
            net, source, stored = inspection.trained_net(exp, seed, None, args.results)
            outcome = "success" if stored is not None and stored["success"] else "failure"
            report = diagnose.inspect_net(net, exp, gradients=False, failed=outcome == "failure")
            o = report["output"]
            found = report["diagnoses"]
            counts = table.setdefault((row, outcome), Counter())
            counts.update(found or ["none"])
            counts["trials"] += 1
            how = "saved weights" if source.startswith("saved") else "retrained"
            wrong = "-" if o["wrong"] is None else f"{o['wrong']}/{o['answers']}"
            print(f"{row} seed {seed}: {outcome}; MSE/trivial {o['mse'] / o['trivial_mse']:.3f}; wrong {wrong}; "
                  f"diagnoses: {', '.join(found) or 'none'}; {how}; {same_as_committed(args.results, row, seed)} "
                  f"({time.perf_counter() - start:.1f} s)", flush=True)  # fmt: skip
    keys = list(diagnose.RULES)
    print(f"\n| row | outcome | trials | {' | '.join(keys)} | none |\n|---|---|---|{'---|' * (len(keys) + 1)}")
    for (row, outcome), c in table.items():
        print(f"| {row} | {outcome} | {c['trials']} | {' | '.join(str(c[k]) for k in keys)} | {c['none']} |")


if __name__ == "__main__":
    main()
