"""Where the time of the H=32 ``nnlstm`` kernel goes: its rate with and without the backward pass, the cost of
one numba math.exp-based logistic, one math.tanh and one nnlstm._tanh call, and of the 4H x H multiply-adds of
W_hh h(t-1).
With ``--against FILE``, also the training rate of the kernel in FILE (another version of lstm1997/nnlstm.py)
beside the installed one's, in the same process. With ``--denormals``, the rates of an H=32 net trained with
Adam on 120,000 adding-T500 sequences (about 2 minutes), where subnormal numbers appear, with the kernel's
flushing of subnormals to zero and without it:

    python benchmarks/nnlstm_profile.py
    python benchmarks/nnlstm_profile.py --denormals
    git show f82912a:src/lstm1997/nnlstm.py > /tmp/nnlstm_old.py
    python benchmarks/nnlstm_profile.py --against /tmp/nnlstm_old.py
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys

import numpy as np
from numba import njit
from throughput import median_time

import lstm1997
from lstm1997 import nnlstm
from lstm1997.cell import logistic
from lstm1997.models.nn_lstm import nn_lstm_model
from lstm1997.tasks import adding


@njit(cache=True)
def _logistic_all(x, out):
    for i in range(x.shape[0]):
        out[i] = logistic(x[i])


@njit(cache=True)
def _tanh_all(x, out):
    for i in range(x.shape[0]):
        out[i] = math.tanh(x[i])


@njit(cache=True)
def _exp_tanh_all(x, out):
    for i in range(x.shape[0]):
        out[i] = nnlstm._tanh(x[i])


@njit(cache=True)
def _recurrent_macs(W_hhT, h, a, repeats):
    for _ in range(repeats):
        nnlstm._add_tmatvec(W_hhT, h, a)


def against(path: str, seqs, model) -> None:
    """Training rates (forward + BPTT + SGD) of the kernel in ``path`` and the installed one, alternating."""
    spec = importlib.util.spec_from_file_location("nnlstm_other", path)
    other = sys.modules["nnlstm_other"] = importlib.util.module_from_spec(spec)  # (dataclasses look it up)
    spec.loader.exec_module(other)

    def train(module):
        theta, grad, out = model.theta.copy(), np.zeros_like(model.theta), np.empty((len(seqs.targets), 1))
        module.run(theta, model.n_in, model.hidden, 1, seqs.starts, seqs.x_ptr, seqs.x_idx, seqs.x_val,
                   seqs.target_at, seqs.targets, module.SGD, 0.01, 0.9, 0.999, 1e-8,
                   np.zeros_like(theta), np.zeros_like(theta), np.zeros(1, np.int64), grad, out)  # fmt: skip
        return theta

    rates = {}
    for _ in range(3):
        for name, module in ((path, other), ("installed", nnlstm)):
            rates.setdefault(name, []).append(seqs.n_steps / median_time(lambda m=module: train(m)) / 1e6)
    mine, theirs = np.median(rates["installed"]), np.median(rates[path])
    diff = np.abs(train(other) - train(nnlstm)).max()
    print(f"training, H={model.hidden}: {path} {theirs:.3f} M steps/s, installed {mine:.3f} M ({mine / theirs:.2f}x); "
          f"weights after {seqs.n} SGD sequences differ by {diff:.2g}")  # fmt: skip


def denormals() -> None:
    """Training rate of a net that has reached the subnormal regime, flushing subnormals (as the kernel does)
    and not (calling the kernel directly, IEEE arithmetic)."""
    model = nn_lstm_model(lstm1997.get_experiment("adding-T500~nnlstm-h32-adam"), np.random.default_rng(0), 32, "adam")
    rng = np.random.default_rng(5)
    for _ in range(6):
        model.train(adding.generate_adding(rng, 20_000, 500), 0.0, per_step=False)
    seqs = adding.generate_adding(np.random.default_rng(1), 300, 500)

    def ieee(m):
        out = np.empty((len(seqs.targets), 1))
        nnlstm.run(m.theta, m.n_in, m.hidden, m.n_out, seqs.starts, seqs.x_ptr, seqs.x_idx, seqs.x_val,
                   seqs.target_at, seqs.targets, nnlstm.ADAM, m.adam_lr, 0.9, 0.999, 1e-8,
                   m.adam_m, m.adam_v, m.adam_step, np.zeros_like(m.theta), out)  # fmt: skip

    rates = {"flushed": [], "IEEE": []}
    for _ in range(3):
        rates["flushed"].append(seqs.n_steps / median_time(lambda: model.copy().train(seqs, 0.0, False), 3))
        rates["IEEE"].append(seqs.n_steps / median_time(lambda: ieee(model.copy()), 3))
    flushed, plain = np.median(rates["flushed"]) / 1e6, np.median(rates["IEEE"]) / 1e6
    print(f"H=32 Adam net after 120,000 adding-T500 sequences, training: subnormals flushed {flushed:.3f} M steps/s, "
          f"IEEE {plain:.3f} M ({flushed / plain:.2f}x)")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--against", metavar="FILE", help="another version of lstm1997/nnlstm.py to compare with")
    ap.add_argument("--denormals", action="store_true", help="also the rates with and without flushing subnormals")
    args = ap.parse_args()
    if args.denormals:
        denormals()
    hidden = 32
    seqs = adding.generate_adding(np.random.default_rng(1), 300, 100)
    model = nn_lstm_model(lstm1997.get_experiment("adding-T100"), np.random.default_rng(0), hidden, "sgd")
    if args.against:
        for h in (3, hidden):
            against(args.against, seqs, nn_lstm_model(lstm1997.get_experiment("adding-T100"),
                                                      np.random.default_rng(0), h, "sgd"))  # fmt: skip
    for name, mode in (("forward only", nnlstm.FORWARD), ("forward + BPTT + SGD", nnlstm.SGD)):
        t = median_time(lambda m=mode: model.copy()._run(seqs, m, 0.01, np.zeros_like(model.theta)))
        print(f"H={hidden}, T=100, {name}: {seqs.n_steps / t / 1e6:.3f} M steps/s")
    x, out = np.random.default_rng(0).normal(size=100_000), np.empty(100_000)
    for name, fn in (("logistic (math.exp)", _logistic_all), ("math.tanh", _tanh_all), ("nnlstm._tanh", _exp_tanh_all)):
        print(f"{name}: {median_time(lambda f=fn: f(x, out)) / x.size * 1e9:.1f} ns per call")
    G = 4 * hidden
    W_hhT, h, a = np.random.default_rng(0).random((hidden, G)), np.full(hidden, 1e-3), np.zeros(G)
    t = median_time(lambda: _recurrent_macs(W_hhT, h, a, 10_000))
    print(f"{hidden * G} multiply-adds of W_hh h: {t / 10_000 * 1e6:.2f} us")


if __name__ == "__main__":
    main()
