"""Baselines under the paper's protocol: the rows ``<paper row>~<model>``, other models trained exactly as the
1997 net is, on the same sequences.

Every model satisfies ``lstm1997.models.kernel.Model``: it is trained online, one sequence at a time (batch size 1),
one weight update per sequence, on the loss the paper's eqs. 19-28 differentiate,
``E = 1/2 sum_{target steps} sum_k (y_k - t_k)^2`` with logistic output units (linear ones only in the modern
rows' adding task), and judged by the row's own stopping criterion, failure cap and test set (docs/SPEC.md §1,
§1.7, §12). Only the model and its optimiser change; the models are in ``lstm1997.models``:

- ``nnlstm-h{H}-{sgd|adam}`` (models/nn_lstm.py): ``torch.nn.LSTM(n_in, H)`` + ``Linear(H, n_out)`` + logistic,
  PyTorch's default initialisation, full backpropagation through time, SGD at the paper row's learning rate or
  Adam at 1e-3 (the row's ``lr``). H is either chosen so the parameter count is closest to the paper's net
  (``matched_hidden``), or 32.
- ``nnlstm-h64-modern`` (adding-T100 and temporal-6a only): ``nn.LSTM(n_in, 64)`` as trained today, forget-gate
  bias +1, a linear output where the target is real-valued, RMSprop at ``MODERN_LR`` (the row's ``lr``) after
  clipping the gradient norm to 1 (docs/PREDICTS_THE_MEAN.md section 5).
- ``forget-gate`` and ``forget-gate-bias5`` (models/forget_gate.py): the 1997 net of the row plus one forget gate
  per block (Gers et al. 2000), forget bias initialised to +1.0 or +5.0, the paper's truncated gradient and plain
  SGD at the row's learning rate.
- ``gate-pretraining`` (models/pretraining.py): the paper's net and protocol, except that the first 2,000
  sequences train only the input-gate weights with Adam (lr 0.05) to open where the task's information enters
  (the row's ``memory_steps``). An ABLATION, not the paper's method; the pre-training sequences are counted.

``BASELINES`` holds the rows: the paper row with ``model=`` set and ``trials=10``, everything else (criteria,
caps, test sets, paper figures) unchanged, and the learning rate too except where the optimiser has its own step
size (Adam, RMSprop): there ``lr`` is that step size. ``lstm1997.get_experiment`` finds them by name. A row's
model factory imports its model module when a trial calls it, so importing this module does not import torch.
"""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import TYPE_CHECKING, Literal

import numpy as np

from lstm1997.experiments import EXPERIMENTS, Experiment
from lstm1997.network import NetworkSpec
from lstm1997.nnlstm import n_parameters

if TYPE_CHECKING:
    from lstm1997.models.kernel import Model

BASE_ROWS = ("adding-T100", "adding-T500", "multiplication-T100", "temporal-6a", "twoseq-3a-T100-N3")
"""Paper rows that get baseline variants."""

LARGE_HIDDEN = 32
"""Hidden size of the larger ``nn.LSTM`` baseline."""

ADAM_LR = 1e-3
"""Adam's step size in the ``nnlstm-h{H}-adam`` rows (torch.optim.Adam's default)."""

MODERN_HIDDEN = 64
"""Hidden size of the modern-practice row (that of the published student project it is compared with)."""

MODERN_CLIP = 1.0
"""Gradient-norm bound of the modern-practice row (``clip_grad_norm_(max_norm=1.0)``, the common default)."""

MODERN_FORGET_BIAS = 1.0
"""Total initial forget-gate bias of the modern-practice rows (Gers et al. 2000; Jozefowicz et al. 2015)."""

MODERN_LR = {"adding-T100": 3e-4, "temporal-6a": 3e-4}
"""RMSprop step size of each modern-practice row, chosen by the sweep of ``analysis/modern_sweep.py`` (3e-4, 1e-3,
3e-3 on screening seeds 1000-1001, cap 150,000; docs/figures/modern_sweep.txt, docs/PREDICTS_THE_MEAN.md section
5): temporal-6a 1/2 at 3e-4 after 61,217 sequences against 1/2 after 75,365 at 1e-3; adding-T100 0/2 at every step
size, 3e-4 by the sweep's last rule (the lowest final training error, 0.03873 against 0.03884-0.03887: a tie on the
trivial predictor's plateau)."""

MODERN_LINEAR = {"adding-T100": True, "temporal-6a": False}
"""Whether each modern-practice row has a linear output: where the target is real-valued (the adding problem), not
where it is a one-hot class (temporal order)."""


def matched_hidden(spec: NetworkSpec) -> int:
    """The hidden size whose ``TorchLSTMNet`` parameter count is closest to the 1997 net's weight count."""
    return min(range(1, 65), key=lambda h: abs(n_parameters(spec.n_in, h, spec.n_out) - spec.n_weights))


# The rows' model factories: each imports its model module only when a trial builds the model.


def nn_lstm(exp: Experiment, init_rng: np.random.Generator, hidden: int, optimizer: Literal["sgd", "adam"]) -> Model:
    from lstm1997.models.nn_lstm import nn_lstm_model

    return nn_lstm_model(exp, init_rng, hidden, optimizer)


def modern(
    exp: Experiment, init_rng: np.random.Generator, linear: bool, forget_bias: float = MODERN_FORGET_BIAS
) -> Model:
    from lstm1997.models.nn_lstm import modern_model

    return modern_model(exp, init_rng, MODERN_HIDDEN, MODERN_CLIP, linear, forget_bias)


def forget_gate(exp: Experiment, init_rng: np.random.Generator, forget_bias: float) -> Model:
    from lstm1997.models.forget_gate import forget_gate_model

    return forget_gate_model(exp, init_rng, forget_bias)


def gate_pretrained(exp: Experiment, init_rng: np.random.Generator) -> Model:
    from lstm1997.models.pretraining import gate_pretrained_model

    return gate_pretrained_model(exp, init_rng)


def _row(base: Experiment, suffix: str, what: str, model, **changes) -> Experiment:
    return replace(
        base,
        name=f"{base.name}~{suffix}",
        description=f"{base.description}; BASELINE: {what}",
        model=model,
        trials=10,
        **changes,
    )


def _variants(base: Experiment) -> list[Experiment]:
    spec = base.spec
    rows = []
    for hidden in (matched_hidden(spec), LARGE_HIDDEN):
        n_par = n_parameters(spec.n_in, hidden, spec.n_out)
        net = f"torch.nn.LSTM({spec.n_in}, {hidden}) + logistic outputs ({n_par} parameters)"
        rows += [
            _row(base, f"nnlstm-h{hidden}-sgd", f"{net}, full BPTT, SGD at the row's lr",
                 partial(nn_lstm, hidden=hidden, optimizer="sgd"), weights=n_par),
            _row(base, f"nnlstm-h{hidden}-adam", f"{net}, full BPTT, Adam lr 1e-3 (the row's lr)",
                 partial(nn_lstm, hidden=hidden, optimizer="adam"), lr=ADAM_LR, weights=n_par),
        ]  # fmt: skip
    for bias, suffix in ((1.0, "forget-gate"), (5.0, "forget-gate-bias5")):
        rows.append(
            _row(base, suffix, f"1997 net + forget gates (Gers et al. 2000), forget bias +{bias:g}, truncated "
                 "gradient, SGD at the row's lr", partial(forget_gate, forget_bias=bias))
        )  # fmt: skip
    rows.append(
        _row(base, "gate-pretraining", "ABLATION: the first 2,000 sequences train only the input gates with Adam "
             "(lr 0.05) to open where the task's information enters, then the paper's protocol; pre-training "
             "sequences are counted", gate_pretrained)
    )  # fmt: skip
    return rows


def modern_row(base: Experiment, lr: float, forget_bias: float = MODERN_FORGET_BIAS) -> Experiment:
    """``<row>~nnlstm-h64-modern``: nn.LSTM(n_in, 64) as practised today (``models.nn_lstm.modern_model``) at
    RMSprop step ``lr`` (the row's ``lr``), under the row's protocol; linear outputs where the targets are
    real-valued (not for one-hot classes). Another ``forget_bias`` than the rows' is for analysis scripts only."""
    linear = MODERN_LINEAR[base.name]
    out = "a linear output" if linear else "logistic outputs"
    what = (f"torch.nn.LSTM({base.spec.n_in}, {MODERN_HIDDEN}) + {out}, forget-gate bias {forget_bias:+g}, full "
            f"BPTT, RMSprop lr {lr:g}, gradient norm clipped to {MODERN_CLIP:g}")  # fmt: skip
    n_par = n_parameters(base.spec.n_in, MODERN_HIDDEN, base.spec.n_out)
    model = partial(modern, linear=linear)  # the rows' settings fingerprint as before forget_bias was a parameter
    if forget_bias != MODERN_FORGET_BIAS:
        model = partial(modern, linear=linear, forget_bias=forget_bias)
    return _row(base, f"nnlstm-h{MODERN_HIDDEN}-modern", what, model, lr=lr, weights=n_par)


BASELINES: dict[str, Experiment] = {e.name: e for base in BASE_ROWS for e in _variants(EXPERIMENTS[base])}
"""Baseline rows ``<paper row>~<model>``: the paper row with another model, under the paper's protocol."""
BASELINES.update({f"{n}~nnlstm-h{MODERN_HIDDEN}-modern": modern_row(EXPERIMENTS[n], lr) for n, lr in MODERN_LR.items()})
