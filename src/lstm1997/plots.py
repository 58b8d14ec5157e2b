"""The figures' drawing, one function per figure, data in and one PNG out (with a provenance caption):
learning curves per row, the spread of sequences to success over rows, and a net's gates over one sequence.
lstm1997.figures decides what to draw from a results folder; lstm1997.ecdf draws the per-row distributions."""

from __future__ import annotations

import hashlib
import re
import textwrap
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
from matplotlib.layout_engine import ConstrainedLayoutEngine  # noqa: E402

from lstm1997 import learning, store  # noqa: E402
from lstm1997.criteria import ST3, NSeq, ReberTest, TwoSeqTest, correct_rule  # noqa: E402
from lstm1997.experiments import Experiment  # noqa: E402
from lstm1997.network import Network  # noqa: E402

DPI = 100
"""Pixels per inch of every PNG; a figure of (w, h) inches is (w * DPI, h * DPI) pixels."""
CURVES_SIZE = (11.0, 8.0)
"""Inches of a learning-curve figure."""
GATES_SIZE = (11.0, 12.0)
"""Inches of a gate-trace figure."""
SPREAD_WIDTH = 11.0
"""Inches: width of the spread figure (its height grows with the number of rows, see ``spread_size``)."""
CAPTION_INCHES = 0.2
"""Inches kept free at the bottom of every figure for the provenance caption."""
BASELINE_SEQUENCES = 2000
"""Sequences drawn to estimate the error of the best constant output."""


def spread_size(n_rows: int) -> tuple[float, float]:
    """Inches of the spread figure for ``n_rows`` experiment rows."""
    return SPREAD_WIDTH, 1.6 + 0.42 * max(n_rows, 1)


def file_name(kind: str, name: str) -> str:
    """``kind-name.png`` with every character outside ``[A-Za-z0-9._-]`` replaced by ``_``."""
    return f"{kind}-{re.sub(r'[^A-Za-z0-9._-]', '_', name)}.png"


def _caption() -> str:
    p = store.provenance()
    return f"lstm1997 {p['lstm1997']} (commit {p['commit']}); made by: {p['argv']}"


def save(fig: plt.Figure, path: Path) -> Path:
    """Write ``fig`` with the provenance caption to ``path``, unless ``path`` already shows the same figure: a
    figure whose pixels (caption aside) have not changed keeps its file, so rerunning on the same records leaves
    a git checkout clean. The pixels' hash is kept in the PNG's metadata ("Content")."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    caption = _caption()
    margin = CAPTION_INCHES / fig.get_figheight()
    engine = fig.get_layout_engine()
    assert isinstance(engine, ConstrainedLayoutEngine)  # every figure here is made with layout="constrained"
    engine.set(rect=(0, margin, 1, 1 - margin))  # keep the axes off the caption
    fig.canvas.draw()
    content = hashlib.sha256(np.asarray(fig.canvas.buffer_rgba()).tobytes()).hexdigest()  # type: ignore[attr-defined]
    if _content(path) == content:
        plt.close(fig)
        return path
    fig.text(0.005, 0.003, caption, fontsize=7, color="0.45", ha="left", va="bottom")
    fig.savefig(path, dpi=DPI, metadata={"Software": caption, "Content": content})
    plt.close(fig)
    return path


def _content(path: Path) -> str | None:
    """The "Content" hash in the metadata of the PNG at ``path`` (None if absent or unreadable)."""
    from PIL import Image  # a dependency of matplotlib

    try:
        with Image.open(path) as image:
            return image.text.get("Content")
    except (OSError, ValueError, AttributeError):
        return None


def wrap(*lines: str, width: int = 100) -> str:
    """Title lines, each wrapped to ``width`` characters (long ablation names would run off the figure)."""
    return "\n".join(textwrap.fill(line, width) for line in lines)


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def constant_baseline(exp: Experiment, n: int = BASELINE_SEQUENCES) -> float:
    """Mean per-sequence training error E of the best constant output (the mean target vector), estimated on
    ``n`` sequences from ``exp.generate(default_rng(0), n)``: mean over sequences of sum over the sequence's
    targets of sum_k (t_k - mean_k)^2."""
    seqs = exp.generate(np.random.default_rng(0), n)
    t = seqs.targets
    return float(np.sum((t - t.mean(axis=0)) ** 2) / seqs.n)


def correctness(exp: Experiment) -> tuple[str, float | None]:
    """What "correct" means in the records' curves for ``exp``: a label and the threshold (None: no threshold)."""
    crit = exp.criterion
    if isinstance(crit, ReberTest):
        return "no threshold (Exp 1's criterion is the symbol test): every sequence counts", None
    threshold, all_steps = correct_rule(crit, exp.test_threshold)
    where = "at every target step" if all_steps else "at the sequence end"
    if isinstance(crit, TwoSeqTest) and crit.threshold != exp.test_threshold:
        where += " (noise-free target)"
    return f"|error| < {threshold:g} {where}", threshold


# --- 1. learning curves ---------------------------------------------------------------------------------------


def plot_curves(exp: Experiment, records: list[dict], baseline: float | None, path: Path) -> Path:
    """Learning curves of all trials of one row: (a) mean training error E per chunk (log scale) with the ST3
    bound and the constant-output baseline, (b) fraction of the chunk's sequences correct; the paper's mean
    sequences to success as a vertical line in both."""
    fig, (ax_e, ax_c) = plt.subplots(2, 1, figsize=CURVES_SIZE, sharex=True, layout="constrained")
    ok = sum(r["success"] for r in records)
    fig.suptitle(
        wrap(f"{exp.name}: learning curves of {len(records)} trials ({ok} successful)",
              f"{exp.description} ({exp.paper.table})"),
        fontsize=13,
    )  # fmt: skip
    drawn = {True: False, False: False}
    _, threshold = correctness(exp)
    for r in sorted(records, key=lambda r: bool(r["success"])):  # successful trials drawn on top
        c = r["curve"]
        seen, err, cor = (np.asarray(c[k], dtype=float) for k in ("seen", "error", "correct"))
        if not len(seen):
            continue
        good = bool(r["success"])
        style = {"color": "tab:blue" if good else "tab:red", "lw": 0.8, "alpha": 0.6, "zorder": 3 if good else 2}
        if len(seen) < 3:  # too short to show as a line
            style.update(marker=".", ms=6)
        n_kind = sum(bool(q["success"]) == good for q in records)
        label = None if drawn[good] else (f"successful trial ({n_kind})" if good else f"failed trial ({n_kind})")
        drawn[good] = True
        ax_e.plot(seen, np.where(err > 0, err, np.nan), label=label, **style)
        if threshold is not None:
            ax_c.plot(seen, cor, **style)
        if good and r.get("sequences"):
            ax_e.plot(seen[-1], err[-1] if err[-1] > 0 else np.nan, "o", ms=3, color="tab:blue")
    crit = exp.criterion
    if isinstance(crit, ST3):
        ax_e.axhline(crit.avg_error, color="tab:green", ls="--", lw=1.5,
                     label=f"ST3 bound: mean E over {crit.window:,} sequences < {crit.avg_error:g}")  # fmt: skip
    if baseline is not None and baseline > 0:
        ax_e.axhline(baseline, color="0.3", ls=":", lw=1.5, label=f"best constant output (mean target): {baseline:.3g}")
    for ax in (ax_e, ax_c):
        if exp.paper.sequences:
            ax.axvline(exp.paper.sequences, color="black", ls="--", lw=1.2,
                       label=f"paper: mean sequences to success {_fmt(exp.paper.sequences)}")  # fmt: skip
        for name, value in exp.paper.milestones:
            if value:
                ax.axvline(value, color="0.5", ls="-.", lw=1, label=f"paper: {name} after {_fmt(value)}")
    label, _ = correctness(exp)
    if threshold is None:
        ax_c.text(0.5, 0.5, "not applicable: this row has no per-sequence threshold", transform=ax_c.transAxes,
                  ha="center", va="center", fontsize=11, color="0.4")  # fmt: skip
    if isinstance(crit, NSeq):
        for level in crit.levels:
            ax_c.axhline(1 - level / crit.window, color="tab:green", ls="--", lw=1,
                         label=f"n_seq={level}: fewer than {level} of {crit.window:,} wrong")  # fmt: skip
    ax_e.set_yscale("log")
    ax_e.set_xscale("log")
    ax_e.set_ylabel("mean training error E per sequence\n(sum over targets of sum_k (t_k - y_k)^2)")
    ax_e.set_title("(a) training error, mean over each chunk of training sequences", fontsize=11, loc="left")
    ax_c.set_ylim(-0.03, 1.03)
    ax_c.set_ylabel("fraction of the chunk's\nsequences correct")
    ax_c.set_xlabel("training sequences seen")
    ax_c.set_title(f"(b) fraction correct: {label}", fontsize=11, loc="left")
    for ax in (ax_e, ax_c):
        ax.grid(True, which="major", alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc="best", framealpha=0.85)
    return save(fig, path)


# --- 2. spread of sequences to success ------------------------------------------------------------------------


def _row_label(exp: Experiment, records: list[dict]) -> str:
    """``name (k/n failed)``, the name wrapped to at most two lines of 48 characters."""
    failed = len(records) - sum(bool(r["success"]) for r in records)
    lines = textwrap.wrap(exp.name, 48, break_on_hyphens=False) or [""]
    name = "\n".join(lines[:2]) + ("..." if len(lines) > 2 else "")
    return f"{name} ({failed}/{len(records)} failed)"


def plot_spread(rows: list[tuple[Experiment, list[dict]]], path: Path) -> Path:
    """Sequences to success of every successful trial, one strip per row (log scale), with the paper's mean
    and our mean marked and the failed trials counted in each row's label."""
    from matplotlib.lines import Line2D

    fig, ax = plt.subplots(figsize=spread_size(len(rows)), layout="constrained")
    rng = np.random.default_rng(0)
    for i, (exp, records) in enumerate(rows):
        seqs = np.array([r["sequences"] for r in records if r["success"] and r.get("sequences")], dtype=float)
        if len(seqs):
            ax.plot(seqs, -i + rng.uniform(-0.18, 0.18, len(seqs)), "o", ms=4, alpha=0.6, color="tab:blue",
                    mec="none")  # fmt: skip
            ax.plot([seqs.mean()] * 2, [-i - 0.3, -i + 0.3], color="tab:blue", lw=2.5)
        if exp.paper.sequences:
            ax.plot(exp.paper.sequences, -i, "D", ms=8, mfc="none", mec="tab:red", mew=2)
    ax.set_yticks([-i for i in range(len(rows))], [_row_label(e, r) for e, r in rows])
    ax.set_ylim(-len(rows) + 0.4, 0.6)
    ax.set_xscale("log")
    ax.set_xlabel("training sequences to success (log scale)")
    ax.grid(True, axis="x", which="both", alpha=0.25)
    fig.suptitle("Sequences to success per experiment row: ours vs the paper's mean", fontsize=13)
    handles = [
        Line2D([], [], ls="none", marker="o", ms=5, alpha=0.6, color="tab:blue", mec="none",
               label="our successful trials (one dot each)"),
        Line2D([], [], color="tab:blue", lw=2.5, label="our mean"),
        Line2D([], [], ls="none", marker="D", ms=8, mfc="none", mec="tab:red", mew=2, label="paper's mean"),
    ]  # fmt: skip
    ax.legend(handles=handles, fontsize=9, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=3, frameon=False)
    return save(fig, path)


# --- 3. gate trace ----------------------------------------------------------------------------------------------


def _is_onehot(x: np.ndarray) -> bool:
    return bool(np.all((x == 0) | (x == 1)) and np.all(x.sum(axis=1) <= 1))


def plot_gates(
    exp: Experiment,
    net: Network,
    x: np.ndarray,
    y: np.ndarray,
    mask: np.ndarray,
    title: str,
    path: Path,
    clean: np.ndarray | None = None,
    relevant: np.ndarray | None = None,
) -> Path:
    """Stacked panels over one sequence x (T, n_in) with targets y (T, n_out) at the steps ``mask``: inputs,
    input-gate and output-gate activations, cell states, and the outputs with the targets (and the noise-free
    targets ``clean`` (T, n_out) where the training targets are noisy). Sparse target steps are shaded. Given
    ``relevant`` (T,) bool, the steps that carry the task's information, a panel of the cell outputs y_c is
    added and those steps are marked with dashed red lines in every panel."""
    st = learning.forward_states(net, x)
    T = len(x)
    t = np.arange(T)
    mark = {"marker": "o", "ms": 3} if T <= 40 else {}
    ratios = [1.2, 1, 1, 1.2, *([1] if relevant is not None else []), 1.2]
    fig, axes = plt.subplots(len(ratios), 1, figsize=(GATES_SIZE[0], GATES_SIZE[1] * sum(ratios) / 5.6), sharex=True,
                             layout="constrained", gridspec_kw={"height_ratios": ratios})  # fmt: skip
    fig.suptitle(wrap(f"{exp.name}: {title}", exp.description), fontsize=13)
    ax_x, ax_in, ax_out, ax_s, *ax_c, ax_y = axes
    n_in = x.shape[1]
    if _is_onehot(x) and n_in <= 16:
        ax_x.imshow(x.T, aspect="auto", cmap="Greys", interpolation="nearest", origin="lower",
                    extent=(-0.5, T - 0.5, -0.5, n_in - 0.5), vmin=0, vmax=1)  # fmt: skip
        ax_x.set_yticks(range(n_in))
        ax_x.set_ylabel("input unit\n(one-hot)")
    elif _is_onehot(x):
        steps, units = np.nonzero(x)
        ax_x.plot(steps, units, "s", ms=3, color="black")
        ax_x.set_ylim(-1, n_in)
        ax_x.set_ylabel(f"active input unit\n(one-hot, {n_in} units)")
    else:
        for j in range(n_in):
            ax_x.plot(t, x[:, j], lw=1, label=f"input {j}", drawstyle="steps-mid")
        ax_x.set_ylabel("input value")
        ax_x.legend(fontsize=8, loc="upper right", ncol=min(n_in, 4))
    ax_x.set_title("inputs", fontsize=10, loc="left")

    nb, bs = exp.spec.n_blocks, exp.spec.block_size
    for ax, key, name in ((ax_in, "y_in", "input gate"), (ax_out, "y_out", "output gate")):
        for b in range(nb):
            ax.plot(t, st[key][:, b], lw=1.2, label=f"block {b + 1}", **mark)
        ax.set_ylim(-0.05, 1.05)
        ax.set_ylabel(f"{key}")
        note = " (this row has no output gate: y_out = 1)" if key == "y_out" and not exp.spec.output_gate else ""
        ax.set_title(f"{name} activations{note}: 0 = closed, 1 = open", fontsize=10, loc="left")
    for c in range(st["s_c"].shape[1]):
        ax_s.plot(t, st["s_c"][:, c], lw=1.2, label=f"cell {c // bs + 1}.{c % bs + 1}", **mark)
    ax_s.axhline(0, color="0.6", lw=0.6)
    ax_s.set_ylabel("s_c")
    ax_s.set_title("cell states s_c (the constant error carousel: what the cells store)", fontsize=10, loc="left")
    for ax in ax_c:
        for c in range(st["y_c"].shape[1]):
            ax.plot(t, st["y_c"][:, c], lw=1.2, label=f"cell {c // bs + 1}.{c % bs + 1}", **mark)
        ax.set_ylabel("y_c")
        ax.set_title("cell outputs y_c = y_out h(s_c) (what the outputs read)", fontsize=10, loc="left")

    n_out = y.shape[1]
    out = st["y"]
    if n_out <= 4:
        for k in range(n_out):
            (line,) = ax_y.plot(t, out[:, k], lw=1.2, label=f"output {k}", **mark)
            noisy = clean is not None and not np.allclose(clean[mask, k], y[mask, k])
            ax_y.plot(t[mask], y[mask, k], "o", ms=6, mfc="none", mew=1.5, color=line.get_color(),
                      label=f"{'noisy training ' if noisy else ''}target {k}")  # fmt: skip
            if noisy and clean is not None:
                ax_y.plot(t[mask], clean[mask, k], "*", ms=10, color=line.get_color(), label=f"noise-free target {k}")
        ax_y.set_ylabel("output y_k")
    else:
        im = ax_y.imshow(out.T, aspect="auto", cmap="viridis", interpolation="nearest", origin="lower",
                         extent=(-0.5, T - 0.5, -0.5, n_out - 0.5))  # fmt: skip
        ts, ks = np.nonzero(mask[:, None] & (y > 0.5))
        ax_y.plot(ts, ks, "o", ms=6, mfc="none", mec="red", mew=1.5, label="target = 1")
        fig.colorbar(im, ax=ax_y, pad=0.01, label="y_k")
        ax_y.set_ylabel("output unit")
    ax_y.set_title("outputs and targets (at target steps)", fontsize=10, loc="left")
    ax_y.set_xlabel("time step")
    ax_y.set_xlim(-0.5, T - 0.5)
    for ax in axes:
        if 0 < mask.sum() <= min(20, T // 4):
            for s in np.flatnonzero(mask):
                ax.axvspan(s - 0.5, s + 0.5, color="gold", alpha=0.25, lw=0)
        if ax is not ax_x or not _is_onehot(x):
            ax.grid(True, alpha=0.25)
        for s in np.flatnonzero(relevant) if relevant is not None else ():
            ax.axvline(s, color="red", ls="--", lw=0.9, alpha=0.8)
    for ax in (ax_in, ax_out, ax_s, *ax_c, ax_y):
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8, loc="upper left", ncol=4, framealpha=0.85)
    return save(fig, path)
