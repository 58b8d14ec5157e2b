"""What a trial trains (the ``Model`` protocol) and the paper's model: the 1997 net trained by the compiled
kernel (``KernelModel``), with Exp 2a's sequential construction (the memory cell added once the outputs alone
have stopped learning)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from lstm1997 import learning
from lstm1997.network import Network
from lstm1997.sequences import Sequences


class Model(Protocol):
    """What a trial trains: the 1997 net (KernelModel) or another model (a competitor or baseline row's)."""

    def train(self, seqs: Sequences, lr: float, per_step: bool) -> np.ndarray:
        """Online training on the sequences in order; returns the outputs at target steps as produced."""

    def evaluate(self, seqs: Sequences) -> np.ndarray:
        """Outputs at target steps, parameters unchanged."""

    def copy(self) -> Model:
        """An independent copy (for rolling a chunk back)."""

    def finite(self) -> bool:
        """False once any parameter is NaN or infinite."""

    def state(self) -> dict:
        """What changes in training (parameters, optimiser state), as plain data: arrays, numbers, None."""

    def restore(self, state: dict) -> None:
        """Continue from ``state()`` of a model of the same row built from the same seed."""


Hidden = tuple[np.ndarray, np.ndarray, np.ndarray]
"""Exp 2a's memory cell while it is left out: the initial weights of its input gate, its cell and the output
units' connection from it."""


@dataclass
class KernelModel:
    """The paper's model: the 1997 net trained by the compiled kernel."""

    net: Network
    """The network and its weights."""
    masks: dict[str, np.ndarray] | None = None
    """Connections that learn, when not all of the spec's (Exp 2a's construction phase)."""
    full: bool = False
    """Train with the full (untruncated) gradient instead of the paper's truncated one (an ablation)."""

    def train(self, seqs: Sequences, lr: float, per_step: bool) -> np.ndarray:
        return learning.train(self.net, seqs, lr, per_step=per_step, masks=self.masks, full=self.full)

    def evaluate(self, seqs: Sequences) -> np.ndarray:
        return learning.evaluate(self.net, seqs)

    def copy(self) -> KernelModel:
        return KernelModel(self.net.copy(), self.masks, self.full)

    def finite(self) -> bool:
        return all(np.all(np.isfinite(w)) for w in self.net.weights.values())

    def state(self) -> dict:
        return {"weights": self.net.weights, "masks": self.masks}

    def restore(self, state: dict) -> None:
        self.net = Network(self.net.spec, **state["weights"])
        masks = state["masks"]
        if masks is not None:
            masks = {k: _same_shape(masks[k], m, f"mask {k}") for k, m in self.net.spec.masks.items()}
        self.masks = masks

    # --- Exp 2a's sequential construction (one block of one cell, p + 1 inputs and outputs) ---------------------
    def remove_cell(self) -> Hidden:
        """Start with the outputs alone: the memory cell's input gate, cell and output connection set to zero
        and frozen; returns their initial weights for ``add_cell``."""
        net = self.net
        hidden = (net.w_in.copy(), net.w_c.copy(), net.w_k[:, 1].copy())  # column 1 of v = [1, y_c, x]: y_c
        net.w_in[:] = 0.0
        net.w_c[:] = 0.0
        net.w_k[:, 1] = 0.0
        masks = {k: m.copy() for k, m in net.spec.masks.items()}
        masks["w_in"][:] = 0.0
        masks["w_c"][:] = 0.0
        masks["w_k"][:, 1] = 0.0
        self.masks = masks
        return hidden

    def add_cell(self, hidden: Hidden) -> None:
        """Add the memory cell with its initial weights (``remove_cell``'s result); every connection learns."""
        net = self.net
        net.w_in[:], net.w_c[:], net.w_k[:, 1] = hidden
        self.masks = None


def _same_shape(value: np.ndarray, like: np.ndarray, what: str) -> np.ndarray:
    """``value`` as a C-contiguous array of ``like``'s shape and dtype; ValueError if its shape differs."""
    if not isinstance(value, np.ndarray) or value.shape != like.shape:
        raise ValueError(f"{what} must have shape {like.shape}, got {getattr(value, 'shape', type(value).__name__)}")
    return np.ascontiguousarray(value, dtype=like.dtype)
