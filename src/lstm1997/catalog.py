"""Every runnable row by name: the paper's rows (experiments.py), the ablations (ablations.py), rows with named
deviations or under a profile (profiles.py), the paper's competitor rows (competitors.py) and the baselines
(``<row>~<model>``, baseline_rows.py; their models need torch, imported only when a trial builds one)."""

from __future__ import annotations

import difflib
import importlib.util

from lstm1997 import profiles
from lstm1997.ablations import ABLATIONS
from lstm1997.baseline_rows import BASELINES
from lstm1997.competitors import COMPETITORS
from lstm1997.experiments import EXPERIMENTS, Experiment


class UnknownExperiment(KeyError):
    """No experiment of that name (a ``KeyError``; its message names the closest names)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def get_experiment(name: str) -> Experiment:
    """The paper row, ablation, row with named deviations or under a profile (``<row>+...``, lstm1997.profiles),
    competitor (``<row>~rtrl-...``, lstm1997.competitors) or baseline (``<row>~<model>``; needs torch) called
    ``name``; an ``UnknownExperiment`` (a ``KeyError``) naming the closest names if there is none."""
    for rows in (EXPERIMENTS, ABLATIONS, COMPETITORS):
        if name in rows:
            return rows[name]
    base, *changes = name.split("+")
    if base in EXPERIMENTS and changes and "~" not in name:
        if len(changes) == 1 and changes[0] in profiles.PROFILES:
            return profiles.PROFILES[changes[0]].row(EXPERIMENTS[base])
        try:
            return profiles.apply(EXPERIMENTS[base], changes)
        except (KeyError, ValueError) as e:
            raise UnknownExperiment(e.args[0]) from None
    if name in BASELINES:
        if importlib.util.find_spec("torch") is None:
            raise UnknownExperiment(f"baseline {name!r} needs torch; pip install 'lstm1997[torch]'")
        return BASELINES[name]
    close = difflib.get_close_matches(name, [*EXPERIMENTS, *ABLATIONS, *COMPETITORS, *BASELINES], n=3, cutoff=0.4)
    hint = f"; did you mean {' or '.join(close)}?" if close else "; `lstm1997 list` shows all names"
    raise UnknownExperiment(f"unknown experiment {name!r}{hint}")


def listed(everything: bool = False) -> list[Experiment]:
    """The rows ``lstm1997 list`` shows: the 30 paper rows, and with ``everything`` the ablations, the competitor
    rows, the baseline rows and every paper row under each profile."""
    rows = list(EXPERIMENTS.values())
    if everything:
        rows += [*ABLATIONS.values(), *COMPETITORS.values(), *BASELINES.values()]
        rows += [p.row(e) for p in profiles.PROFILES.values() for e in EXPERIMENTS.values()]
    return rows
