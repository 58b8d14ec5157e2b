"""The analysis and benchmark scripts the docs cite still import against the current package.

They are run by hand (minutes to hours), never in CI; importing them catches a renamed or removed name they
use, which is how they break when the package changes under them."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = sorted([*(ROOT / "analysis").glob("*.py"), *(ROOT / "benchmarks").glob("*.py")])


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_script_imports(path, monkeypatch):
    pytest.importorskip("torch")  # some scripts train torch.nn.LSTM
    monkeypatch.syspath_prepend(str(path.parent))  # as `python analysis/x.py` would: scripts import each other
    spec = importlib.util.spec_from_file_location(f"_script_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)
    spec.loader.exec_module(module)  # module level only: every script runs its work under __main__
    assert callable(module.main)
