"""Release files agree with the code and the records: one version in pyproject.toml, the package, CITATION.cff and
CHANGELOG.md; constraints.txt pins the numpy and numba every committed record names in its provenance."""

from __future__ import annotations

import json
import re
from pathlib import Path

import lstm1997

ROOT = Path(__file__).resolve().parent.parent


def _pins() -> dict[str, str]:
    """constraints.txt as {package: version}, from its `name==version` lines."""
    lines = (ROOT / "constraints.txt").read_text().splitlines()
    return dict(m.groups() for m in (re.match(r"([A-Za-z0-9_.-]+)==(\S+)", line) for line in lines) if m)


def test_one_version_everywhere():
    pyproject = re.search(r'^version = "([^"]+)"$', (ROOT / "pyproject.toml").read_text(), re.M).group(1)
    citation = re.search(r"^version: (\S+)$", (ROOT / "CITATION.cff").read_text(), re.M).group(1)
    changelog = re.findall(r"^## (\d\S*)", (ROOT / "CHANGELOG.md").read_text(), re.M)
    assert lstm1997.__version__ == pyproject
    assert citation == pyproject
    assert changelog and changelog[0] == pyproject, "CHANGELOG.md's newest version heading is not pyproject's"


def test_citation_cites_the_paper():
    text = (ROOT / "CITATION.cff").read_text()
    assert text.startswith("cff-version: 1.2.0\n")
    assert "doi: 10.1162/neco.1997.9.8.1735" in text
    assert "title: Long Short-Term Memory" in text


def test_constraints_pin_the_versions_the_records_were_made_with():
    pins = _pins()
    assert {"numpy", "numba", "llvmlite", "torch"} <= pins.keys()
    made_with: dict[str, set[str]] = {"numpy": set(), "numba": set()}
    paths = sorted((ROOT / "results").glob("*/seed-*.json"))
    assert paths
    for path in paths:
        provenance = json.loads(path.read_text())["provenance"]
        for package, versions in made_with.items():
            versions.add(provenance[package])
    for package, versions in made_with.items():
        pinned = pins[package]
        assert versions == {pinned}, f"records made with {package} {sorted(versions)}, constraints.txt pins {pinned}"
