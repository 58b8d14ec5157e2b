"""Run baseline rows (lstm1997.baselines) under the paper's protocol, 10 trials each, into results/ (resumable).

    nice -n 19 python analysis/run_baselines.py NAME [NAME ...]

Each finished trial is saved at once as results/<name>/seed-<i>.json; rerunning skips trials already there.
The same as ``lstm1997 run NAME --trials 10 --out results`` for each name, with one log line per trial.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from lstm1997.experiments import get_experiment
from lstm1997.sweep import run_trials


def main(names: list[str], out: Path = Path("results")) -> None:
    for name in names:
        exp = get_experiment(name)
        start = time.time()

        def report(event: str, info: dict, name: str = name) -> None:
            if event == "done":
                r = info["record"]
                tag = "resumed" if info["resumed"] else f"{r['wall_time']:.0f}s"
                print(f"{name} seed {r['seed']}: success={r['success']} sequences={r['sequences']} "
                      f"presented={r['presented']} ({tag})", flush=True)  # fmt: skip

        records = run_trials(exp, range(10), workers=1, out=out, report=report)
        ok = [r["sequences"] for r in records if r["success"]]
        mean = f"{sum(ok) / len(ok):,.0f}" if ok else "-"
        print(f"== {name}: {len(ok)}/10 successes, mean sequences {mean}, {time.time() - start:.0f}s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
