"""A results folder -> RESULTS.md: the paper's rows and the ablations, ours beside the paper's, with provenance.
Nothing in it is typed by hand: every figure comes from the trial records."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from lstm1997.ablations import ABLATIONS
from lstm1997.baseline_rows import BASELINES
from lstm1997.competitors import COMPETITORS
from lstm1997.experiments import EXPERIMENTS
from lstm1997.overview import overview_lines, prediction_lines
from lstm1997.stats import BOOTSTRAP_SEED, MIN_BOOTSTRAP, POWER, RESAMPLES
from lstm1997.store import NUMERICS_VERSION, load_all, numerics
from lstm1997.summary import markdown_table, mean_cell, success_cell, summarize


def _provenance(records: list[dict]) -> list[str]:
    seen: dict[str, set] = {}
    for r in records:
        for key in ("commit", "lstm1997", "machine", "python", "numpy", "numba"):
            seen.setdefault(key, set()).add(str(r.get("provenance", {}).get(key, "?")))
    resumed = {c for r in records for c in r.get("provenance", {}).get("resumed_from", [])}
    if resumed:  # trials resumed from a checkpoint that the code of another commit wrote
        seen["commit of a resumed trial's earlier part"] = resumed
    return [f"- {k}: {', '.join(sorted(v))}" for k, v in seen.items()]


def _baseline_section(by_name: dict[str, list[dict]]) -> list[str]:
    """The third table: baseline rows (lstm1997.baseline_rows, shown when such records exist),
    each beside our 1997 net's result on its paper row from the same folder."""
    baselines = BASELINES
    paper_trials = {n: EXPERIMENTS[n.split("~")[0]].trials for n in baselines}  # the paper's count, not ours (10)
    summaries = [
        summarize(replace(baselines[n], trials=paper_trials[n]), by_name[n]) for n in baselines if n in by_name
    ]
    if not summaries:
        return []
    lines = [
        "## Baselines under the paper's protocol (other models, same sequences, criteria and caps)",
        "",
        "Rows `<paper row>~<model>` (lstm1997.baseline_rows): online, one sequence per update, E = 1/2 sum (y - t)^2",
        "with logistic outputs (the `-modern` rows: a linear output for the adding problem); paper columns are the",
        "paper row's. `gate-pretraining` is an ablation whose first 2,000 sequences (Adam on the input gates) are",
        "counted in the sequences. `nnlstm-h{H}` rows are torch.nn.LSTM(n_in, H) with PyTorch's initialisation (the",
        "`-modern` rows: forget-gate bias +1, RMSprop, gradient norm clipped to 1), trained with full BPTT by",
        "lstm1997.nnlstm (a compiled float64 copy of autograd and torch.optim, equal to them to 1e-10 in",
        "tests/test_nnlstm.py).",
        "",
        markdown_table(summaries),
        "| baseline | ours: success [95% CI] | ours: mean sequences [95% CI] | 1997 net (ours, same folder): success "
        "[95% CI] | mean sequences [95% CI] |",
        "|---|---|---|---|---|",
    ]
    for s in summaries:
        base = s["experiment"].split("~")[0]
        ref = summarize(EXPERIMENTS[base], by_name[base]) if base in by_name else None
        ref_cells = f"{success_cell(ref)} | {mean_cell(ref)}" if ref is not None else "- | -"
        lines.append(f"| {s['experiment']} | {success_cell(s)} | {mean_cell(s)} | {ref_cells} |")
    return [*lines, ""]


def _trial_count_lines(by_name: dict[str, list[dict]]) -> list[str]:
    """How far the paper rows are from the paper's trial counts, and what they cost so far."""
    run = {n: by_name[n] for n in EXPERIMENTS if n in by_name}
    done = sum(min(len(records), EXPERIMENTS[n].trials) for n, records in run.items())
    total = sum(exp.trials for exp in EXPERIMENTS.values())
    hours = sum(r["wall_time"] for records in run.values() for r in records) / 3600
    missing = [n for n in EXPERIMENTS if n not in by_name]
    short = [f"{n} ({len(records)} of {EXPERIMENTS[n].trials})" for n, records in run.items()
             if len(records) < EXPERIMENTS[n].trials]  # fmt: skip
    lines = [f"Paper rows: {done} of the paper's {total} trials run, {hours:.2f} core-hours of trial wall time."]
    if short:
        lines.append(f"Short of the paper's trial count: {', '.join(short)}.")
    if missing:
        lines.append(f"Rows not run yet: {', '.join(missing)}.")
    return lines


def _interval_lines() -> list[str]:
    """How to read the intervals and the verdict column (definitions: docs/DEVIATIONS.md, "Uncertainty")."""
    return [
        "",
        "Intervals are 95 %. Success rates: exact (Clopper-Pearson) binomial interval of our k successes in n",
        "trials. Mean and median sequences to success: percentile bootstrap over the successful trials",
        f"({RESAMPLES:,} resamples, seed {BOOTSTRAP_SEED}; none below {MIN_BOOTSTRAP} successes). Verdict: the key of",
        "docs/DEVIATIONS.md (success rate within one trial of the paper's, mean sequences to success within 2x), then",
        "where the paper's rate and mean lie relative to our intervals, then what our trial count resolves: 'n trials",
        "detect a rate <= d%' means that if the true success rate were d% or lower, the paper's rate would fall above",
        f"our interval with probability >= {POWER:.0%}; a true rate between d% and the paper's would usually go",
        "unseen. The paper's figures are treated as exact numbers, though they too come from a few trials.",
    ]


PREDICTIONS = Path(__file__).resolve().parents[2] / "docs" / "predictions.json"
"""The reconstruction profiles' committed predictions for the held-out rows (in a source checkout only)."""


def _predictions(by_name: dict[str, list[dict]]) -> list[str]:
    if not PREDICTIONS.is_file():
        return []
    predictions = json.loads(PREDICTIONS.read_text())
    head = "## Predictions for the held-out rows (docs/predictions.json, committed before their final runs)"
    return [head, "", *prediction_lines(by_name, predictions["predictions"])]


def _mixed_versions(by_name: dict[str, list[dict]]) -> list[str]:
    """A warning naming the rows whose records were computed by code of different numerics versions."""
    mixed = {n: sorted({numerics(r) for r in rs}) for n, rs in by_name.items() if len({numerics(r) for r in rs}) > 1}
    if not mixed:
        return []
    rows = "; ".join(f"{n} (versions {', '.join(map(str, v))})" for n, v in mixed.items())
    return [f"**MIXED NUMERICS VERSIONS**: these rows combine records computed by code of different numerics "
            f"versions (lstm1997.store.NUMERICS_VERSION; this code: {NUMERICS_VERSION}): {rows}."]  # fmt: skip


def results_markdown(out: Path, command: str) -> str:
    """RESULTS.md for the records under ``out``; ``command`` is how the report was asked for."""
    records = load_all(out)
    by_name: dict[str, list[dict]] = {}
    for r in records:
        by_name.setdefault(r["experiment"], []).append(r)
    paper = [summarize(EXPERIMENTS[n], by_name[n]) for n in EXPERIMENTS if n in by_name]
    ablations = [summarize(ABLATIONS[n], by_name[n]) for n in ABLATIONS if n in by_name]
    hours = sum(r["wall_time"] for r in records) / 3600
    lines = [
        "# Results: the paper's rows, ours beside the paper's",
        "",
        f"Generated by `{command}` from {len(records)} trial records in `{out}/` (one JSON file per trial).",
        "Trials were run with `lstm1997 reproduce --full --out results` (or `lstm1997 run NAME --out results`);",
        "trial i of a row uses seed i. Sequences to success are over successful trials only; test figures are",
        'means over successful trials ("final": after stopping; Exp 5: at each n_seq milestone).',
        f"Total compute in these records: {hours:.2f} core-hours of trial wall time.",
        *_interval_lines(),
        *_mixed_versions(by_name),
        "",
        "## Overview: each paper row under the literal reading and the reconstruction profiles",
        "",
        "Success, mean sequences to success (ratio to the paper's mean) and the verdict key's verdict; the",
        'profiles\' deviations are in docs/DEVIATIONS.md, "Reconstruction". Details and intervals: tables below.',
        "",
        *overview_lines(by_name),
        *_predictions(by_name),
        "## Paper rows (paper settings, no shortcuts)",
        "",
        markdown_table(paper) if paper else "(none yet)\n",
    ]
    lines += [*_trial_count_lines(by_name), ""]
    if ablations:
        lines += [
            "## Ablations (deliberate deviations, named; paper columns are the base row's)",
            "",
            markdown_table(ablations),
        ]
    competitors = [summarize(COMPETITORS[n], by_name[n]) for n in COMPETITORS if n in by_name]
    if competitors:
        lines += [
            "## The paper's RTRL rows (Table 2) under our Exp 2a protocol (lstm1997.competitors)",
            "",
            markdown_table(competitors),
        ]
    if any("~" in n and n not in COMPETITORS for n in by_name):
        lines += _baseline_section(by_name)
    milestone_rows = [s for s in paper + ablations if s["milestones"]]
    if milestone_rows:
        lines += ["## Intermediate criteria (mean sequences [95% CI]; paper's in parentheses where it reports one)", ""]
        for s in milestone_rows:
            parts = []
            for name, st in s["milestones"].items():
                if st is None:
                    continue
                ref = s["paper"]["milestones"].get(name)
                ci = f" [{st['mean_interval'][0]:,.0f}-{st['mean_interval'][1]:,.0f}]" if st["mean_interval"] else ""
                parts.append(f"{name} {st['mean']:,.0f}{ci}" + (f" (paper {ref:,.0f})" if ref else ""))
            lines.append(f"- {s['experiment']}: " + "; ".join(parts))
        lines.append("")
    lines += ["## Provenance", "", *_provenance(records), "", "Interpretations and findings: docs/DEVIATIONS.md."]
    return "\n".join(lines) + "\n"
