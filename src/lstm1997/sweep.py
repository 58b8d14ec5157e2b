"""Many trials in parallel, resumable through the results store: local processes, or Ray tasks on a cluster.

Reliability contract: a trial's record is a pure function of (experiment, seed, numerics version) apart from
TIMING_FIELDS, whatever the backend, worker count or order of completion. With ``out``, each finished
trial is saved at once (atomically; a 1997 net's final weights first, then the record) and its checkpoint
removed; a running trial checkpoints itself to ``out`` every ``checkpoint_every`` seconds. A sweep killed at
any moment (even with SIGKILL) and rerun with the same arguments loads the finished trials, resumes the
checkpointed ones and runs the rest, so it ends with exactly the records of an uninterrupted run.

Trials of a row that can share lanes (lstm1997.lane_trials) run in groups, one group per worker (or Ray task),
each group's trials side by side in lanes; a local worker sends each record as its trial ends, a Ray task its
group's records when the group ends. ``lanes=1`` runs every trial alone (the one-net reference path).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

import numpy as np

from lstm1997 import checkpoints, store
from lstm1997.experiments import Experiment
from lstm1997.lane_trials import MIN_GROUP, lane_count, run_in_lanes, shares_lanes
from lstm1997.network import Network
from lstm1997.store import StoreError
from lstm1997.trial import CHECKPOINT_EVERY, run_trial
from lstm1997.workers import BackendError, Unit, final
from lstm1997.workers import run_local as _run_local

if TYPE_CHECKING:  # annotations only (typing.Unpack is Python 3.11+)
    from typing_extensions import Unpack

TIMING_FIELDS = ("wall_time", "steps_per_s")
"""Record fields that measure the machine, not the trial; everything else is a function of (experiment, seed)."""


def reproducible(record: dict, *also: str) -> dict:
    """The record without its TIMING_FIELDS and the fields named in ``also`` (e.g. "provenance"): the part a rerun
    of its trial must reproduce exactly."""
    return {k: v for k, v in record.items() if k not in TIMING_FIELDS and k not in also}


BACKENDS = ("local", "ray")
"""Where trials run: local processes, or Ray tasks (a local Ray instance, or a cluster given by address)."""

MAX_WORKERS = 4096
"""More parallel trials than this is taken for a mistake."""

MAX_SEED = 2**32 - 1
"""The largest seed (the documented range is 0 .. 2**32-1)."""

Report = Callable[[str, dict], None]
"""report(event, info): "progress" {experiment, seed, seen, cap, error}, "done" {record, resumed}.
Under Ray there are no "progress" events: each trial reports once, when done."""


class Options(TypedDict, total=False):
    """Where and how trials run: ``run_plan``'s keyword arguments, which ``run_trials`` passes on."""

    backend: str
    """"local" (default) or "ray"."""
    address: str | None
    """With backend "ray": the cluster (host:port or auto); None: a local Ray."""
    checkpoint_every: float
    """Seconds between two checkpoints of a running trial (with ``out``; default CHECKPOINT_EVERY)."""
    lanes: int | None
    """Trials side by side per worker or Ray task: None (default) each row's ``lane_count``; 1: one trial at a
    time (the one-net path); K: up to K for every row that can share lanes (``shares_lanes``), grouped from 2
    trials per worker on."""


def run_trials(
    exp: Experiment,
    seeds: Iterable[int],
    workers: int = 1,
    out: Path | None = None,
    report: Report | None = None,
    **options: Unpack[Options],
) -> list[dict]:
    """Run ``exp`` once per seed on ``workers`` workers (each a trial at a time, or a group of trials in lanes:
    ``lanes``); returns the records in seed order.

    With ``out``, trials already stored there are loaded instead of rerun, each finished trial is saved at
    once, and running trials checkpoint themselves there every ``checkpoint_every`` seconds (0: every
    chunk), so an interrupted sweep resumes where it stopped. ``backend="ray"`` runs each trial (or group) as a
    Ray task: on the cluster at ``address`` if given (``workers`` is then the cluster's business), else on a
    local Ray instance with ``workers`` CPUs (an already initialised Ray is used as it is)."""
    return run_plan([(exp, seeds)], workers, out, report, **options)[0]


def run_plan(
    plan: Sequence[tuple[Experiment, Iterable[int]]],
    workers: int = 1,
    out: Path | None = None,
    report: Report | None = None,
    *,
    backend: str = "local",
    address: str | None = None,
    checkpoint_every: float = CHECKPOINT_EVERY,
    lanes: int | None = None,
) -> list[list[dict]]:
    """Like run_trials for several rows at once: all their trials share one pool of workers, the most
    expensive first, so no core idles between rows. Returns each row's records in seed order."""
    rows = [(exp, _check_args(exp, seeds, workers, backend, address)) for exp, seeds in plan]
    if lanes is not None and (isinstance(lanes, bool) or not isinstance(lanes, int | np.integer) or lanes < 1):
        raise ValueError(f"lanes must be None or a whole number of 1 or more, got {lanes!r}")
    store.provenance()  # the commit of the code this process loaded, not of a later HEAD when a trial ends
    names = [exp.name for exp, _ in rows]
    if len(set(names)) != len(names):
        raise ValueError(f"a plan names each experiment once, got {names}")
    if out is None:
        return _run_rows(rows, workers, None, report, backend, address, checkpoint_every, lanes)
    out = Path(out).absolute()
    store.check_writable(out)
    with store.locked(out):  # two sweeps writing into one folder would remove each other's temporary files
        return _run_rows(rows, workers, out, report, backend, address, checkpoint_every, lanes)


def _run_rows(
    rows: list[tuple[Experiment, list[int]]],
    workers: int,
    out: Path | None,
    report: Report | None,
    backend: str,
    address: str | None,
    checkpoint_every: float,
    lanes: int | None,
) -> list[list[dict]]:
    records: dict[tuple[str, int], dict] = {}
    if out is not None:  # every check before the first trial runs
        for exp, _ in rows:
            store.check_experiment_folder(out, exp.name)
        for exp, seeds in rows:
            records.update({(exp.name, s): r for s, r in _stored(exp, seeds, out, report).items()})
    jobs = []
    for exp, seeds in rows:
        for seed in seeds:
            if (exp.name, seed) not in records:
                checkpoint = None
                if out is not None:
                    store.remove_temporary(out, exp.name, seed)
                    checkpoint = store.checkpoint_path(out, exp.name, seed)
                    if checkpoint.exists():
                        checkpoints.load(checkpoint, exp, seed)  # refused now, not after other trials ran
                jobs.append((exp, seed, checkpoint, checkpoint_every))
    cost = {exp.name: _expected_cost(exp) for exp, _ in rows}
    jobs.sort(key=lambda job: cost[job[0].name], reverse=True)  # stable: seeds stay in order within a row

    def finished(record: dict, net: object) -> None:
        if out is not None:
            if isinstance(net, Network):  # the baselines' other models have no 1997 weights to save
                store.save_weights(out, record["experiment"], record["seed"], net)
            store.save(out, record)
            store.checkpoint_path(out, record["experiment"], record["seed"]).unlink(missing_ok=True)
        records[(record["experiment"], record["seed"])] = record
        if report:
            report("done", {"record": record, "resumed": False})

    units = _units(jobs, workers, lanes, backend == "ray")
    if backend == "ray":
        _run_ray(units, workers, address, finished)
    elif workers <= 1 or len(units) <= 1:
        for exp, group, n_lanes, every in units:
            if n_lanes == 1:
                seed, checkpoint = group[0]
                finished(*run_trial(exp, seed, _Progress(report, exp.name, seed), checkpoint, every))
            else:
                for result in run_in_lanes(exp, group, n_lanes, every, partial(_Progress, report, exp.name)):
                    finished(*result)
    else:
        try:
            _run_local(units, workers, report, finished)
        except BaseException:  # the workers are dead now; one may have been killed inside write_atomic
            if out is not None:
                for exp, seed, *_ in jobs:
                    if (exp.name, seed) not in records:
                        store.remove_temporary(out, exp.name, seed)
            raise
    return [[records[(exp.name, s)] for s in seeds] for exp, seeds in rows]


def _units(jobs: list[tuple], workers: int, lanes: int | None, ray: bool = False) -> list[Unit]:
    """The trials as units of work, in the order of ``jobs``: each row that shares lanes split into one group per
    worker (seeds dealt out in turn; under Ray at least one group per ``lane_count`` trials, as a cluster has more
    CPUs than ``workers`` says) when each group gets at least ``MIN_GROUP`` trials (2 with ``lanes`` given); other
    trials alone."""
    rows: dict[str, tuple[Experiment, list]] = {}
    for exp, seed, checkpoint, every in jobs:
        rows.setdefault(exp.name, (exp, []))[1].append((seed, checkpoint, every))
    units: list[Unit] = []
    for exp, row in rows.values():
        n_lanes = lane_count(exp) if lanes is None else lanes if shares_lanes(exp) else 1
        groups = max(min(workers, len(row)), -(-len(row) // n_lanes) if ray else 1)
        if n_lanes == 1 or len(row) // groups < (MIN_GROUP if lanes is None else 2):
            units += [(exp, [(seed, checkpoint)], 1, every) for seed, checkpoint, every in row]
        else:
            units += [(exp, [(s, c) for s, c, _ in row[i::groups]], n_lanes, row[0][2]) for i in range(groups)]
    return units


def _expected_cost(exp: Experiment) -> float:
    """Network steps a trial of ``exp`` may take, roughly: the paper's sequences times the mean length."""
    length = float(exp.generate(np.random.default_rng(0), 4).lengths.mean())
    return (exp.paper.sequences or exp.cap) * length


def _check_args(exp: Experiment, seeds: Iterable[int], workers: int, backend: str, address: str | None) -> list[int]:
    """The seeds as a list; ValueError/TypeError for anything a sweep cannot run."""
    if not isinstance(exp, Experiment):
        raise TypeError(f"exp must be an Experiment (see lstm1997.get_experiment), got {type(exp).__name__}")
    if isinstance(seeds, str | bytes) or not isinstance(seeds, Iterable):
        raise TypeError(f"seeds must be a sequence of whole numbers, got {seeds!r}")
    seeds = list(seeds)
    for s in seeds:
        if isinstance(s, bool) or not isinstance(s, int | np.integer) or not 0 <= s <= MAX_SEED:
            raise ValueError(f"seeds must be whole numbers in 0 .. 2**32-1 (non-negative), got {s!r}")
    seeds = [int(s) for s in seeds]
    if len(set(seeds)) != len(seeds):
        raise ValueError("seeds must be distinct: a seed determines its trial, so a repeated seed repeats it")
    if isinstance(workers, bool) or not isinstance(workers, int | np.integer) or not 1 <= workers <= MAX_WORKERS:
        raise ValueError(f"workers must be a whole number from 1 to {MAX_WORKERS}, got {workers!r}")
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
    if address is not None and (backend != "ray" or not isinstance(address, str) or not address.strip()):
        raise ValueError(f"address {address!r} needs backend 'ray' and a non-empty 'host:port' or 'auto'")
    return seeds


def _stored(exp: Experiment, seeds: Sequence[int], out: Path, report: Report | None) -> dict[int, dict]:
    """The records of ``seeds`` already in ``out`` (reported as resumed); stale checkpoints are removed."""
    records = {}
    for seed in seeds:
        path = store.trial_path(out, exp.name, seed)
        if not path.exists():
            continue
        record = store.load(path)
        if record["experiment"] != exp.name or record["seed"] != seed:
            raise StoreError(f"{path} holds the record of {record['experiment']} seed {record['seed']}")
        _check_reusable(path, record, exp)
        store.checkpoint_path(out, exp.name, seed).unlink(missing_ok=True)  # killed after save, before unlink
        records[seed] = record
        if report:
            report("done", {"record": record, "resumed": True})
    return records


def _check_reusable(path: Path, record: dict, exp: Experiment) -> None:
    """StoreError unless the stored ``record`` is what this code would compute for its trial: the same numerics
    version and (where the record has one: records from before 0.1.0's fingerprints have none) the same
    fingerprint of the row's settings."""
    again = "move it out of the folder (or delete it) to rerun that trial with this code"
    if store.numerics(record) != store.NUMERICS_VERSION:
        made_by = record["provenance"].get("lstm1997", "?")
        raise StoreError(
            f"{path} was computed with numerics version {store.numerics(record)} (lstm1997 {made_by}); this code "
            f"computes version {store.NUMERICS_VERSION}: {again}, or resume with the code that made it"
        )
    if "fingerprint" in record and record["fingerprint"] != exp.fingerprint():
        raise StoreError(
            f"{path} was computed with other settings of {exp.name} (fingerprint {record['fingerprint']}, this "
            f"code's {exp.fingerprint()}): {again}"
        )


class _Progress:
    """Forwards a trial's progress to ``report`` as "progress" events."""

    def __init__(self, report: Report | None, experiment: str, seed: int):
        self.report, self.experiment, self.seed = report, experiment, seed

    def __call__(self, seen: int, cap: int, error: float) -> None:
        if self.report:
            info = {"experiment": self.experiment, "seed": self.seed, "seen": seen, "cap": cap, "error": error}
            self.report("progress", info)


# --- Ray ---------------------------------------------------------------------------------------------------


def _ray():
    """The ray module, imported only when asked for (it is an optional extra and slow to import)."""
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # never phone home from a test or a sweep
    try:
        import ray
    except ImportError:
        raise BackendError('the ray backend needs Ray: pip install "lstm1997[ray]"') from None
    return ray


def _ray_init(ray, address: str | None, workers: int) -> None:
    if ray.is_initialized():
        return
    options = {"include_dashboard": False, "log_to_driver": False, "logging_level": logging.WARNING}
    try:
        if address:
            ray.init(address=address, **options)
        else:  # a new instance of our own, even if `ray start` left one running on this machine
            ray.init(address="local", num_cpus=workers, **options)
    except Exception as e:  # Ray raises ConnectionError, RuntimeError, ValueError, ... for an unusable address
        where = f"at {address}" if address else "locally"
        raise BackendError(f"cannot start Ray {where}: {' '.join(str(e).split())[:300]}") from None


def _ray_unit(
    exp: Experiment, group: list[tuple[int, Path | None]], n_lanes: int, every: float
) -> list[tuple[dict, Network | None]]:
    """One trial, or a group of trials in lanes, as a Ray task; each checkpoints to the shared results folder, so
    a retried task resumes. A group's records come back together, when its last trial ends."""
    if n_lanes == 1:
        seed, checkpoint = group[0]
        return [final(run_trial(exp, seed, None, checkpoint, every))]
    return [final(result) for result in run_in_lanes(exp, group, n_lanes, every)]


def _run_ray(
    units: list[Unit], workers: int, address: str | None, finished: Callable[[dict, Network | None], None]
) -> None:
    if not units:
        return
    ray = _ray()
    _ray_init(ray, address, workers)
    task = ray.remote(num_cpus=1, max_retries=3)(_ray_unit)  # retried after a lost node: resumes from its checkpoint
    refs = [task.remote(*unit) for unit in units]
    try:
        while refs:
            done, refs = ray.wait(refs, num_returns=1, timeout=0.5)
            for ref in done:
                for result in _ray_get(ray, ref):
                    finished(*result)
    except BaseException:
        for ref in refs:
            ray.cancel(ref, force=True)
        raise


def _ray_get(ray, ref) -> list[tuple[dict, Network | None]]:
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as e:
        cause = getattr(e, "cause", None)
        if isinstance(cause, StoreError | ValueError | TypeError):
            raise type(cause)(*cause.args) from None
        raise BackendError(f"a trial failed on Ray: {' '.join(str(cause or e).split())[:300]}") from None
    except ray.exceptions.RayError as e:
        raise BackendError(f"a trial was lost on Ray: {' '.join(str(e).split())[:300]}") from None
