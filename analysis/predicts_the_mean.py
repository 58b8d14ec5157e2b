"""The "predicts the mean" plateau on the adding problem (Exp 4, T = 100), with evidence.

    python analysis/predicts_the_mean.py [--quick]

A net that has learned nothing about the two marked values X1, X2 does best by outputting the mean target,
0.5 + E[X1 + X2]/4 = 0.5, for every sequence; its error is then Var(0.5 + (X1 + X2)/4) = 1/24 ~ 0.042 (mean
squared error at the sequence end; the paper's ST3 asks for 0.01). This script trains three kinds of run on the
same probe set and follows, every few thousand sequences:

- error: mean squared error at the sequence end on 1,000 fixed probe sequences, against the trivial predictor's;
- output spread: the standard deviation of the outputs across probe sequences, against the targets' (0.204);
  a net at the plateau has spread ~0;
- input gates: mean activation at the marked steps vs at all other steps (selective gates = memory at work);
- memory: the held-out R^2 of the target from what the output unit reads at the end (y_c(T) of the 1997 net,
  h(T) of nn.LSTM) by a linear fit: how much of X1 + X2 the state holds; and for the 1997 net the mean h'(s_c(T))
  (eq. 23 multiplies the cells' error by it: state drift saturates h and blocks the error), for nn.LSTM how much
  of the cell state survives from the second marker to the end, prod_t f(t) over its forget gates (also for the
  1997 net with forget gates).

Runs (1997 net: seeds 0, 1, 2; nn.LSTM: seeds 0, 1; --quick: seed 0 and shorter runs):

- ``1997 paper``: the 1997 net of adding-T100 with the paper's settings (lr 0.5, input-gate biases -3, -6),
  online, one update per sequence (the compiled kernel);
- ``1997 input-gate bias 0``: the same with both input-gate biases initialised to 0 instead of -3, -6;
- ``1997 paper + gate pre-training``: the paper's run whose first 2,000 sequences train only the input gates
  with Adam to open at the markers (the ablation of lstm1997.models.pretraining; counted in the sequences);
- ``1997 + forget gate, bias +1`` / ``+5``: the forget-gate baseline of lstm1997.models.forget_gate (Gers et al. 2000:
  s(t) = y_f(t) s(t-1) + y_in(t) g(net_c(t)), truncated gradient), the paper's online SGD at lr 0.5;
- ``nn.LSTM(2,32) Adam batch 32``: torch.nn.LSTM(2, 32) + Linear + logistic, PyTorch's initialisation, Adam
  (lr 1e-3) on mini-batches of 32 sequences, full BPTT, as earlier public reproductions trained it;
- ``nn.LSTM(2,32) Adam batch 32, forget bias +5``: the same with the forget-gate biases set to +5 (b_ih = 5,
  b_hh = 0; f = 0.993 instead of ~0.5 at the start).

Writes docs/figures/predicts_the_mean.png (four panels) and docs/figures/predicts_the_mean_outputs.png (outputs
against targets before and after the escape) and prints every number docs/PREDICTS_THE_MEAN.md quotes.
A few minutes on one core (about a minute with --quick).
"""

from __future__ import annotations

import argparse
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from lstm1997 import learning  # noqa: E402
from lstm1997.diagnose import h_prime  # noqa: E402
from lstm1997.experiments import EXPERIMENTS  # noqa: E402
from lstm1997.models.forget_gate import ForgetGateModel, ForgetGateNet  # noqa: E402
from lstm1997.models.nn_lstm import Dense, TorchLSTMNet  # noqa: E402
from lstm1997.models.pretraining import GatePretrainedModel  # noqa: E402
from lstm1997.network import Network  # noqa: E402
from lstm1997.sequences import Sequences  # noqa: E402

EXP = EXPERIMENTS["adding-T100"]
FIGURES = Path(__file__).resolve().parent.parent / "docs" / "figures"
N_PROBE = 1000
"""Probe sequences for error and spread (fixed, seed 123)."""
N_GATE = 100
"""Probe sequences for gate activations and gradients (the first of the probe set)."""


@dataclass
class Curve:
    """One run's measurements at its checkpoints."""

    label: str
    seed: int
    seen: list[int] = field(default_factory=list)
    mse: list[float] = field(default_factory=list)
    spread: list[float] = field(default_factory=list)
    gate_marked: list[float] = field(default_factory=list)
    gate_other: list[float] = field(default_factory=list)
    r2: list[float] = field(default_factory=list)
    """Held-out R^2 of the target from what the output unit reads at the end (y_c(T) or h(T)), linear fit."""
    memory: list[float] = field(default_factory=list)
    """1997 net: mean h'(s_c(T)) (0.5 = linear region of h, 0 = saturated); nn.LSTM: mean over units of
    log10 prod_t f(t) from the second marker to the end (the fraction of the cell state that survives)."""
    outputs: dict[int, np.ndarray] = field(default_factory=dict)
    """Probe outputs by checkpoint."""
    forget_bias: float = float("nan")
    """Forget-gate runs: the mean forget-gate bias at the end (it starts at the run's initial value)."""


def padded(d: Dense, lo: int, hi: int) -> np.ndarray:
    """Sequences lo..hi-1 of ``d`` as one zero-padded (T_max, hi-lo, n_in) array for torch.nn.LSTM."""
    lengths = np.diff(d.starts[lo : hi + 1])
    x = np.zeros((int(lengths.max()), hi - lo, d.x.shape[1]), dtype=d.x.dtype)
    for b, i in enumerate(range(lo, hi)):
        x[: lengths[b], b] = d.x[d.starts[i] : d.starts[i + 1]]
    return x


def probe() -> tuple[Sequences, np.ndarray]:
    seqs = EXP.generate(np.random.default_rng(123), N_PROBE)
    return seqs, seqs.targets[:, 0]


def escape(curve: Curve, trivial: float) -> int | None:
    """Sequences until the probe error first falls below half the trivial predictor's (None: never)."""
    hits = [s for s, e in zip(curve.seen, curve.mse) if e < 0.5 * trivial]
    return hits[0] if hits else None


# --- the 1997 net ------------------------------------------------------------------------------------------------


def heldout_r2(features: np.ndarray, targets: np.ndarray) -> float:
    """R^2 on the second half of a least-squares fit (with intercept) of ``targets`` on ``features`` on the
    first half: how much of the target a linear read-out of the features can get (0: none, 1: all)."""
    f = features - features.mean(0)
    a = np.column_stack([np.ones(len(f)), f / np.maximum(f.std(0), 1e-12)])
    half = len(a) // 2
    coef, *_ = np.linalg.lstsq(a[:half], targets[:half], rcond=1e-3)  # near-constant features are dropped
    resid = targets[half:] - a[half:] @ coef
    return float(1.0 - resid.var() / targets[half:].var())


def measure_1997(net: Network, seqs: Sequences, targets: np.ndarray, c: Curve, seen: int) -> None:
    out = learning.evaluate(net, seqs)[:, 0]
    c.seen.append(seen)
    c.mse.append(float(np.mean((out - targets) ** 2)))
    c.spread.append(float(out.std()))
    marked, other, h_der, y_end = [], [], [], []
    for i in range(seqs.n):
        x, _, _ = seqs.sequence(i)
        st = learning.forward_states(net, x)
        y_end.append(st["y_c"][-1])
        if i < N_GATE:
            m = x[:, 1] == 1.0
            marked.append(st["y_in"][m].mean())
            other.append(st["y_in"][~m].mean())
            h_der.append(np.mean(h_prime(st["s_c"][-1], "h1")))  # h'(s) of eq. 4
    c.gate_marked.append(float(np.mean(marked)))
    c.gate_other.append(float(np.mean(other)))
    c.r2.append(heldout_r2(np.array(y_end), targets))
    c.memory.append(float(np.mean(h_der)))
    c.outputs[seen] = out.astype(np.float32)


def run_1997(
    label: str, spec, seed: int, n: int, every: int, seqs: Sequences, targets: np.ndarray, pretrain: int = 0
) -> Curve:
    """The paper's online SGD, one update per sequence (the kernel); with ``pretrain``, the first sequences
    train only the input gates with Adam (lstm1997.models.pretraining.GatePretrainedModel, the ablation)."""
    rng = np.random.default_rng(seed)
    model = GatePretrainedModel(spec.init(rng), open_at=EXP.memory_steps, pretrain_left=pretrain)
    c = Curve(label, seed)
    measure_1997(model.net, seqs, targets, c, 0)
    for k in range(1, n // every + 1):
        model.train(EXP.generate(rng, every), EXP.lr, per_step=False)
        measure_1997(model.net, seqs, targets, c, k * every)
    return c


# --- the 1997 net with forget gates (Gers et al. 2000), the paper's protocol ---------------------------------------


def measure_forget(net: ForgetGateNet, seqs: Sequences, d: Dense, targets: np.ndarray, c: Curve, seen: int) -> None:
    out = ForgetGateModel(net).evaluate(seqs)[:, 0]
    st = learning.batch_states(net, seqs)  # all probe sequences in one compiled call
    ends = seqs.starts[1:] - 1
    c.seen.append(seen)
    c.mse.append(float(np.mean((out - targets) ** 2)))
    c.spread.append(float(out.std()))
    c.r2.append(heldout_r2(st["y_c"][ends], targets))
    marked = d.x[:, 1] == 1.0
    c.gate_marked.append(float(st["y_in"][marked].mean()))
    c.gate_other.append(float(st["y_in"][~marked].mean()))
    log_f = np.concatenate([np.zeros((1, net.spec.n_blocks)), np.cumsum(np.log10(st["y_f"]), axis=0)])
    second = np.array([np.flatnonzero(marked[a:b])[-1] + a for a, b in zip(seqs.starts[:-1], seqs.starts[1:])])
    c.memory.append(float(np.mean(log_f[ends + 1] - log_f[second + 1])))  # log10 prod f from marker 2 to the end
    c.outputs[seen] = out.astype(np.float32)


def run_forget(label: str, seed: int, n: int, every: int, bias: float, seqs: Sequences, targets) -> Curve:
    """The forget-gate baseline of lstm1997.models.forget_gate (truncated gradient, online SGD at the row's lr 0.5)."""
    rng = np.random.default_rng(seed)
    model = ForgetGateModel(ForgetGateNet.init(EXP.spec, rng, bias))
    d = Dense.of(seqs, dtype=np.float64)
    c = Curve(label, seed)
    measure_forget(model.net, seqs, d, targets, c, 0)
    for k in range(1, n // every + 1):
        model.train(EXP.generate(rng, every), EXP.lr, per_step=False)
        measure_forget(model.net, seqs, d, targets, c, k * every)
    c.forget_bias = float(model.net.w_f[:, 0].mean())
    return c


# --- nn.LSTM, batched Adam ---------------------------------------------------------------------------------------


def measure_torch(net: TorchLSTMNet, x: torch.Tensor, d: Dense, targets: np.ndarray, c: Curve, seen: int) -> None:
    pos, seq = torch.from_numpy(d.target_pos), torch.from_numpy(d.target_seq)
    with torch.no_grad():
        h, _ = net.lstm(x)
        out = torch.sigmoid(net.out(h))[pos, seq][:, 0].numpy()
        gates = net.gates(x[:, :N_GATE])
    c.seen.append(seen)
    c.mse.append(float(np.mean((out - targets) ** 2)))
    c.spread.append(float(out.std()))
    c.r2.append(heldout_r2(h[pos, seq].numpy(), targets))
    xs = x[:, :N_GATE].numpy()
    lengths = np.diff(d.starts[: N_GATE + 1])
    valid = np.arange(xs.shape[0])[:, None] < lengths[None, :]
    marked = (xs[:, :, 1] == 1.0) & valid
    i_mean = gates["i"].mean(-1).numpy()
    c.gate_marked.append(float(i_mean[marked].mean()))
    c.gate_other.append(float(i_mean[~marked & valid].mean()))
    log_f = torch.log10(gates["f"]).numpy()  # (T, B, H)
    keep = []
    for b in range(N_GATE):
        second = np.flatnonzero(marked[:, b])[-1]  # the later of the two marked steps
        keep.append(log_f[second + 1 : lengths[b], b].sum(0).mean())  # log10 prod_t f(t), mean over units
    c.memory.append(float(np.mean(keep)))
    c.outputs[seen] = out.astype(np.float32)


def run_torch(
    label: str, seed: int, updates: int, every: int, batch: int, seqs: Sequences, targets, forget_bias: float | None
) -> Curve:
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = TorchLSTMNet(2, 32, 1)
    if forget_bias is not None:  # forget-gate rows of the stacked biases (order i, f, g, o); total bias = forget_bias
        with torch.no_grad():
            net.lstm.bias_ih_l0[32:64] = forget_bias
            net.lstm.bias_hh_l0[32:64] = 0.0
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    d = Dense.of(seqs)
    x = torch.from_numpy(padded(d, 0, seqs.n))
    c = Curve(label, seed)
    measure_torch(net, x, d, targets, c, 0)
    for u in range(1, updates + 1):
        b = Dense.of(EXP.generate(rng, batch))
        y = net(torch.from_numpy(padded(b, 0, batch)))[torch.from_numpy(b.target_pos), torch.from_numpy(b.target_seq)]
        loss = 0.5 * torch.sum((y - torch.from_numpy(b.targets)) ** 2) / batch  # mean over the batch of E
        opt.zero_grad()
        loss.backward()
        opt.step()
        if u % every == 0:
            measure_torch(net, x, d, targets, c, u * batch)
    return c


# --- figures and numbers -----------------------------------------------------------------------------------------

PAPER, BIAS0, PRETRAIN = "1997 paper", "1997 input-gate bias 0", "1997 paper + gate pre-training"
FORGET1, FORGET5 = "1997 + forget gate, bias +1", "1997 + forget gate, bias +5"
TORCH, TORCH_F5 = "nn.LSTM(2,32) Adam batch 32", "nn.LSTM(2,32) Adam batch 32, forget bias +5"
COLOURS = {PAPER: "tab:blue", BIAS0: "tab:orange", PRETRAIN: "tab:green", FORGET1: "tab:brown", FORGET5: "tab:olive",
           TORCH: "tab:red", TORCH_F5: "tab:purple"}  # fmt: skip


def plot(curves: list[Curve], trivial: float, target_std: float, path: Path) -> None:
    fig, ax = plt.subplots(2, 2, figsize=(12, 8.5))
    for c in curves:
        col = COLOURS[c.label]
        lab = f"{c.label}" if c.seed == 0 else None
        seen = np.array(c.seen) / 1000
        ax[0, 0].semilogy(seen, c.mse, color=col, label=lab, lw=1.2)
        ax[0, 1].plot(seen, np.array(c.spread) / target_std, color=col, label=lab, lw=1.2)
        ax[1, 0].semilogy(seen, c.gate_marked, color=col, label=lab and f"{lab}: at markers", lw=1.2)
        ax[1, 0].semilogy(seen, c.gate_other, color=col, ls=":", label=lab and f"{lab}: elsewhere", lw=1.2)
        ax[1, 1].plot(seen, c.r2, color=col, label=lab, lw=1.2)
    ax[0, 0].axhline(trivial, color="k", ls="--", lw=0.8, label="trivial predictor (output = mean target)")
    ax[0, 0].axhline(0.01, color="grey", ls=":", lw=0.8, label="ST3 error bound 0.01")
    ax[0, 0].set(title="error: probe MSE at the sequence end", ylabel="MSE")
    ax[0, 1].axhline(1.0, color="k", ls="--", lw=0.8, label="target spread")
    ax[0, 1].set(title="output spread: std of outputs across sequences / std of targets", ylabel="ratio")
    ax[1, 0].set(title="input gates: mean activation at the marked steps (solid) and elsewhere (dotted)",
                 ylabel="activation")  # fmt: skip
    ax[1, 1].set(title="memory: held-out R^2 of the target from what the output unit reads at the end",
                 ylabel="R^2", ylim=(-0.05, 1.05))  # fmt: skip
    for a in ax.flat:
        a.set_xlabel("training sequences (thousands)")
        a.legend(fontsize=7)
        a.title.set_fontsize(9)
    fig.suptitle("Adding problem, T = 100: the mean-prediction plateau and the escape from it", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_outputs(curves: list[Curve], trivial: float, targets: np.ndarray, path: Path) -> None:
    """Outputs against targets for seed 0 of each run: at the start, in the middle of the plateau, at the end."""
    shown = [c for c in curves if c.seed == 0]
    cols = 4
    rows = -(-len(shown) // cols)
    fig, ax = plt.subplots(rows, cols, figsize=(4.2 * cols, 4.2 * rows), squeeze=False)
    for a in ax.flat[len(shown) :]:
        a.axis("off")
    for a, c in zip(ax.flat, shown):
        e = escape(c, trivial)
        for seen in sorted({0, c.seen[at(c, (e or c.seen[-1]) // 2)], c.seen[-1]}):
            a.scatter(targets, c.outputs[seen], s=3, alpha=0.5, label=f"after {seen:,} sequences")
        a.plot([0, 1], [0, 1], color="k", lw=0.6)
        a.set(title=c.label, xlabel="target 0.5 + (X1 + X2)/4", ylabel="output", xlim=(0, 1), ylim=(0, 1))
        a.title.set_fontsize(9)
        a.legend(fontsize=7, markerscale=3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def at(c: Curve, seen: int) -> int:
    return int(np.argmin(np.abs(np.array(c.seen) - seen)))


def report(curves: list[Curve], trivial: float, target_std: float) -> None:
    print(f"probe: {N_PROBE} adding-T100 sequences (seed 123); target std {target_std:.4f}; "
          f"trivial predictor (output = mean target) MSE {trivial:.4f}")  # fmt: skip
    print("\nrun | seed | escape (probe MSE < trivial/2) after | MSE at start | plateau (median MSE before escape) | "
          "final MSE | final spread/target std")  # fmt: skip
    for c in curves:
        e = escape(c, trivial)
        before = [m for s, m in zip(c.seen, c.mse) if e is None or s < e]
        print(f"{c.label} | {c.seed} | {f'{e:,}' if e else f'not within {c.seen[-1]:,}'} | {c.mse[0]:.4f} | "
              f"{np.median(before):.4f} | {c.mse[-1]:.5f} | {c.spread[-1] / target_std:.2f}")  # fmt: skip
    for c in curves:
        if not np.isnan(c.forget_bias):
            print(
                f"{c.label} | seed {c.seed} | mean forget-gate bias after {c.seen[-1]:,} sequences: {c.forget_bias:.3f}"
            )
    print("\nrun | seed | when | MSE | spread/target std | input gate at markers | elsewhere | R^2 of target from "
          "end state | 1997: mean h'(s_c(T)); forget gates: log10 prod f (marker 2 -> end)")  # fmt: skip
    for c in curves:
        e = escape(c, trivial)
        whens = [("start", 0), ("plateau", (e or c.seen[-1]) // 2)]
        if e:
            whens += [("escape", e), ("end", c.seen[-1])]
        for name, seen in whens:
            i = at(c, seen)
            print(f"{c.label} | {c.seed} | {name} ({c.seen[i]:,}) | {c.mse[i]:.4f} | "
                  f"{c.spread[i] / target_std:.3f} | {c.gate_marked[i]:.3f} | {c.gate_other[i]:.3f} | "
                  f"{c.r2[i]:.3f} | {c.memory[i]:.3g}")  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="one seed per run, shorter runs")
    args = ap.parse_args()
    torch.set_num_threads(1)
    start = time.time()
    seqs, targets = probe()
    trivial, target_std = float(targets.var()), float(targets.std())
    seeds = (0,) if args.quick else (0, 1, 2)
    n_paper, n_bias0, updates = (60_000, 60_000, 2_000) if args.quick else (120_000, 250_000, 6_000)
    bias0 = replace(EXP.spec, in_gate_bias=(0.0, 0.0))
    curves = []
    for seed in seeds:
        curves.append(run_1997(PAPER, EXP.spec, seed, n_paper, 2_000, seqs, targets))
        curves.append(run_1997(BIAS0, bias0, seed, n_bias0, 5_000, seqs, targets))
        curves.append(run_1997(PRETRAIN, EXP.spec, seed, 30_000, 1_000, seqs, targets, pretrain=2_000))
        curves.append(run_forget(FORGET1, seed, n_paper, 5_000, 1.0, seqs, targets))
        curves.append(run_forget(FORGET5, seed, n_paper, 2_000, 5.0, seqs, targets))
    for seed in seeds[:2]:
        curves.append(run_torch(TORCH, seed, updates, 250, 32, seqs, targets, forget_bias=None))
        curves.append(run_torch(TORCH_F5, seed, updates, 250, 32, seqs, targets, forget_bias=5.0))
    FIGURES.mkdir(parents=True, exist_ok=True)
    plot(curves, trivial, target_std, FIGURES / "predicts_the_mean.png")
    plot_outputs(curves, trivial, targets, FIGURES / "predicts_the_mean_outputs.png")
    report(curves, trivial, target_std)
    print(f"\nfigures: {FIGURES / 'predicts_the_mean.png'}, {FIGURES / 'predicts_the_mean_outputs.png'}; "
          f"{time.time() - start:.0f} s")  # fmt: skip


if __name__ == "__main__":
    main()
