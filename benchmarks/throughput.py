"""Training throughput in network-steps per second (one step = one time step of one network, forward and
truncated-gradient bookkeeping included), medians of repeated calls, with torch.nn.LSTM(2, 4) trained at
batch size 1 in the same process as the denominator of the ratio.

    python benchmarks/throughput.py [--repeats 7]

Prints a markdown table to paste into docs/PERFORMANCE.md together with the machine and the commit.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import time

import numpy as np

import lstm1997
from lstm1997.tasks import adding, longlag, reber


def median_time(fn, repeats: int = 7) -> float:
    """Median seconds of ``repeats`` calls of ``fn``, after one call to compile and warm up."""
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def median_rate(fn, steps: int, repeats: int) -> float:
    return steps / median_time(fn, repeats)


def kernel_rate(name: str, seqs: lstm1997.Sequences, repeats: int, full: bool = False) -> float:
    """Training rate of experiment ``name``'s net; ``full`` trains with the untruncated (BPTT) gradient."""
    exp = lstm1997.get_experiment(name)
    net = exp.init_network(np.random.default_rng(0))
    return median_rate(lambda: lstm1997.train(net, seqs, exp.lr, full=full), seqs.n_steps, repeats)


def torch_rate(T: int, n_seq: int, repeats: int, hidden: int = 4) -> float | None:
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    lstm, head = torch.nn.LSTM(2, hidden), torch.nn.Linear(hidden, 1)
    opt = torch.optim.SGD([*lstm.parameters(), *head.parameters()], lr=0.5)
    rng = np.random.default_rng(0)
    xs = [torch.tensor(rng.uniform(-1, 1, (T, 1, 2)), dtype=torch.float32) for _ in range(n_seq)]
    ys = [torch.tensor([[rng.uniform()]], dtype=torch.float32) for _ in range(n_seq)]

    def run():
        for x, y in zip(xs, ys):
            out, _ = lstm(x)
            loss = 0.5 * ((torch.sigmoid(head(out[-1])) - y) ** 2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()

    return median_rate(run, T * n_seq, repeats)


def nnlstm_rows(repeats: int) -> None:
    """The ``nnlstm`` baselines: the compiled float64 copy (lstm1997.nnlstm) against torch.nn.LSTM itself."""
    try:
        from lstm1997.models.nn_lstm import nn_lstm_model
    except ImportError:
        return
    exp = lstm1997.get_experiment("adding-T100")
    print(
        "\n| nn.LSTM(2, H) + logistic output, SGD step per sequence | compiled (nnlstm.py) | torch, float32 | ratio |"
    )
    print("|---|---|---|---|")
    for hidden in (3, 32):
        for T, n_seq in ((100, 1000), (500, 200)):
            seqs = adding.generate_adding(np.random.default_rng(1), n_seq, T)
            model = nn_lstm_model(exp, np.random.default_rng(0), hidden, "sgd")
            rate = median_rate(lambda m=model, s=seqs: m.train(s, 0.01, per_step=False), seqs.n_steps, repeats)
            base = torch_rate(T, 100 if T == 100 else 20, repeats, hidden)
            print(f"| H={hidden}, T={T} | {rate / 1e6:.2f} M | {base / 1e6:.2f} M | {rate / base:.1f}x |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    rng = np.random.default_rng(0)
    adding_t100 = adding.generate_adding(rng, 2000, 100)
    cases = [
        ("adding net (93 w), T=100", "adding-T100", adding_t100),
        ("adding net (93 w), T=500", "adding-T500", adding.generate_adding(rng, 400, 500)),
        ("adding net (93 w), T=1000", "adding-T1000", adding.generate_adding(rng, 200, 1000)),
        ("Reber net 3x2 (276 w), targets every step", "reber-3x2-lr0.1", reber.generate(rng, 2000)),
        ("2c net p=q=1000 (6064 w)", "longlag-2c-q1000-p1000", longlag.generate_2c(rng, 200, p=1000, q=1000)),
    ]
    base = torch_rate(100, 100, args.repeats)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, Python "
        f"{platform.python_version()}; commit {commit}; median of {args.repeats} calls, 1 core\n"
    )
    print("| net | network-steps/s | ratio to nn.LSTM(2,4) batch 1 |\n|---|---|---|")
    for label, name, seqs in cases:
        rate = kernel_rate(name, seqs, args.repeats)
        ratio = f"{rate / base:.0f}x" if base else "-"
        print(f"| {label} | {rate / 1e6:.2f} M | {ratio} |")
    rate = kernel_rate("adding-T100", adding_t100, args.repeats, full=True)  # same sequences as the T=100 line
    ratio = f"{rate / base:.0f}x" if base else "-"
    print(f"| adding net, full gradient (BPTT), T=100 | {rate / 1e6:.2f} M | {ratio} |")
    if base:
        print(
            f"| torch.nn.LSTM(2, 4) + Linear, batch 1, float32, SGD step per sequence (T=100) | "
            f"{base / 1e6:.3f} M | 1x |"
        )
    nnlstm_rows(args.repeats)


if __name__ == "__main__":
    main()
