"""Several trials of one row trained side by side: each round, every running trial's next chunk is trained in one
compiled call for all of them (lstm1997.lanes, one net per lane), then each trial judges its own chunk exactly as
``Trial.run`` does (``Trial.next_chunk`` and ``Trial.after_training``: the same chunks, the same criteria, the same
mid-chunk cut redone with the one-net kernel, the same checkpoints). The lane kernel gives every net the bits the
one-net kernel gives it, so each trial's record equals ``run_trial``'s (all but the timing fields). A trial that
ends hands its lane to the next seed.

Which rows and how many lanes (``lane_count``): the paper's 1997 net with the truncated gradient, without Exp 2a's
construction (``shares_lanes``), 16 lanes where they were measured to gain (docs/PERFORMANCE.md: 1.2-1.5x per
core at K=16 for the adding and temporal-order nets, by CPU), one net elsewhere.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from lstm1997 import lanes
from lstm1997.experiments import Experiment
from lstm1997.models.kernel import KernelModel, Model
from lstm1997.network import Network
from lstm1997.sequences import Sequences
from lstm1997.trial import CHECKPOINT_EVERY, Progress, Started, start_trial

__all__ = ["LANES", "MIN_GROUP", "MIN_LANES", "WIDE_INPUTS", "lane_count", "run_in_lanes", "shares_lanes"]

LANES = 16
"""Lanes per call for the rows where lanes gain (benchmarks/lanes.py: K=16 was the fastest measured)."""

MIN_LANES = 8
"""Fewer running trials than this train one after another with the one-net kernel: a lane call of fewer nets is
slower than as many one-net calls, or no faster (benchmarks/lanes.py, adding and temporal-order nets: on an AMD
EPYC 0.55x at K=1, 0.8x at K=2, 1.0x at K=4, 1.2x at K=8; on an Intel Xeon 0.9x at K=4, 1.0x at K=8)."""

MIN_GROUP = 8
"""A sweep groups a row's trials for lanes only if every worker gets at least this many (benchmarks/sweep.py:
adding-T100, 8 trials on 2 workers, groups of 4 ran at 0.84x the one-net sweep's network-steps per second)."""

WIDE_INPUTS = 16
"""Rows with more inputs than this have one-hot inputs over many columns (Exp 2b, 2c): each lane gathers its own
weight column, so lanes do not gain (1.02x at K=16 for the 2c net); their trials train one net at a time."""


def shares_lanes(exp: Experiment) -> bool:
    """Whether trials of ``exp`` can train in lanes: the paper's model (``exp.model`` None: not a baseline, competitor
    or forget-gate row), the truncated gradient (the lane kernel has no full-gradient mode), no Exp 2a construction
    (its masks change per trial while it runs)."""
    return exp.model is None and exp.gradient == "truncated" and not exp.construct


def lane_count(exp: Experiment) -> int:
    """The default number of lanes for trials of ``exp``: ``LANES`` where lanes gain, 1 (one net per call, the
    one-net path) where they cannot be used or do not gain: Exp 1's Reber rows (a target at every step: 0.95x at
    K=16, their weights, gradients and traces out of the level-1 cache) and rows with wide one-hot inputs."""
    if not shares_lanes(exp) or exp.training_set == "reber" or exp.spec.n_in > WIDE_INPUTS:
        return 1
    return LANES


Job = tuple[int, Path | None]
"""A trial to run: its seed, and its checkpoint file (None: none; resumed from if it exists)."""


def run_in_lanes(
    exp: Experiment,
    jobs: Sequence[Job],
    n_lanes: int = LANES,
    checkpoint_every: float = CHECKPOINT_EVERY,
    progress: Callable[[int], Progress | None] | None = None,
    min_lanes: int = MIN_LANES,
) -> Iterator[tuple[dict, Network | Model]]:
    """Run the trials ``jobs`` of ``exp``, up to ``n_lanes`` at a time in lanes; yields each trial's record and
    final net (``run_trial``'s result) as soon as it ends, in the order they end. ``progress(seed)`` gives the
    trial's progress callback; each trial checkpoints to its own file as ``run_trial`` does. While fewer than
    ``min(min_lanes, n_lanes)`` trials run, they train one after another with the one-net kernel (same results)."""
    if not shares_lanes(exp):
        raise ValueError(f"trials of {exp.name} cannot share lanes (a baseline or competitor model, the full gradient "
                         "or Exp 2a's construction): run them with run_trial")  # fmt: skip
    if isinstance(n_lanes, bool) or not isinstance(n_lanes, int) or n_lanes < 1:
        raise ValueError(f"n_lanes must be a whole number of 1 or more, got {n_lanes!r}")
    waiting = deque(jobs)
    running: list[Started] = []
    while running or waiting:
        round_start = time.perf_counter()
        pool, ready = deque(running), list[tuple[Started, Sequences]]()
        while pool or (waiting and len(ready) < n_lanes):  # the running trials, then new ones into free lanes
            started = pool.popleft() if pool else start_trial(exp, *waiting.popleft(), checkpoint_every)
            seqs = started.trial.next_chunk()
            if seqs is None:
                yield started.record()
            else:
                ready.append((started, seqs))
        if ready:
            _train_round(exp, ready, progress, min(min_lanes, n_lanes))
            share = (time.perf_counter() - round_start) / len(ready)
            for started, _ in ready:
                started.shared = (started.shared or 0.0) + share
        running = [started for started, _ in ready]


def _train_round(
    exp: Experiment,
    ready: list[tuple[Started, Sequences]],
    progress: Callable[[int], Progress | None] | None,
    min_lanes: int,
) -> None:
    """Train every running trial's chunk (in one lane call, or one net at a time below ``min_lanes``), then let
    each trial judge its chunk."""
    models = [_kernel_model(started) for started, _ in ready]
    before = [model.copy() for model in models]
    for started, seqs in ready:
        started.trial.steps += seqs.n_steps
    if len(ready) >= min_lanes:
        outs = lanes.train_lanes([m.net for m in models], [seqs for _, seqs in ready], exp.lr, exp.per_step)
    else:
        outs = [m.train(seqs, exp.lr, exp.per_step) for m, (_, seqs) in zip(models, ready)]
    for (started, seqs), out, model in zip(ready, outs, before):
        report = progress(started.trial.seed) if progress is not None else None
        started.trial.after_training(seqs, out, model, report, started.saver)


def _kernel_model(started: Started) -> KernelModel:
    model = started.trial.model
    if not isinstance(model, KernelModel) or model.full or model.masks is not None:
        raise ValueError(f"trial {started.trial.seed} of {started.trial.exp.name} does not train the 1997 net with all "
                         "its connections and the truncated gradient: it cannot share lanes")  # fmt: skip
    return model
