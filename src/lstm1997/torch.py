"""The 1997 LSTM as a ``torch.nn.Module``: same equations and weight layout as the compiled kernel, with autograd.

``LSTM1997`` runs memory cell blocks (one input gate and one optional output gate per block, a constant error
carousel per cell, no forget gate, no peepholes) followed by logistic output units, exactly as in
``lstm1997.kernels`` (docs/spec/common.md §1.1-§1.2, weight layout docs/DESIGN.md §3):

    u(t) = [1, x(t), y_c(t-1), y_in(t-1), y_out(t-1)]      source of gates and cells
    v(t) = [1, y_c(t), x(t)]                               source of output units

A subclass may add a forget gate per block by overriding ``forget_weight`` (the forget-gate baseline,
models/forget_gate.py).

Two gradients are available. ``gradient="truncated"`` is the paper's (docs/spec/common.md §1.3, backward-mode form): the
recurrent inputs y_c(t-1), y_in(t-1), y_out(t-1) are detached where they enter u(t), so error flows back in time
only through the CEC s(t-1) -> s(t); autograd then reproduces eqs. 19-28, i.e. ``lstm1997.truncated_gradient``.
``gradient="full"`` detaches nothing (untruncated BPTT).

Importing this module imports torch; ``import lstm1997`` does not.
"""

from __future__ import annotations

from typing import Literal, TypeVar

import torch
from torch import nn

from lstm1997.network import Network, NetworkSpec

State = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]
"""(y_c, s_c, y_in, y_out): cell outputs, cell states, input-gate and output-gate activations."""

_NAMES = ("w_in", "w_out", "w_c", "w_k")


def _logistic(x: torch.Tensor) -> torch.Tensor:
    return torch.sigmoid(x)  # eq. 3: f(x) = 1 / (1 + exp(-x))


_M = TypeVar("_M", bound="LSTM1997")


class LSTM1997(nn.Module):
    """One layer of 1997 LSTM memory cell blocks with logistic output units.

    Args:
        spec: the architecture (sizes, connectivity, biases, output gates, squashing functions, initialisation).
        gradient: ``"truncated"`` for the paper's truncated gradient (error flows back in time only through
            the cell states), ``"full"`` for untruncated backpropagation through time.
        batch_first: if True, inputs and outputs are (B, T, ·) instead of (T, B, ·), as in ``torch.nn.LSTM``.
        dtype: floating-point type of parameters and buffers.
        device: device of parameters and buffers (None: torch's default device).

    Parameters (layout of ``lstm1997.Network``, docs/DESIGN.md §3):
        w_in: (n_blocks, n_u) input gate weights; w_out: (n_blocks, n_u) output gate weights (unused, zero, if
        ``spec.output_gate`` is False); w_c: (n_cells, n_u) cell input weights; w_k: (n_out, n_v) output unit
        weights. n_u = 1 + n_in + n_cells + 2 n_blocks, n_v = 1 + n_cells + n_in.

    Connections the architecture lacks are multiplied by a 0/1 mask buffer (``mask_w_in`` etc.) in every
    forward pass, so they contribute nothing and their gradients are exactly zero. Without output gates
    (``spec.output_gate`` False, y_out = 1) ``w_out`` is all absent and is frozen (``requires_grad`` False).
    """

    w_in: nn.Parameter
    w_out: nn.Parameter
    w_c: nn.Parameter
    w_k: nn.Parameter
    mask_w_in: torch.Tensor
    mask_w_out: torch.Tensor
    mask_w_c: torch.Tensor
    mask_w_k: torch.Tensor

    def __init__(
        self,
        spec: NetworkSpec,
        gradient: Literal["truncated", "full"] = "truncated",
        batch_first: bool = False,
        dtype: torch.dtype = torch.float32,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        if gradient not in ("truncated", "full"):
            raise ValueError(f"gradient must be 'truncated' or 'full', got {gradient!r}")
        self.spec = spec
        self.gradient = gradient
        self.batch_first = batch_first
        for name, mask in spec.masks.items():
            self.register_parameter(name, nn.Parameter(torch.zeros(mask.shape, dtype=dtype, device=device)))
            self.register_buffer(f"mask_{name}", torch.tensor(mask, dtype=dtype, device=device), persistent=False)
        # Without output gates every w_out connection is absent: freeze it (its .grad stays None).
        self.w_out.requires_grad_(spec.output_gate)
        self.reset_parameters()

    @classmethod
    def from_network(cls: type[_M], net: Network, dtype: torch.dtype = torch.float64, **options) -> _M:
        """A module with the architecture and weights of the core's ``net`` (copied; float64 by default, so the
        weights are exact). ``options`` are the constructor's other arguments. Raises ValueError if ``net`` has a
        nonzero weight on a connection its architecture lacks (the module would silently zero it)."""
        if not net.absent_is_zero():
            raise ValueError("net has nonzero weights on connections its architecture lacks")
        module = cls(net.spec, dtype=dtype, **options)
        with torch.no_grad():
            for name, w in net.weights.items():
                getattr(module, name).copy_(torch.from_numpy(w))
        return module

    def to_network(self) -> Network:
        """The weights as a core ``lstm1997.Network`` (float64 numpy copies, absent connections exactly 0)."""
        weights = {}
        for name in _NAMES:
            w = self.masked_weight(name).detach().to(device="cpu", dtype=torch.float64)
            weights[name] = w.numpy() + 0.0  # a new array; + 0.0 also turns the -0.0 of masked negatives into 0.0
        return Network(self.spec, **weights)

    @torch.no_grad()
    def reset_parameters(self, generator: torch.Generator | None = None) -> None:
        """Initialise as the paper does (``NetworkSpec.init``): uniform in [-init_range, init_range] on existing
        connections, 0 on absent ones, then the fixed gate biases the spec gives (e.g. -1, -2, -3 per block)."""
        r = self.spec.init_range
        for name in _NAMES:
            w = getattr(self, name)
            w.uniform_(-r, r, generator=generator)
            w.mul_(getattr(self, f"mask_{name}"))
        if self.spec.in_gate_bias is not None:
            self.w_in[:, 0] = self.w_in.new_tensor(self.spec.in_gate_bias)
        if self.spec.out_gate_bias is not None:
            self.w_out[:, 0] = self.w_out.new_tensor(self.spec.out_gate_bias)

    def masked_weight(self, name: str) -> torch.Tensor:
        """The weight ``name`` ("w_in", "w_out", "w_c" or "w_k") times its connection mask, as used in forward."""
        return getattr(self, name) * getattr(self, f"mask_{name}")

    def forget_weight(self) -> torch.Tensor | None:
        """The masked forget-gate weights (n_blocks, n_u) that ``forward`` applies, or None: the 1997 cell has no
        forget gate (a subclass with one overrides this, e.g. the forget-gate baseline's module)."""
        return None

    def initial_state(self, batch_size: int) -> State:
        """The core's starting state: every activation at ``spec.reset`` (0 in the paper) and every cell state 0
        (s_c(0) = 0), shapes (B, ·)."""
        cells, blocks = (batch_size, self.spec.n_cells), (batch_size, self.spec.n_blocks)
        y0 = self.spec.reset
        full = self.w_c.new_full
        return full(cells, y0), self.w_c.new_zeros(cells), full(blocks, y0), full(blocks, y0)

    def forward(self, input: torch.Tensor, state: State | None = None) -> tuple[torch.Tensor, State]:
        """Run the net over a batch of sequences.

        Args:
            input: x, (T, B, n_in), or (B, T, n_in) if ``batch_first``, or (T, n_in) for one unbatched sequence.
            state: (y_c, s_c, y_in, y_out) at step 0, shapes (B, n_cells), (B, n_cells), (B, n_blocks),
                (B, n_blocks) (without the B dimension for unbatched input); typically the state a previous
                call returned. None: all zero, as the core starts every sequence.

        Returns:
            outputs: y_k(t), the logistic output units' activations, (T, B, n_out) (or batch-first / unbatched,
                like ``input``).
            state: (y_c, s_c, y_in, y_out) after the last step, shaped like ``state``; passing it to the next
                call continues the sequence (for ``gradient="truncated"`` only s_c carries gradient across).
        """
        spec = self.spec
        unbatched = input.dim() == 2
        if unbatched:
            x = input.unsqueeze(1)
            if state is not None:
                state = tuple(z.unsqueeze(0) for z in state)  # type: ignore[assignment]
        elif input.dim() == 3:
            x = input.transpose(0, 1) if self.batch_first else input
        else:
            raise ValueError(f"input must be 2-D or 3-D, got shape {tuple(input.shape)}")
        if x.shape[-1] != spec.n_in:
            raise ValueError(f"input has {x.shape[-1]} features, the net has n_in = {spec.n_in}")
        n_steps, batch = x.shape[0], x.shape[1]
        ni, nc, size = spec.n_in, spec.n_cells, spec.block_size
        y_c, s, y_in, y_out = self.initial_state(batch) if state is None else state

        w_in, w_out, w_c, w_k = (self.masked_weight(name) for name in _NAMES)
        rec = slice(1 + ni, spec.n_u)  # columns of u(t) holding y_c(t-1), y_in(t-1), y_out(t-1)
        # The parts of the net inputs that come from the bias and x(t), for all steps at once.
        x_in = x @ w_in[:, 1 : 1 + ni].T + w_in[:, 0]
        x_out = x @ w_out[:, 1 : 1 + ni].T + w_out[:, 0]
        x_c = x @ w_c[:, 1 : 1 + ni].T + w_c[:, 0]
        r_in, r_out, r_c = w_in[:, rec], w_out[:, rec], w_c[:, rec]
        w_f = self.forget_weight()
        if w_f is not None:
            x_f, r_f = x @ w_f[:, 1 : 1 + ni].T + w_f[:, 0], w_f[:, rec]

        cell_outputs = []
        for t in range(n_steps):
            y_prev = torch.cat((y_c, y_in, y_out), dim=-1)  # recurrent part of u(t)
            if self.gradient == "truncated":
                # docs/spec/common.md §1.3: d net_{in,out,c}(t) / d y(t-1) := 0, the error leaves no cell or gate.
                y_prev = y_prev.detach()
            y_in = _logistic(x_in[t] + y_prev @ r_in.T)  # eq. 6: input gates
            # eq. 7: output gates; without them (Exps 2a/2b) y_out = 1, so y_c = h(s)
            y_out = _logistic(x_out[t] + y_prev @ r_out.T) if spec.output_gate else torch.ones_like(y_in)
            net_c = x_c[t] + y_prev @ r_c.T
            g = 4.0 * _logistic(net_c) - 2.0 if spec.g == "g2" else _logistic(net_c)  # eq. 5 (g2) or logistic g1
            if w_f is None:
                s = s + y_in.repeat_interleave(size, dim=-1) * g  # eq. 8: constant error carousel, self-weight 1
            else:  # the CEC with a forget gate (Gers et al. 2000): s(t) = y_f(t) s(t-1) + y_in(t) g(net_c(t))
                y_f = _logistic(x_f[t] + y_prev @ r_f.T)
                s = y_f.repeat_interleave(size, dim=-1) * s + y_in.repeat_interleave(size, dim=-1) * g
            h = 2.0 * _logistic(s) - 1.0 if spec.h == "h1" else s  # eq. 4 (h1) or identity
            y_c = y_out.repeat_interleave(size, dim=-1) * h  # eq. 9: cell output
            cell_outputs.append(y_c)

        # Output units read v(t) = [1, y_c(t), x(t)]: the current step's cell outputs, not detached.
        y_cells = torch.stack(cell_outputs) if n_steps else x.new_zeros(0, batch, nc)
        net_k = y_cells @ w_k[:, 1 : 1 + nc].T + x @ w_k[:, 1 + nc :].T + w_k[:, 0]
        y = net_k if spec.output == "linear" else _logistic(net_k)  # eq. 3: f(net_k); linear is an ablation

        final: State = (y_c, s, y_in, y_out)
        if unbatched:
            return y.squeeze(1), tuple(z.squeeze(0) for z in final)  # type: ignore[return-value]
        return (y.transpose(0, 1) if self.batch_first else y), final

    def extra_repr(self) -> str:
        s = self.spec
        return (
            f"n_in={s.n_in}, n_out={s.n_out}, n_blocks={s.n_blocks}, block_size={s.block_size}, "
            f"connectivity={s.connectivity!r}, bias={s.bias!r}, output_gate={s.output_gate}, g={s.g!r}, "
            f"h={s.h!r}, gradient={self.gradient!r}, batch_first={self.batch_first}"
        )


__all__ = ["LSTM1997", "State"]
