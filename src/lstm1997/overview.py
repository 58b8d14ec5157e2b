"""Each paper row under the literal reading and the reconstruction profiles, side by side: the opening table of
RESULTS.md and the summary `lstm1997 reproduce --quick` prints (docs/DEVIATIONS.md, "Reconstruction")."""

from __future__ import annotations

from lstm1997.catalog import get_experiment
from lstm1997.experiments import EXPERIMENTS
from lstm1997.summary import reproduces, summarize

PROFILE_COLUMNS = ("reconstructed", "reconstructed-modified")
"""The reconstruction profiles shown beside the literal rows (lstm1997.profiles)."""

VERDICTS = {True: "reproduces", False: "does not reproduce", None: "not judged"}


def _judge(name: str, records: list[dict] | None, preview: bool = False) -> tuple[dict, bool | None] | None:
    """The row's summary and its verdict; the verdict is None (not judged) while the row has fewer trials than
    the paper's count, unless ``preview`` (the quick run's few trials, judged as they are)."""
    if not records:
        return None
    exp = get_experiment(name)
    s = summarize(exp, records)
    return s, reproduces(s) if preview or len(records) >= exp.trials else None


def cell(name: str, records: list[dict] | None, compact: bool = False) -> str:
    """``k/n, mean (ratio x): verdict`` of the row ``name``, or "not run"; compact (the quick run's preview of a
    few trials): ``k/n 1.23x yes``, the key applied to the trials there are."""
    judged = _judge(name, records, preview=compact)
    if judged is None:
        return "not run" if not compact else "-"
    s, key = judged
    q, paper_mean = s["sequences"], s["paper"]["sequences"]
    ratio = q["mean"] / paper_mean if q and paper_mean else None
    partial = s["trials"] < get_experiment(name).trials
    if compact:
        word = {True: "yes", False: "no", None: "-"}[key]
        return f"{s['successes']}/{s['trials']} {f'{ratio:.2f}x' if ratio else '-'} {word}"
    mean = f", {q['mean']:,.0f} ({ratio:.2f}x)" if ratio else ""
    verdict = f"partial ({s['trials']} of {get_experiment(name).trials} trials)" if partial else VERDICTS[key]
    return f"{s['successes']}/{s['trials']}{mean}: {verdict}"


def run_name(row: str, profile: str) -> str:
    """The row whose records stand for paper row ``row`` under ``profile`` (see ``_columns``)."""
    return _columns(row)[1 + PROFILE_COLUMNS.index(profile)]


def _columns(row: str) -> list[str]:
    """The rows whose records stand for paper row ``row`` under the literal reading and each profile: a profile
    that applies no deviation to the row, or the same deviations as a column before it, runs exactly that
    column's row, so it shows those records (and is not run twice)."""
    from lstm1997.profiles import PROFILES

    exp = EXPERIMENTS[row]
    names = [row]
    runs: dict[tuple[str, ...], str] = {(): row}  # deviations -> the row that runs them (profiles may share one)
    for p in PROFILE_COLUMNS:
        chosen = tuple(PROFILES[p].chosen(exp)) if p in PROFILES else (p,)
        names.append(runs.setdefault(chosen, f"{row}+{p}"))
    return names


def _row_cells(by_name: dict[str, list[dict]]) -> dict[str, list[str]]:
    """Each paper row's cells: literal, then each profile (``cell``)."""
    return {row: [cell(name, by_name.get(name)) for name in _columns(row)] for row in EXPERIMENTS}


def overview_lines(by_name: dict[str, list[dict]]) -> list[str]:
    """Markdown: one line per paper row (paper | literal | each profile), then how many rows each reproduces."""
    head = ["paper row", "paper", "literal", *PROFILE_COLUMNS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    row_cells = _row_cells(by_name)
    for row, exp in EXPERIMENTS.items():
        paper = f"{exp.paper.success_percent or 100:.0f}%, {exp.paper.sequences:,.0f}"
        lines.append(f"| {row} | {paper} | " + " | ".join(row_cells[row]) + " |")
    return [*lines, "", *_count_lines(row_cells, by_name), ""]


def count_lines(by_name: dict[str, list[dict]]) -> list[str]:
    """Markdown: how many paper rows the literal reading and each profile reproduce, and each column's compute."""
    return _count_lines(_row_cells(by_name), by_name)


def _count_lines(row_cells: dict[str, list[str]], by_name: dict[str, list[dict]]) -> list[str]:
    columns = ["literal", *PROFILE_COLUMNS]
    wins = [sum(cells[i].endswith(": reproduces") for cells in row_cells.values()) for i in range(len(columns))]
    counts = ", ".join(f"{c}: {w} of {len(EXPERIMENTS)}" for c, w in zip(columns, wins))
    own = [{row: row for row in EXPERIMENTS}, *({row: f"{row}+{p}" for row in EXPERIMENTS} for p in PROFILE_COLUMNS)]
    hours = [sum(r["wall_time"] for name in names.values() for r in by_name.get(name, [])) / 3600 for names in own]
    compute = ", ".join(f"{c}: {h:.2f}" for c, h in zip(columns, hours))
    return [f"Rows that reproduce by the verdict key: {counts}.",
            f"Compute (core-hours of trial wall time of each column's own runs): {compute}."]  # fmt: skip


def terminal_summary(by_name: dict[str, list[dict]], rows: list[str]) -> str:
    """At most 100 columns: the paper rows ``rows`` (literal | profiles: successes, ratio to the paper's mean,
    verdict), then one verdict line per experiment; a preview: the key applied to the trials run, however few."""
    out = [f"{'paper row':<22} {'paper':>15} {'literal':>16} {'reconstructed':>16} {'recon.-modified':>16}"]
    families: dict[str, list[list[bool | None]]] = {}
    for row in rows:
        exp = EXPERIMENTS[row]
        paper = f"{exp.paper.success_percent or 100:.0f}% {exp.paper.sequences:,.0f}"
        cells = [cell(name, by_name.get(name), compact=True) for name in _columns(row)]
        out.append(f"{row:<22} {paper:>15} " + " ".join(f"{c:>16}" for c in cells))
        judged = [_judge(name, by_name.get(name), preview=True) for name in _columns(row)]
        families.setdefault(exp.family, []).append([j[1] if j else None for j in judged])
    for family, verdicts in families.items():
        parts = []
        for i, column in enumerate(["literal", *PROFILE_COLUMNS]):
            run = [bool(v[i]) for v in verdicts if v[i] is not None]
            parts.append(f"{column} {sum(run)}/{len(run)}" if run else f"{column} not run")
        out.append(f"Exp {family}: rows within the key on these trials: " + ", ".join(parts))
    return "\n".join(out) + "\n"


def prediction_lines(by_name: dict[str, list[dict]], predictions: dict) -> list[str]:
    """Markdown: each committed prediction for a held-out row (``predictions[profile][row] = {"verdict": ...,
    "basis": ...}``, written before the row's final run) beside the outcome, and how many came true."""
    lines = ["| held-out row | profile | predicted | outcome | basis |", "|---|---|---|---|---|"]
    right = judged = 0
    for profile, rows in predictions.items():
        for row, p in rows.items():
            name = run_name(row, profile) if profile in PROFILE_COLUMNS else f"{row}+{profile}"
            outcome = _judge(name, by_name.get(name))
            if outcome is not None and outcome[1] is not None:  # a complete row
                judged += 1
                right += VERDICTS[outcome[1]] == p["verdict"]
            lines.append(f"| {row} | {profile} | {p['verdict']} | {cell(name, by_name.get(name))} | {p['basis']} |")
    return [*lines, "", f"Predictions judged so far: {judged}; came true: {right}.", ""]
