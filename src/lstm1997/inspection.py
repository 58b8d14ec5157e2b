"""Which net ``lstm1997 inspect`` looks at (saved weights, a retrained trial, a trial stopped after N sequences, or
the same trial at moments along its training) and what the command prints or dumps; the numbers and the rules
are diagnose.py's."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from lstm1997 import store
from lstm1997.diagnose import (
    RULES,
    InspectError,
    inspect_net,
    memory_masks,
    probe_set,
    report_lines,
    trace_lines,
)
from lstm1997.experiments import Experiment
from lstm1997.network import Network
from lstm1997.store import StoreError


def _quiet(exp: Experiment, cap: int | None = None) -> Experiment:
    """``exp`` with its test sets cut to at most one sequence (the test has its own random stream, so training
    is unchanged) and, given ``cap``, at most ``cap`` training sequences."""
    return replace(exp, cap=cap or exp.cap, test_size=min(exp.test_size, 1))


def check_inspectable(exp: Experiment) -> None:
    """ValueError (one line) unless a trial of ``exp`` trains a 1997 net (not a baseline's other model)."""
    from lstm1997.models.kernel import KernelModel

    if exp.model is not None and not isinstance(exp.model(exp, np.random.default_rng(0)), KernelModel):
        raise InspectError(f"{exp.name} trains no 1997 net (a baseline with another model): nothing to inspect")
    if exp.memory_steps is None:
        raise InspectError(f"{exp.name} does not say which steps carry its information (no memory_steps)")


def stored_record(results: Path, name: str, seed: int) -> dict:
    """The record of trial ``seed`` of ``name`` in ``results``; StoreError (one line) if there is none."""
    path = store.trial_path(results, name, seed)
    if not path.exists():
        raise StoreError(f"no record of {name} seed {seed} in {results} (give --after N to train one)")
    return store.load(path)


def trained_net(
    exp: Experiment, seed: int, after: int | None, results: Path | None
) -> tuple[Network, str, dict | None]:
    """The net to inspect, one line saying where it comes from, and the trial's stored record (None with
    ``after``): trained for ``after`` sequences (fewer if the trial stops first), or the final net of the trial in
    ``results``: its saved weights, or, where none were saved, the same trial run again (deterministic: same seed,
    same net), checked against the record."""
    from lstm1997.trial import run_trial

    check_inspectable(exp)
    if after is not None:
        record, trained = run_trial(_quiet(exp, after), seed)
        assert isinstance(trained, Network)  # check_inspectable: a 1997 net
        stop = " (the trial stopped: success)" if record["success"] else ""
        return trained, f"trained seed {seed} for {record['presented']:,} sequences{stop}", None
    assert results is not None  # one of after and results is given
    stored = stored_record(results, exp.name, seed)
    saved = store.load_weights(results, exp.name, seed, exp.spec)
    if saved is not None:
        return saved, f"saved weights {store.weights_path(results, exp.name, seed)}", stored
    record, net = run_trial(_quiet(exp), seed)
    assert isinstance(net, Network)
    if (record["success"], record["presented"]) != (stored["success"], stored["presented"]):
        raise StoreError(
            f"retraining {exp.name} seed {seed} gave another trial than {store.trial_path(results, exp.name, seed)} "
            f"({record['presented']:,} sequences, not {stored['presented']:,}): another version?"
        )
    source = f"no saved weights in {results}: retrained seed {seed} for its {record['presented']:,} sequences"
    return net, source, stored


def trace(exp: Experiment, seed: int, until: int, points: int = 20) -> list[dict]:
    """Rerun trial ``seed`` of ``exp`` (at most ``until`` sequences) and report the net at about ``points``
    evenly spaced moments (chunk boundaries) and at its end; each report gains ``seen``."""
    from lstm1997.trial import Trial

    seqs = probe_set(exp)
    trial = Trial(_quiet(exp, until), seed)
    every = max(until // points, 1)
    reports: list[dict] = []

    def measure(t) -> None:
        if not reports or t.seen >= reports[-1]["seen"] + every or t.success is not None:
            reports.append({"seen": t.seen, **inspect_net(t.model.net, exp, seqs)})

    measure(trial)
    trial.run(None, measure)
    if reports[-1]["seen"] != trial.seen:
        measure(trial)
    return reports


def inspect_trial(
    name: str, seed: int, after: int | None, results: Path | None, trace_: bool, plot: Path | None
) -> tuple[list[str], dict]:
    """What ``lstm1997 inspect`` prints (lines) or, with --json, dumps (a dict), for trial ``seed`` of row ``name``:
    its net after ``after`` sequences or at the end of the trial in ``results`` (see ``trained_net``), or with
    ``trace_`` the rerun trial at about 21 moments; ``plot``: where to draw the picture."""
    from lstm1997.catalog import get_experiment

    exp = get_experiment(name)
    if after is not None and not 1 <= after <= 10**9:
        raise InspectError(f"--after must be 1 to 10**9 sequences, got {after}")
    if trace_:
        check_inspectable(exp)
        assert after is not None or results is not None  # the command gives one of them
        until = after or stored_record(results or Path(), exp.name, seed)["presented"]
        reports = trace(exp, seed, until)
        if plot:
            from lstm1997.diagnose_plot import plot_trace  # matplotlib: only when drawing

            plot_trace(exp, reports, f"seed {seed} over training", plot)
        head = f"{exp.name} seed {seed}: rerun for {until:,} sequences (fewer if it stops), probed along the way"
        return [head, *trace_lines(reports)], {"experiment": exp.name, "seed": seed, "trace": reports}
    net, source, stored = trained_net(exp, seed, after, results)
    report = inspect_net(net, exp, failed=None if stored is None else not stored["success"])
    if plot:
        from lstm1997.diagnose_plot import plot_sequence

        found = "; ".join(RULES[k].name for k in report["diagnoses"]) or "no diagnosis"
        first = probe_set(exp).take(np.arange(1))
        plot_sequence(exp, net, first, memory_masks(exp, first)[0], f"seed {seed}: {found}", plot)
    head = f"{exp.name} seed {seed}: {source}"
    return [head, *report_lines(report)], {"experiment": exp.name, "seed": seed, "source": source, **report}
