"""What of a running trial a checkpoint holds (lstm1997.checkpoints writes it to a file): the model, the three
random generators' states, the counters, the criterion's window or streak, milestones, tests, learning curve
and Exp 2a's construction phase, as plain data. The sensitivities restart with every sequence, so they are not
state. The layout is that of checkpoint format 2 (a checkpoint written before the trial's parts moved apart
resumes)."""

from __future__ import annotations

from typing import Protocol

from lstm1997.criteria import Judge
from lstm1997.models.kernel import Model


class Running(Protocol):
    """A running trial (lstm1997.trial.Trial) as far as its state is concerned; the attributes of ``RNGS`` and
    ``PLAIN`` are read and written by name."""

    judge: Judge
    """The criterion's judge, with its window or streak."""
    model: Model
    """What the trial trains."""


RNGS = ("init_rng", "data_rng", "test_rng")
"""The trial's random generators, saved as their bit generators' states."""

PLAIN: tuple[str, ...] = ("seen", "steps", "milestones", "tests", "curve", "curve_stride", "chunks", "success")
PLAIN += ("diverged", "sequences", "recent_error", "tested", "hidden_init", "previous_phase_error")
"""Trial attributes saved as they are (plain data; the last two only in Exp 2a's construction)."""

JUDGED = ("window", "streak")
"""What the criterion's judge keeps (``window``: ST3's and NSeq's; ``streak``: Exp 2's)."""


def state(trial: Running) -> dict:
    """Everything that changes while ``trial`` runs, as plain data: what a checkpoint holds."""
    judged = {"window": None, "streak": 0, **trial.judge.state()}
    saved = {k: getattr(trial, k) for k in PLAIN if hasattr(trial, k)}
    saved["streak"] = judged["streak"]
    saved["model"] = trial.model.state()
    saved["window"] = judged["window"]
    saved["rngs"] = {k: getattr(trial, k).bit_generator.state for k in RNGS}
    return saved


def restore(trial: Running, saved: dict) -> None:
    """Continue ``trial`` from ``saved`` (``state`` of a trial of the same experiment and seed); ValueError,
    KeyError or TypeError if it is not such a state."""
    saved = dict(saved)
    expected = {k for k in PLAIN if hasattr(trial, k)} | {"model", "rngs", *JUDGED}
    if saved.keys() != expected:
        raise ValueError(f"a trial state has the fields {sorted(expected)}, got {sorted(saved)}")
    rngs = saved.pop("rngs")
    for k in RNGS:
        getattr(trial, k).bit_generator.state = rngs[k]
    trial.model.restore(saved.pop("model"))
    trial.judge.restore({k: saved.pop(k) for k in JUDGED})
    vars(trial).update(saved)
