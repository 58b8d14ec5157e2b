"""Figures from a results folder: learning curves per row, the distribution of sequences to success per row
(lstm1997.ecdf) and over rows, and a gate trace of one solved network per row (what the cells store and when
the gates open), drawn from the trial's saved final weights, or by rerunning the trial where none were saved.

The drawing itself is in lstm1997.plots (pure: data in, one PNG out); ``write_figures`` loads the records and
writes them all.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from lstm1997 import store
from lstm1997.ecdf import ecdf_figure
from lstm1997.experiments import EXPERIMENTS, Experiment
from lstm1997.network import Network
from lstm1997.plots import (
    CURVES_SIZE,
    DPI,
    GATES_SIZE,
    constant_baseline,
    correctness,
    file_name,
    plot_curves,
    plot_gates,
    plot_spread,
    save,
    spread_size,
)

MAX_GATE_STEPS = 3e8
"""A gate trace without saved weights reruns a trial; rows whose fastest successful trial took more network
steps are skipped."""
GATES_INDEX = "gates.json"
"""In the figures folder: which trial each gate trace was drawn from, so unchanged traces are not redrawn."""

Note = Callable[[str], None]


def _fastest_solved(records: list[dict]) -> dict | None:
    """The successful record with the fewest network steps (the one a gate trace draws), or None."""
    ok = [r for r in records if r["success"]]
    return min(ok, key=lambda r: r["steps"]) if ok else None


def _trace_key(best: dict) -> str:
    """What a row's gate trace depends on (besides the row): the trial drawn and the package version."""
    from lstm1997 import __version__

    return f"seed {best['seed']} sequences {best['sequences']} lstm1997 {__version__}"


def gate_trace(exp: Experiment, records: list[dict], path: Path, max_steps: float = MAX_GATE_STEPS,
               note: Note | None = None, results: Path | None = None) -> Path | None:  # fmt: skip
    """Plot the gates of the net of the successful trial with the fewest network steps on the sequence
    ``exp.sample(default_rng(1))``: its final weights saved in ``results`` where there are some, else the trial
    rerun (deterministic); None if no trial succeeded, or if it has no saved weights and a rerun would exceed
    ``max_steps`` network steps."""
    note = note or (lambda _: None)
    best = _fastest_solved(records)
    if best is None:
        note(f"gate trace of {exp.name} skipped: no successful trial")
        return None
    net = None if results is None else store.load_weights(results, exp.name, best["seed"], exp.spec)
    if net is not None:
        status = f"solved after {best['sequences']:,} sequences; saved weights"
    elif best["steps"] > max_steps:
        note(f"gate trace of {exp.name} skipped: its fastest solved trial took {best['steps']:.3g} network steps "
             f"(> {max_steps:.3g}) and has no saved weights")  # fmt: skip
        return None
    else:
        net, status = _rerun(exp, best, note)
    seqs = exp.generate(np.random.default_rng(1), 1)  # the same draw as exp.sample(default_rng(1))
    x, y, mask = seqs.sequence(0)
    clean = np.zeros_like(y)
    clean[mask] = seqs.criterion_targets
    title = f"gates of the net of seed {best['seed']} ({status}) on one sample sequence"
    return plot_gates(exp, net, x, y, mask, title, path, clean=clean)


def _rerun(exp: Experiment, best: dict, note: Note) -> tuple[Network, str]:
    """The final net of the trial of record ``best``, trained again, and a few words on the outcome."""
    from lstm1997.trial import run_trial  # training: only where no weights were saved

    rerun, net = run_trial(exp, best["seed"])
    assert isinstance(net, Network), "gate traces are drawn for the 1997 net only"
    if (rerun["success"], rerun["sequences"]) != (best["success"], best["sequences"]):
        note(f"gate trace of {exp.name}: rerun of seed {best['seed']} differs from its record "
             f"(success {rerun['success']} after {rerun['sequences']}; record from another version?)")  # fmt: skip
    return net, f"solved after {rerun['sequences']:,} sequences" if rerun["success"] else "NOT solved on rerun"


# --- all figures ------------------------------------------------------------------------------------------------


def write_figures(
    results_dir: Path,
    out_dir: Path | None = None,
    experiments: Mapping[str, Experiment] | None = None,
    max_steps: float = MAX_GATE_STEPS,
    note: Note | None = None,
) -> list[Path]:
    """Every figure for the records under ``results_dir`` into ``out_dir`` (default ``results_dir/figures``):
    ``curves-<row>.png`` and ``ecdf-<row>.png`` (lstm1997.ecdf) per row, ``spread.png``, and ``gates-<row>.png``
    per row with a solved trial.
    Records of experiments not in ``experiments`` (default: the paper's 30 rows) are ignored. Returns the
    paths written; ``note`` receives one line per skipped gate trace."""
    experiments = EXPERIMENTS if experiments is None else experiments
    out_dir = Path(results_dir) / "figures" if out_dir is None else Path(out_dir)
    by_name: dict[str, list[dict]] = {}
    for r in store.load_all(Path(results_dir)):
        if r["experiment"] in experiments:
            by_name.setdefault(r["experiment"], []).append(r)
    rows = [(experiments[n], by_name[n]) for n in experiments if n in by_name]
    paths = []
    for exp, records in rows:
        baseline = constant_baseline(exp)
        paths.append(plot_curves(exp, records, baseline, out_dir / file_name("curves", exp.name)))
        paths.append(save(ecdf_figure(exp, records), out_dir / file_name("ecdf", exp.name)))
    if rows:
        paths.append(plot_spread(rows, out_dir / "spread.png"))
    index_path = out_dir / GATES_INDEX
    try:
        index = json.loads(index_path.read_text())
    except (OSError, ValueError):  # absent or damaged: redraw every trace
        index = {}
    for exp, records in rows:
        path = out_dir / file_name("gates", exp.name)
        best = _fastest_solved(records)
        key = _trace_key(best) if best is not None else None
        if key is not None and path.is_file() and index.get(exp.name) == key:
            paths.append(path)  # drawn from the same trial before: a rerun would give the same figure
            continue
        if gate_trace(exp, records, path, max_steps, note, results=Path(results_dir)) is not None:
            paths.append(path)
            index[exp.name] = key
    if rows:
        store.write_atomic(index_path, (json.dumps(index, indent=1, sort_keys=True) + "\n").encode())
    return paths


__all__ = [
    "CURVES_SIZE",
    "DPI",
    "GATES_SIZE",
    "constant_baseline",
    "correctness",
    "file_name",
    "gate_trace",
    "plot_curves",
    "plot_gates",
    "plot_spread",
    "spread_size",
    "write_figures",
]
