"""Trial records -> one row per experiment, beside the paper's figures (as data and as a markdown table), with
95 % intervals (lstm1997.stats) and the verdict of docs/DEVIATIONS.md's key."""

from __future__ import annotations

import math

import numpy as np

from lstm1997.experiments import Experiment
from lstm1997.stats import MIN_BOOTSTRAP, bootstrap_interval, clopper_pearson, detectable_rate, fisher_exact, where


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
        "mean_interval": bootstrap_interval(a, np.mean),  # None below stats.MIN_BOOTSTRAP values
        "median_interval": bootstrap_interval(a, np.median),
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
    paper_percent = exp.paper.success_percent if exp.paper.success_percent is not None else 100.0
    n = len(records)
    detectable = detectable_rate(paper_percent / 100, n) if n else None
    return {
        "experiment": exp.name,
        "trials": n,
        "successes": len(ok),
        "diverged": sum(r.get("diverged", False) for r in records),
        "success_percent": 100.0 * len(ok) / n if n else math.nan,
        "success_interval": tuple(100 * x for x in clopper_pearson(len(ok), n)) if n else None,  # percent
        "detectable_percent": 100 * detectable if detectable is not None else None,
        "sequences": _stats([r["sequences"] for r in ok]),
        "milestones": {
            m: _stats([r["milestones"][m] for r in ok if r["milestones"].get(m) is not None]) for m in milestones
        },
        "test": {k: float(np.mean(v)) for k, v in tests.items()},
        "wall_time": float(sum(r["wall_time"] for r in records)),
        "paper": {
            "table": exp.paper.table,
            "trials": exp.trials,
            "success_percent": paper_percent,
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


def reproduces(summary: dict) -> bool | None:
    """The verdict key of docs/DEVIATIONS.md (frozen): True if the success rate is within one trial of the paper's
    (our successes differ by at most 1 from the paper's rate times our trial count, rounded) and the mean
    sequences to success is within 2x of the paper's, either direction; None if the paper gives no mean."""
    p, q = summary["paper"], summary["sequences"]
    if not p["sequences"]:
        return None
    if q is None:
        return False
    within_one_trial = abs(summary["successes"] - _count(p["success_percent"], summary["trials"])) <= 1
    return within_one_trial and 0.5 <= q["mean"] / p["sequences"] <= 2


def _count(percent: float, n: int) -> int:
    """A success rate in percent as a number of successes in n trials, rounded half up."""
    return math.floor(percent / 100 * n + 0.5)


def verdict(summary: dict) -> str:
    """The verdict cell: the key's verdict; where the paper's success rate lies relative to our 95 % interval,
    with Fisher's exact test of our count against the paper's (its rate times its trial count); where the
    paper's mean sequences to success lies relative to ours; the highest true success rate our trial count tells
    apart from the paper's (stats.detectable_rate)."""
    p, q = summary["paper"], summary["sequences"]
    key = reproduces(summary)
    head = {True: "reproduces", False: "does not reproduce", None: "not judged (no paper mean)"}[key]
    k0 = _count(p["success_percent"], p["trials"])
    fisher = fisher_exact(summary["successes"], summary["trials"], k0, p["trials"])
    parts = [
        f"paper's rate {_where(where(p['success_percent'], summary['success_interval']))} "
        f"(Fisher p = {fisher:.2g} against the paper's {k0}/{p['trials']})"
    ]
    if p["sequences"]:
        if q is None:
            parts.append("no mean of ours")
        elif q["mean_interval"] is None:
            parts.append(f"no CI of our mean (< {MIN_BOOTSTRAP} successes)")
        else:
            parts.append(f"paper's mean {_where(where(p['sequences'], q['mean_interval']))}")
    d = summary["detectable_percent"]
    resolves = f"{summary['trials']} trials detect a rate <= {_n(d)}%" if d is not None else "no shortfall detectable"
    return f"{head}: {', '.join(parts)}; {resolves}"


def _where(place: str | None) -> str:
    return {"inside": "in our CI", "below": "below our CI", "above": "above our CI"}.get(place or "", "-")


def _ci(interval: tuple[float, float] | None, unit: str = "") -> str:
    return f" [{_n(interval[0])}-{_n(interval[1])}{unit}]" if interval is not None else ""


def success_cell(summary: dict) -> str:
    """``k/n [lo-hi%]``: our successes with the 95 % Clopper-Pearson interval of the success rate."""
    return f"{summary['successes']}/{summary['trials']}{_ci(summary['success_interval'], '%')}"


def mean_cell(summary: dict) -> str:
    """``mean [lo-hi]``: our mean sequences to success with its 95 % bootstrap interval, or "-"."""
    q = summary["sequences"]
    return _n(q["mean"]) + _ci(q["mean_interval"]) if q else "-"


def markdown_table(summaries: list[dict]) -> str:
    """The paper-vs-ours table: success rate and sequences to success with 95 % intervals, spread, ratio, the
    verdict with what the trials resolve, test figures."""
    head = (
        "| experiment | paper: success | ours: success [95% CI] | paper: sequences | ours: mean [95% CI] "
        "| ours: median [95% CI] | std; min-max | ours/paper | verdict (key); paper's figures vs our CIs; "
        "what our trials resolve | paper: test | ours: test (mean over successful trials) |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    rows = []
    for s in summaries:
        p, q = s["paper"], s["sequences"]
        ratio = q["mean"] / p["sequences"] if q and p["sequences"] else None
        paper_test = "; ".join(f"{k} {_n(v)}" for k, v in p["test"].items()) or "-"
        rows.append(
            f"| {s['experiment']} | {_n(p['success_percent'])}% of {p['trials']} "
            f"| {_n(s['success_percent'])}% of {s['trials']}{_ci(s['success_interval'], '%')} "
            f"| {_n(p['sequences'])} "
            f"| {mean_cell(s)} "
            f"| {_n(q['median']) + _ci(q['median_interval']) if q else '-'} "
            f"| {_n(q['std']) + '; ' + _n(q['min']) + '-' + _n(q['max']) if q else '-'} "
            f"| {f'{ratio:.2f}' if ratio else '-'} | {verdict(s)} | {paper_test} | {_ours_test(s)} |"
        )
    return head + "\n".join(rows) + "\n"
