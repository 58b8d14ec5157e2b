"""The 30 rows of the paper's Tables 1-9, each a frozen dataclass: task, network, learning rate, criteria,
failure cap, trial count and the paper's reported result (docs/SPEC.md §1.6, §1.7, §2-§7, §10, §12)."""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields, is_dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Literal

import numpy as np

from lstm1997.criteria import ST3, FrozenTest, NSeq, ReberTest, Streak, TwoSeqTest
from lstm1997.network import Network, NetworkSpec
from lstm1997.sequences import Sequences
from lstm1997.tasks import adding, longlag, reber, temporal, twoseq

if TYPE_CHECKING:  # trial.py imports this module
    from lstm1997.trial import Model

Generator = Callable[[np.random.Generator, int], Sequences]


@dataclass(frozen=True)
class PaperResult:
    """What the paper reports for one row (None where its table has no such column)."""

    table: str
    """Where the row stands in the paper, e.g. "Table 7"."""
    success_percent: float | None = None
    """Percentage of successful trials (given for Exp 1 and 2; the other tables imply 100)."""
    sequences: float | None = None
    """Mean training sequences to success ("success after", "stop: ST2", "stop", or the last n_seq level)."""
    milestones: tuple[tuple[str, float], ...] = ()
    """Mean sequences to intermediate criteria, e.g. (("ST1", 27380),) or (("n_seq=140", 482000),)."""
    test: tuple[tuple[str, float], ...] = ()
    """Test figures as the paper reports them, e.g. (("wrong of 2560", 1),) or (("fraction misclassified", ...),)."""
    note: str = ""
    """Anything else needed to read the row (ranges, caveats)."""


@dataclass(frozen=True)
class Experiment:
    """One row of the paper's tables: everything needed to run a trial and compare it with the paper."""

    name: str
    """Public name, e.g. "adding-T100" (docs/DESIGN.md §3)."""
    description: str
    """One line: the task and the row's parameters."""
    spec: NetworkSpec
    """The network (Table 10)."""
    lr: float
    """Learning rate α of plain online gradient descent (Table 10)."""
    generate: Generator
    """Fresh random sequences: ``generate(rng, n)``. Test sets always come from here."""
    criterion: ReberTest | Streak | FrozenTest | ST3 | NSeq | TwoSeqTest
    """Stopping / success criterion (Table 11 and the text)."""
    cap: int
    """Failure cap: a trial that has not met the criterion after this many sequences fails (§12)."""
    test_size: int
    """Sequences in the test set drawn after stopping (0: no separate test)."""
    test_threshold: float
    """Absolute error above which a test sequence counts as wrong."""
    trials: int
    """The paper's number of trials for this row."""
    paper: PaperResult
    """The paper's reported result."""
    training_set: Literal["fresh", "reber", "2a"] = "fresh"
    """Where training sequences come from: generated on-line ("t3"/"t2"), Exp 1's fixed set of 256 strings,
    or Exp 2a's two sequences ("t1")."""
    per_step: bool = False
    """Update weights after every target step instead of once per sequence (only differs in Exps 1, 2a, 2b)."""
    construct: bool = False
    """Exp 2a's sequential construction: train outputs alone until the error stops decreasing, then add the cell."""
    gradient: Literal["truncated", "full"] = "truncated"
    """The paper's truncated gradient, or the full BPTT gradient of the same net (an ablation, Sec. 6's claim)."""
    batch: int = 1000
    """Training sequences per compiled call (criteria are still checked after every sequence)."""
    count_tests: bool = False
    """Count the sequences of the periodic success tests (Exps 1 and 3) as presentations in the sequences to
    success and milestones (a reading of "sequence presentations"; the paper's rows do not)."""
    model: Callable[[Experiment, np.random.Generator], Model] | None = None
    """Builds the model a trial trains, given the row and the initialisation rng (see trial.Model); None is the
    paper's: the 1997 net of ``spec`` trained by the compiled kernel. Baseline rows set it."""
    weights: int | None = None
    """The model's number of weights where ``model`` is not the net of ``spec`` (a competitor); None: spec's."""
    family: str = field(default="", compare=False)
    """Experiment number and task, e.g. "4 adding" (for grouping in reports)."""
    memory_steps: Callable[[np.ndarray], tuple[np.ndarray, int]] | None = field(default=None, compare=False)
    """Task knowledge for diagnostics (lstm1997 inspect): given one sequence's inputs (T, n_in), the steps that
    carry the information the net must store, as a (T,) bool array, and the step whose target depends on it."""

    @property
    def n_weights(self) -> int:
        """Number of weights, to compare with the paper's."""
        return self.spec.n_weights if self.weights is None else self.weights

    def init_network(self, rng: np.random.Generator) -> Network:
        """A network with the row's initial weights."""
        return self.spec.init(rng)

    def sample(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One random sequence: x (T, n_in), targets (T, n_out) (0 where there is none), mask (T,) bool."""
        return self.generate(rng, 1).sequence(0)

    def fingerprint(self) -> str:
        """A digest of every setting that determines a trial's numbers (not the name, description, trial count or
        the paper's figures): records carry it, and a checkpoint or record of other settings is refused."""
        settings: tuple = (self.spec, self.lr, self.generate, self.criterion, self.cap, self.test_size)
        settings += (self.test_threshold,)
        settings += (self.training_set, self.per_step, self.construct, self.gradient, self.batch, self.model)
        settings += ("count_tests",) if self.count_tests else ()  # only where set: other fingerprints stay as they were
        return hashlib.sha256(settings_repr(settings).encode()).hexdigest()[:16]

    def with_options(self, **changes) -> Experiment:
        """A copy with some fields changed (for ablations); the name records the change."""
        suffix = ",".join(f"{k}={v}" for k, v in sorted(changes.items()))
        return replace(self, name=f"{self.name}[{suffix}]", **changes)


def settings_repr(value: object) -> str:
    """A text that is the same in every process for the same settings: ``repr``, except that a dataclass shows
    only the fields that differ from their defaults (a field added later with a default then leaves existing
    fingerprints unchanged) and a function shows its module and name (not its address)."""
    if isinstance(value, tuple | list):
        return "(" + ", ".join(settings_repr(v) for v in value) + ")"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {settings_repr(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, partial):
        args = [settings_repr(a) for a in value.args]
        args += [f"{k}={settings_repr(v)}" for k, v in sorted(value.keywords.items())]
        return f"{settings_repr(value.func)}({', '.join(args)})"
    if callable(value) and hasattr(value, "__qualname__") and not isinstance(value, type):
        return f"{value.__module__}.{value.__qualname__}"
    if not is_dataclass(value) or isinstance(value, type):
        return repr(value)
    shown = [
        f"{f.name}={settings_repr(getattr(value, f.name))}"
        for f in fields(value)
        if f.default is MISSING or getattr(value, f.name) != f.default
    ]
    return f"{type(value).__name__}({', '.join(shown)})"


def _reber(blocks: int, size: int, lr: float, success: float, seqs: float, note: str = "") -> Experiment:
    ogb = tuple(-float(i) for i in range(1, blocks + 1))
    mean = {0.1: {4: 39_740, 3: 21_730}, 0.2: {3: 14_060}, 0.5: {4: 9_500, 3: 8_440}}[lr][blocks]
    return Experiment(
        name=f"reber-{blocks}x{size}-lr{lr}",
        description=f"embedded Reber grammar, {blocks} blocks of size {size}, lr {lr}",
        spec=NetworkSpec(7, 7, blocks, size, bias="gates", init_range=0.2, out_gate_bias=ogb),
        lr=lr,
        generate=reber.generate,
        criterion=ReberTest(),
        cap=10 * mean,
        test_size=0,
        test_threshold=np.inf,
        trials=30,
        paper=PaperResult("Table 1", success_percent=success, sequences=seqs, note=note),
        training_set="reber",
        family="1 reber",
        memory_steps=reber.memory_steps,
    )


def _longlag_2ab(variant: str, seqs: float) -> Experiment:
    p = 100
    spec = NetworkSpec(
        p + 1, p + 1, 1, 1, connectivity="B", bias="none", output_gate=False, g="g1", h="id", init_range=0.2
    )
    return Experiment(
        name=f"longlag-2{variant}",
        description=f"noise-free long time lag 2{variant}, p={p}",
        spec=spec,
        lr=1.0,
        generate=partial(longlag.generate_2a if variant == "a" else longlag.generate_2b, p=p),
        criterion=Streak(0.25, all_steps=variant == "a"),
        cap=5_000_000,
        test_size=0 if variant == "a" else 10_000,
        test_threshold=0.25,
        trials=18,
        paper=PaperResult("Table 2" if variant == "a" else "Sec. 5.2 text", success_percent=100, sequences=seqs),
        training_set="2a" if variant == "a" else "fresh",
        construct=variant == "a",
        batch=100,
        family="2ab longlag",
        memory_steps=longlag.memory_steps,
    )


def _longlag_2c(q: int, p: int, seqs: float) -> Experiment:
    return Experiment(
        name=f"longlag-2c-q{q}-p{p}",
        description=f"very long time lag 2c, q={q}, p={p}",
        spec=NetworkSpec(p + 4, 2, 2, 1, bias="none", init_range=0.2),
        lr=0.01,
        generate=partial(longlag.generate_2c, p=p, q=q),
        criterion=Streak(0.2),
        cap=5_000_000,
        test_size=10_000,
        test_threshold=0.2,
        trials=20,
        paper=PaperResult("Table 3", sequences=seqs),
        family="2c longlag",
        memory_steps=longlag.memory_steps,
    )


def _twoseq(variant: Literal["a", "b", "c"], T: int, N: int, st1: float, st2: float, test: tuple) -> Experiment:
    lr = 0.1 if variant == "c" else 1.0
    crit = {
        "a": TwoSeqTest(threshold=0.2, st1_max_wrong=1, st2_mae=0.01),
        "b": TwoSeqTest(threshold=0.2, st1_max_wrong=6, st2_mae=0.04),
        "c": TwoSeqTest(threshold=0.1, st1_max_wrong=1, st2_mae=0.015),
    }[variant]
    milestones = () if variant == "c" else (("ST1", st1),)
    return Experiment(
        name=f"twoseq-3{variant}-T{T}-N{N}",
        description=f"two-sequence problem 3{variant}, T={T}, N={N}",
        spec=NetworkSpec(1, 1, 3, 1, bias="hidden", in_gate_bias=(-1, -3, -5), out_gate_bias=(-2, -4, -6)),
        lr=lr,
        generate=partial(twoseq.generate, T=T, N=N, variant=variant),
        criterion=crit,
        cap=10 * int(st2),
        test_size=2560,
        test_threshold=crit.threshold,
        trials=10,
        paper=PaperResult({"a": "Table 4", "b": "Table 5", "c": "Table 6"}[variant], sequences=st2,
                          milestones=milestones, test=test),
        family="3 twoseq",
        memory_steps=partial(twoseq.memory_steps, N=N),
    )  # fmt: skip


def _adding(T: int, seqs: float, wrong: float, note: str = "") -> Experiment:
    return Experiment(
        name=f"adding-T{T}",
        description=f"adding problem, T={T} (minimal lag {T // 2})",
        spec=NetworkSpec(2, 1, 2, 2, bias="all", in_gate_bias=(-3, -6)),
        lr=0.5,
        generate=partial(adding.generate_adding, T=T),
        criterion=ST3(avg_error=0.01, threshold=0.04),
        cap=10 * int(seqs),
        test_size=2560,
        test_threshold=0.04,
        trials=10,
        paper=PaperResult("Table 7", sequences=seqs, test=(("wrong of 2560", wrong),), note=note),
        family="4 adding",
        memory_steps=adding.memory_steps,
    )


def _temporal(variant: str, seqs: float, wrong: float, trials: int) -> Experiment:
    n_rel = 2 if variant == "a" else 3
    blocks = n_rel
    return Experiment(
        name=f"temporal-6{variant}",
        description=f"temporal order 6{variant}, {n_rel} relevant symbols, {2**n_rel} classes",
        spec=NetworkSpec(8, 2**n_rel, blocks, 2, bias="all", in_gate_bias=(-2.0, -4.0, -6.0)[:blocks]),
        lr=0.5 if variant == "a" else 0.1,
        generate=partial(temporal.generate, n_relevant=n_rel),
        criterion=ST3(avg_error=0.1, threshold=0.3),
        cap=10 * int(seqs),
        test_size=2560,
        test_threshold=0.3,
        trials=trials,
        paper=PaperResult("Table 9", sequences=seqs, test=(("wrong of 2560", wrong),)),
        family="6 temporal",
        memory_steps=temporal.memory_steps,
    )


EXPERIMENTS: dict[str, Experiment] = {
    e.name: e
    for e in [
        _reber(4, 1, 0.1, 100, 39_740),
        _reber(3, 2, 0.1, 100, 21_730),
        _reber(3, 2, 0.2, 97, 14_060),
        _reber(4, 1, 0.5, 97, 9_500),
        _reber(3, 2, 0.5, 100, 8_440, note="range 3,800-24,100"),
        _longlag_2ab("a", 5_040),
        _longlag_2ab("b", 5_680),
        _longlag_2c(50, 50, 30_000),
        _longlag_2c(100, 100, 31_000),
        _longlag_2c(200, 200, 33_000),
        _longlag_2c(500, 500, 38_000),
        _longlag_2c(1000, 1000, 49_000),
        _longlag_2c(1000, 500, 49_000),
        _longlag_2c(1000, 200, 75_000),
        _longlag_2c(1000, 100, 135_000),
        _longlag_2c(1000, 50, 203_000),
        _twoseq("a", 100, 3, 27_380, 39_850, (("fraction misclassified", 0.000195),)),
        _twoseq("a", 100, 1, 58_370, 64_330, (("fraction misclassified", 0.000117),)),
        _twoseq("a", 1000, 3, 446_850, 452_460, (("fraction misclassified", 0.000078),)),
        _twoseq("b", 100, 3, 41_740, 43_250, (("fraction misclassified", 0.00828),)),
        _twoseq("b", 100, 1, 74_950, 78_430, (("fraction misclassified", 0.01500),)),
        _twoseq("b", 1000, 1, 481_060, 485_080, (("fraction misclassified", 0.01207),)),
        _twoseq("c", 100, 3, 0, 269_650, (("fraction misclassified", 0.00558), ("av. difference to mean", 0.014))),
        _twoseq("c", 100, 1, 0, 565_640, (("fraction misclassified", 0.00441), ("av. difference to mean", 0.012))),
        _adding(100, 74_000, 1),
        _adding(500, 209_000, 0),
        _adding(1000, 853_000, 1, note="range 370,000-2,020,000"),
        Experiment(
            name="multiplication-T100",
            description="multiplication problem, T=100 (minimal lag 50); n_seq = 140 then 13",
            spec=NetworkSpec(2, 1, 2, 2, bias="all"),
            lr=0.1,
            generate=partial(adding.generate_multiplication, T=100),
            criterion=NSeq(),
            cap=10 * 1_273_000,
            test_size=2560,
            test_threshold=0.04,
            trials=10,
            paper=PaperResult(
                "Table 8",
                sequences=1_273_000,
                milestones=(("n_seq=140", 482_000),),
                test=(
                    ("n_seq=140: wrong of 2560", 139),
                    ("n_seq=140: MSE", 0.0223),
                    ("n_seq=13: wrong of 2560", 14),
                    ("n_seq=13: MSE", 0.0139),
                ),
                note="the paper's MSE column cannot be a standard MSE (docs/spec/adding.md §6)",
            ),  # fmt: skip
            family="5 multiplication",
            memory_steps=adding.memory_steps,
        ),
        _temporal("a", 31_390, 1, 20),
        _temporal("b", 571_100, 2, 10),
    ]
}
"""The 30 paper rows by name, in the paper's order."""


def _ablation(base: str, suffix: str, what: str, **changes) -> Experiment:
    exp = EXPERIMENTS[base]
    return replace(exp, name=f"{base}+{suffix}", description=f"{exp.description}; ABLATION: {what}", **changes)


def _linear_output(base: str) -> Experiment:
    spec = replace(EXPERIMENTS[base].spec, output="linear")
    return _ablation(base, "linear-output", "linear output unit instead of the paper's logistic", spec=spec)


def _cells_read_inputs(base: str) -> Experiment:
    spec = replace(EXPERIMENTS[base].spec, cells_read="inputs")
    what = "cells read the inputs only (no bias, no recurrent connections)"
    return _ablation(base, "cells-read-inputs", what, spec=spec)


ABLATIONS: dict[str, Experiment] = {
    e.name: e
    for e in [
        *(
            _ablation(n, "per-step", "weights updated at every target step (RTRL-style reading)", per_step=True)
            for n in EXPERIMENTS
            if EXPERIMENTS[n].training_set != "fresh" or n == "longlag-2b"
        ),
        _ablation("longlag-2a", "full-net", "no sequential construction: memory cell present from the start",
                  construct=False),
        *(_linear_output(n) for n in ("adding-T100", "adding-T500", "adding-T1000", "multiplication-T100")),
        *(_cells_read_inputs(n) for n in EXPERIMENTS if n.startswith(("adding-", "longlag-2c", "temporal-"))),
        *(
            _ablation(n, "full-gradient", "full (untruncated) gradient instead of the truncated one", gradient="full")
            for n in ("adding-T100", "adding-T500", "multiplication-T100", "temporal-6a", "twoseq-3a-T100-N3")
        ),
    ]
}  # fmt: skip
"""Named variants that deviate from the paper on purpose, to test a reading or a cause (docs/DEVIATIONS.md);
each keeps its paper row's criteria, caps, trial count and reported figures for comparison."""


class UnknownExperiment(KeyError):
    """No experiment of that name (a ``KeyError``; its message names the closest names)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def get_experiment(name: str) -> Experiment:
    """The paper row, ablation, row with named deviations or under a profile (``<row>+...``, lstm1997.profiles),
    competitor (``<row>~rtrl-...``, lstm1997.competitors) or baseline (``<row>~<model>``, lstm1997.baselines;
    needs torch) called ``name``; an ``UnknownExperiment`` (a ``KeyError``) naming the closest names if there is
    none."""
    from lstm1997.competitors import COMPETITORS  # imported here: it builds on this module

    if name in EXPERIMENTS:
        return EXPERIMENTS[name]
    if name in ABLATIONS:
        return ABLATIONS[name]
    if name in COMPETITORS:
        return COMPETITORS[name]
    base, *changes = name.split("+")
    if base in EXPERIMENTS and changes and "~" not in name:
        from lstm1997 import profiles  # imported here: it builds on this module

        if len(changes) == 1 and changes[0] in profiles.PROFILES:
            return profiles.PROFILES[changes[0]].row(EXPERIMENTS[base])
        try:
            return profiles.apply(EXPERIMENTS[base], changes)
        except (KeyError, ValueError) as e:
            raise UnknownExperiment(e.args[0]) from None
    baselines: dict[str, Experiment] = {}
    if "~" in name:
        try:
            from lstm1997.baseline_rows import BASELINES as baselines  # imported here: it imports this module
        except ImportError as e:
            raise UnknownExperiment(f"baseline {name!r} needs torch ({e}); pip install 'lstm1997[torch]'") from None
        if name in baselines:
            return baselines[name]
    close = difflib.get_close_matches(name, [*EXPERIMENTS, *ABLATIONS, *COMPETITORS, *baselines], n=3, cutoff=0.4)
    hint = f"; did you mean {' or '.join(close)}?" if close else "; `lstm1997 list` shows all names"
    raise UnknownExperiment(f"unknown experiment {name!r}{hint}")
