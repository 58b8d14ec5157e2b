"""Look inside a 1997 net (``lstm1997 inspect``): on a fixed probe set of a row's sequences, the gates at the steps
that carry the task's information, the cells' states and saturation, the output against the trivial predictor,
the gradient per weight group, and one-line diagnoses by the rules of ``RULES`` (docs/INSPECT.md).

Which steps carry the information (the adding problem's markers, the x/y symbol of Exp 2, the outer T/P of the
embedded Reber grammar, ...) and which step's target depends on it (the "answer" step) is task knowledge: the
row's ``memory_steps`` (lstm1997.tasks.*). Everything here is computed from the net's activations as the kernel
produces them (learning.batch_states) and from its truncated and full gradients (learning.gradient).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lstm1997 import learning
from lstm1997.criteria import correct_rule
from lstm1997.experiments import Experiment
from lstm1997.network import Network
from lstm1997.sequences import Sequences

PROBE_SEED = 31
"""Seed of the probe set: the same sequences for every net of a row."""
PROBE_STEPS = 20_000
"""The probe set has about this many steps in all ..."""
PROBE_SEQUENCES = (20, 200)
"""... but at least 20 and at most 200 sequences."""


class InspectError(ValueError):
    """A request the command cannot serve (a row without a 1997 net or without memory steps, a bad --after)."""


@dataclass(frozen=True)
class Rule:
    """One documented diagnosis (``diagnose`` says when it applies)."""

    name: str
    """Short name, as in the confusion table of docs/INSPECT.md."""
    meaning: str
    """When it applies, in a few words (docs/INSPECT.md explains each rule)."""


TRIVIAL_SHARE = 0.5
"""A net whose mean squared error at the answer steps is at least this share of the trivial predictor's (the
constant output that is the mean target) ..."""
SPREAD_SHARE = 0.5
"""... and whose outputs there spread (std across sequences) less than this share of the targets' gives nearly
the same answer to every sequence: it is at the trivial predictor."""
PART_SHARE = 0.2
"""A net whose error at the answer steps is at least this share of the trivial predictor's, but that is not at
the trivial predictor, has learned only part of what it must remember (the solved nets we checked stay below
0.07, docs/INSPECT.md)."""
WRONG_SHARE = 0.05
"""... or of whose probe answers at least this share is wrong by the row's criterion. At that rate a streak of
2,000 correct sequences (ST3; 10,000 for Exp 2) has a chance below 1e-44, so the criterion is out of reach; and a
net that could still meet it (say at most 0.2 % wrong) shows 5 % of ~190 probe answers wrong with a chance below
1e-9. Added in the second validation (docs/INSPECT.md)."""
SATURATED_H = 0.05
"""h'(s_c) below this (a tenth of its maximum 1/2, reached at s_c = 0; |s_c| > 3.64) cuts the error that reaches a
cell and its input gate (eq. 23: e_s = y_out h'(s_c) delta) at least tenfold."""
CLOSED_GATE = 0.1
"""An input gate below this at the relevant steps lets in less than a tenth of what the cell input offers."""

RULES = {
    "trivial": Rule("output at the trivial predictor", f"error at the answer >= {TRIVIAL_SHARE} x that of the "
                    f"constant mean-target output, output spread < {SPREAD_SHARE} x the targets'"),
    "partial": Rule("answer learned in part", f"error at the answer >= {PART_SHARE} x that of the constant "
                    f"mean-target output, or >= {WRONG_SHARE:.0%} of the answers wrong by the criterion, but not at "
                    "the trivial predictor"),
    "saturated": Rule("cells saturated", f"every cell whose input gate opens at the relevant steps (>= {CLOSED_GATE}) "
                      f"has h'(s_c) < {SATURATED_H} at the answer: little error reaches it or its gate"),
    "gates-closed": Rule("input gates closed at the relevant steps", f"every input gate < {CLOSED_GATE} there"),
    "near-miss": Rule("a near miss", "the trial failed its criterion, yet no rule above applies: the net answers "
                      "(nearly) every probe sequence right, and the criterion's streak came too late, not the net"),
}  # fmt: skip
"""The diagnoses, by key; ``diagnose`` says which apply. Each of the first four needs the error condition of
'trivial' or 'partial' (never both), so a net that solves its task is not flagged; 'saturated' and 'gates-closed'
(never both) add the reason where one is visible. 'near-miss' needs the trial's record: a failed trial that no
other rule names (added in the second validation, docs/INSPECT.md)."""


def probe_set(exp: Experiment) -> Sequences:
    """The row's fixed probe set: fresh sequences from the seed ``PROBE_SEED``, about ``PROBE_STEPS`` steps."""
    mean_length = float(exp.generate(np.random.default_rng(PROBE_SEED + 1), 8).lengths.mean())
    n = int(np.clip(PROBE_STEPS // mean_length, *PROBE_SEQUENCES))
    return exp.generate(np.random.default_rng(PROBE_SEED), n)


def memory_masks(exp: Experiment, seqs: Sequences) -> tuple[np.ndarray, np.ndarray]:
    """(n_steps,) bool: the relevant steps of every sequence; (n,) the answer step of each (global indices)."""
    if exp.memory_steps is None:
        raise InspectError(f"{exp.name} does not say which steps carry its information (no memory_steps)")
    relevant = np.zeros(seqs.n_steps, dtype=bool)
    answer = np.zeros(seqs.n, dtype=np.int64)
    for i in range(seqs.n):
        t0, t1 = seqs.starts[i], seqs.starts[i + 1]
        steps, at = exp.memory_steps(seqs.dense_inputs(i))
        relevant[t0:t1] = steps
        answer[i] = t0 + at
    return relevant, answer


def h_prime(s: np.ndarray, h: str) -> np.ndarray:
    """h'(s_c): 2 f(s) (1 - f(s)) for h1 = 2 f - 1 (eq. 4), 1 for the identity."""
    if h == "id":
        return np.ones_like(s)
    f = 1.0 / (1.0 + np.exp(-s))
    return 2.0 * f * (1.0 - f)


def _mean(a: np.ndarray) -> float | None:
    return float(a.mean()) if a.size else None


def gate_table(states: dict, relevant: np.ndarray, answer: np.ndarray, output_gate: bool) -> list[dict]:
    """Per block: mean input- and output-gate activation at the relevant steps, at the answer steps and at all
    other steps (output gates: None for a net without them)."""
    at_answer = np.zeros(len(relevant), dtype=bool)
    at_answer[answer] = True
    other = ~relevant & ~at_answer
    rows = []
    for j in range(states["y_in"].shape[1]):
        row = {}
        for gate in ("in", "out"):
            y = states[f"y_{gate}"][:, j]
            show = gate == "in" or output_gate
            row[gate] = {k: _mean(y[m]) if show else None for k, m in
                         (("relevant", relevant), ("answer", at_answer), ("other", other))}  # fmt: skip
        rows.append(row)
    return rows


def cell_table(states: dict, seqs: Sequences, relevant: np.ndarray, answer: np.ndarray, net: Network) -> list[dict]:
    """Per cell: the range of s_c over the probe, the mean h'(s_c) at the answer steps, and the mean change of
    s_c per step at the steps that are neither relevant nor answer steps (its drift)."""
    s = states["s_c"]
    previous = np.vstack([np.zeros((1, s.shape[1])), s[:-1]])
    previous[seqs.starts[:-1]] = 0.0  # every sequence starts from s_c = 0
    quiet = ~relevant
    quiet[answer] = False
    h_der = h_prime(s[answer], net.spec.h)
    return [
        {"block": c // net.spec.block_size, "s_min": float(s[:, c].min()), "s_max": float(s[:, c].max()),
         "h_prime_answer": float(h_der[:, c].mean()), "drift": _mean((s - previous)[quiet, c])}
        for c in range(s.shape[1])
    ]  # fmt: skip


def output_table(states: dict, seqs: Sequences, answer: np.ndarray, threshold: float) -> dict:
    """At the answer steps: the net's mean squared error and the trivial predictor's (the mean target, i.e. the
    targets' variance), the spread (std across sequences, mean over output units) of outputs and targets, and how
    many of the answers are wrong by the row's criterion (an output's absolute error >= ``threshold``; None where
    the criterion has no threshold, as Exp 1's)."""
    rows = (np.cumsum(seqs.target_at) - 1)[answer]
    out = states["y"][rows]
    target = seqs.criterion_targets[rows]
    has_threshold = math.isfinite(threshold)
    wrong = int(np.sum(np.abs(out - target).max(axis=1) >= threshold)) if has_threshold else None
    return {
        "mse": float(np.mean((out - target) ** 2)),
        "trivial_mse": float(np.mean(target.var(axis=0))),
        "spread": float(out.std(axis=0).mean()),
        "target_spread": float(target.std(axis=0).mean()),
        "answers": len(rows),
        "wrong": wrong,
        "threshold": threshold if has_threshold else None,
    }


GROUPS = {"w_in": "input gates", "w_out": "output gates", "w_c": "cells", "w_k": "outputs"}
"""The weight groups, by array."""


def column_parts(net: Network) -> dict[str, dict[str, slice]]:
    """The columns of each weight array by kind of source: bias, inputs, recurrent (u(t), network.py) or cells."""
    ni, nc = net.spec.n_in, net.spec.n_cells
    hidden = {"bias": slice(0, 1), "input": slice(1, 1 + ni), "recurrent": slice(1 + ni, None)}
    return {"w_in": hidden, "w_out": hidden, "w_c": hidden,
            "w_k": {"bias": slice(0, 1), "cells": slice(1, 1 + nc), "input": slice(1 + nc, None)}}  # fmt: skip


def gradient_table(net: Network, seqs: Sequences, full: bool) -> dict[str, dict[str, float | None]]:
    """Norm of dE/dw per sequence of the probe, per weight group and kind of column (None: no such connection)."""
    grads = learning.gradient(net, seqs, full=full)
    table = {}
    for name, parts in column_parts(net).items():
        if name == "w_out" and not net.spec.output_gate:
            continue
        mask = net.spec.masks[name]
        table[GROUPS[name]] = {
            part: float(np.linalg.norm(grads[name][:, cols]) / seqs.n) if mask[:, cols].any() else None
            for part, cols in parts.items()
        }
    return table


def diagnose(report: dict, failed: bool | None = None) -> list[str]:
    """The keys of the ``RULES`` that apply to ``report`` (from ``inspect_net``); ``failed``: whether the trial
    failed its criterion, by its record (None: unknown, as for a net trained for --after N)."""
    out, cells, blocks = report["output"], report["cells"], report["blocks"]
    many_wrong = out["wrong"] is not None and out["wrong"] >= WRONG_SHARE * out["answers"]
    if out["trivial_mse"] <= 0 or (out["mse"] < PART_SHARE * out["trivial_mse"] and not many_wrong):
        return ["near-miss"] if failed else []
    at_trivial = (
        out["mse"] >= TRIVIAL_SHARE * out["trivial_mse"] and out["spread"] < SPREAD_SHARE * out["target_spread"]
    )
    found = ["trivial" if at_trivial else "partial"]
    gate = [b["in"]["relevant"] for b in blocks]
    open_cells = [c for c in cells if gate[c["block"]] is not None and gate[c["block"]] >= CLOSED_GATE]
    if not open_cells:
        found.append("gates-closed")
    elif report["h"] == "h1" and all(c["h_prime_answer"] < SATURATED_H for c in open_cells):
        found.append("saturated")
    return found


def inspect_net(
    net: Network, exp: Experiment, seqs: Sequences | None = None, gradients: bool = True, failed: bool | None = None
) -> dict:
    """Everything ``lstm1997 inspect`` reports on ``net`` (a net of row ``exp``) over the probe set (or ``seqs``),
    as plain numbers: probe, blocks, cells, output, gradient (truncated and full; omitted without ``gradients``)
    and the diagnoses that apply (``failed``: see ``diagnose``)."""
    seqs = probe_set(exp) if seqs is None else seqs
    relevant, answer = memory_masks(exp, seqs)
    states = learning.batch_states(net, seqs)
    report = {
        "experiment": exp.name,
        "probe": {
            "seed": PROBE_SEED,
            "sequences": seqs.n,
            "steps": seqs.n_steps,
            "relevant_steps": int(relevant.sum()),
        },  # fmt: skip
        "h": net.spec.h,
        "blocks": gate_table(states, relevant, answer, net.spec.output_gate),
        "cells": cell_table(states, seqs, relevant, answer, net),
        "output": output_table(states, seqs, answer, correct_rule(exp.criterion, exp.test_threshold)[0]),
    }
    if gradients:
        report["gradient"] = {kind: gradient_table(net, seqs, kind == "full") for kind in ("truncated", "full")}
    report["diagnoses"] = diagnose(report, failed)
    return report


# --- text ------------------------------------------------------------------------------------------------------


def _num(v: float | None, fmt: str = ".3f") -> str:
    return "-" if v is None else format(v, fmt)


def _wrong(o: dict) -> str:
    if o["wrong"] is None:
        return "- (the criterion has no threshold)"
    return f"{o['wrong']} of {o['answers']} (an output's |error| >= {o['threshold']:g})"


def report_lines(report: dict) -> list[str]:
    """``inspect_net``'s report as the lines ``lstm1997 inspect`` prints."""
    p, o = report["probe"], report["output"]
    ratio = o["mse"] / o["trivial_mse"] if o["trivial_mse"] > 0 else float("nan")
    lines = [
        f"probe: {p['sequences']} sequences (seed {p['seed']}), {p['steps']:,} steps, {p['relevant_steps']:,} of them "
        "relevant (carry what the answer depends on); answer = the step whose target depends on them",
        f"output at the answer: MSE {o['mse']:.4g}, trivial predictor (mean target) {o['trivial_mse']:.4g} "
        f"(ratio {ratio:.3f}); output spread {o['spread']:.3g}, target spread {o['target_spread']:.3g}",
        f"answers wrong by the criterion: {_wrong(o)}",
        "gates, mean activation    input: relevant  answer   other    output: relevant  answer   other",
    ]
    for j, b in enumerate(report["blocks"]):
        i, u = b["in"], b["out"]
        lines.append(f"  block {j + 1:<17} {_num(i['relevant']):>15} {_num(i['answer']):>7} {_num(i['other']):>7} "
                     f"{_num(u['relevant']):>17} {_num(u['answer']):>7} {_num(u['other']):>7}")  # fmt: skip
    lines.append("cells                    s_c min    s_c max   h'(s_c) at answer   drift per other step")
    for c, cell in enumerate(report["cells"]):
        lines.append(f"  cell {c + 1} (block {cell['block'] + 1}){'':6} {cell['s_min']:>9.3g} {cell['s_max']:>10.3g} "
                     f"{cell['h_prime_answer']:>19.3g} {_num(cell['drift'], '+.3g'):>22}")  # fmt: skip
    if "gradient" in report:
        lines.append("gradient norm per probe sequence, truncated | full (- = no such connections)")
        for group, parts in report["gradient"]["truncated"].items():
            full = report["gradient"]["full"][group]
            cols = "   ".join(f"{part} {_num(v, '.2e')} | {_num(full[part], '.2e')}" for part, v in parts.items())
            lines.append(f"  {group:<13} {cols}")
    for key in report["diagnoses"]:
        lines.append(f"diagnosis: {RULES[key].name} ({RULES[key].meaning})")
    if not report["diagnoses"]:
        lines.append("diagnosis: none of the rules applies (docs/INSPECT.md)")
    return lines


def trace_lines(reports: list[dict]) -> list[str]:
    """A table of ``trace``'s reports, one line per moment."""
    width = max(44, 15 * len(reports[0]["blocks"]))
    head = "input gates at relevant steps (other steps)"
    lines = [f"{'sequences':>10} {'MSE/trivial':>11} {'spread/target':>13} {head:>{width}}   mean h'(s_c)  diagnoses"]
    for r in reports:
        o = r["output"]
        gates = " ".join(f"{b['in']['relevant']:.3f} ({b['in']['other']:.3f})" for b in r["blocks"])
        h = np.mean([c["h_prime_answer"] for c in r["cells"]])
        ratio = o["mse"] / o["trivial_mse"] if o["trivial_mse"] > 0 else float("nan")
        spread = o["spread"] / o["target_spread"] if o["target_spread"] > 0 else float("nan")
        lines.append(f"{r['seen']:>10,} {ratio:>11.3f} {spread:>13.3f} {gates:>{width}}   {h:>12.3g}  "
                     f"{', '.join(r['diagnoses']) or '-'}")  # fmt: skip
    return lines
