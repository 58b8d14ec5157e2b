"""The ``lstm1997`` command: with lstm1997.progress (its progress display), the only module that parses
arguments or prints."""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

from lstm1997.progress import Bar
from lstm1997.store import StoreError

QUICK = {  # one representative row of every experiment, a few trials each (the README's first command)
    "reber-3x2-lr0.5": 3,
    "longlag-2c-q50-p50": 3,
    "twoseq-3a-T100-N3": 3,
    "adding-T100": 3,
    "multiplication-T100": 2,
    "temporal-6a": 3,
}


class _UsageError(Exception):
    """Arguments that the parser alone cannot judge (one line, exit code 2)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit code 2
        self.exit(2, f"lstm1997: error: {message}\n")


def _whole(kind: str, problem: Callable[[int], str | None]) -> Callable[[str], int]:
    """A parser of whole numbers for ``kind``; ``problem(value)`` says what is wrong with a value, if anything."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{kind} must be a whole number, got {text!r}") from None
        wrong = problem(value)
        if wrong is not None:
            raise argparse.ArgumentTypeError(wrong)
        return value

    return parse


def _positive(kind: str) -> Callable[[str], int]:
    def problem(value: int) -> str | None:
        if value < 1:
            return f"{kind} must be at least 1, got {value}"
        return f"{kind} of {value} is absurd (at most 1,000,000)" if value > 1_000_000 else None

    return _whole(kind, problem)


_seed = _whole("seed", lambda v: None if 0 <= v < 2**32 else f"seed must be in 0 .. 2**32-1, got {v}")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--checkpoint-every must be a number of seconds, got {text!r}") from None
    if not 0 <= value <= 86_400:
        raise argparse.ArgumentTypeError(f"--checkpoint-every must be 0 to 86400 seconds, got {text}")
    return value


def _add_backend(p: argparse.ArgumentParser) -> None:
    """--backend, --address, --checkpoint-every and --lanes, shared by run and reproduce."""
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
    p.add_argument(
        "--lanes",
        type=_positive("--lanes"),
        default=None,
        metavar="K",
        help="trials of a row trained side by side per local worker (default: 16 where faster; 1: one at a time)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="lstm1997", description="The 1997 LSTM and the experiments of Hochreiter & Schmidhuber.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    p = sub.add_parser("list", help="the 30 experiment rows with their weight counts and the paper's results")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--all", action="store_true", help="also list the ablations, profiles' rows, RTRL and baselines")
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
    p.add_argument("--profile", default=None, help="run the plan's paper rows under this reconstruction profile")
    p.add_argument("--out", type=Path, default=Path("results"), help="results folder (default: results)")
    p.add_argument("--workers", type=_positive("--workers"), default=None, help="trials in parallel (default: cores)")
    _add_backend(p)
    p = sub.add_parser("report", help="summarise a results folder into RESULTS.md")
    p.add_argument("dir", type=Path, help="results folder written by run --out or reproduce")
    p.add_argument("--replication", type=Path, metavar="FILE", help="write only the replication report to FILE")
    p.add_argument("--template", type=Path, default=Path("docs/replication_template.md"), help="its template")
    _add_inspect(sub)
    return parser


def _add_inspect(sub) -> None:
    p = sub.add_parser("inspect", help="look inside a trial's 1997 net: gates, cells, output, gradients, diagnosis")
    p.add_argument("name", help="experiment name (a paper row, ablation or the gate-pretraining baseline)")
    p.add_argument("--seed", type=_seed, default=0, help="the trial's seed (default 0)")
    source = p.add_mutually_exclusive_group()
    source.add_argument("--after", type=int, metavar="N", help="train the trial for N sequences (fewer if it stops)")
    source.add_argument(
        "--from",
        dest="results",
        type=Path,
        metavar="RESULTS_DIR",
        help="the trial's final net: its saved weights there, else rerun it (default: results)",
    )
    p.add_argument("--plot", type=Path, metavar="FILE.png", help="draw one probe sequence (with --trace: the trace)")
    p.add_argument("--json", action="store_true", help="print the numbers as JSON")
    p.add_argument(
        "--trace", action="store_true", help="rerun the trial and report at about 20 moments of its training"
    )


def _run(name: str, trials: int | None, seed: int, workers: int, out: Path | None, args) -> tuple[list[dict], dict]:
    from lstm1997.catalog import get_experiment
    from lstm1997.summary import summarize
    from lstm1997.sweep import run_trials

    exp = get_experiment(name)
    n = trials or exp.trials
    if seed + n - 1 > 2**32 - 1:
        raise _UsageError(f"--seed {seed} with {n} trials reaches seed {seed + n - 1}, beyond 2**32-1")
    bar = Bar(name, n)
    try:
        records = run_trials(exp, range(seed, seed + n), workers, out, bar, **_backend(args))
    finally:
        bar.close()
    return records, summarize(exp, records)


def _backend(args) -> dict:
    return {
        "backend": args.backend,
        "address": args.address,
        "checkpoint_every": args.checkpoint_every,
        "lanes": args.lanes,
    }


def _cmd_list(args) -> None:
    from lstm1997.catalog import listed

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
        for e in listed(args.all)
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
            f"{pct + (format(int(r['paper_sequences']), ',') if r['paper_sequences'] else '-'):>20}  {r['table']}"
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

    from lstm1997.catalog import get_experiment
    from lstm1997.experiments import EXPERIMENTS
    from lstm1997.overview import PROFILE_COLUMNS, run_name
    from lstm1997.profiles import FIRST_SEED, PROFILES
    from lstm1997.summary import markdown_table, summarize
    from lstm1997.sweep import run_plan

    plan = {name: e.trials for name, e in EXPERIMENTS.items()} if args.full else QUICK
    quick = not args.full and not args.rows and args.profile is None
    if quick:  # the representative rows under the literal reading and under each reconstruction profile
        plan = {**QUICK, **{run_name(r, p): n for p in PROFILE_COLUMNS if p in PROFILES for r, n in QUICK.items()}}
    if args.rows:
        for name in args.rows:
            get_experiment(name)  # every name checked before the first trial runs
        plan = {name: plan.get(name, 3) for name in args.rows}
    if args.profile is not None:
        if args.profile not in PROFILES:
            raise _UsageError(f"unknown profile {args.profile!r}; profiles: {', '.join(PROFILES)}")
        plan = {name: n for name, n in plan.items() if name in EXPERIMENTS}
        stand = {name: run_name(name, args.profile) for name in plan}
        same = [f"{name} ({other})" for name, other in stand.items() if other != f"{name}+{args.profile}"]
        if same:
            print(f"{args.profile} runs these rows as already named: {', '.join(same)}", file=sys.stderr)
        plan = {other: plan[name] for name, other in stand.items() if other == f"{name}+{args.profile}"}
    workers = args.workers or os.cpu_count() or 1

    def seeds(name: str, n: int) -> range:  # a profile's rows run on seeds of their own (profiles.FIRST_SEED)
        first = FIRST_SEED if name.split("+")[-1] in PROFILES else 0
        return range(first, first + n)

    rows = [(get_experiment(name), seeds(name, args.trials or trials)) for name, trials in plan.items()]
    bar = Bar("reproduce", sum(len(seeds) for _, seeds in rows))
    try:
        results = run_plan(rows, workers, args.out, bar, **_backend(args))
    finally:
        bar.close()
    if quick:
        from lstm1997.overview import terminal_summary

        by_name = {exp.name: records for (exp, _), records in zip(rows, results)}
        print(terminal_summary(by_name, list(QUICK)), end="")
    else:
        print(markdown_table([summarize(exp, records) for (exp, _), records in zip(rows, results)]), end="")
    print(f"records: {args.out}/  (rerun the same command to resume; `lstm1997 report {args.out}` for RESULTS.md)")
    _figures(args.out, sys.stdout, rows=plan)


def _cmd_report(args) -> None:
    from lstm1997.report import results_markdown
    from lstm1997.store import load_all

    if not args.dir.is_dir():
        raise StoreError(f"no results folder at {args.dir}")
    if not load_all(args.dir):
        raise StoreError(f"no trial records in {args.dir}")
    if args.replication is not None:  # the replication report only: RESULTS.md and figures stay as they are
        from lstm1997.replication import replication_markdown

        command = f"lstm1997 report {args.dir} --replication {args.replication}"
        args.replication.write_text(
            replication_markdown(args.dir, args.template.read_text(), command, args.replication)
        )
        print(f"replication report: {args.replication}")
        return
    text = results_markdown(args.dir, f"lstm1997 report {args.dir}")
    (args.dir / "RESULTS.md").write_text(text)
    print(text, end="")
    _figures(args.dir, sys.stderr)  # stdout stays exactly RESULTS.md


def _cmd_inspect(args) -> None:
    from lstm1997.diagnose import InspectError
    from lstm1997.inspection import inspect_trial

    results = None if args.after is not None else args.results or Path("results")
    try:
        lines, result = inspect_trial(args.name, args.seed, args.after, results, args.trace, args.plot)
    except InspectError as e:
        raise _UsageError(str(e)) from None
    print(json.dumps(result) if args.json else "\n".join(lines))
    if args.plot:
        print(f"plot: {args.plot}", file=sys.stderr)


def _figures(out: Path, file, rows=None) -> None:
    """Write the figures of the records in ``out`` into ``out/figures`` and say where (skipped gate traces to
    stderr: of the ``rows`` only, if given, so that a run is not told about rows it did not run)."""
    from lstm1997.figures import write_figures

    said = None if rows is None else tuple(f"gate trace of {name}{end}" for name in rows for end in (" ", ":"))

    def note(line: str) -> None:
        if said is None or line.startswith(said):
            print(line, file=sys.stderr)

    paths = write_figures(out, out / "figures", note=note)
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
    if args.command == "reproduce" and args.rows and len(set(args.rows)) != len(args.rows):
        parser.error(f"--rows names a row twice: {' '.join(args.rows)}")
    commands = {"list": _cmd_list, "run": _cmd_run, "reproduce": _cmd_reproduce, "report": _cmd_report}
    commands["inspect"] = _cmd_inspect
    from lstm1997.catalog import UnknownExperiment

    try:
        commands[args.command](args)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
    except (StoreError, UnknownExperiment, _UsageError) as e:
        return _fail(str(e))
    except RuntimeError as e:  # sweep.BackendError (imported only by the commands that run trials)
        if type(e).__name__ != "BackendError":
            return _bug()
        return _fail(str(e))
    except BrokenPipeError:  # the reader went away (`lstm1997 list --json | head -1`): nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # so that the exit's flush is quiet too
        return 0
    except OSError as e:  # e.g. the disk filled up or the folder became unwritable mid-run
        return _fail(f"{e.strerror or e}{f': {e.filename}' if e.filename else ''}")
    except KeyboardInterrupt:
        print(_interrupted(args), file=sys.stderr)
        return 130
    except Exception:
        return _bug()
    return 0


def _bug() -> int:
    """An error the checks did not foresee is a bug: its traceback, and a request to report it."""
    traceback.print_exc()
    print("lstm1997: internal error (a bug): please report it to the maintainers with the traceback above and the "
          "command you ran", file=sys.stderr)  # fmt: skip
    return 1


def _fail(message: str) -> int:
    print(f"lstm1997: error: {' '.join(str(message).split())}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
