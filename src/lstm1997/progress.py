"""The progress of a sweep in the terminal, or in a log file when stderr is one: finished trials, and for the
running ones the sequences done, the latest training error and an estimate of the time left."""

from __future__ import annotations

import sys
import time


class Bar:
    """A progress bar over trials: per running trial the sequences done against its cap, the latest training
    error (labelled) and an estimate of the time left. When stderr is not a terminal (a log file) tqdm shows
    nothing, so each newly finished trial gets one line and a progress line is written at least every minute."""

    EVERY = 60.0
    """Seconds between two progress lines in a log file."""

    def __init__(self, name: str, total: int):
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc=name, unit="trial", file=sys.stderr, disable=None, dynamic_ncols=True)
        self.name, self.total, self.clock = name, total, time.monotonic
        self.start = self.last_line = self.clock()
        self.running: dict[tuple[str, int], tuple[int, int, float]] = {}
        self.done = self.resumed = 0  # finished trials, and those of them loaded from the results folder

    def __call__(self, event: str, info: dict) -> None:
        if event == "progress":
            self.running[info["experiment"], info["seed"]] = (info["seen"], info["cap"], info["error"])
        else:
            record = info["record"]
            self.running.pop((record["experiment"], record["seed"]), None)
            self.bar.update(1)
            self.done += 1
            self.resumed += info["resumed"]
            if self.bar.disable and not info["resumed"]:
                print(trial_line(record), file=sys.stderr, flush=True)
        status = self.status()
        if not self.bar.disable:
            self.bar.set_postfix_str(status)
        elif self.clock() - self.last_line >= self.EVERY:
            self.last_line = self.clock()
            print(f"{self.name}: {self.done}/{self.total} trials done; {status}", file=sys.stderr, flush=True)

    def status(self) -> str:
        """'seed 3: 12,000/5,000,000 seqs, error 0.0123; ...; ETA 4 min' (at most 3 trials shown)."""
        parts = [f"seed {seed}: {seen:,}/{cap:,} seqs, error {error:.4g}"
                 for (_, seed), (seen, cap, error) in list(self.running.items())[:3]]  # fmt: skip
        if len(self.running) > 3:
            parts.append(f"{len(self.running) - 3} more running")
        partly = sum(seen / cap for seen, cap, _ in self.running.values() if cap)  # trials' worth of running ones
        here, left = self.done - self.resumed + partly, self.total - self.done - partly
        if here > 0 and left > 0:
            parts.append(f"ETA {duration((self.clock() - self.start) * left / here)} (if trials run to their caps)")
        return "; ".join(parts)

    def close(self) -> None:
        self.bar.close()


def duration(seconds: float) -> str:
    """'45 s', '12 min', '3.5 h'."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def trial_line(record: dict) -> str:
    """'adding-T100 seed 3: success after 40,081 sequences (12 s)' or '... no success in 5,000,000 ...'."""
    if record["success"]:
        outcome = f"success after {record['sequences']:,} sequences"
    else:
        outcome = f"no success in {record['presented']:,} sequences"
    return f"{record['experiment']} seed {record['seed']}: {outcome} ({record['wall_time']:.0f} s)"
