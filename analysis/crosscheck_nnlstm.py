"""The nn.LSTM rows cross-checked from outside the harness: plain PyTorch, no lstm1997 code.

    nice -n 10 python analysis/crosscheck_nnlstm.py ROW SEED [SEED ...] [--cap N] [--lr ...] [--batch B] ...

ROW is one of ROWS. Everything is written again here from the paper (PAPER.md §5, §7, §9.1, Table 11, §12): the
data generators, the net (``torch.nn.LSTM`` + ``torch.nn.Linear``), the online training (one sequence, one
optimiser step; ``torch.optim``), the ST3 stopping criterion and the 2560-sequence test. Only the rules are shared
with the harness, not code, random streams or seeds, so a row's outcomes can agree with the harness's records
only in distribution: success or not, and sequences to success within the trial-to-trial spread. Prints one line
per trial.
"""

from __future__ import annotations

import argparse
import time
from collections import deque
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
import torch
from torch import nn

# --- data: the paper's rules ---------------------------------------------------------------------------------


def adding_sequence(rng: np.random.Generator, T: int = 100, fixed: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """One adding-problem sequence (paper Sec. 5.4; PAPER.md §5, §9.1): x (L, 2) and the target (1,).

    L is uniform in {T, ..., T + T/10}; values uniform in [-1, 1]; X1 is one of the first ten pairs, X2 one of the
    first T/2 - 1 pairs not marked yet; markers +1 there, -1 at the first and the final pair otherwise, 0 elsewhere;
    a marked first pair has its value set to 0; the target is 0.5 + (X1 + X2)/4."""
    L = T if fixed else int(rng.integers(T, T + T // 10 + 1))  # fixed: the student project's length (--fixed-length)
    x = np.zeros((L, 2))
    x[:, 0] = rng.uniform(-1.0, 1.0, L)
    x[0, 1] = x[L - 1, 1] = -1.0
    p1 = int(rng.integers(0, 10))
    unmarked = [p for p in range(T // 2) if p != p1]  # the first T/2 - 1 pairs not yet marked
    p2 = unmarked[int(rng.integers(0, len(unmarked)))]
    for p in (p1, p2):
        x[p, 1] = 1.0
        if p == 0:
            x[0, 0] = 0.0
    return x, np.array([0.5 + (x[p1, 0] + x[p2, 0]) / 4.0])


SYMBOLS = "abcdXYBE"
"""Temporal order's eight input symbols, one input unit each (lowercase b and the trigger B differ)."""


def temporal_sequence(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One temporal-order 6a sequence (paper Sec. 5.6; PAPER.md §7): x (L, 8) one-hot and the target (4,).

    L is uniform in 100..110; it starts with E and ends with B; positions t1 in 10..20 and t2 in 50..60 (1-based)
    hold X or Y, all others a random one of a, b, c, d; the class of (X,X), (X,Y), (Y,X), (Y,Y) is one-hot."""
    L = int(rng.integers(100, 111))
    symbols = [SYMBOLS[i] for i in rng.integers(0, 4, L)]
    symbols[0], symbols[-1] = "E", "B"
    t1, t2 = int(rng.integers(10, 21)), int(rng.integers(50, 61))
    first, second = ("XY"[int(rng.integers(0, 2))] for _ in range(2))
    symbols[t1 - 1], symbols[t2 - 1] = first, second
    x = np.zeros((L, len(SYMBOLS)))
    x[np.arange(L), [SYMBOLS.index(s) for s in symbols]] = 1.0
    target = np.zeros(4)
    target[2 * (first == "Y") + (second == "Y")] = 1.0
    return x, target


@dataclass(frozen=True)
class Task:
    """A row's task and protocol: data, ST3(avg_error) with absolute-error threshold, test set, failure cap."""

    sample: object
    n_in: int
    n_out: int
    avg_error: float
    threshold: float
    cap: int
    test_size: int = 2560
    window: int = 2000


TASKS = {
    "adding-T100": Task(adding_sequence, 2, 1, avg_error=0.01, threshold=0.04, cap=740_000),
    "temporal-6a": Task(temporal_sequence, 8, 4, avg_error=0.1, threshold=0.3, cap=313_900),
}


# --- the nets and optimisers of the rows -----------------------------------------------------------------------


@dataclass(frozen=True)
class Setup:
    """How a row builds and trains its net."""

    task: str
    hidden: int
    optimizer: str  # "sgd", "adam" or "rmsprop"
    lr: float
    linear: bool = False  # linear output unit (else logistic)
    forget_bias: float | None = None  # None: PyTorch's initialisation
    clip: float | None = None  # clip_grad_norm_ bound


ROWS = {
    "adding-T100~nnlstm-h64-modern": Setup("adding-T100", 64, "rmsprop", 3e-4, True, 1.0, 1.0),
    "temporal-6a~nnlstm-h64-modern": Setup("temporal-6a", 64, "rmsprop", 3e-4, False, 1.0, 1.0),
    "adding-T100~nnlstm-h3-sgd": Setup("adding-T100", 3, "sgd", 0.5),
    "adding-T100~nnlstm-h3-adam": Setup("adding-T100", 3, "adam", 1e-3),
    "temporal-6a~nnlstm-h3-adam": Setup("temporal-6a", 3, "adam", 1e-3),
}


class Net(nn.Module):
    def __init__(self, s: Setup, task: Task):
        super().__init__()
        self.lstm = nn.LSTM(task.n_in, s.hidden)
        self.out = nn.Linear(s.hidden, task.n_out)
        self.linear = s.linear
        if s.forget_bias is not None:  # total forget-gate bias = forget_bias (gate order i, f, g, o)
            with torch.no_grad():
                self.lstm.bias_ih_l0[s.hidden : 2 * s.hidden] = s.forget_bias
                self.lstm.bias_hh_l0[s.hidden : 2 * s.hidden] = 0.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """x (L, n_in) -> the output at the last step (n_out,), from a zero state."""
        h, _ = self.lstm(x)
        return self.readout(h[-1])

    def readout(self, h: torch.Tensor) -> torch.Tensor:
        """The output units on the last hidden state(s)."""
        y = self.out(h)
        return y if self.linear else torch.sigmoid(y)

    def forward_batch(self, xs: list[torch.Tensor]) -> torch.Tensor:
        """B sequences of their own lengths -> each one's output at its own last step (B, n_out)."""
        if len(xs) == 1:  # online: the unpacked call, as before --batch existed
            return self(xs[0])[None]
        _, (h, _) = self.lstm(nn.utils.rnn.pack_sequence(xs, enforce_sorted=False))
        return self.readout(h[-1])


def optimiser(s: Setup, params) -> torch.optim.Optimizer:
    return {"sgd": torch.optim.SGD, "adam": torch.optim.Adam, "rmsprop": torch.optim.RMSprop}[s.optimizer](
        params, lr=s.lr
    )


@dataclass(frozen=True)
class Variant:
    """Departures from a row's setup, to find what separates it from a published result (``--lr``,
    ``--forget-bias``, ``--fixed-length``, ``--mse-loss``, ``--batch``); the default is the row itself."""

    lr: float | None = None  # the optimiser's step size (the row's: its Setup's)
    forget_bias: float | None = None  # the forget gate's total initial bias (the row's: +1; "every bias 1": +2)
    fixed_length: bool = False  # adding: every sequence exactly T long instead of T..T+T/10
    mse_loss: bool = False  # step on nn.MSELoss (mean of (y - t)^2) instead of E/2 = 1/2 sum (y - t)^2
    batch: int = 1  # sequences per optimiser step (the loss their mean); 1 is the paper's online protocol


# --- one trial ---------------------------------------------------------------------------------------------------


def trial(row: str, seed: int, cap: int | None = None, variant: Variant | None = None) -> dict:
    """Online training until ST3 holds after some sequence or the cap is reached; then the test set."""
    s, v = ROWS[row], variant or Variant()
    if v.lr is not None:
        s = replace(s, lr=v.lr)
    if v.forget_bias is not None:
        s = replace(s, forget_bias=v.forget_bias)
    task = TASKS[s.task]
    if v.fixed_length:
        if s.task != "adding-T100":
            raise SystemExit("--fixed-length applies to the adding rows only")
        task = replace(task, sample=partial(adding_sequence, fixed=True))
    cap = task.cap if cap is None else cap
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = Net(s, task)  # float32, PyTorch's default (the harness computes in float64)
    opt = optimiser(s, net.parameters())
    errors: deque[float] = deque()  # E = sum_k (t_k - y_k)^2 of the window's sequences (PAPER.md §12)
    wrong: deque[bool] = deque()  # absolute error of some output >= threshold
    total_error, n_wrong, success, n = 0.0, 0, False, 0
    start = time.perf_counter()
    while n < cap:
        batch = [task.sample(rng) for _ in range(min(v.batch, cap - n))]
        y = net.forward_batch([torch.from_numpy(x).float() for x, _ in batch])
        diff = y - torch.from_numpy(np.stack([t for _, t in batch])).float()
        loss = 0.5 * torch.sum(diff**2) / len(batch)  # the paper's E/2 (eq. 19), the batch's mean
        if v.mse_loss:
            loss = 2.0 * loss / diff.shape[1]  # nn.MSELoss: the mean of (y - t)^2 over the outputs
        opt.zero_grad()
        loss.backward()
        if s.clip is not None:
            nn.utils.clip_grad_norm_(net.parameters(), s.clip)
        opt.step()
        for d in diff.detach():  # each sequence's E and verdict, before the step
            n += 1
            e = float(torch.sum(d**2))
            bad = bool(d.abs().max().item() >= task.threshold)
            errors.append(e)
            wrong.append(bad)
            total_error += e
            n_wrong += bad
            if len(errors) > task.window:
                total_error -= errors.popleft()
                n_wrong -= wrong.popleft()
        if len(errors) == task.window and n_wrong == 0 and total_error / task.window < task.avg_error:  # ST3,
            success = True  # checked after each step (so with --batch B, up to B - 1 sequences late)
            break
    test_wrong = 0
    with torch.no_grad():
        for _ in range(task.test_size):
            x, t = task.sample(rng)
            y = net(torch.from_numpy(x).float())
            test_wrong += bool((y - torch.from_numpy(t).float()).abs().max().item() > task.threshold)
    return {"row": row, "seed": seed, "success": success, "sequences": n if success else None, "presented": n,
            "final_error": total_error / max(len(errors), 1), "test_wrong": test_wrong,
            "wall_time": time.perf_counter() - start}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("row", choices=sorted(ROWS))
    parser.add_argument("seeds", type=int, nargs="+")
    parser.add_argument("--cap", type=int, default=None, help="failure cap (default: the row's)")
    parser.add_argument("--lr", type=float, default=None, help="the optimiser's step size")
    parser.add_argument("--forget-bias", type=float, default=None, help="the forget gate's total initial bias")
    parser.add_argument("--fixed-length", action="store_true", help="adding: sequences exactly T long")
    parser.add_argument("--mse-loss", action="store_true", help="step on nn.MSELoss instead of E/2")
    parser.add_argument("--batch", type=int, default=1, help="sequences per optimiser step (default 1: online)")
    args = parser.parse_args()
    variant = Variant(args.lr, args.forget_bias, args.fixed_length, args.mse_loss, args.batch)
    torch.set_num_threads(1)
    for seed in args.seeds:
        r = trial(args.row, seed, args.cap, variant)
        label = "" if variant == Variant() else f" ({variant})"
        print(f"{r['row']}{label} seed {r['seed']}: success {r['success']}, sequences {r['sequences']}, presented "
              f"{r['presented']:,}, mean training error of the last 2000 {r['final_error']:.4f}, test wrong "
              f"{r['test_wrong']} of 2560, {r['wall_time']:.0f} s", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
