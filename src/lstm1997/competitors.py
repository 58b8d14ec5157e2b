"""The paper's own competitor rows, run under our protocol: RTRL in Exp 2a (Table 2, PAPER.md §3).

Rows ``longlag-2a~rtrl-p{p}-lr{lr}`` are Exp 2a's protocol exactly as the row ``longlag-2a`` runs it (training set
"t1": the 2 sequences of the row's p; ABS(0.25) over all steps for a streak of 10,000 successive training sequences
(P3, P4); cap 5,000,000 sequences; no test set; initial weights in [-0.2, 0.2]) with the LSTM replaced by Table 2's
RTRL net (lstm1997.rtrl: one self-recurrent hidden unit, p+1 logistic outputs, (p+1)(p+2) + (p+2) weights) and
without sequential construction (an LSTM procedure). Weights change at every target step, which is what RTRL
means; rows ending in ``-per-sequence`` sum the steps' contributions and change them once per sequence, as our
LSTM default does (DEVIATIONS.md A1). Table 2 gives p = 10 and p = 100 the learning rates "1.0-10.0"; they get
rows at the three rates it gives for p = 4. Trials: 18, Table 2's caption ("means of 18 trials"); its p = 4
percentages 78 / 56 / 22 are 14 / 10 / 4 of 18 (and 7 / 5 / 2 of 9: the text says "7/9 of all trials").
Rows ending in ``+bias`` are an ablation: the same net with a bias weight for the hidden unit and every output
((p+1)(p+3) + (p+3) = 42 weights for p = 4, against the paper's 36). Rows ending in ``+lr-x10`` are another: the
paper's net at ten times the row's learning rate, to test whether the paper's rates were on another scale than ours
(DEVIATIONS.md, "Calibration"). These rows need numba, not torch.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial

import numpy as np

from lstm1997.experiments import EXPERIMENTS, Experiment, PaperResult
from lstm1997.rtrl import RTRLNet
from lstm1997.tasks import longlag

PAPER_RTRL = {
    (4, 1.0): (78, 1_043_000),
    (4, 4.0): (56, 892_000),
    (4, 10.0): (22, 254_000),
    **{(p, lr): (0, None) for p in (10, 100) for lr in (1.0, 4.0, 10.0)},
}
"""Table 2's RTRL rows: (p, learning rate) -> (% successful trials, mean sequences to success)."""


def rtrl_model(exp: Experiment, rng: np.random.Generator, bias: bool = False) -> RTRLNet:
    """The RTRL net for ``exp``'s numbers of inputs and outputs, weights uniform in the row's initial range."""
    return RTRLNet.init(exp.spec.n_in, exp.spec.n_out, rng, exp.spec.init_range, bias)


def _rtrl_row(p: int, lr: float, per_step: bool, bias: bool = False, lr_x10: bool = False) -> Experiment:
    base = EXPERIMENTS["longlag-2a"]
    success, seqs = PAPER_RTRL[p, lr]
    when = "every target step" if per_step else "once per sequence (sum of the steps' contributions)"
    note = "" if seqs else "Table 2: > 5,000,000 sequences, learning rates 1.0-10.0"
    ablation, suffix = "", "" if per_step else "-per-sequence"
    if bias:
        ablation += "; ABLATION: a bias weight for the hidden and every output unit (not in the paper's count)"
        suffix += "+bias"
    if lr_x10:
        ablation += f"; ABLATION: learning rate {10 * lr} instead of the paper's {lr}"
        suffix += "+lr-x10"
    return replace(
        base,
        name=f"longlag-2a~rtrl-p{p}-lr{lr}{suffix}",
        description=f"noise-free long time lag 2a, p={p}; COMPETITOR: RTRL (1 self-recurrent hidden unit, "
        f"{p + 1} outputs, all logistic), weights changed {when}{ablation}",
        spec=replace(base.spec, n_in=p + 1, n_out=p + 1),  # the task's sizes and initial range; not the model
        lr=10 * lr if lr_x10 else lr,
        generate=partial(longlag.generate_2a, p=p),
        paper=PaperResult("Table 2", success_percent=success, sequences=seqs, note=note),
        per_step=per_step,
        construct=False,
        batch=1000,
        model=partial(rtrl_model, bias=True) if bias else rtrl_model,
        weights=(p + 1) * (p + 2 + bias) + (p + 2 + bias),
    )


COMPETITORS: dict[str, Experiment] = {
    e.name: e
    for e in [
        *(_rtrl_row(p, lr, per_step) for per_step in (True, False) for (p, lr) in PAPER_RTRL),
        *(_rtrl_row(4, lr, True, bias=True) for lr in (1.0, 4.0, 10.0)),
        *(_rtrl_row(4, lr, True, lr_x10=True) for lr in (1.0, 4.0, 10.0)),
    ]
}
"""The paper's RTRL rows of Table 2 under our Exp 2a protocol (per-step rows first), then the two ablations."""
