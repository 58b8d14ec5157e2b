"""Where the time of the H=32 ``nnlstm`` kernel goes: its rate with and without the backward pass, the cost of
one numba math.exp-based logistic and one math.tanh call, and of the 4H x H multiply-adds of W_hh h(t-1).

    python benchmarks/nnlstm_profile.py
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from throughput import median_time

import lstm1997
from lstm1997 import nnlstm
from lstm1997.baselines import nn_lstm_model
from lstm1997.cell import logistic
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
def _recurrent_macs(W_hhT, h, a, repeats):
    for _ in range(repeats):
        for m in range(h.shape[0]):
            for r in range(a.shape[0]):
                a[r] += W_hhT[m, r] * h[m]


def main() -> None:
    hidden = 32
    seqs = adding.generate_adding(np.random.default_rng(1), 300, 100)
    model = nn_lstm_model(lstm1997.get_experiment("adding-T100"), np.random.default_rng(0), hidden, "sgd")
    for name, mode in (("forward only", nnlstm.FORWARD), ("forward + BPTT + SGD", nnlstm.SGD)):
        t = median_time(lambda m=mode: model.copy()._run(seqs, m, 0.01, np.zeros_like(model.theta)))
        print(f"H={hidden}, T=100, {name}: {seqs.n_steps / t / 1e6:.3f} M steps/s")
    x, out = np.random.default_rng(0).normal(size=100_000), np.empty(100_000)
    for name, fn in (("logistic (math.exp)", _logistic_all), ("math.tanh", _tanh_all)):
        print(f"{name}: {median_time(lambda f=fn: f(x, out)) / x.size * 1e9:.1f} ns per call")
    G = 4 * hidden
    W_hhT, h, a = np.random.default_rng(0).random((hidden, G)), np.full(hidden, 1e-3), np.zeros(G)
    t = median_time(lambda: _recurrent_macs(W_hhT, h, a, 10_000))
    print(f"{hidden * G} multiply-adds of W_hh h: {t / 10_000 * 1e6:.2f} us")


if __name__ == "__main__":
    main()
