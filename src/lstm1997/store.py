"""The results store: one JSON file per finished trial, written atomically, with provenance.

Layout: ``DIR/<experiment>/seed-<seed>.json``. A file exists only once its trial has finished (it is
written to a temporary name and renamed), so a sweep killed at any moment loses only running trials, and
rerunning the same command skips every trial already on disk.
"""

from __future__ import annotations

import glob
import json
import os
import platform
import subprocess
import sys
import tempfile
from functools import cache
from pathlib import Path

import numpy as np

from lstm1997 import __version__

FORMAT = 1
"""Version of the record layout; records of another format are refused, not misread."""


class StoreError(Exception):
    """A results folder or file that cannot be used (unwritable, corrupted, another format)."""


@cache
def provenance() -> dict:
    """Where and with what a record was produced: package version, git commit, library versions, machine."""
    try:
        here = Path(__file__).resolve().parent
        commit = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    import numba

    return {
        "format": FORMAT,
        "lstm1997": __version__,
        "commit": commit or "unknown",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "numba": numba.__version__,
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} cpus",
        "argv": " ".join(Path(sys.argv[0]).name.split() + sys.argv[1:]),
    }


def trial_path(out: Path, experiment: str, seed: int) -> Path:
    return Path(out) / experiment / f"seed-{seed}.json"


def check_writable(out: Path) -> None:
    """Create ``out`` if needed; raise StoreError if it cannot hold results."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".probe-"):
            pass
    except OSError as e:
        raise StoreError(f"cannot write results to {out}: {e.strerror or e}") from None


def save(out: Path, record: dict) -> Path:
    """Write one trial's record atomically; returns its path."""
    path = trial_path(out, record["experiment"], record["seed"])
    path.parent.mkdir(parents=True, exist_ok=True)
    data = json.dumps({**record, "provenance": provenance()}, indent=1, allow_nan=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load(path: Path) -> dict:
    """One record; StoreError (naming the file) if it is unreadable or of another format."""
    try:
        record = json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise StoreError(f"unreadable result file {path}: {e}") from None
    if not isinstance(record, dict) or "experiment" not in record or "seed" not in record:
        raise StoreError(f"{path} is not a trial record")
    fmt = record.get("provenance", {}).get("format")
    if fmt != FORMAT:
        raise StoreError(f"{path} has record format {fmt}, this version reads {FORMAT}")
    return record


def load_all(out: Path, experiment: str | None = None) -> list[dict]:
    """All records under ``out`` (of one experiment if given), sorted by experiment and seed."""
    pattern = f"{glob.escape(experiment)}/seed-*.json" if experiment else "*/seed-*.json"
    records = [load(p) for p in Path(out).glob(pattern)]
    return sorted(records, key=lambda r: (r["experiment"], r["seed"]))
