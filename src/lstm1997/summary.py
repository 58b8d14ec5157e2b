"""Trial records -> one row per experiment, beside the paper's figures (as data and as a markdown table)."""

from __future__ import annotations

import math

import numpy as np

from lstm1997.experiments import Experiment


def _stats(values: list[float]) -> dict | None:
    if not values:
        return None
    a = np.asarray(values, dtype=float)
    return {
        "mean": float(a.mean()),
        "std": float(a.std(ddof=1)) if len(a) > 1 else 0.0,
        "median": float(np.median(a)),
        "min": float(a.min()),
        "max": float(a.max()),
    }


def summarize(exp: Experiment, records: list[dict]) -> dict:
    """The paper's table row for ``exp`` from our trial records, with the paper's figures beside it."""
    ok = [r for r in records if r["success"]]
    milestones = sorted({k for r in ok for k in r["milestones"] if r["milestones"][k] is not None})
    tests: dict[str, list[float]] = {}
    for r in ok:
        for when, figures in r["test"].items():
            for k, v in figures.items():
                if k != "n":
                    tests.setdefault(f"{when}: {k}", []).append(v)
    return {
        "experiment": exp.name,
        "trials": len(records),
        "successes": len(ok),
        "diverged": sum(r.get("diverged", False) for r in records),
        "success_percent": 100.0 * len(ok) / len(records) if records else math.nan,
        "sequences": _stats([r["sequences"] for r in ok]),
        "milestones": {
            m: _stats([r["milestones"][m] for r in ok if r["milestones"].get(m) is not None]) for m in milestones
        },
        "test": {k: float(np.mean(v)) for k, v in tests.items()},
        "wall_time": float(sum(r["wall_time"] for r in records)),
        "paper": {
            "table": exp.paper.table,
            "trials": exp.trials,
            "success_percent": exp.paper.success_percent if exp.paper.success_percent is not None else 100.0,
            "sequences": exp.paper.sequences,
            "milestones": dict(exp.paper.milestones),
            "test": dict(exp.paper.test),
        },
    }


def _n(x: float | None) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def _ours_test(summary: dict) -> str:
    parts = []
    for k, v in summary["test"].items():
        when, what = k.split(": ")
        prefix = "" if when == "final" else f"{when}: "
        if what == "wrong":
            parts.append(f"{prefix}wrong {v:.1f}")
        elif what in ("fraction_wrong", "mse", "mae"):
            parts.append(f"{prefix}{what.replace('_', ' ')} {v:.3g}")
    return "; ".join(parts) or "-"


def markdown_table(summaries: list[dict]) -> str:
    """The paper-vs-ours table: success rate, sequences to success with spread, ratio, test figures."""
    head = (
        "| experiment | paper: success | ours: success | paper: sequences | ours: mean ± std | median (min-max) "
        "| ours/paper | paper: test | ours: test (mean over successful trials) |\n"
        "|---|---|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for s in summaries:
        p, q = s["paper"], s["sequences"]
        ratio = q["mean"] / p["sequences"] if q and p["sequences"] else None
        paper_test = "; ".join(f"{k} {_n(v)}" for k, v in p["test"].items()) or "-"
        rows.append(
            f"| {s['experiment']} | {_n(p['success_percent'])}% of {p['trials']} "
            f"| {_n(s['success_percent'])}% of {s['trials']} | {_n(p['sequences'])} "
            f"| {_n(q['mean']) + ' ± ' + _n(q['std']) if q else '-'} "
            f"| {_n(q['median']) + ' (' + _n(q['min']) + '-' + _n(q['max']) + ')' if q else '-'} "
            f"| {f'{ratio:.2f}' if ratio else '-'} | {paper_test} | {_ours_test(s)} |"
        )
    return head + "\n".join(rows) + "\n"
