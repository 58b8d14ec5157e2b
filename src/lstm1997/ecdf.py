"""The empirical distribution of one row's sequences to success: the ECDF over all its trials, failed trials
drawn at the failure cap, with our 95 % intervals and the paper's figures marked. Data in, a figure out (the
caller saves it: figures.write_figures); no trial is rerun."""

from __future__ import annotations

import textwrap

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)

from lstm1997.experiments import Experiment  # noqa: E402
from lstm1997.stats import MIN_BOOTSTRAP, bootstrap_interval, clopper_pearson  # noqa: E402

ECDF_SIZE = (11.0, 6.0)
"""Inches of an ECDF figure."""
RIGHT = 2.0
"""The x axis ends at RIGHT times the cap; the region right of the cap (shaded) shows the failed trials."""


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def ecdf_figure(exp: Experiment, records: list[dict]) -> plt.Figure:
    """The fraction of ``records`` (all trials of ``exp``) solved within x training sequences, against x (log
    scale). Failed trials count at ``exp.cap`` and are drawn there in red; our mean sequences to success with its
    bootstrap interval, our success rate with its Clopper-Pearson interval, the paper's mean sequences to success
    and the paper's success rate are marked."""
    n = len(records)
    seqs = np.sort([float(r["sequences"]) for r in records if r["success"]])
    k, cap = len(seqs), float(exp.cap)
    diverged = sum(bool(r.get("diverged")) and not r["success"] for r in records)
    paper_mean = exp.paper.sequences
    paper_rate = exp.paper.success_percent if exp.paper.success_percent is not None else 100.0

    fig, ax = plt.subplots(figsize=ECDF_SIZE, layout="constrained")
    title = f"{exp.name}: sequences to success, empirical distribution over {n} trials ({k} successful)"
    fig.suptitle("\n".join(textwrap.wrap(title, 100) + [textwrap.shorten(exp.description, 110)]), fontsize=12)
    xs = [x for x in (*seqs[:1], paper_mean, cap) if x]
    left = min(xs) / 1.6
    ax.step(np.r_[left, seqs, cap], np.r_[0, np.arange(1, k + 1), k] / n, where="post", color="tab:blue", lw=2,
            label=f"our trials: fraction solved within x sequences ({k} of {n})")  # fmt: skip
    if k < n:
        failed = f"failed trials, drawn at the cap ({n - k}"
        failed += f", {diverged} of them diverged)" if diverged else ")"
        ax.plot([cap, cap], [k / n, 1], color="tab:red", lw=2, ls="--")
        ax.plot([cap] * (n - k), np.arange(k + 1, n + 1) / n, "x", color="tab:red", ms=8, mew=2, label=failed)
    ax.axvspan(cap, cap * RIGHT, color="tab:red", alpha=0.08, lw=0)
    ax.axvline(
        cap, color="tab:red", lw=1, alpha=0.6, label=f"failure cap: {_fmt(cap)} sequences (trial fails if unsolved)"
    )
    mean_ci = bootstrap_interval(seqs)
    if k:
        label = f"our mean {_fmt(seqs.mean())}"
        label += (
            f", 95% bootstrap CI {_fmt(mean_ci[0])}-{_fmt(mean_ci[1])}"
            if mean_ci
            else f" (no CI: fewer than {MIN_BOOTSTRAP} successes)"
        )
        ax.axvline(seqs.mean(), color="tab:blue", lw=1.5, label=label)
        if mean_ci:
            ax.axvspan(*mean_ci, color="tab:blue", alpha=0.15, lw=0)
    lo, hi = clopper_pearson(k, n)
    x_rate = cap * RIGHT**0.5  # right of the cap, where the curve ends
    ax.errorbar([x_rate], [k / n], yerr=[[k / n - lo], [hi - k / n]], fmt="o", color="tab:blue", capsize=5,
                label=f"our success rate {k}/{n}, 95% Clopper-Pearson CI {100 * lo:.3g}-{100 * hi:.3g}%")  # fmt: skip
    ax.axhline(paper_rate / 100, color="black", ls=":", lw=1.2,
               label=f"paper: success rate {paper_rate:g}% of {exp.trials}")  # fmt: skip
    if paper_mean:
        ax.axvline(
            paper_mean, color="black", ls="--", lw=1.5, label=f"paper: mean sequences to success {_fmt(paper_mean)}"
        )
    ax.set_xscale("log")
    ax.set_xlim(left, cap * RIGHT)
    ax.set_ylim(-0.02, 1.04)
    ax.set_xlabel("training sequences (log scale)")
    ax.set_ylabel(f"fraction of the {n} trials solved")
    ax.grid(True, which="major", alpha=0.3)
    fig.legend(fontsize=8, loc="outside lower center", ncols=2, frameon=False)
    return fig


__all__ = ["ECDF_SIZE", "ecdf_figure"]
