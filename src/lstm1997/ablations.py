"""Named ablations: paper rows with one deliberate change, to test a reading or a cause (docs/DEVIATIONS.md).
Each keeps its paper row's criteria, caps, trial count and reported figures for comparison."""

from __future__ import annotations

from dataclasses import replace

from lstm1997.experiments import EXPERIMENTS, Experiment


def _ablation(base: str, suffix: str, what: str, **changes) -> Experiment:
    exp = EXPERIMENTS[base]
    return replace(exp, name=f"{base}+{suffix}", description=f"{exp.description}; ABLATION: {what}", **changes)


def _linear_output(base: str) -> Experiment:
    spec = replace(EXPERIMENTS[base].spec, output="linear")
    return _ablation(base, "linear-output", "linear output unit instead of the paper's logistic", spec=spec)


def _cells_read_inputs(base: str) -> Experiment:
    spec = replace(EXPERIMENTS[base].spec, cells_read="inputs")
    what = "cells read the inputs only (no bias, no recurrent connections)"
    return _ablation(base, "cells-read-inputs", what, spec=spec)


ABLATIONS: dict[str, Experiment] = {
    e.name: e
    for e in [
        *(
            _ablation(n, "per-step", "weights updated at every target step (RTRL-style reading)", per_step=True)
            for n in EXPERIMENTS
            if EXPERIMENTS[n].training_set != "fresh" or n == "longlag-2b"
        ),
        _ablation("longlag-2a", "full-net", "no sequential construction: memory cell present from the start",
                  construct=False),
        _ablation("longlag-2a", "lr10", "learning rate 10.0 instead of 1.0: is the gap a step-size scale, as the "
                  "RTRL calibration suggests?", lr=10.0),
        *(_linear_output(n) for n in ("adding-T100", "adding-T500", "adding-T1000", "multiplication-T100")),
        *(_cells_read_inputs(n) for n in EXPERIMENTS if n.startswith(("adding-", "longlag-2c", "temporal-"))),
        *(
            _ablation(n, "full-gradient", "full (untruncated) gradient instead of the truncated one", gradient="full")
            for n in ("adding-T100", "adding-T500", "multiplication-T100", "temporal-6a", "twoseq-3a-T100-N3")
        ),
    ]
}  # fmt: skip
"""Named variants that deviate from the paper on purpose, to test a reading or a cause (docs/DEVIATIONS.md);
each keeps its paper row's criteria, caps, trial count and reported figures for comparison."""
