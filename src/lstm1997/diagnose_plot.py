"""The pictures of ``lstm1997 inspect``: one probe sequence's story (inputs, gates, s_c and y_c over time with the
relevant steps marked, outputs against targets), and, with ``--trace``, the diagnostics over training."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lstm1997.experiments import Experiment
from lstm1997.network import Network
from lstm1997.plots import plot_gates, plt, save, wrap
from lstm1997.sequences import Sequences


def plot_sequence(exp: Experiment, net: Network, seqs: Sequences, relevant: np.ndarray, title: str, path: Path) -> Path:
    """The one sequence ``seqs`` (the first of the row's probe set, ``diagnose.probe_set``) run through ``net``, as
    ``figures.plot_gates`` draws it, with the ``relevant`` steps (``diagnose.memory_masks``) marked (dashed red)
    and the cell outputs y_c."""
    x, y, mask = seqs.sequence(0)
    clean = np.zeros_like(y)
    clean[mask] = seqs.criterion_targets
    return plot_gates(exp, net, x, y, mask, f"{title}; dashed red: the relevant steps", path, clean, relevant)


def plot_trace(exp: Experiment, reports: list[dict], title: str, path: Path) -> Path:
    """Four panels over training (``inspection.trace``): error against the trivial predictor's, output spread
    against the targets', each input gate at the relevant and at the other steps, each cell's h'(s_c) at the
    answer steps."""
    seen = np.array([r["seen"] for r in reports])
    fig, ax = plt.subplots(2, 2, figsize=(12, 8), layout="constrained", sharex=True)
    fig.suptitle(wrap(f"{exp.name}: {title}", exp.description), fontsize=12)
    out = [r["output"] for r in reports]
    ax[0, 0].semilogy(seen, [o["mse"] for o in out], label="net")
    ax[0, 0].semilogy(seen, [o["trivial_mse"] for o in out], "k--", lw=0.8, label="trivial predictor (mean target)")
    ax[0, 0].set(title="mean squared error at the answer steps", ylabel="MSE")
    ax[0, 1].plot(seen, [o["spread"] / max(o["target_spread"], 1e-12) for o in out])
    ax[0, 1].axhline(1.0, color="k", ls="--", lw=0.8, label="target spread")
    ax[0, 1].set(title="output spread / target spread (0: the same output for every sequence)", ylabel="ratio")
    for j in range(len(reports[0]["blocks"])):
        (line,) = ax[1, 0].semilogy(seen, [r["blocks"][j]["in"]["relevant"] for r in reports], label=f"block {j + 1}")
        ax[1, 0].semilogy(seen, [r["blocks"][j]["in"]["other"] for r in reports], ":", color=line.get_color())
    ax[1, 0].set(title="input gates at the relevant steps (solid) and elsewhere (dotted)", ylabel="y_in")
    for c in range(len(reports[0]["cells"])):
        ax[1, 1].plot(seen, [r["cells"][c]["h_prime_answer"] for r in reports], label=f"cell {c + 1}")
    ax[1, 1].set(title="h'(s_c) at the answer steps (1/2: linear, ~0: saturated)", ylabel="h'", ylim=(-0.02, 0.52))
    for a in ax.flat:
        a.grid(True, alpha=0.25)
        a.title.set_fontsize(10)
        if a.get_legend_handles_labels()[0]:
            a.legend(fontsize=8)
    for a in ax[1]:
        a.set_xlabel("training sequences")
    return save(fig, path)
