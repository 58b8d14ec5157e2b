"""Where a sweep's trials run on this machine (lstm1997.sweep decides which): worker processes, each running one
trial (``run_trial``) or a group of one row's trials side by side in lanes (``lane_trials.run_in_lanes``).
Progress, and the records of a group's trials as each ends, come to the parent through a queue; a worker dies with
its parent."""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing as mp
import os
import queue as queue_module
import signal
import sys
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from lstm1997.experiments import Experiment
from lstm1997.lane_trials import run_in_lanes
from lstm1997.network import Network
from lstm1997.trial import run_trial

Report = Callable[[str, dict], None]
"""report(event, info), as lstm1997.sweep.Report."""


class BackendError(RuntimeError):
    """The chosen backend cannot run the trials (Ray not installed or not reachable, a task lost)."""


Unit = tuple[Experiment, list[tuple[int, Path | None]], int, float]
"""What one worker runs: trials (seed, checkpoint) of a row, in that many lanes (1: one trial, alone), and the
seconds between checkpoints."""


_queue = None
_parent = None


def _init_worker(q) -> None:
    """In each worker: progress goes to ``q``; Ctrl-C is left to the parent (which stops the workers); and the
    worker dies with its parent, so a killed sweep leaves no trial running on."""
    global _queue, _parent
    _queue, _parent = q, os.getppid()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    _exit_if_orphaned()


def _exit_if_orphaned() -> None:
    if _parent is not None and os.getppid() != _parent:
        os._exit(1)


def _run_one(exp: Experiment, seed: int, checkpoint: Path | None, every: float) -> tuple[dict, Network | None]:
    last = [0.0]

    def progress(seen: int, cap: int, error: float) -> None:
        _exit_if_orphaned()  # where PR_SET_PDEATHSIG is not available
        now = time.monotonic()
        if _queue is not None and now - last[0] > 0.5:
            last[0] = now
            _queue.put({"experiment": exp.name, "seed": seed, "seen": seen, "cap": cap, "error": error})

    return final(run_trial(exp, seed, progress, checkpoint, every))


def _run_group(exp: Experiment, group: list[tuple[int, Path | None]], n_lanes: int, every: float) -> list[int]:
    """In a worker: a group of trials in lanes; each record is sent to the parent as its trial ends (with the
    progress, in order); returns the seeds."""
    last: dict[int, float] = {}

    def progress(seed: int) -> Callable[[int, int, float], None]:
        def report(seen: int, cap: int, error: float) -> None:
            _exit_if_orphaned()
            now = time.monotonic()
            if _queue is not None and now - last.get(seed, 0.0) > 0.5:
                last[seed] = now
                _queue.put({"experiment": exp.name, "seed": seed, "seen": seen, "cap": cap, "error": error})

        return report

    for result in run_in_lanes(exp, group, n_lanes, every, progress):
        assert _queue is not None, "runs in a worker of _run_local"
        _queue.put(("done", *final(result)))
    return [seed for seed, _ in group]


def final(result: tuple[dict, object]) -> tuple[dict, Network | None]:
    """A trial's record and its final 1997 net (None for a baseline's other model), to send to the parent."""
    record, net = result
    return record, net if isinstance(net, Network) else None


def run_local(
    units: list[Unit], workers: int, report: Report | None, finished: Callable[[dict, Network | None], None]
) -> None:
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    with ProcessPoolExecutor(min(workers, len(units)), mp_context=ctx, initializer=_init_worker, initargs=(q,)) as pool:
        pending: dict[Future, str] = {}  # each unit's future, and its row
        for exp, group, n_lanes, every in units:
            if n_lanes == 1:
                pending[pool.submit(_run_one, exp, *group[0], every)] = exp.name
            else:
                pending[pool.submit(_run_group, exp, group, n_lanes, every)] = exp.name
        received: set[tuple[str, int]] = set()  # the trials of groups whose records came through the queue
        try:
            while pending:
                done, _ = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
                received |= _drain(q, report, finished)
                for future in done:
                    name = pending.pop(future)
                    result = future.result()
                    if isinstance(result, list):  # a group: its records may still be on their way
                        _await(q, report, finished, received, {(name, seed) for seed in result})
                    else:
                        finished(*result)
        except BrokenProcessPool:
            raise BackendError(
                "a worker process died (killed, or out of memory?); finished trials are saved: rerun to resume"
            ) from None
        except BaseException:
            for future in pending:
                future.cancel()
            for p in list(pool._processes.values()):  # stop running trials now, not after they finish
                p.kill()
            raise


def _drain(q, report: Report | None, finished: Callable[[dict, Network | None], None], timeout: float = 0.0) -> set:
    """Hand on what the workers sent (progress, and the records of trials run in groups); returns the (experiment,
    seed) of those records. With ``timeout``, waits that many seconds for the first message."""
    got: set[tuple[str, int]] = set()
    while True:
        try:
            message = q.get(timeout=timeout) if timeout and not got else q.get_nowait()
        except queue_module.Empty:
            return got
        if isinstance(message, tuple):
            _, record, net = message
            finished(record, net)
            got.add((record["experiment"], record["seed"]))
        elif report:
            report("progress", message)


def _await(q, report: Report | None, finished: Callable, received: set, expected: set) -> None:
    """Wait for the records ``expected`` from a group that has returned (its messages flush after it returns)."""
    deadline = time.monotonic() + 60
    while not expected <= received:
        if time.monotonic() > deadline:
            raise BackendError(f"a worker's records did not arrive: {sorted(expected - received)}")
        received |= _drain(q, report, finished, timeout=1.0)
