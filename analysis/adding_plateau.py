"""How long the adding nets sit on the trivial-predictor plateau, from the learning curves in the records.

    python analysis/adding_plateau.py [--results results] [ROW ...]

For each row (default: the adding rows and their ablations that have records), each trial's escape is the
first learning-curve point whose moving training error is below half the trivial predictor's (1/24 for the
adding problem, 1/48 as the threshold). Prints per row: the trials, how many escaped, the escape points
(median, min-max), the sequences to success, and the share of a successful trial's sequences spent before
its escape. The curve is thinned to at most 400 points per trial, so an escape point is late by at most
the widest spacing of the row's curves (printed as "resolution").
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

from lstm1997 import store

TRIVIAL = 1 / 24  # variance of 0.5 + (X1 + X2)/4 with X1, X2 uniform on [-1, 1]
ROWS = [
    "adding-T100", "adding-T100+linear-output", "adding-T100+full-gradient", "adding-T100~gate-pretraining",
    "adding-T100+cells-read-inputs",
    "adding-T500", "adding-T500+linear-output", "adding-T500+full-gradient", "adding-T500~gate-pretraining",
    "adding-T500+cells-read-inputs",
    "adding-T1000", "adding-T1000+linear-output", "adding-T1000+cells-read-inputs",
]  # fmt: skip


def escape(record: dict) -> int | None:
    """Sequences seen at the first curve point with moving error below half the trivial predictor's."""
    curve = record["curve"]
    for seen, error in zip(curve["seen"], curve["error"]):
        if error < TRIVIAL / 2:
            return seen
    return None


def spread(xs: list[float]) -> str:
    return f"{statistics.median(xs):,.0f} ({min(xs):,.0f}-{max(xs):,.0f})" if xs else "-"


def row_line(name: str, records: list[dict]) -> str:
    escaped = [(r, e) for r in records if (e := escape(r)) is not None]
    escapes = [e for _, e in escaped]
    solved = [r for r in records if r["success"]]
    share = [e / r["sequences"] for r, e in escaped if r["success"]]
    share_text = f"{statistics.median(share):.2f}" if share else "-"
    spacing = max(b - a for r in records for a, b in zip(r["curve"]["seen"], r["curve"]["seen"][1:]))
    return (
        f"| {name} | {len(records)} | {len(escapes)} | {spread(escapes)} | {len(solved)} | "
        f"{spread([r['sequences'] for r in solved])} | {share_text} | {spacing:,} |"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--results", type=Path, default=Path("results"))
    ap.add_argument("rows", nargs="*", default=ROWS)
    args = ap.parse_args()
    print(
        "| row | trials | escaped | escape after (median, min-max) | solved | sequences to success | "
        "share before escape (median) | resolution |\n|---|---|---|---|---|---|---|---|"
    )
    for name in args.rows:
        records = store.load_all(args.results, name)
        if records:
            print(row_line(name, records))


if __name__ == "__main__":
    main()
