"""docs/REPLICATION.md is generated from the records and its template: a pure function of them, every placeholder
filled, the reconstruction section empty until profile records exist, and the committed file current."""

import re
from pathlib import Path

import pytest

from lstm1997 import store
from lstm1997.cli import main
from lstm1997.experiments import EXPERIMENTS
from lstm1997.replication import PLACEHOLDER, replication_markdown

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = (ROOT / "docs" / "replication_template.md").read_text()
COMMAND = "lstm1997 report results --replication docs/REPLICATION.md"


def record(name: str, seed: int, sequences: int | None) -> dict:
    """A made-up trial record with the fields the report reads (a test of the rendering, not of training)."""
    base = EXPERIMENTS[re.split(r"[~+]", name)[0]]
    return {
        "experiment": name,
        "seed": seed,
        "success": sequences is not None,
        "diverged": False,
        "sequences": sequences,
        "milestones": {},
        "test": {},
        "presented": sequences or base.cap,
        "steps": 1,
        "wall_time": 1.0,
        "final_train_error": 0.0,
        "steps_per_s": 1.0,
        "curve": {"seen": [], "error": [], "correct": []},
    }


def folder(tmp_path: Path, rows: dict[str, list[int | None]]) -> Path:
    out = tmp_path / "results"
    store.check_writable(out)
    for name, outcomes in rows.items():
        for seed, sequences in enumerate(outcomes):
            store.save(out, record(name, seed, sequences))
    return out


# temporal-6a: 19 of 20 solved (mean 31,390, the paper's); adding-T100: 3 of 10; a baseline and an ablation
ROWS = {
    "temporal-6a": [22_390 + 1000 * i for i in range(19)] + [None],
    "adding-T100": [70_000, 80_000, 90_000] + [None] * 7,
    "adding-T100~forget-gate": [None] * 10,
    "adding-T100+linear-output": [60_000 + 5000 * i for i in range(10)],
}


def generate(out: Path, dest: Path) -> str:
    return replication_markdown(out, TEMPLATE, COMMAND, dest)


def test_the_report_is_a_pure_function_of_the_records(tmp_path):
    out = folder(tmp_path, ROWS)
    dest = tmp_path / "docs" / "REPLICATION.md"
    assert generate(out, dest) == generate(out, dest)


def test_every_placeholder_is_filled(tmp_path):
    text = generate(folder(tmp_path, ROWS), tmp_path / "docs" / "REPLICATION.md")
    assert PLACEHOLDER.findall(TEMPLATE), "the template has placeholders"
    assert "{{" not in text and "}}" not in text
    assert "<!--" not in text  # the template's notes to its editors are left out


def test_an_unknown_placeholder_is_an_error(tmp_path):
    out = folder(tmp_path, ROWS)
    with pytest.raises(KeyError, match="unknown placeholder"):
        replication_markdown(out, "{{no_such_block}}", COMMAND, tmp_path / "R.md")
    with pytest.raises(KeyError, match="unknown placeholder"):
        replication_markdown(out, "{{headline:argument}}", COMMAND, tmp_path / "R.md")


def test_numbers_come_from_the_records(tmp_path):
    text = generate(folder(tmp_path, ROWS), tmp_path / "docs" / "REPLICATION.md")
    line = next(x for x in text.splitlines() if x.startswith("| temporal-6a |"))
    assert line.startswith("| temporal-6a | 100% of 20, 31,390 | 19/20 [75.1-99.9%] | 31,390 [")
    assert "| 1.00x | reproduces | above (p = 1) | inside | 92.3% |" in line
    assert "| adding-T500 | 100% of 10, 209,000 | not run |" in text
    # a sentence: 3 of 10 at a mean of 80,000, no interval below 5 successes
    assert (
        "adding-T100: 3/10 [6.67-65.2%] trials succeed, after 80,000 sequences on average (paper: 100% of 10 after "
        "74,000; ours/paper 1.08x; does not reproduce)" in text
    )
    # the baseline beside the paper row, with Fisher's test of 0/10 against 3/10
    assert "| | ~forget-gate | 0/10 [0-30.8%] | - | 0.21 | - |" in text
    assert "1 of the 1 rows `<paper row>+linear-output` reproduce by the key" in text


def test_reconstruction_says_none_yet_without_profile_records(tmp_path):
    text = generate(folder(tmp_path, ROWS), tmp_path / "docs" / "REPLICATION.md")
    section = text.split("### 3.6 Reconstruction\n")[1].split("## 4.")[0]
    assert "None yet: no records named `<paper row>+reconstructed`" in section
    assert "None yet: no records named `longlag-2a~rtrl-*`" in text


def test_reconstruction_shows_a_row_with_profile_records(tmp_path):
    rows = {**ROWS, "adding-T100+reconstructed": [70_000 + 2000 * i for i in range(10)]}
    text = generate(folder(tmp_path, rows), tmp_path / "docs" / "REPLICATION.md")
    section = text.split("### 3.6 Reconstruction\n")[1].split("## 4.")[0]
    assert "None yet" not in section
    (line,) = [x for x in section.splitlines() if x.startswith("| adding-T100 |")]
    cells = [c.strip() for c in line.strip("|").split("|")]
    assert cells[:3] == ["adding-T100", "100% of 10, 74,000", "3/10 [6.67-65.2%], 80,000 (1.08x; does not reproduce)"]
    assert re.fullmatch(r"10/10 \[69\.2-100%\], 79,000 \[[\d,]+-[\d,]+\] \(1\.07x; reproduces\)", cells[3])
    assert cells[4] == "-"  # no reconstructed-modified records
    assert not any(x.startswith("| temporal-6a |") for x in section.splitlines())
    # the counts of RESULTS.md's overview: temporal-6a (19/20) is the literal row under `reconstructed` too, and
    # `reconstructed` runs adding-T100 as the literal row (its readings concern Exps 1 and 3)
    counts = "Rows that reproduce by the verdict key: literal: 1 of 30, reconstructed: 1 of 30, reconstructed-modified"
    assert counts in section


def test_a_reconstruction_row_short_of_the_paper_trial_count_is_not_judged(tmp_path):
    rows = {**ROWS, "adding-T100+reconstructed-modified": [70_000, 72_000, 74_000]}
    text = generate(folder(tmp_path, rows), tmp_path / "docs" / "REPLICATION.md")
    section = text.split("### 3.6 Reconstruction\n")[1].split("## 4.")[0]
    (line,) = [x for x in section.splitlines() if x.startswith("| adding-T100 |")]
    assert line.endswith("(0.97x; partial: 3 of 10 trials) |")


def test_figure_links_are_relative_and_only_to_existing_files(tmp_path):
    out = folder(tmp_path, ROWS)
    (out / "figures").mkdir()
    (out / "figures" / "ecdf-temporal-6a.png").write_bytes(b"png")
    text = generate(out, tmp_path / "docs" / "REPLICATION.md")
    assert "[ECDF](../results/figures/ecdf-temporal-6a.png)" in text
    assert "ecdf-adding-T100.png" not in text  # not generated: no link


def test_cli_writes_only_the_replication_report(tmp_path):
    out = folder(tmp_path, ROWS)
    dest = tmp_path / "REPLICATION.md"
    template = tmp_path / "t.md"
    template.write_text("{{headline}}\n{{row:temporal-6a}}\n")
    assert main(["report", str(out), "--replication", str(dest), "--template", str(template)]) == 0
    assert dest.read_text().startswith("- Paper rows with records: 2 of 30, 30 trials.\n")
    assert not (out / "RESULTS.md").exists() and not (out / "figures").exists()


def test_the_committed_report_is_current():
    committed = (ROOT / "docs" / "REPLICATION.md").read_text()
    assert committed == replication_markdown(ROOT / "results", TEMPLATE, COMMAND, ROOT / "docs" / "REPLICATION.md"), (
        f"docs/REPLICATION.md is stale: regenerate it with `{COMMAND}`"
    )


def test_rtrl_rows_appear_when_their_records_exist(tmp_path):
    rows = {**ROWS, "longlag-2a~rtrl-p4-lr1.0": [900_000, None, None], "longlag-2a": [40_000, None]}
    text = generate(folder(tmp_path, rows), tmp_path / "docs" / "REPLICATION.md")
    assert "None yet: no records named `longlag-2a~rtrl-*`" not in text
    (line,) = [x for x in text.splitlines() if x.startswith("| longlag-2a~rtrl-p4-lr1.0 |")]
    assert "| 1/3 [0.84-90.6%] | 900,000 |" in line
    assert any(x.startswith("| longlag-2a | 100% of 18, 5,040 | 1/2 [") for x in text.splitlines())


def test_cli_names_a_missing_template(tmp_path, capsys):
    out = folder(tmp_path, ROWS)
    missing = tmp_path / "no-template.md"
    assert main(["report", str(out), "--replication", str(tmp_path / "R.md"), "--template", str(missing)]) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and str(missing) in err
    assert not (tmp_path / "R.md").exists()
