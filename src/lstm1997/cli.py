"""The ``lstm1997`` command: the only module that parses arguments or prints."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, NoReturn

from lstm1997.store import StoreError

QUICK = {  # one representative row of every experiment, a few trials each (the README's first command)
    "reber-3x2-lr0.5": 3,
    "longlag-2c-q50-p50": 3,
    "twoseq-3a-T100-N3": 3,
    "adding-T100": 3,
    "multiplication-T100": 2,
    "temporal-6a": 3,
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit code 2
        self.exit(2, f"lstm1997: error: {message}\n")


def _positive(kind: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{kind} must be a whole number, got {text!r}") from None
        if value < 1:
            raise argparse.ArgumentTypeError(f"{kind} must be at least 1, got {value}")
        if value > 1_000_000:
            raise argparse.ArgumentTypeError(f"{kind} of {value} is absurd (at most 1,000,000)")
        return value

    return parse


def _seed(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"seed must be a whole number, got {text!r}") from None
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(f"seed must be in 0 .. 2**32-1, got {value}")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--checkpoint-every must be a number of seconds, got {text!r}") from None
    if not 0 <= value <= 86_400:
        raise argparse.ArgumentTypeError(f"--checkpoint-every must be 0 to 86400 seconds, got {text}")
    return value


def _add_backend(p: argparse.ArgumentParser) -> None:
    """--backend, --address and --checkpoint-every, shared by run and reproduce."""
    p.add_argument(
        "--backend", choices=("local", "ray"), default="local", help="local processes (default) or Ray tasks"
    )
    p.add_argument(
        "--address", default=None, help="with --backend ray: the cluster (host:port or auto; default: a local Ray)"
    )
    p.add_argument(
        "--checkpoint-every",
        type=_seconds,
        default=180.0,
        metavar="SECONDS",
        help="with --out: a running trial saves its state this often, to resume after a crash (default 180)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lstm1997", description="The 1997 LSTM and the experiments of Hochreiter & Schmidhuber.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("list", help="the 30 experiment rows with their weight counts and the paper's results")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--all", action="store_true", help="also list the named ablations")
    p = sub.add_parser("run", help="run trials of one experiment with the paper's protocol")
    p.add_argument("name", help="experiment name (see `lstm1997 list`)")
    p.add_argument("--trials", type=_positive("--trials"), default=None, help="number of trials (default: the paper's)")
    p.add_argument("--seed", type=_seed, default=0, help="first seed; trial i uses seed S+i (default 0)")
    p.add_argument("--workers", type=_positive("--workers"), default=1, help="trials in parallel (default 1)")
    p.add_argument("--out", type=Path, default=None, help="results folder: trials are saved and resumed there")
    p.add_argument("--json", action="store_true", help="print one JSON object (records and summary)")
    _add_backend(p)
    p = sub.add_parser("reproduce", help="run the paper's rows and print paper vs ours")
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="one row per experiment, a few trials (default)")
    mode.add_argument("--full", action="store_true", help="all 30 rows at the paper's trial counts (hours)")
    p.add_argument("--rows", nargs="+", metavar="NAME", help="run only these rows")
    p.add_argument("--trials", type=_positive("--trials"), default=None, help="trials per row (overrides the plan)")
    p.add_argument("--out", type=Path, default=Path("results"), help="results folder (default: results)")
    p.add_argument("--workers", type=_positive("--workers"), default=None, help="trials in parallel (default: cores)")
    _add_backend(p)
    p = sub.add_parser("report", help="summarise a results folder into RESULTS.md")
    p.add_argument("dir", type=Path, help="results folder written by run --out or reproduce")
    return parser


class _Bar:
    """A progress bar over trials, showing the sequences of running trials and their latest error. When stderr
    is not a terminal (a log file) tqdm shows nothing, so each newly finished trial gets one line instead."""

    def __init__(self, name: str, total: int):
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc=name, unit="trial", file=sys.stderr, disable=None, dynamic_ncols=True)
        self.running: dict[tuple[str, int], tuple[int, float]] = {}

    def __call__(self, event: str, info: dict) -> None:
        if event == "progress":
            self.running[info["experiment"], info["seed"]] = (info["seen"], info["error"])
        else:
            record = info["record"]
            self.running.pop((record["experiment"], record["seed"]), None)
            self.bar.update(1)
            if self.bar.disable and not info["resumed"]:
                print(trial_line(record), file=sys.stderr, flush=True)
        if self.running:
            seen = sum(s for s, _ in self.running.values())
            error = next(reversed(self.running.values()))[1]
            self.bar.set_postfix_str(f"running: {len(self.running)} trials, {seen:,} seqs, error {error:.4g}")

    def close(self) -> None:
        self.bar.close()


def trial_line(record: dict) -> str:
    """'adding-T100 seed 3: success after 40,081 sequences (12 s)' or '... no success in 5,000,000 ...'."""
    if record["success"]:
        outcome = f"success after {record['sequences']:,} sequences"
    else:
        outcome = f"no success in {record['presented']:,} sequences"
    return f"{record['experiment']} seed {record['seed']}: {outcome} ({record['wall_time']:.0f} s)"


def _run(name: str, trials: int | None, seed: int, workers: int, out: Path | None, args) -> tuple[list[dict], dict]:
    from lstm1997.experiments import get_experiment
    from lstm1997.summary import summarize
    from lstm1997.sweep import run_trials

    exp = get_experiment(name)
    n = trials or exp.trials
    bar = _Bar(name, n)
    try:
        records = run_trials(exp, range(seed, seed + n), workers, out, bar, **_backend(args))
    finally:
        bar.close()
    return records, summarize(exp, records)


def _backend(args) -> dict:
    return {"backend": args.backend, "address": args.address, "checkpoint_every": args.checkpoint_every}


def _cmd_list(args) -> None:
    from lstm1997.experiments import ABLATIONS, EXPERIMENTS

    rows: list[dict[str, Any]] = [
        {
            "name": e.name,
            "weights": e.n_weights,
            "lr": e.lr,
            "trials": e.trials,
            "table": e.paper.table,
            "paper_success_percent": e.paper.success_percent,
            "paper_sequences": e.paper.sequences,
            "description": e.description,
        }
        for e in [*EXPERIMENTS.values(), *(ABLATIONS.values() if args.all else [])]
    ]
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    width = max(34, *(len(r["name"]) for r in rows))
    print(f"{'name':{width}} {'weights':>7} {'lr':>5} {'trials':>6}  {'paper: success after':>20}  table")
    for r in rows:
        pct = f"{r['paper_success_percent']:.0f}%, " if r["paper_success_percent"] is not None else ""
        print(
            f"{r['name']:{width}} {r['weights']:>7} {r['lr']:>5} {r['trials']:>6}  "
            f"{pct + format(int(r['paper_sequences']), ','):>20}  {r['table']}"
        )


def _cmd_run(args) -> None:
    from lstm1997.summary import markdown_table

    records, summary = _run(args.name, args.trials, args.seed, args.workers, args.out, args)
    if args.json:
        print(json.dumps({"records": records, "summary": summary}, default=float))
    else:
        print(markdown_table([summary]), end="")
        if args.out:
            print(f"records: {args.out / args.name}/")


def _cmd_reproduce(args) -> None:
    import os

    from lstm1997.experiments import EXPERIMENTS, get_experiment
    from lstm1997.summary import markdown_table, summarize
    from lstm1997.sweep import run_plan

    plan = {name: e.trials for name, e in EXPERIMENTS.items()} if args.full else QUICK
    if args.rows:
        for name in args.rows:
            get_experiment(name)  # every name checked before the first trial runs
        plan = {name: plan.get(name, 3) for name in args.rows}
    workers = args.workers or os.cpu_count() or 1
    rows = [(get_experiment(name), range(args.trials or trials)) for name, trials in plan.items()]
    bar = _Bar("reproduce", sum(len(seeds) for _, seeds in rows))
    try:
        results = run_plan(rows, workers, args.out, bar, **_backend(args))
    finally:
        bar.close()
    print(markdown_table([summarize(exp, records) for (exp, _), records in zip(rows, results)]), end="")
    print(f"records: {args.out}/  (rerun the same command to resume; `lstm1997 report {args.out}` for RESULTS.md)")
    _figures(args.out, sys.stdout)


def _cmd_report(args) -> None:
    from lstm1997.report import results_markdown
    from lstm1997.store import load_all

    if not args.dir.is_dir():
        raise StoreError(f"no results folder at {args.dir}")
    if not load_all(args.dir):
        raise StoreError(f"no trial records in {args.dir}")
    text = results_markdown(args.dir, f"lstm1997 report {args.dir}")
    (args.dir / "RESULTS.md").write_text(text)
    print(text, end="")
    _figures(args.dir, sys.stderr)  # stdout stays exactly RESULTS.md


def _figures(out: Path, file) -> None:
    """Write the figures of the records in ``out`` into ``out/figures`` and say where (skips to stderr)."""
    from lstm1997.figures import write_figures

    paths = write_figures(out, out / "figures", note=lambda line: print(line, file=sys.stderr))
    print(f"figures: {len(paths)} PNG files in {out / 'figures'}/", file=file)


def _interrupted(args) -> str:
    """The one line said on Ctrl-C: what is kept and how to go on."""
    out = getattr(args, "out", None)
    if out is None:
        return "lstm1997: interrupted; nothing was saved (add --out DIR to make a run resumable)"
    return (
        f"lstm1997: interrupted; finished trials and checkpoints are saved in {out}/; rerun the same command to resume"
    )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "address", None) is not None and args.backend != "ray":
        parser.error("--address needs --backend ray")
    commands = {"list": _cmd_list, "run": _cmd_run, "reproduce": _cmd_reproduce, "report": _cmd_report}
    try:
        commands[args.command](args)
    except KeyError as e:
        return _fail(e.args[0] if e.args else str(e))
    except (StoreError, ValueError) as e:
        return _fail(str(e))
    except RuntimeError as e:  # sweep.BackendError (imported only by the commands that run trials)
        if type(e).__name__ != "BackendError":
            raise
        return _fail(str(e))
    except OSError as e:  # e.g. the disk filled up or the folder became unwritable mid-run
        return _fail(f"{e.strerror or e}{f': {e.filename}' if e.filename else ''}")
    except KeyboardInterrupt:
        print(_interrupted(args), file=sys.stderr)
        return 130
    return 0


def _fail(message: str) -> int:
    print(f"lstm1997: error: {' '.join(str(message).split())}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
