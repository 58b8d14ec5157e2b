"""The README is true and stays true: its Python code blocks run as written, in order, in one namespace (a block
that imports torch is skipped when torch is not installed), and the test counts it quotes are the ones pytest
collects with the README's own command, with the torch and ray extras installed and without them."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text()
BLOCKS = [  # (first line of the code in README.md, code)
    (README.count("\n", 0, m.start(1)) + 1, m.group(1))
    for m in re.finditer(r"^```python\n(.*?)^```", README, re.S | re.M)
]
EXTRAS = ("torch", "ray")

# Run before pytest in a subprocess: no import system finder sees torch or ray, as if they were not installed.
WITHOUT_EXTRAS = f"""
import sys
class Without:
    def __init__(self, finder):
        self.finder = finder
    def __getattr__(self, name):
        return getattr(self.finder, name)
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] not in {EXTRAS!r}:
            return self.finder.find_spec(name, path, target)
sys.meta_path[:] = [Without(finder) for finder in sys.meta_path]
"""


def _needs_torch(code: str) -> bool:
    return re.search(r"^\s*(import torch|from torch|from lstm1997.torch )", code, re.M) is not None


@pytest.fixture(scope="module")
def readme() -> dict:
    """The namespace the blocks share, and how many of them have run in it."""
    return {"namespace": {"__name__": "readme"}, "run": 0}


@pytest.mark.parametrize("index", range(len(BLOCKS)), ids=[f"line{line}" for line, _ in BLOCKS])
def test_a_python_block_runs_as_written(index, readme):
    if any(_needs_torch(code) for _, code in BLOCKS[: index + 1]) and importlib.util.find_spec("torch") is None:
        pytest.skip("the block (or one before it) imports torch, which is not installed (the torch extra)")
    while readme["run"] <= index:  # the blocks before this one first, when it is run alone
        line, code = BLOCKS[readme["run"]]
        exec(compile("\n" * (line - 1) + code, str(ROOT / "README.md"), "exec"), readme["namespace"])
        readme["run"] += 1


def test_the_readme_has_python_blocks():
    assert len(BLOCKS) >= 2 and any(_needs_torch(code) for _, code in BLOCKS)


def _collected(prelude: str = "") -> tuple[int, int]:
    """(tests selected, tests deselected) by `python -m pytest --collect-only -q`, the README's test command."""
    code = prelude + "import pytest\nsys.exit(pytest.main(['--collect-only', '-q', '-p', 'no:cacheprovider']))"
    out = subprocess.run([sys.executable, "-c", "import sys\n" + code], cwd=ROOT, capture_output=True, text=True)
    found = re.search(r"^(\d+)(?:/\d+)? tests? collected(?: \((\d+) deselected\))?", out.stdout, re.M)
    assert out.returncode == 0 and found, out.stdout[-2000:] + out.stderr[-2000:]
    return int(found.group(1)), int(found.group(2) or 0)


def _quoted(pattern: str) -> int:
    found = re.search(pattern, " ".join(README.split()))  # sentences may wrap
    assert found, f"README.md no longer says {pattern!r}"
    return int(found.group(1))


def test_the_quoted_test_counts_without_torch_and_ray():
    selected, deselected = _collected(WITHOUT_EXTRAS)
    assert _quoted(r"; (\d+) without either") == selected, f"pytest collects {selected} tests without torch and ray"
    assert _quoted(r"`python -m pytest -m slow`, (\d+) tests") == deselected, f"{deselected} tests are marked slow"


@pytest.mark.skipif(
    not all(importlib.util.find_spec(name) for name in EXTRAS), reason="the torch and ray extras are not installed"
)
def test_the_quoted_test_count_with_torch_and_ray():
    selected, _ = _collected()
    assert _quoted(r"(\d+) tests with the torch and ray extras installed") == selected, (
        f"pytest collects {selected} tests with torch and ray installed"
    )


def test_the_file_tree_lists_every_module_of_the_package():
    """The "Files" section names every module of src/lstm1997 (a sub-package's by its path, e.g. models/kernel.py,
    or by its folder, e.g. tasks/), and every module it names exists."""
    block = re.search(r"^## Files\n\n```\n(.*?)^```", README, re.S | re.M)
    assert block is not None, "the README has a Files section with a code block"
    listed = set(re.findall(r"^  ([\w/]+\.py|\w+/)\s", block.group(1).split("\ntests/")[0], re.M))
    package = ROOT / "src" / "lstm1997"
    modules = {p.relative_to(package).as_posix() for p in package.rglob("*.py") if p.name != "__init__.py"}
    unlisted = {m for m in modules if m not in listed and f"{m.split('/')[0]}/" not in listed}
    assert not unlisted, f"modules missing from the README's file tree: {sorted(unlisted)}"
    missing = {m for m in listed if m.endswith(".py") and m not in modules}
    missing |= {m for m in listed if m.endswith("/") and not (package / m).is_dir()}
    assert not missing, f"the README's file tree names modules that do not exist: {sorted(missing)}"


def test_every_success_count_in_the_readme_carries_its_exact_interval():
    """``k/n [lo-hi%]``: the 95 % Clopper-Pearson interval of k successes in n trials, as RESULTS.md prints it."""
    from lstm1997.stats import clopper_pearson
    from lstm1997.summary import success_cell

    quoted = re.findall(r"\b(\d+)/(\d+) (\[[\d.]+-[\d.]+%\])", README)
    assert len(quoted) >= 30
    for k, n, interval in quoted:
        lo, hi = clopper_pearson(int(k), int(n))
        assert f"{k}/{n} {interval}" == success_cell(
            {"successes": int(k), "trials": int(n), "success_interval": (100 * lo, 100 * hi)}
        )
    bare = re.findall(r"(?<![\d/.])\d+/\d+(?![\d/])(?! \[)", README.split("## Command line")[0])
    assert bare == ["500/1000"], "a success count without its interval (T=500/1000 is not one)"
