"""Real trials with the paper's unmodified protocol reach the paper's success criterion (fixed seeds).

Each asserts success and a sequence count within the failure cap (10x the paper's mean). The figures these
seeds gave when the tests were written are in the comments (paper means in brackets)."""

import pytest

import lstm1997
from lstm1997.trial import run_trial

pytestmark = pytest.mark.heavy  # real trials to the paper's criterion: not in the everyday tier

CASES = [
    ("adding-T100", 1),  # 584,663 sequences [74,000]; ST3 is met by luck of the tails, see docs/DEVIATIONS.md
    ("adding-T100+linear-output", 0),  # ablation: 93,904 [74,000]
    ("temporal-6a", 0),  # 16,812 [31,390]
    ("twoseq-3a-T100-N3", 0),  # ST1 24,000 [27,380], ST2 24,000 [39,850]
    ("reber-3x2-lr0.5+per-step", 0),  # 19,000 [8,440]; with per-sequence updates (the default) no seed succeeded
    ("reber-4x1-lr0.1", 2),  # 44,000 [39,740]; the default per-sequence updates, 5 of 30 seeds succeed
]


@pytest.mark.parametrize(("name", "seed"), CASES, ids=[c[0] for c in CASES])
def test_paper_protocol_reaches_the_papers_criterion(name, seed):
    exp = lstm1997.get_experiment(name)
    record, net = run_trial(exp, seed)
    assert record["success"], record
    assert 0 < record["sequences"] <= exp.cap
    assert net.absent_is_zero()
    if exp.test_size:
        assert record["test"]["final"]["n"] == exp.test_size
