"""Many trials in parallel over local processes, resumable through the results store."""

from __future__ import annotations

import multiprocessing as mp
import queue as queue_module
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path

from lstm1997 import store
from lstm1997.experiments import Experiment
from lstm1997.trial import run_trial

TIMING_FIELDS = ("wall_time", "steps_per_s")
"""Record fields that measure the machine, not the trial; everything else is a function of (experiment, seed)."""

Report = Callable[[str, dict], None]
"""report(event, info): "progress" {seed, seen, cap, error}, "done" {record}."""

_queue = None


def _init_worker(q) -> None:
    global _queue
    _queue = q


def _run_one(exp: Experiment, seed: int) -> dict:
    last = [0.0]

    def progress(seen: int, cap: int, error: float) -> None:
        now = time.monotonic()
        if _queue is not None and now - last[0] > 0.5:
            last[0] = now
            _queue.put({"seed": seed, "seen": seen, "cap": cap, "error": error})

    record, _ = run_trial(exp, seed, progress)
    return record


def run_trials(
    exp: Experiment,
    seeds: Sequence[int],
    workers: int = 1,
    out: Path | None = None,
    report: Report | None = None,
) -> list[dict]:
    """Run ``exp`` once per seed, ``workers`` trials at a time; returns the records in seed order.

    With ``out``, trials already stored there are loaded instead of rerun and each finished trial is saved
    at once, so an interrupted sweep resumes where it stopped."""
    records: dict[int, dict] = {}
    if out is not None:
        store.check_writable(out)
        for seed in seeds:
            path = store.trial_path(out, exp.name, seed)
            if path.exists():
                records[seed] = store.load(path)
                if report:
                    report("done", {"record": records[seed], "resumed": True})
    todo = [s for s in seeds if s not in records]

    def finished(record: dict) -> None:
        if out is not None:
            store.save(out, record)
        records[record["seed"]] = record
        if report:
            report("done", {"record": record, "resumed": False})

    if workers <= 1 or len(todo) <= 1:
        for seed in todo:
            record, _ = run_trial(exp, seed, (lambda s: lambda *a: _progress(report, s, *a))(seed))
            finished(record)
    else:
        ctx = mp.get_context("fork")
        q = ctx.Queue()
        with ProcessPoolExecutor(
            min(workers, len(todo)), mp_context=ctx, initializer=_init_worker, initargs=(q,)
        ) as pool:
            pending = {pool.submit(_run_one, exp, seed) for seed in todo}
            try:
                while pending:
                    done, pending = wait(pending, timeout=0.25, return_when=FIRST_COMPLETED)
                    _drain(q, report)
                    for future in done:
                        finished(future.result())
            except BaseException:
                for future in pending:
                    future.cancel()
                for p in list(pool._processes.values()):  # stop running trials now, not after they finish
                    p.terminate()
                raise
    return [records[s] for s in seeds]


def _progress(report: Report | None, seed: int, seen: int, cap: int, error: float) -> None:
    if report:
        report("progress", {"seed": seed, "seen": seen, "cap": cap, "error": error})


def _drain(q, report: Report | None) -> None:
    while True:
        try:
            info = q.get_nowait()
        except queue_module.Empty:
            return
        if report:
            report("progress", info)
