"""The checkpoint file of a running trial: plain data only, so that reading one can never run code.

A checkpoint is one file: the line ``lstm1997 checkpoint sha256=<hex>`` and then an uncompressed npz archive
(read with ``allow_pickle=False``) whose hash that line gives. The archive holds the state's arrays as
``a0, a1, ...`` and, as UTF-8 JSON in the uint8 array ``meta``, everything else: the header (format, package
version, experiment, seed, settings fingerprint), the wall time spent, the git commits whose code ran the trial
so far, and the state itself, in which each array is replaced by ``{"__array__": "a<i>"}`` and each tuple by
``{"__tuple__": [...]}``. JSON keeps Python's floats exactly (NaN and infinities included) and integers of any
size (the random generators' states).
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import numpy as np

from lstm1997 import __version__, store
from lstm1997.experiments import Experiment
from lstm1997.store import StoreError

FORMAT = 2
"""Version of the checkpoint layout; checkpoints of another format are refused, not misread (1: pickle)."""

MAGIC = b"lstm1997 checkpoint sha256="
"""How a checkpoint file starts; the hash of the rest of the file follows, then a newline."""

_HEADER_NAMES = {
    "format": "checkpoint format",
    "lstm1997": "lstm1997 version",
    "experiment": "experiment",
    "seed": "seed",
    "settings": "experiment settings",
}

_AGAIN = "delete it to restart that trial from the beginning"


def header(exp: Experiment, seed: int) -> dict:
    """What a checkpoint must match to be resumed from: format, package version, experiment, seed and settings."""
    return {
        "format": FORMAT,
        "lstm1997": __version__,
        "experiment": exp.name,
        "seed": int(seed),
        "settings": exp.fingerprint(),
    }


def save(path: Path, exp: Experiment, seed: int, state: dict, wall_time: float, commits: set[str]) -> None:
    """Write a trial's ``state`` (nested dicts, lists and tuples of arrays, numbers, strings, None) to ``path``
    atomically, with the wall time spent so far and the git ``commits`` whose code has run the trial."""
    arrays: dict[str, np.ndarray] = {}
    meta = {"header": header(exp, seed), "wall_time": wall_time, "commits": sorted(commits)}
    meta["state"] = _encode(state, arrays)
    arrays["meta"] = np.frombuffer(json.dumps(meta, allow_nan=True).encode(), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]  # numpy stubs: savez(file, *args, allow_pickle=..., **kwds)
    payload = buffer.getvalue()
    store.write_atomic(path, MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)


def load(path: Path, exp: Experiment, seed: int) -> tuple[dict, float, set[str]]:
    """The state saved in ``path``, the wall time spent until then and the git commits whose code spent it;
    StoreError (one line, naming the file) if it is damaged, not a checkpoint, of the old pickle format (never
    unpickled), or of another experiment, seed, settings, package version or checkpoint format."""
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise StoreError(f"unreadable checkpoint {path}: {e.strerror or e}") from None
    if not data.startswith(MAGIC):
        if data.startswith(b"\x80"):
            raise StoreError(f"{path} is a checkpoint of an earlier lstm1997 (pickle format, never loaded): {_AGAIN}")
        raise StoreError(f"unreadable checkpoint {path}: not an lstm1997 checkpoint ({_AGAIN})")
    line, _, payload = data[len(MAGIC) :].partition(b"\n")
    if hashlib.sha256(payload).hexdigest().encode() != line:
        raise StoreError(f"unreadable checkpoint {path}: damaged (checksum mismatch) ({_AGAIN})")
    try:
        with np.load(io.BytesIO(payload), allow_pickle=False) as npz:
            arrays = {name: npz[name] for name in npz.files}
        meta = json.loads(arrays.pop("meta").tobytes())
        found = meta["header"]
    except (OSError, ValueError, KeyError, TypeError, AttributeError, zipfile.BadZipFile) as e:
        raise StoreError(f"unreadable checkpoint {path}: {type(e).__name__}: {_one_line(e)} ({_AGAIN})") from None
    if not isinstance(found, dict):
        raise StoreError(f"unreadable checkpoint {path}: no header ({_AGAIN})")
    for key, value in header(exp, seed).items():
        if found.get(key) != value:
            raise StoreError(
                f"checkpoint {path} is of {_HEADER_NAMES[key]} {found.get(key)!r}, not {value!r}: refusing to resume "
                f"from it ({_AGAIN})"
            )
    try:
        state = _decode(meta["state"], arrays)
        wall_time, commits = float(meta["wall_time"]), {str(c) for c in meta["commits"]}
    except (KeyError, TypeError, ValueError) as e:
        raise StoreError(f"unreadable checkpoint {path}: {type(e).__name__}: {_one_line(e)} ({_AGAIN})") from None
    if not isinstance(state, dict):
        raise StoreError(f"unreadable checkpoint {path}: its state is not a mapping ({_AGAIN})")
    return state, wall_time, commits


def _encode(value: object, arrays: dict[str, np.ndarray]) -> object:
    """``value`` as JSON data, its arrays moved to ``arrays``."""
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise TypeError("a checkpoint holds no object arrays")
        name = f"a{len(arrays)}"
        arrays[name] = value
        return {"__array__": name}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v, arrays) for v in value]}
    if isinstance(value, list):
        return [_encode(v, arrays) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value) or {"__array__", "__tuple__"} & value.keys():
            raise TypeError(f"a checkpoint holds dicts with plain text keys only, got keys {list(value)}")
        return {k: _encode(v, arrays) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"a checkpoint holds plain data only, got {type(value).__name__}")


def _decode(value: object, arrays: dict[str, np.ndarray]) -> object:
    """The inverse of ``_encode``."""
    if isinstance(value, list):
        return [_decode(v, arrays) for v in value]
    if isinstance(value, dict):
        if value.keys() == {"__array__"}:
            return arrays[value["__array__"]]
        if value.keys() == {"__tuple__"}:
            return tuple(_decode(v, arrays) for v in value["__tuple__"])
        return {k: _decode(v, arrays) for k, v in value.items()}
    return value


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split())
