"""Reliability and scale: determinism, checkpoints, crash safety (SIGKILL, Ctrl-C), bad input, the Ray backend."""

import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
import pytest

import lstm1997
from lstm1997 import store
from lstm1997.checkpoints import load as load_checkpoint
from lstm1997.criteria import ST3, NSeq
from lstm1997.report import _provenance
from lstm1997.store import StoreError
from lstm1997.sweep import reproducible, run_trials
from lstm1997.trial import run_trial

pytestmark = pytest.mark.heavy  # subprocesses, killed sweeps, Ray: not in the everyday tier

ROOT = Path(__file__).resolve().parents[1]


def comparable(record: dict) -> str:
    """The record without its timing fields and provenance, as canonical JSON: equal means bit-identical."""
    return json.dumps(reproducible(record, "provenance"), sort_keys=True, allow_nan=True)


def stored(out: Path, name: str) -> dict[int, str]:
    return {int(p.stem[5:]): comparable(store.load(p)) for p in (out / name).glob("seed-*.json")}


def cli(*args, **kwargs) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "lstm1997.cli", *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: signals reach the workers as a terminal's would
        **kwargs,
    )


def group_alive(pgid: int) -> list[int]:
    """Processes still in the process group ``pgid``."""
    alive = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[2] == str(pgid) and fields[0] != "Z":
            alive.append(int(pid))
    return alive


def wait_gone(pgid: int, timeout: float = 10.0) -> list[int]:
    end = time.monotonic() + timeout
    while (alive := group_alive(pgid)) and time.monotonic() < end:
        time.sleep(0.05)
    return alive


# --- determinism -------------------------------------------------------------------------------------------


def test_records_do_not_depend_on_order_or_workers(tmp_path):
    exp = lstm1997.get_experiment("temporal-6a").with_options(cap=2000)
    ordered = run_trials(exp, [0, 1, 2], workers=1)
    shuffled = run_trials(exp, [2, 0, 1], workers=2, out=tmp_path)
    by_seed = {r["seed"]: comparable(r) for r in shuffled}
    assert [comparable(r) for r in ordered] == [by_seed[s] for s in (0, 1, 2)]
    assert [r["seed"] for r in shuffled] == [2, 0, 1]
    assert stored(tmp_path, exp.name) == by_seed  # what is on disk is what was returned


RESUMABLE = {  # one row of every criterion and training-set kind, capped short; (name, options)
    "ST3": ("adding-T100", {"cap": 6000, "test_size": 200}),
    "NSeq, a milestone mid-chunk": (
        "multiplication-T100",
        {"criterion": NSeq(levels=(60, 20), threshold=0.15, window=100), "test_size": 100, "cap": 6000},
    ),
    "Streak, 2a construction": ("longlag-2a", {"cap": 2000}),
    "ReberTest": ("reber-3x2-lr0.5", {"cap": 4000}),
    "TwoSeqTest": ("twoseq-3a-T100-N3", {"cap": 4000}),
}


class Stop(Exception):
    """Stands for a crash in the middle of a trial."""


@pytest.mark.parametrize("name, options", RESUMABLE.values(), ids=RESUMABLE.keys())
def test_a_trial_resumed_from_its_checkpoint_ends_identically(name, options, tmp_path):
    exp = lstm1997.get_experiment(name).with_options(**options)
    chunks = []
    whole, net = run_trial(exp, 1, lambda *a: chunks.append(a))
    assert len(chunks) >= 3
    ckpt = tmp_path / "seed-1.ckpt"

    def crash(*a, calls=[]):  # noqa: B006 - counts calls
        calls.append(a)
        if len(calls) == len(chunks) // 2 + 1:
            raise Stop

    with pytest.raises(Stop):
        run_trial(exp, 1, crash, checkpoint=ckpt, checkpoint_every=0)
    assert ckpt.exists()
    later = []
    resumed, net2 = run_trial(exp, 1, lambda *a: later.append(a), checkpoint=ckpt, checkpoint_every=0)
    assert 0 < len(later) < len(chunks)  # it did resume, not restart
    assert comparable(resumed) == comparable(whole)
    for k, w in net.weights.items():
        np.testing.assert_array_equal(net2.weights[k], w)


@pytest.mark.parametrize(
    "name", ["temporal-6a~forget-gate", "temporal-6a~nnlstm-h3-adam", "temporal-6a~gate-pretraining"]
)
def test_a_baseline_model_resumes_too(name, tmp_path):
    pytest.importorskip("torch")
    exp = lstm1997.get_experiment(name).with_options(cap=3000)  # nnlstm-adam: the optimiser's state resumes too
    whole, _ = run_trial(exp, 0)
    ckpt = tmp_path / "c.ckpt"
    with pytest.raises(Stop):
        run_trial(exp, 0, lambda seen, *a: (_ for _ in ()).throw(Stop) if seen >= 2000 else None, ckpt, 0)
    assert comparable(run_trial(exp, 0, None, ckpt, 0)[0]) == comparable(whole)


def test_checkpoints_follow_the_interval(tmp_path):
    exp = lstm1997.get_experiment("adding-T100").with_options(cap=3000, test_size=0)
    with pytest.raises(Stop):
        run_trial(exp, 0, lambda seen, *a: (_ for _ in ()).throw(Stop) if seen >= 2000 else None, tmp_path / "a", 3600)
    assert not (tmp_path / "a").exists()  # an hour has not passed
    run_trial(exp, 0, None, tmp_path / "b", 0)
    assert (tmp_path / "b").exists()  # the caller removes it once the record is saved
    run_trials(exp, [0], out=tmp_path / "res", checkpoint_every=0)
    assert not list((tmp_path / "res").rglob("*.ckpt")) and not list((tmp_path / "res").rglob(".*.tmp"))


def checkpoint_of(exp, seed: int, path: Path) -> Path:
    with pytest.raises(Stop):
        run_trial(exp, seed, lambda seen, *a: (_ for _ in ()).throw(Stop) if seen >= 2000 else None, path, 0)
    return path


def test_a_foreign_or_damaged_checkpoint_is_refused(tmp_path):
    exp = lstm1997.get_experiment("temporal-6a").with_options(cap=3000)
    ckpt = checkpoint_of(exp, 4, tmp_path / "seed-4.ckpt")
    with pytest.raises(StoreError, match="seed 4, not 5"):
        run_trial(exp, 5, checkpoint=ckpt)
    with pytest.raises(StoreError, match="experiment 'temporal-6a.cap=3000.'"):
        run_trial(lstm1997.get_experiment("temporal-6a").with_options(cap=3001), 4, checkpoint=ckpt)
    other_lr = dataclasses.replace(exp, lr=0.25)  # same name, other settings
    with pytest.raises(StoreError, match="experiment settings"):
        run_trial(other_lr, 4, checkpoint=ckpt)
    data = ckpt.read_bytes()
    for damaged, message in [(data[: len(data) // 2], "unreadable checkpoint"), (b"", "unreadable checkpoint")]:
        ckpt.write_bytes(damaged)
        with pytest.raises(StoreError, match=message):
            run_trial(exp, 4, checkpoint=ckpt)


def test_fingerprints_ignore_fields_added_with_a_default():
    from lstm1997.experiments import settings_repr

    @dataclasses.dataclass(frozen=True)
    class Spec:
        n: int

    old = Spec(3)

    @dataclasses.dataclass(frozen=True)
    class Spec:  # the same class, later, with a new defaulted field
        n: int
        extra: str = "paper"

    assert settings_repr((old, 0.5)) == settings_repr((Spec(3), 0.5)) == "(Spec(n=3), 0.5)"
    assert settings_repr(Spec(3, "ablation")) == "Spec(n=3, extra='ablation')"
    exp = lstm1997.get_experiment("temporal-6a").with_options(cap=3000)
    ablation = dataclasses.replace(exp, spec=dataclasses.replace(exp.spec, cells_read="inputs"))
    assert ablation.fingerprint() != exp.fingerprint()
    assert dataclasses.replace(exp, name="x", trials=99).fingerprint() == exp.fingerprint()


def test_a_trial_resumed_under_another_commit_names_it_in_its_record(tmp_path, monkeypatch):
    exp = lstm1997.get_experiment("temporal-6a").with_options(cap=3000)
    here = store.provenance()
    with monkeypatch.context() as m:  # the first part runs under another commit
        m.setattr(store, "provenance", lambda: {**here, "commit": "0123456789ab"})
        ckpt = checkpoint_of(exp, 0, tmp_path / "c.ckpt")
    assert load_checkpoint(ckpt, exp, 0)[2] == {"0123456789ab"}
    record, _ = run_trial(exp, 0, checkpoint=ckpt)
    assert record["provenance"] == {"resumed_from": ["0123456789ab"]}
    saved = store.load(store.save(tmp_path, record))
    assert saved["provenance"]["commit"] == here["commit"] and saved["provenance"]["resumed_from"] == ["0123456789ab"]
    assert "- commit of a resumed trial's earlier part: 0123456789ab" in _provenance([saved])  # RESULTS.md
    assert "provenance" not in run_trial(exp, 0, checkpoint=checkpoint_of(exp, 0, tmp_path / "d.ckpt"))[0]


def rewritten(ckpt: Path, change) -> None:
    """Rewrite the checkpoint ``ckpt`` through ``change(meta, arrays)``, with a valid checksum (a forgery, or
    a checkpoint written by other code)."""
    import hashlib
    import io

    from lstm1997.checkpoints import MAGIC

    payload = ckpt.read_bytes().split(b"\n", 1)[1]
    with np.load(io.BytesIO(payload)) as npz:
        arrays = {k: npz[k] for k in npz.files}
    meta = json.loads(arrays["meta"].tobytes())
    change(meta, arrays)
    arrays["meta"] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    payload = buffer.getvalue()
    ckpt.write_bytes(MAGIC + hashlib.sha256(payload).hexdigest().encode() + b"\n" + payload)


@pytest.mark.parametrize(("key", "value", "message"), [("lstm1997", "0.0.1", "version"), ("format", 99, "format")])
def test_a_checkpoint_of_another_version_or_format_is_refused(tmp_path, key, value, message):
    exp = lstm1997.get_experiment("temporal-6a").with_options(cap=3000)
    ckpt = checkpoint_of(exp, 0, tmp_path / "c.ckpt")
    rewritten(ckpt, lambda meta, arrays: meta["header"].update({key: value}))
    with pytest.raises(StoreError, match=f"{message}.*refusing to resume"):
        load_checkpoint(ckpt, exp, 0)


class Planted:
    """Unpickling this runs code: it creates the file ``path``."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (Path.touch, (self.path,))


def flip(data: bytes, at: int) -> bytes:
    return data[:at] + bytes([data[at] ^ 1]) + data[at + 1 :]


def object_array(meta, arrays):
    arrays["a0"] = np.array([Planted(Path("/nonexistent/x"))], dtype=object)


def wrong_shape(meta, arrays):
    arrays["a0"] = np.zeros((1, 1))


DAMAGE = {  # how a checkpoint file is spoiled, and what the one-line error says
    "truncated": (lambda data: data[: len(data) // 2], "checksum"),
    "empty": (lambda data: b"", "not an lstm1997 checkpoint"),
    "one bit flipped": (lambda data: flip(data, len(data) - 100), "checksum"),
    "header line flipped": (lambda data: flip(data, 3), "not an lstm1997 checkpoint"),
    "text": (lambda data: b"hello", "not an lstm1997 checkpoint"),
}


@pytest.mark.parametrize(("spoil", "message"), DAMAGE.values(), ids=DAMAGE.keys())
def test_a_damaged_checkpoint_gives_one_line_naming_it(tmp_path, spoil, message):
    exp = lstm1997.get_experiment("temporal-6a").with_options(cap=3000)
    ckpt = checkpoint_of(exp, 0, tmp_path / "seed-0.ckpt")
    ckpt.write_bytes(spoil(ckpt.read_bytes()))
    with pytest.raises(StoreError, match=message) as e:
        run_trial(exp, 0, checkpoint=ckpt)
    assert str(ckpt) in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize(("forge", "message"), [(object_array, "Object arrays"), (wrong_shape, "shape")])
def test_a_forged_checkpoint_with_a_valid_checksum_is_refused(tmp_path, forge, message):
    exp = lstm1997.get_experiment("temporal-6a").with_options(cap=3000)
    ckpt = checkpoint_of(exp, 0, tmp_path / "seed-0.ckpt")
    rewritten(ckpt, forge)
    with pytest.raises(StoreError, match=message):
        run_trial(exp, 0, checkpoint=ckpt)


def test_an_old_pickle_checkpoint_is_never_unpickled(tmp_path):
    import pickle

    exp = lstm1997.get_experiment("temporal-6a")
    ran = tmp_path / "code-ran"
    run_trials(exp, [1], out=tmp_path)
    ckpt = store.checkpoint_path(tmp_path, exp.name, 0)
    ckpt.write_bytes(pickle.dumps({"format": 1}) + pickle.dumps(Planted(ran)))
    one_line_error(run_cli("run", exp.name, "--trials", "2", "--out", tmp_path), "pickle format, never loaded")
    assert not ran.exists() and ckpt.exists()
    assert store.trial_path(tmp_path, exp.name, 1).exists()  # nothing else is lost


# --- crash safety: real processes, real signals --------------------------------------------------------------


SWEEP = """
import sys
import lstm1997
from lstm1997.sweep import run_trials
exp = lstm1997.get_experiment("temporal-6a").with_options(cap=6000)
run_trials(exp, range(6), workers=2, out=sys.argv[1], checkpoint_every=0)
"""


def kill_when(condition, whole_group: bool, *args) -> bool:
    """Start the sweep script, SIGKILL it (its process group, or the parent alone) once ``condition()`` holds;
    True if it was still running then. Any worker must die with it."""
    p = subprocess.Popen([sys.executable, "-c", SWEEP, *args], start_new_session=True)
    deadline = time.monotonic() + 60
    while not condition() and p.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    running = p.poll() is None
    os.killpg(p.pid, signal.SIGKILL) if whole_group else p.kill()
    p.wait()
    assert not wait_gone(p.pid), "a worker outlived its killed sweep"
    return running


def test_a_sweep_killed_at_any_moment_resumes_to_the_same_records(tmp_path):
    """SIGKILL at several moments: during start-up, in the middle of a trial (to the parent alone: the
    workers must die with it), just after a trial was saved, and while trials run after some finished; then
    one run to the end. The records are exactly those of an uninterrupted run, none lost, none doubled, and
    nothing else is left in the folder."""
    exp = lstm1997.get_experiment("temporal-6a").with_options(cap=6000)
    folder = tmp_path / exp.name

    def n_records() -> int:
        return len(list(folder.glob("seed-*.json")))

    def n_checkpoints() -> int:
        return len(list(folder.glob("seed-*.ckpt")))

    start = time.monotonic()
    kill_when(lambda: time.monotonic() - start > 0.3, True, tmp_path)
    assert kill_when(lambda: n_checkpoints() > 0, False, tmp_path)
    before = n_records()
    assert kill_when(lambda: n_records() > before, True, tmp_path)
    before = n_records()
    assert kill_when(lambda: n_checkpoints() > 0 and n_records() == before, True, tmp_path)
    assert 0 < n_records() < 6
    subprocess.run([sys.executable, "-c", SWEEP, tmp_path], check=True, timeout=120)
    expected = {r["seed"]: comparable(r) for r in run_trials(exp, range(6), workers=2)}
    assert stored(tmp_path, exp.name) == expected
    kept = [f"seed-{i}{suffix}" for i in range(6) for suffix in (".json", ".weights.npz", ".weights.npz.sha256")]
    assert sorted(q.name for q in folder.iterdir()) == sorted(kept)


LONG_TRIAL = """
import sys
import lstm1997
from lstm1997.criteria import ST3
from lstm1997.sweep import run_trials
exp = lstm1997.get_experiment("adding-T100").with_options(cap=80000, criterion=ST3(0.0, 0.04), test_size=500)
run_trials(exp, [0], out=sys.argv[1], checkpoint_every=0)
"""


def test_a_long_trial_killed_mid_way_resumes_from_its_checkpoint(tmp_path):
    exp = lstm1997.get_experiment("adding-T100").with_options(cap=80000, criterion=ST3(0.0, 0.04), test_size=500)
    ckpt = store.checkpoint_path(tmp_path, exp.name, 0)
    p = subprocess.Popen([sys.executable, "-c", LONG_TRIAL, tmp_path], start_new_session=True)
    deadline = time.monotonic() + 60
    while not ckpt.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    state, _, _ = load_checkpoint(ckpt, exp, 0)
    assert 0 < state["seen"] < exp.cap and not store.trial_path(tmp_path, exp.name, 0).exists()
    events = []
    resumed = run_trials(exp, [0], out=tmp_path, checkpoint_every=0, report=lambda e, i: events.append(i))[0]
    assert events[0]["seen"] == state["seen"] + exp.batch  # it took up where it stopped
    whole, _ = run_trial(exp, 0)
    assert comparable(resumed) == comparable(whole) and resumed["presented"] == exp.cap
    assert not ckpt.exists()


def last_line_after_trial_lines(stderr: str, name: str) -> str:
    """The one line a stopped sweep ends with; before it (stderr is not a terminal here) stand only the one-line
    reports of trials that finished before the signal, which a fast idle machine may get to. No traceback."""
    *finished, last = stderr.strip().splitlines()
    assert all(re.fullmatch(rf"{name} seed \d+: .+", line) for line in finished), stderr
    return last


def test_ctrl_c_stops_cleanly_and_says_how_to_resume(tmp_path):
    # adding-T100's trials take minutes, so the sweep cannot end before the interrupt (temporal-6a's could, on a
    # loaded machine, before the test saw their first checkpoint)
    p = cli("run", "adding-T100", "--trials", "4", "--workers", "2", "--out", tmp_path, "--checkpoint-every", "0")
    deadline = time.monotonic() + 60  # a loaded machine may take a while to write the first checkpoint
    while not list(tmp_path.glob("adding-T100/*.ckpt")) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(p.pid, signal.SIGINT)  # what a terminal does on Ctrl-C
    stdout, stderr = p.communicate(timeout=30)
    assert p.returncode == 130 and stdout == ""
    assert "rerun the same command to resume" in last_line_after_trial_lines(stderr, "adding-T100"), stderr
    assert not wait_gone(p.pid)
    kept = [q.suffix for q in (tmp_path / "adding-T100").iterdir()]
    assert ".ckpt" in kept and set(kept) <= {".json", ".ckpt", ".npz", ".sha256"}


def children(pid: int) -> list[int]:
    found = []
    for child in filter(str.isdigit, os.listdir("/proc")):
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
            cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        program = Path(cmdline.split(b"\0")[0].decode(errors="replace")).name
        if fields[1] == str(pid) and b"resource_tracker" not in cmdline and program.startswith("python"):
            found.append(int(child))  # python processes only: not a short-lived `git rev-parse` of the provenance
    return found


def test_an_interrupted_pool_removes_what_killed_workers_were_writing(tmp_path, monkeypatch):
    """The pool SIGKILLs its workers on Ctrl-C; one killed inside store.write_atomic leaves its temporary file."""
    exp = lstm1997.get_experiment("temporal-6a")
    litter = tmp_path / exp.name / ".seed-1.ckpt.abc123.tmp"

    def interrupted(jobs, *args):
        litter.parent.mkdir(parents=True, exist_ok=True)
        litter.write_bytes(b"half a checkpoint")
        raise KeyboardInterrupt

    monkeypatch.setattr(lstm1997.sweep, "_run_local", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_trials(exp, [0, 1], workers=2, out=tmp_path)
    assert not litter.exists()


def test_a_worker_killed_under_the_sweep_stops_it_with_one_line(tmp_path):
    # adding-T100's trials take minutes, so the sweep cannot finish before the kill (temporal-6a's take a second)
    p = cli("run", "adding-T100", "--trials", "4", "--workers", "2", "--out", tmp_path)
    deadline = time.monotonic() + 30
    while not children(p.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    for _ in range(100):  # a python child listed a moment ago may be gone already: kill one alive now
        try:
            os.kill(children(p.pid)[0], signal.SIGKILL)  # as the out-of-memory killer would
            break
        except (IndexError, ProcessLookupError):
            time.sleep(0.05)
    stdout, stderr = p.communicate(timeout=30)
    assert p.returncode == 2 and "worker process died" in stderr and "rerun" in stderr, stderr
    assert last_line_after_trial_lines(stderr, "adding-T100").startswith("lstm1997: error: a worker process died")
    assert not wait_gone(p.pid)


# --- bad input -----------------------------------------------------------------------------------------------


def run_cli(*args, cwd=None, env=None):
    return subprocess.run(
        [sys.executable, "-m", "lstm1997.cli", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env=env,
    )


def one_line_error(r, message: str) -> None:
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert len(r.stderr.strip().splitlines()) == 1 and message in r.stderr, r.stderr
    assert "Traceback" not in r.stderr


def test_a_non_empty_foreign_folder_is_refused(tmp_path):
    (tmp_path / "thesis.tex").write_text("precious")
    one_line_error(run_cli("run", "temporal-6a", "--trials", "1", "--out", tmp_path), "not a results folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["thesis.tex"]


def test_a_results_folder_of_another_format_is_refused(tmp_path):
    (tmp_path / store.MARKER).write_text('{"format": 0}')
    one_line_error(run_cli("run", "temporal-6a", "--trials", "1", "--out", tmp_path), "format 0")
    one_line_error(run_cli("report", tmp_path), "format 0")
    (tmp_path / store.MARKER).write_text("garbage")
    one_line_error(run_cli("run", "temporal-6a", "--trials", "1", "--out", tmp_path), "unreadable results marker")


def test_an_out_path_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("")
    one_line_error(run_cli("run", "temporal-6a", "--out", tmp_path / "f"), "is a file")


def test_folders_written_before_the_marker_are_adopted(tmp_path):
    exp = lstm1997.get_experiment("temporal-6a").with_options(cap=1000)
    run_trials(exp, [0], out=tmp_path)
    (tmp_path / store.MARKER).unlink()
    (tmp_path / "RESULTS.md").write_text("# results")
    (tmp_path / "figures").mkdir()
    assert len(run_trials(exp, [0, 1], out=tmp_path)) == 2
    assert (tmp_path / store.MARKER).exists()


BAD_FLAGS = [
    (["run", "temporal-6a", "--address", "127.0.0.1:6379"], "--address needs --backend ray"),
    (["run", "temporal-6a", "--backend", "spark"], "invalid choice"),
    (["run", "temporal-6a", "--checkpoint-every", "-1"], "0 to 86400"),
    (["run", "temporal-6a", "--checkpoint-every", "soon"], "number of seconds"),
    (["reproduce", "--rows", "temporal-6a", "nope", "--out", "res"], "unknown experiment 'nope'"),
]


@pytest.mark.parametrize(("args", "message"), BAD_FLAGS, ids=[" ".join(a) for a, _ in BAD_FLAGS])
def test_bad_flags_get_one_line_and_exit_code_2(args, message, tmp_path):
    one_line_error(run_cli(*args, cwd=tmp_path), message)
    assert not (tmp_path / "res").exists()  # checked before anything ran


def test_a_corrupted_record_stops_the_sweep_naming_the_file_and_nothing_else_is_lost(tmp_path):
    exp = lstm1997.get_experiment("temporal-6a").with_options(cap=1000)
    run_trials(exp, [0, 1], out=tmp_path)
    good = store.trial_path(tmp_path, exp.name, 0).read_text()
    store.trial_path(tmp_path, exp.name, 1).write_text('{"experiment": "temporal-6a", "se')  # truncated
    with pytest.raises(StoreError, match="seed-1.json"):
        run_trials(exp, [0, 1, 2], out=tmp_path)
    assert store.trial_path(tmp_path, exp.name, 0).read_text() == good
    (tmp_path / "temporal-6a").mkdir()
    (tmp_path / "temporal-6a" / "seed-0.json").write_bytes(b"\x00\xff garbage")
    one_line_error(run_cli("run", "temporal-6a", "--trials", "1", "--out", tmp_path), "seed-0.json")


def test_a_planted_checkpoint_of_another_trial_is_refused_on_the_command_line(tmp_path):
    exp = lstm1997.get_experiment("temporal-6a")
    checkpoint_of(exp, 3, store.checkpoint_path(tmp_path, exp.name, 0))
    one_line_error(run_cli("run", "temporal-6a", "--trials", "1", "--out", tmp_path), "refusing to resume")


def test_ray_missing_gets_one_line(tmp_path):
    fake = tmp_path / "fake"
    (fake / "ray").mkdir(parents=True)
    (fake / "ray" / "__init__.py").write_text("raise ImportError('no ray here')")
    env = {**os.environ, "PYTHONPATH": f"{fake}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    r = run_cli("run", "temporal-6a", "--trials", "1", "--backend", "ray", env=env)
    one_line_error(r, 'pip install "lstm1997[ray]"')


def poisoned(rng, n, base):
    """``base.generate``, but a chunk whose first draw is below 0.5 gets a huge (finite) target: with a linear
    output (no saturation) the weights overflow and the trial diverges."""
    seqs = base.generate(rng, n)
    if rng.random() < 0.5:
        targets = seqs.targets.copy()
        targets[0] = 1e200
        seqs = dataclasses.replace(seqs, targets=targets)
    return seqs


def test_a_diverging_trial_is_recorded_and_the_sweep_goes_on(tmp_path):
    base = lstm1997.get_experiment("adding-T100+linear-output").with_options(cap=2000, test_size=100)
    exp = dataclasses.replace(base, name="adding-T100[poisoned]", generate=partial(poisoned, base=base))
    records = run_trials(exp, range(6), workers=2, out=tmp_path)
    diverged = [r["diverged"] for r in records]
    assert any(diverged) and not all(diverged)
    assert all(not r["success"] for r in records if r["diverged"])
    assert len(stored(tmp_path, exp.name)) == 6
    json.loads((tmp_path / exp.name / f"seed-{diverged.index(True)}.json").read_text())  # valid JSON


API_BAD = [
    (dict(seeds=[-1]), ValueError, "non-negative"),
    (dict(seeds=[0, 0]), ValueError, "distinct"),
    (dict(seeds=[1.5]), ValueError, "whole numbers"),
    (dict(seeds="012"), TypeError, "sequence"),
    (dict(workers=0), ValueError, "workers"),
    (dict(workers=10**9), ValueError, "workers"),
    (dict(backend="gpu"), ValueError, "unknown backend"),
    (dict(address="localhost:6379"), ValueError, "needs backend 'ray'"),
    (dict(checkpoint_every=-5), ValueError, "checkpoint_every"),
    (dict(checkpoint_every=float("nan")), ValueError, "checkpoint_every"),
    (dict(exp="adding-T100"), TypeError, "Experiment"),
]


@pytest.mark.parametrize(("changes", "error", "message"), API_BAD, ids=[str(c) for c, _, _ in API_BAD])
def test_the_api_refuses_bad_arguments_clearly(changes, error, message, tmp_path):
    kwargs = {"exp": lstm1997.get_experiment("temporal-6a").with_options(cap=1000), "seeds": [0], **changes}
    with pytest.raises(error, match=message):
        run_trials(kwargs.pop("exp"), kwargs.pop("seeds"), out=tmp_path, **kwargs)


def test_store_refuses_records_that_are_not_records(tmp_path):
    path = tmp_path / "x" / "seed-0.json"
    path.parent.mkdir()
    for text, message in [("[1, 2]", "not a trial record"), ('{"experiment": "x", "seed": 0}', "format None")]:
        path.write_text(text)
        with pytest.raises(StoreError, match=message):
            store.load(path)
    exp = lstm1997.get_experiment("temporal-6a").with_options(cap=1000)
    record = run_trials(exp, [1])[0]
    store.save(tmp_path, record)
    store.trial_path(tmp_path, exp.name, 1).rename(store.trial_path(tmp_path, exp.name, 0))
    with pytest.raises(StoreError, match="holds the record of .* seed 1"):
        run_trials(exp, [0], out=tmp_path)


# --- Ray (last: it starts a local Ray instance) ------------------------------------------------------------------


@pytest.fixture(scope="module")
def ray_local():
    ray = pytest.importorskip("ray")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_ray_gives_the_local_records_and_resumes_like_local(ray_local, tmp_path):
    exp = lstm1997.get_experiment("temporal-6a").with_options(cap=3000)
    local = [comparable(r) for r in run_trials(exp, [0, 1, 2])]
    assert [comparable(r) for r in run_trials(exp, [0, 1, 2], out=tmp_path, backend="ray")] == local
    store.trial_path(tmp_path, exp.name, 1).unlink()
    ckpt = checkpoint_of(exp, 1, store.checkpoint_path(tmp_path, exp.name, 1))  # a trial killed mid-way
    events = []
    again = run_trials(exp, [0, 1, 2], out=tmp_path, backend="ray", report=lambda e, i: events.append((e, i)))
    assert {i["record"]["seed"]: i["resumed"] for e, i in events if e == "done"} == {0: True, 1: False, 2: True}
    assert [comparable(r) for r in again] == local and not ckpt.exists()
    store.trial_path(tmp_path, exp.name, 2).unlink()
    checkpoint_of(exp, 0, store.checkpoint_path(tmp_path, exp.name, 2))  # the task reads it, and refuses it
    with pytest.raises(StoreError, match="seed 0, not 2"):
        run_trials(exp, [0, 1, 2], out=tmp_path, backend="ray")


def test_ray_on_the_command_line_starts_a_local_instance(tmp_path):
    pytest.importorskip("ray")
    r = run_cli(
        "run", "temporal-6a", "--trials", "2", "--backend", "ray", "--workers", "2", "--out", tmp_path, "--json"
    )
    assert r.returncode == 0, r.stderr
    records = json.loads(r.stdout)["records"]
    expected = run_trials(lstm1997.get_experiment("temporal-6a"), [0, 1])
    assert [comparable(r) for r in records] == [comparable(r) for r in expected]
    assert len(stored(tmp_path, "temporal-6a")) == 2
