"""A results folder + a hand-written template -> docs/REPLICATION.md, the replication report. The template holds
the prose; every number in the tables and every ``{{...}}`` placeholder is filled here from the trial records
(lstm1997.summary, lstm1997.stats), so the report stays true when records change. Data in, text out: the same
records and template give the same text.

Placeholders: ``{{command}}``, ``{{records}}``, ``{{statistics}}``, ``{{headline}}``, ``{{paper_rows}}``,
``{{uncertainty}}``, ``{{ablations}}``, ``{{baselines}}``, ``{{full_gradient}}``, ``{{rtrl}}``,
``{{reconstruction}}``, ``{{readings}}``, ``{{row:NAME}}`` (one row's result in a sentence),
``{{verdicts:SUFFIX}}`` (how many rows ``<paper row>SUFFIX`` reproduce) and ``{{figure:FILE}}`` (a link to
``<results>/figures/FILE``). An unknown placeholder is an error.
"""

from __future__ import annotations

import os
import re
from dataclasses import replace
from pathlib import Path

from lstm1997.ablations import ABLATIONS
from lstm1997.catalog import get_experiment
from lstm1997.experiments import EXPERIMENTS, Experiment
from lstm1997.overview import PROFILE_COLUMNS as RECONSTRUCTIONS
from lstm1997.overview import VERDICTS, count_lines
from lstm1997.profiles import DEVIATIONS, PROFILES
from lstm1997.stats import BOOTSTRAP_SEED, LEVEL, MIN_BOOTSTRAP, POWER, RESAMPLES, fisher_exact, where
from lstm1997.store import load_all
from lstm1997.summary import mean_cell, reproduces, success_cell, summarize

PLACEHOLDER = re.compile(r"\{\{([a-z_]+)(?::([^{}]+))?\}\}")
"""``{{name}}`` or ``{{name:argument}}``."""
COMMENT = re.compile(r"<!--.*?-->\n?", re.S)
"""Notes to the template's editors, left out of the report."""


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:.3g}"


def _experiment(name: str) -> Experiment:
    """The row called ``name`` with the paper's figures and trial count it is compared with: its paper row's,
    except for the paper's competitor rows (``~rtrl-``, Table 2), which carry their own when the code knows them.
    No torch import for baselines: they are compared with their paper row."""
    base = EXPERIMENTS[re.split(r"[~+]", name)[0]]
    return replace(base, name=name, paper=get_experiment(name).paper) if "~rtrl-" in name else replace(base, name=name)


class _Rows:
    """The records of a folder, grouped by row, summarised on demand (each summary once)."""

    def __init__(self, records: list[dict]):
        self.records: dict[str, list[dict]] = {}
        for r in records:
            self.records.setdefault(r["experiment"], []).append(r)
        self._cache: dict[str, dict] = {}

    def __contains__(self, name: str) -> bool:
        return name in self.records

    def get(self, name: str) -> dict | None:
        """The summary of row ``name`` (lstm1997.summary.summarize), or None without records."""
        if name not in self.records:
            return None
        if name not in self._cache:
            self._cache[name] = summarize(_experiment(name), self.records[name])
        return self._cache[name]


def _key(s: dict) -> str:
    return VERDICTS[reproduces(s)]


def _key_or_partial(s: dict) -> str:
    """The key's verdict, or for a row still short of the paper's trial count, how far it has run."""
    n, planned = s["trials"], s["paper"]["trials"]
    return _key(s) if n >= planned else f"partial: {n} of {planned} trials"


def _ratio(s: dict) -> str:
    q, p = s["sequences"], s["paper"]["sequences"]
    return f"{q['mean'] / p:.2f}x" if q and p else "-"


def _paper(s: dict) -> str:
    p = s["paper"]
    return f"{_fmt(p['success_percent'])}% of {p['trials']}, {_fmt(p['sequences'])}"


def _fisher(s: dict) -> float:
    """Fisher's exact test of our count against the paper's (its rate times its trial count, rounded)."""
    p = s["paper"]
    k0 = int(p["success_percent"] / 100 * p["trials"] + 0.5)
    return fisher_exact(s["successes"], s["trials"], k0, p["trials"])


def _where_rate(s: dict) -> str:
    return f"{where(s['paper']['success_percent'], s['success_interval'])} (p = {_fisher(s):.2g})"


def _where_mean(s: dict) -> str:
    q, p = s["sequences"], s["paper"]["sequences"]
    if not p:
        return "-"
    if q is None or q["mean_interval"] is None:
        return "no CI"
    return where(p, q["mean_interval"]) or "-"


def _link(figures: Path, dest_dir: Path, file: str, text: str) -> str:
    path = figures / file
    if not path.exists():
        return "-"
    return f"[{text}]({Path(os.path.relpath(path, dest_dir)).as_posix()})"


def row_sentence(s: dict) -> str:
    """One row's result in words: our count and mean with 95 % intervals, beside the paper's."""
    p = s["paper"]
    ours = f"{success_cell(s)} trials succeed"
    if s["sequences"]:
        ours += f", after {mean_cell(s)} sequences on average"
    paper = f"paper: {_fmt(p['success_percent'])}% of {p['trials']}"
    if p["sequences"]:
        paper += f" after {_fmt(p['sequences'])}" + (f"; ours/paper {_ratio(s)}" if s["sequences"] else "")
    return f"{ours} ({paper}; {_key(s)})"


def _paper_rows(rows: _Rows, figures: Path, dest_dir: Path) -> str:
    lines = [
        "| row | paper: success, mean sequences | ours: success [95% CI] | ours: mean sequences [95% CI] "
        "| ours/paper | verdict (key) | paper's rate vs our CI (Fisher p) | paper's mean vs our CI "
        "| our trials detect a rate <= | ECDF |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in EXPERIMENTS:
        s = rows.get(name)
        if s is None:
            lines.append(
                f"| {name} | {_paper(summarize(EXPERIMENTS[name], []))} | not run | - | - | - | - | - | - | - |"
            )
            continue
        d = s["detectable_percent"]
        lines.append(
            f"| {name} | {_paper(s)} | {success_cell(s)} | {mean_cell(s)} | {_ratio(s)} | {_key(s)} "
            f"| {_where_rate(s)} | {_where_mean(s)} | {_fmt(d) + '%' if d is not None else '-'} "
            f"| {_link(figures, dest_dir, f'ecdf-{name}.png', 'ECDF')} |"
        )
    return "\n".join(lines)


def _headline(rows: _Rows) -> str:
    run = [s for n in EXPERIMENTS if (s := rows.get(n)) is not None]
    yes = [s["experiment"] for s in run if reproduces(s)]
    rate_in = sum(where(s["paper"]["success_percent"], s["success_interval"]) == "inside" for s in run)
    significant = sum(_fisher(s) < 1 - LEVEL for s in run)
    return "\n".join(
        [
            f"- Paper rows with records: {len(run)} of {len(EXPERIMENTS)}, {sum(s['trials'] for s in run)} trials.",
            f"- Reproduce by the verdict key: {len(yes)} ({', '.join(yes) or 'none'}).",
            f"- The paper's success rate lies inside our 95% interval in {rate_in} of {len(run)} rows; "
            f"our success count differs from the paper's at Fisher p < {1 - LEVEL:.2g} in {significant} of {len(run)}.",
        ]
    )


def _uncertainty(rows: _Rows) -> str:
    run = [s for n in EXPERIMENTS if (s := rows.get(n)) is not None]
    places = {k: [s["experiment"] for s in run if _where_mean(s) == k] for k in ("inside", "below", "above")}
    no_ci = [s["experiment"] for s in run if s["paper"]["sequences"] and _where_mean(s) == "no CI"]
    resolution = sorted({(s["trials"], s["paper"]["success_percent"], s["detectable_percent"]) for s in run})
    slow = [s for s in run if reproduces(s) is False and s["sequences"] and s["sequences"]["mean_interval"]]
    lines = [
        f"- Rows whose mean sequences to success has a 95% interval (at least {MIN_BOOTSTRAP} successes): "
        f"{sum(map(len, places.values()))}. The paper's mean lies inside it in {len(places['inside'])} "
        f"({', '.join(places['inside']) or 'none'}), below it (we are slower) in {len(places['below'])}, above it "
        f"(we are faster) in {len(places['above'])} ({', '.join(places['above']) or 'none'}).",
        f'- Of the {len(slow)} rows judged "does not reproduce" that have an interval of the mean, the paper\'s '
        f"mean lies outside it in {sum(_where_mean(s) != 'inside' for s in slow)}.",
        f"- Rows with too few successes for an interval of the mean: {len(no_ci)} ({', '.join(no_ci) or 'none'}).",
        "- What our trial counts resolve (a true success rate at or below this is told apart from the paper's "
        f"with probability >= {POWER:.0%}): "
        + "; ".join(
            f"{n} trials against the paper's {_fmt(p)}%: {_fmt(d) + '%' if d is not None else 'nothing'}"
            for n, p, d in resolution
        )
        + ".",
    ]
    return "\n".join(lines)


def _statistics() -> str:
    return (
        f"Intervals are {LEVEL:.0%}: exact (Clopper-Pearson) binomial intervals for success rates; percentile "
        f"bootstrap intervals ({RESAMPLES:,} resamples, seed {BOOTSTRAP_SEED}) for mean sequences to success, over "
        f"the successful trials, none below {MIN_BOOTSTRAP} successes. Fisher's exact test (two-sided) compares two "
        f"success counts. A detectable rate is the highest true rate that our trials tell apart from the paper's "
        f"with probability >= {POWER:.0%}."
    )


def _compare(rows: _Rows, pairs: list[tuple[str, str]], reference: str) -> str:
    """Row pairs (paper row, variant) that both have records, grouped by paper row: counts and means with their
    intervals, Fisher's exact test of the variant's count against the paper row's, the ratio of the means."""
    lines = [
        "| paper row | model | success [95% CI] | mean sequences [95% CI] | Fisher p against the first line "
        "| mean / first line's mean |",
        "|---|---|---|---|---|---|",
    ]
    for ref_name in dict.fromkeys(r for r, _ in pairs):
        ref = rows.get(ref_name)
        others = [(v, s) for r, v in pairs if r == ref_name and (s := rows.get(v)) is not None]
        if ref is None or not others:
            continue
        lines.append(f"| {ref_name} | {reference} | {success_cell(ref)} | {mean_cell(ref)} | | |")
        for name, s in others:
            p = fisher_exact(ref["successes"], ref["trials"], s["successes"], s["trials"])
            q0, q1 = ref["sequences"], s["sequences"]
            ratio = f"{q1['mean'] / q0['mean']:.2f}" if q0 and q1 else "-"
            lines.append(
                f"| | {name.removeprefix(ref_name)} | {success_cell(s)} | {mean_cell(s)} | {p:.2g} | {ratio} |"
            )
    return "\n".join(lines) if len(lines) > 2 else "(no records of these rows yet)"


def _variants(rows: _Rows, marker: str) -> list[tuple[str, str]]:
    """(paper row, variant) for every row with records named ``<paper row><marker>...``, in the paper's order."""
    return [(n, v) for n in EXPERIMENTS for v in sorted(rows.records) if v.startswith(n + marker)]


def _ablations(rows: _Rows) -> str:
    lines = [
        "| ablation | ours: success [95% CI] | mean [95% CI] | ours/paper | verdict (key) "
        "| paper row (ours): success | mean |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in ABLATIONS:
        s = rows.get(name)
        if s is None or "+full-gradient" in name:
            continue
        ref = rows.get(name.split("+")[0])
        ref_cells = f"{success_cell(ref)} | {mean_cell(ref)}" if ref else "- | -"
        lines.append(f"| {name} | {success_cell(s)} | {mean_cell(s)} | {_ratio(s)} | {_key(s)} | {ref_cells} |")
    return "\n".join(lines) if len(lines) > 2 else "(no ablation records yet)"


def _rtrl(rows: _Rows) -> str:
    names = [n for n in sorted(rows.records) if n.startswith("longlag-2a~rtrl-")]
    if not names:
        return (
            "None yet: no records named `longlag-2a~rtrl-*` in the results folder. Until they exist, the paper's "
            "RTRL and BPTT figures of Table 2 stand unchecked here."
        )
    lines = [
        "| row | paper (Table 2): success, mean sequences | ours: success [95% CI] | ours: mean [95% CI] "
        "| paper's rate vs our CI (Fisher p) | paper's mean vs our CI |",
        "|---|---|---|---|---|---|",
    ]
    for name in [*names, "longlag-2a"]:
        if name not in rows:
            continue
        try:
            s = rows.get(name)
            assert s is not None  # the row has records
        except KeyError:  # records of a competitor row this code does not define: no paper figures to compare
            s = summarize(replace(EXPERIMENTS["longlag-2a"], name=name), rows.records[name])
            lines.append(f"| {name} | unknown to this code | {success_cell(s)} | {mean_cell(s)} | - | - |")
            continue
        lines.append(
            f"| {name} | {_paper(s)} | {success_cell(s)} | {mean_cell(s)} | {_where_rate(s)} | {_where_mean(s)} |"
        )
    return "\n".join(lines)


def _reconstruction(rows: _Rows) -> str:
    names = {f"{n}+{p}" for n in EXPERIMENTS for p in RECONSTRUCTIONS} & set(rows.records)
    if not names:
        return (
            "None yet: no records named `<paper row>+reconstructed` or `<paper row>+reconstructed-modified` in the "
            "results folder."
        )
    profiles = [f"- `{p}`: {PROFILES[p].description}" for p in RECONSTRUCTIONS if p in PROFILES]
    lines = [
        *profiles,
        "",
        "| paper row | paper: success, mean | literal (ours) | " + " | ".join(RECONSTRUCTIONS) + " |",
        "|---|---|---|" + "---|" * len(RECONSTRUCTIONS),
    ]
    for n in EXPERIMENTS:
        if not any(f"{n}+{p}" in names for p in RECONSTRUCTIONS):
            continue
        cells = []
        for name in (n, *(f"{n}+{p}" for p in RECONSTRUCTIONS)):
            s = rows.get(name)
            cells.append(f"{success_cell(s)}, {mean_cell(s)} ({_ratio(s)}; {_key_or_partial(s)})" if s else "-")
        lines.append(f"| {n} | {_paper(summarize(EXPERIMENTS[n], []))} | " + " | ".join(cells) + " |")
    return "\n".join([*lines, "", *count_lines(rows.records)])


def verdicts(rows: _Rows, suffix: str) -> str:
    """How many rows ``<paper row><suffix>`` with records reproduce by the key, naming those that do not."""
    found = [s for n in EXPERIMENTS if (s := rows.get(n + suffix)) is not None]
    if not found:
        return f"no rows `<paper row>{suffix}` have records"
    other = [s["experiment"] for s in found if not reproduces(s)]
    rest = f"; not: {', '.join(other)}" if other else ""
    return f"{len(found) - len(other)} of the {len(found)} rows `<paper row>{suffix}` reproduce by the key{rest}"


def _readings() -> str:
    return "\n".join(
        f"- `{d.name}` ({d.tier}): {d.what}. {'Rests on' if d.tier == 'reading' else 'Contradicts'}: {d.conflicts}."
        for d in DEVIATIONS.values()
    )


def replication_markdown(out: Path, template: str, command: str, dest: Path) -> str:
    """The replication report for the records under ``out``: ``template`` with every placeholder filled;
    ``dest`` is where it will be written (figure links are relative to its folder)."""
    records = load_all(out)
    rows = _Rows(records)
    figures, dest_dir = Path(out) / "figures", Path(dest).parent
    blocks = {
        "command": lambda: command,
        "records": lambda: f"{len(records):,} trial records in `{Path(os.path.relpath(out, dest_dir)).as_posix()}/`",
        "statistics": _statistics,
        "headline": lambda: _headline(rows),
        "paper_rows": lambda: _paper_rows(rows, figures, dest_dir),
        "uncertainty": lambda: _uncertainty(rows),
        "ablations": lambda: _ablations(rows),
        "baselines": lambda: _compare(
            rows, [(n, v) for n, v in _variants(rows, "~") if "~rtrl-" not in v], "the 1997 net, paper settings"
        ),
        "full_gradient": lambda: _compare(rows, _variants(rows, "+full-gradient"), "truncated gradient (paper)"),
        "rtrl": lambda: _rtrl(rows),
        "reconstruction": lambda: _reconstruction(rows),
        "readings": _readings,
    }

    def fill(m: re.Match) -> str:
        name, arg = m.group(1), m.group(2)
        if name == "row" and arg is not None:
            s = rows.get(arg)
            return row_sentence(s) if s else f"{arg}: no records"
        if name == "verdicts" and arg is not None:
            return verdicts(rows, arg)
        if name == "figure" and arg is not None:
            return _link(figures, dest_dir, arg, arg)
        if name in blocks and arg is None:
            return blocks[name]()
        raise KeyError(f"unknown placeholder {m.group(0)} in the replication template")

    return PLACEHOLDER.sub(fill, COMMENT.sub("", template))


__all__ = ["replication_markdown", "row_sentence"]
