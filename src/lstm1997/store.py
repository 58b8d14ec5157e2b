"""The results store: one JSON file per finished trial, written atomically, with provenance.

Layout: ``DIR/.lstm1997-results`` (the marker: the record format, so a folder is never mistaken for
another's), ``DIR/<experiment>/seed-<seed>.json`` (one record per finished trial), beside it the final weights of
a 1997 net, ``seed-<seed>.weights.npz`` (plain arrays, read without pickle) and their ``.weights.npz.sha256``
checksum (written before the record; trials stored before weights were kept have none), and, while a long trial
runs, ``DIR/<experiment>/seed-<seed>.ckpt`` (its latest checkpoint, see checkpoints.py). Every file is written to
a temporary name and renamed, so a sweep killed at any moment loses at most the few minutes since each
running trial's last checkpoint, and rerunning the same command skips every trial already on disk.

A record carries what determines its numbers: ``numerics`` (NUMERICS_VERSION of the code that computed it;
absent in records from before the field existed, which are version 1) and ``fingerprint`` (the row's settings,
``Experiment.fingerprint``; absent in those same records). A resumed sweep refuses (StoreError naming the file)
a stored record of another numerics version or fingerprint rather than mix it in: move the file away to rerun
that trial with this code. The machine is not part of either, so resuming on other machines works.

A sweep writing into a folder holds ``DIR/.lstm1997-lock`` locked (``fcntl.flock``); a second sweep into the
same folder is refused while the first runs. Files are written with the user's umask.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import glob
import hashlib
import io
import json
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import numpy as np

from lstm1997 import __version__
from lstm1997.network import Network, NetworkSpec

FORMAT = 1
"""Version of the record layout; records of another format are refused, not misread."""

WEIGHTS_FORMAT = 1
"""Version of the saved-weights layout (arrays w_in, w_out, w_c, w_k and a JSON ``meta`` string)."""

MARKER = ".lstm1997-results"
"""File in every results folder holding ``{"format": FORMAT}``; a non-empty folder without it is not ours."""


LOCK = ".lstm1997-lock"
"""File in a results folder that a sweep writing there holds locked (``fcntl.flock``) while it runs."""

NUMERICS_VERSION = 1
"""Version of the numbers the code computes: raised (and the committed records regenerated) by any change that
alters a record; records carry it (records without the field are version 1). tests/test_records.py enforces it."""

FIELDS = {
    "experiment": (str,),
    "seed": (int,),
    "success": (bool,),
    "diverged": (bool,),
    "sequences": (int, type(None)),
    "milestones": (dict,),
    "test": (dict,),
    "final_train_error": (float, int),
    "presented": (int,),
    "steps": (int,),
    "wall_time": (float, int),
    "steps_per_s": (float, int),
    "curve": (dict,),
    "provenance": (dict,),
}
"""The fields every record has, and their JSON types (``numerics`` and ``fingerprint`` are optional)."""


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
    """Where the record of ``experiment``'s trial ``seed`` is kept in the results folder ``out``."""
    return Path(out) / experiment / f"seed-{seed}.json"


def checkpoint_path(out: Path, experiment: str, seed: int) -> Path:
    """Where the running trial ``seed`` of ``experiment`` keeps its latest checkpoint in ``out``."""
    return Path(out) / experiment / f"seed-{seed}.ckpt"


def weights_path(out: Path, experiment: str, seed: int) -> Path:
    """Where the final weights of ``experiment``'s trial ``seed`` are kept in ``out`` (checksum: + ".sha256")."""
    return Path(out) / experiment / f"seed-{seed}.weights.npz"


def check_writable(out: Path) -> None:
    """Make ``out`` a results folder: create it if needed and mark it; raise StoreError if it cannot hold
    results (unwritable), belongs to something else (not empty, no marker) or to another record format."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise StoreError(f"cannot write results to {out}: it is a file, not a folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=out, prefix=".probe-"):
            pass
    except OSError as e:
        raise StoreError(f"cannot write results to {out}: {e.strerror or e}") from None
    if check_format(out):
        return
    foreign = [p.name for p in sorted(out.iterdir()) if not _is_result_entry(p)]
    if foreign:
        raise StoreError(
            f"{out} is not empty and not a results folder (no {MARKER}; found {foreign[0]!r}): "
            "choose a new or empty folder"
        )
    write_atomic(out / MARKER, json.dumps({"format": FORMAT}).encode())


def check_experiment_folder(out: Path, experiment: str) -> None:
    """StoreError if the folder of ``experiment``'s records in ``out`` exists but cannot hold them (a file, or
    unwritable): said before any trial runs, not when the first record is saved."""
    folder = Path(out) / experiment
    if folder.exists() and not folder.is_dir():
        raise StoreError(f"cannot write the records of {experiment} to {folder}: it is a file, not a folder")
    if folder.is_dir() and not os.access(folder, os.W_OK | os.X_OK):
        raise StoreError(f"cannot write the records of {experiment} to {folder}: permission denied")


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold the lock of the results folder ``out`` (``DIR/.lstm1997-lock``) while the body runs; StoreError at once
    if another sweep holds it. The kernel releases it when the process ends, however it ends."""
    path = Path(out) / LOCK
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    except OSError as e:
        raise StoreError(f"cannot lock {path}: {e.strerror or e}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise StoreError(
                f"another sweep is writing to {out} (it holds {path}): wait for it to end, or choose another folder"
            ) from None
        yield
    finally:
        os.close(fd)


def check_format(out: Path) -> bool:
    """True if ``out`` carries the marker of this record format, False if it carries none; StoreError if the
    marker is unreadable or names another format."""
    marker = Path(out) / MARKER
    if not marker.exists():
        return False
    try:
        fmt = json.loads(marker.read_text()).get("format")
    except (OSError, ValueError, AttributeError) as e:
        raise StoreError(f"unreadable results marker {marker}: {e}") from None
    if fmt != FORMAT:
        raise StoreError(f"{out} holds results of record format {fmt}; this version reads format {FORMAT}")
    return True


def _is_result_entry(path: Path) -> bool:
    """Whether a top-level entry of an unmarked folder is one this package writes (folders written before
    the marker existed are adopted): RESULTS.md, figures/, hidden temporary files, experiment folders
    holding only records, checkpoints and their temporary files."""
    if path.name.startswith(".") or (path.name == "RESULTS.md" and path.is_file()):
        return True
    if not path.is_dir() or path.is_symlink():
        return False
    if path.name == "figures":
        return True
    return all(
        p.name.startswith(".") or (p.name.startswith("seed-") and p.suffix in (".json", ".ckpt", ".npz", ".sha256"))
        for p in path.iterdir()
    )


def remove_temporary(out: Path, experiment: str, seed: int) -> None:
    """Remove what a process killed while writing trial ``seed``'s record or checkpoint left behind (call it
    only before running that trial: no other writer of these files may be running)."""
    folder = Path(out) / experiment
    for name in (
        f"seed-{seed}.json",
        f"seed-{seed}.ckpt",
        f"seed-{seed}.weights.npz",
        f"seed-{seed}.weights.npz.sha256",
    ):
        for tmp in folder.glob(f".{glob.escape(name)}.*.tmp"):
            tmp.unlink(missing_ok=True)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that the file is either absent, its old version, or complete: a
    temporary file in the same folder, flushed to disk, then renamed over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes it 0600; a record is as readable as any file the user writes
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@cache
def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def save(out: Path, record: dict) -> Path:
    """Write one trial's record atomically with this process's provenance (added to any the record has, such
    as the commits a resumed trial ran under); returns its path."""
    path = trial_path(out, record["experiment"], record["seed"])
    data = json.dumps({**record, "provenance": {**provenance(), **record.get("provenance", {})}}, indent=1,
                      allow_nan=True)  # fmt: skip
    write_atomic(path, data.encode())
    return path


def save_weights(out: Path, experiment: str, seed: int, net: Network) -> Path:
    """Write the final weights of trial ``seed`` of ``experiment`` atomically, then their sha256 checksum (in
    the format of ``sha256sum``); returns the weights' path."""
    path = weights_path(out, experiment, seed)
    meta = {"format": WEIGHTS_FORMAT, "lstm1997": __version__, "experiment": experiment, "seed": int(seed),
            "spec": _spec_dict(net.spec)}  # fmt: skip
    buffer = io.BytesIO()
    np.savez(buffer, meta=np.array(json.dumps(meta)), **net.weights)  # type: ignore[arg-type]  # numpy stubs
    data = buffer.getvalue()
    write_atomic(path, data)
    write_atomic(Path(f"{path}.sha256"), f"{hashlib.sha256(data).hexdigest()}  {path.name}\n".encode())
    return path


def load_weights(out: Path, experiment: str, seed: int, spec: NetworkSpec) -> Network | None:
    """The saved final net of trial ``seed`` of ``experiment`` (None if none was saved); StoreError (one line,
    naming the file) if the file does not match its checksum or was saved for another row, seed or architecture."""
    path = weights_path(out, experiment, seed)
    if not path.exists():
        return None
    try:
        data = path.read_bytes()
        expected = Path(f"{path}.sha256").read_text().split()[0]
    except (OSError, IndexError) as e:
        raise StoreError(f"unreadable weights {path} or its checksum: {_one_line(e)}") from None
    if hashlib.sha256(data).hexdigest() != expected:
        raise StoreError(f"{path} does not match its sha256 checksum: the file was changed or damaged")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            weights = {name: z[name] for name in ("w_in", "w_out", "w_c", "w_k")}
    except (OSError, ValueError, KeyError) as e:
        raise StoreError(f"unreadable weights {path}: {_one_line(e)}") from None
    if meta.get("format") != WEIGHTS_FORMAT:
        raise StoreError(f"{path} has weights format {meta.get('format')}, this version reads {WEIGHTS_FORMAT}")
    if (meta.get("experiment"), meta.get("seed"), meta.get("spec")) != (experiment, seed, _spec_dict(spec)):
        raise StoreError(f"{path} holds the weights of another trial or architecture than {experiment} seed {seed}")
    try:
        return Network(spec, **weights)
    except ValueError as e:
        raise StoreError(f"{path}: {e}") from None


def _spec_dict(spec: NetworkSpec) -> dict:
    """The spec's fields as JSON gives them back (tuples as lists)."""
    return json.loads(json.dumps(dataclasses.asdict(spec)))


def load(path: Path) -> dict:
    """One record; StoreError (naming the file) if it is unreadable or of another format."""
    try:
        record = json.loads(Path(path).read_text())
    except (OSError, ValueError) as e:
        raise StoreError(f"unreadable result file {path}: {_one_line(e)}") from None
    if not isinstance(record, dict) or "experiment" not in record or "seed" not in record:
        raise StoreError(f"{path} is not a trial record")
    provenance_ = record.get("provenance")
    fmt = provenance_.get("format") if isinstance(provenance_, dict) else None
    if fmt != FORMAT:
        raise StoreError(f"{path} has record format {fmt}, this version reads {FORMAT}")
    for name, types in {**FIELDS, "numerics": (int,), "fingerprint": (str,)}.items():
        if name not in record:
            if name in FIELDS:
                raise StoreError(f"{path} is not a complete trial record: it has no field {name!r}")
            continue
        value = record[name]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            kinds = " or ".join("null" if t is type(None) else t.__name__ for t in types)
            raise StoreError(f"{path}: field {name!r} must be {kinds}, got {value!r}"[:300])
    inner = {
        "milestones": all(_is_number(v) or v is None for v in record["milestones"].values()),
        "test": all(isinstance(t, dict) and all(map(_is_number, t.values())) for t in record["test"].values()),
        "curve": all(isinstance(v, list) and np.asarray(v).dtype.kind in "if" for v in record["curve"].values()),
    }
    for name, ok in inner.items():
        if not ok:
            raise StoreError(f"{path}: field {name!r} holds something other than numbers: {record[name]!r}"[:300])
    return record


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def numerics(record: dict) -> int:
    """The numerics version a record was computed with (records from before the field existed: 1)."""
    return record.get("numerics", 1)


def load_all(out: Path, experiment: str | None = None) -> list[dict]:
    """All records under ``out`` (of one experiment if given), sorted by experiment and seed."""
    check_format(out)
    pattern = f"{glob.escape(experiment)}/seed-*.json" if experiment else "*/seed-*.json"
    records = [load(p) for p in Path(out).glob(pattern)]
    return sorted(records, key=lambda r: (r["experiment"], r["seed"]))


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split())
