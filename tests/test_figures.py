"""Figures from tiny real runs: every PNG is written, non-trivial and of the size asked for; the CLI writes them."""

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.image import imread

from lstm1997 import figures, plots
from lstm1997.criteria import ST3
from lstm1997.ecdf import ECDF_SIZE, ecdf_figure
from lstm1997.experiments import EXPERIMENTS
from lstm1997.sweep import run_trials

pytestmark = pytest.mark.heavy  # real runs and matplotlib: not in the everyday tier

# temporal-6a under its own name, capped so that both trials fail (no gate trace: the CLI's default rows)
TEMPORAL = dataclasses.replace(EXPERIMENTS["temporal-6a"], cap=3000)
# adding-T100 with a loose criterion that a net outputting about 0.5 meets at once (exercises the gate trace)
ADDING = EXPERIMENTS["adding-T100"].with_options(
    cap=3000, batch=100, criterion=ST3(avg_error=0.2, threshold=0.5, window=500)
)
ROWS = {e.name: e for e in (TEMPORAL, ADDING)}


def pixels(size: tuple[float, float]) -> tuple[int, int]:
    """(height, width) in pixels of a figure of ``size`` inches."""
    return round(size[1] * figures.DPI), round(size[0] * figures.DPI)


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("results")
    for exp in ROWS.values():
        run_trials(exp, [0, 1], out=out)
    return out


def test_tiny_runs_are_what_the_figures_need(results):
    from lstm1997.store import load_all

    records = {r["experiment"]: r for r in load_all(results)}
    assert not records["temporal-6a"]["success"] and records[ADDING.name]["success"]


def test_write_figures_writes_every_kind(results, tmp_path):
    notes = []
    paths = figures.write_figures(results, tmp_path / "figs", experiments=ROWS, note=notes.append)
    names = sorted(p.name for p in paths)
    adding = figures.file_name("gates", ADDING.name)
    assert "[" not in adding and " " not in adding
    assert names == sorted(
        [
            "curves-temporal-6a.png",
            figures.file_name("curves", ADDING.name),
            "ecdf-temporal-6a.png",
            figures.file_name("ecdf", ADDING.name),
            "spread.png",
            adding,
        ]
    )
    assert any("temporal-6a" in n and "no successful trial" in n for n in notes)
    assert not any("differs" in n for n in notes)  # the rerun reproduced the stored trial
    expected = {
        "curves": pixels(figures.CURVES_SIZE),
        "gates": pixels(figures.GATES_SIZE),
        "ecdf": pixels(ECDF_SIZE),
        "spread.png": pixels(figures.spread_size(2)),
    }
    for p in paths:
        assert p.exists() and p.parent == tmp_path / "figs" and p.stat().st_size > 20_000, p
        image = imread(p)
        assert image.shape[:2] == expected[p.name.split("-")[0]], p
        assert image[..., :3].std() > 0.05  # not a blank canvas


def test_default_rows_only_and_default_folder(results, tmp_path):
    """Without ``experiments``, records of names outside the paper's rows are ignored; output goes to
    results/figures."""
    import shutil

    copy = tmp_path / "res"
    shutil.copytree(results, copy)
    paths = figures.write_figures(copy)
    assert sorted(p.name for p in paths) == ["curves-temporal-6a.png", "ecdf-temporal-6a.png", "spread.png"]
    assert all(p.parent == copy / "figures" for p in paths)


def test_gate_trace_skipped_above_the_step_bound(results, tmp_path):
    from lstm1997.store import load_all

    notes = []
    records = [r for r in load_all(results) if r["experiment"] == ADDING.name]  # (a glob would read "[" as a class)
    assert records and records[0]["steps"] > 10
    assert figures.gate_trace(ADDING, records, tmp_path / "g.png", max_steps=10, note=notes.append) is None
    assert not (tmp_path / "g.png").exists() and "skipped" in notes[0] and "network steps" in notes[0]


def test_a_gate_trace_draws_the_saved_weights_without_training(results, tmp_path, monkeypatch):
    from lstm1997 import store, trial
    from lstm1997.store import load_all

    def no_training(*args, **kwargs):
        raise AssertionError("a trial was rerun although its weights were saved")

    monkeypatch.setattr(trial, "run_trial", no_training)
    records = [r for r in load_all(results) if r["experiment"] == ADDING.name]
    seed = min((r for r in records if r["success"]), key=lambda r: r["steps"])["seed"]
    assert store.weights_path(results, ADDING.name, seed).is_file()
    path = figures.gate_trace(ADDING, records, tmp_path / "g.png", max_steps=10, results=results)
    assert path is not None and imread(path).shape[:2] == pixels(figures.GATES_SIZE)
    store.weights_path(results, ADDING.name, seed).rename(tmp_path / "moved.npz")  # none saved: a rerun
    try:
        with pytest.raises(AssertionError, match="rerun"):
            figures.gate_trace(ADDING, records, tmp_path / "h.png", results=results)
    finally:
        (tmp_path / "moved.npz").rename(store.weights_path(results, ADDING.name, seed))


def test_constant_baseline_is_the_target_variance():
    # adding: one target 0.5 + (X1 + X2) / 4, X uniform in [-1, 1]: variance 1/24, a little less because a
    # marked value at position 0 is set to 0 (about 12% of sequences)
    b = figures.constant_baseline(EXPERIMENTS["adding-T100"])
    assert 0.036 < b < 1 / 24
    # temporal-6a: 4 equally likely one-hot classes at the end: sum_k p(1-p) = 4 * 1/4 * 3/4
    assert figures.constant_baseline(EXPERIMENTS["temporal-6a"]) == pytest.approx(0.75, abs=0.02)


def test_plot_gates_many_outputs_and_large_onehot_inputs(tmp_path):
    """The other input and output layouts: imshow outputs (Reber, 7 units), scatter for 54 one-hot inputs."""
    for name in ("reber-4x1-lr0.1", "longlag-2c-q50-p50"):
        exp = EXPERIMENTS[name]
        net = exp.init_network(np.random.default_rng(0))
        x, y, mask = exp.sample(np.random.default_rng(1))
        path = figures.plot_gates(exp, net, x, y, mask, "untrained", tmp_path / f"{name}.png")
        assert imread(path).shape[:2] == pixels(figures.GATES_SIZE)


def test_cli_report_writes_figures(results, tmp_path):
    import shutil

    copy = tmp_path / "res"
    shutil.copytree(results, copy)
    r = subprocess.run(
        [sys.executable, "-m", "lstm1997.cli", "report", str(copy)], capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout == (copy / "RESULTS.md").read_text()
    assert f"figures: 3 PNG files in {copy / 'figures'}/" in r.stderr
    pngs = sorted(p.name for p in (copy / "figures").glob("*.png"))
    assert pngs == ["curves-temporal-6a.png", "ecdf-temporal-6a.png", "spread.png"]


def test_an_unchanged_gate_trace_is_not_rerun(results, tmp_path, monkeypatch):
    out = tmp_path / "figs"
    first = figures.write_figures(results, out, experiments=ROWS)
    index = out / figures.GATES_INDEX
    assert ADDING.name in index.read_text()

    calls = []
    monkeypatch.setattr(figures, "gate_trace", lambda exp, *a, **k: calls.append(exp.name))
    assert figures.write_figures(results, out, experiments=ROWS) == first
    assert calls == ["temporal-6a"]  # only the row without a solved trial is looked at (to say so)
    index.write_text("not json")  # damaged (or another trial to draw from): drawn again
    calls.clear()
    figures.write_figures(results, out, experiments=ROWS)
    assert calls == ["temporal-6a", ADDING.name]


def test_the_caption_overlaps_no_axes(results, tmp_path, monkeypatch):
    from lstm1997.store import load_all

    figs = []
    monkeypatch.setattr(plots.plt, "close", figs.append)  # keep the figures to measure them
    records = [r for r in load_all(results) if r["experiment"] == "temporal-6a"]
    figures.plot_curves(TEMPORAL, records, 0.75, tmp_path / "c.png")
    figures.plot_spread([(TEMPORAL, records)], tmp_path / "s.png")
    plots.save(ecdf_figure(TEMPORAL, records), tmp_path / "e.png")
    assert len(figs) == 3
    for fig in figs:
        renderer = fig.canvas.get_renderer()
        caption = fig.texts[-1]
        assert caption.get_text().startswith("lstm1997 ")
        top = caption.get_window_extent(renderer).y1
        assert all(ax.get_tightbbox(renderer).y0 > top for ax in fig.axes)


def test_ecdf_draws_failures_at_the_cap_and_the_paper_mean():
    """Made-up records: 3 solved, 2 failed (one diverged). The step curve ends at 3/5 at the cap, the failed
    trials are marked there, the paper's mean and rate are drawn."""
    exp = EXPERIMENTS["temporal-6a"]
    records = [{"success": True, "sequences": s, "diverged": False} for s in (20_000, 30_000, 50_000)]
    records += [{"success": False, "sequences": None, "diverged": d} for d in (False, True)]
    fig = ecdf_figure(exp, records)
    (ax,) = fig.axes
    lines = {line.get_label(): line for line in ax.get_lines()}
    curve = lines["our trials: fraction solved within x sequences (3 of 5)"]
    assert list(curve.get_ydata())[-1] == pytest.approx(0.6) and list(curve.get_xdata())[-1] == exp.cap
    failed = lines["failed trials, drawn at the cap (2, 1 of them diverged)"]
    assert list(failed.get_xdata()) == [exp.cap] * 2 and list(failed.get_ydata()) == pytest.approx([0.8, 1.0])
    assert list(lines["paper: mean sequences to success 31,390"].get_xdata()) == [31_390] * 2
    assert list(lines["paper: success rate 100% of 20"].get_ydata()) == [1.0] * 2
    assert "our mean 33,333 (no CI: fewer than 5 successes)" in lines
    plots.plt.close(fig)


def test_a_figure_whose_pixels_did_not_change_keeps_its_file(results, tmp_path, monkeypatch):
    """Rerunning on the same records under another commit leaves every PNG as it was (a clean git checkout);
    a figure whose content changes is rewritten."""
    out = tmp_path / "figs"
    paths = figures.write_figures(results, out, experiments=ROWS)
    before = {p: p.read_bytes() for p in paths}
    here = figures.store.provenance()
    monkeypatch.setattr(figures.store, "provenance", lambda: {**here, "commit": "0123456789ab", "argv": "other"})
    assert figures.write_figures(results, out, experiments=ROWS) == paths
    assert {p: p.read_bytes() for p in paths} == before
    curves = out / figures.file_name("curves", TEMPORAL.name)
    figures.plot_curves(TEMPORAL, [], 0.5, curves)  # other content: rewritten, with the new caption
    assert curves.read_bytes() != before[curves] and b"0123456789ab" in curves.read_bytes()
