"""Architecture of a 1997 LSTM net (one row of the paper's Table 10), its weights and their initialisation.

Hidden units (input gates, output gates, cells) read the source vector
``u(t) = [1, x(t), y_c(t-1), y_in(t-1), y_out(t-1)]``; output units read ``v(t) = [1, y_c(t), x(t)]``
(docs/spec/common.md §1.2, processing order of Sec. 5). Cells are ordered block by block. A connection the
architecture does not have is exactly zero in the weights and masked out of every update.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Literal, TypeVar

import numpy as np

G_CODES = {"g2": 0, "g1": 1}
"""Cell input squashing: g2 = 4/(1+exp(-x)) - 2 in [-2,2] (eq. 5); g1 = logistic in [0,1] (Exps 2a/2b)."""
H_CODES = {"h1": 0, "id": 1}
"""Cell output squashing: h1 = 2/(1+exp(-x)) - 1 in [-1,1] (eq. 4); id = identity (Exps 2a/2b)."""
OUTPUT_CODES = {"logistic": 0, "linear": 1, "logistic-ce": 2, "logistic-offset": 3}
"""Output units and their error (eq. 19): logistic (the paper's, every experiment); linear; logistic units trained
with the cross-entropy error (eq. 19 without f'_k); logistic with Fahlman's flat-spot offset (f'_k + 0.1). All but
the first are deviations (docs/DEVIATIONS.md), used only by ablations and the reconstruction profiles."""


@dataclass(frozen=True)
class NetworkSpec:
    """One LSTM architecture and its initialisation, in the terms of the paper's Tables 10 and 11."""

    n_in: int
    """Number of input units."""
    n_out: int
    """Number of output units (logistic)."""
    n_blocks: int
    """Number of memory cell blocks; each has one input gate and (optionally) one output gate."""
    block_size: int
    """Number of cells per block (all cells of a block share its gates)."""
    connectivity: Literal["F", "B"] = "F"
    """"F": gates and cells read inputs, cells and gates; outputs read cells.
    "B": each layer reads all layers below: gates and cells read inputs only; outputs read cells and inputs."""
    bias: Literal["none", "gates", "hidden", "all"] = "all"
    """Units with a bias weight: "none"; "gates" (Table 10 "ga"); "hidden" (gates and cells, "b1");
    "all" (every non-input unit, outputs included)."""
    output_gate: bool = True
    """Whether blocks have output gates (Exps 2a/2b have none: the cell output is h(s))."""
    g: Literal["g2", "g1"] = "g2"
    """Cell input squashing function (see G_CODES)."""
    h: Literal["h1", "id"] = "h1"
    """Cell output squashing function (see H_CODES)."""
    cells_read: Literal["all", "inputs"] = "all"
    """Sources of the cell inputs net_c: "all" as ``connectivity`` and ``bias`` say (the paper's); "inputs": the
    inputs only, no bias and no recurrent connections (an ablation: no nearly constant source whose weight
    adds T times to s_c)."""
    output: Literal["logistic", "linear", "logistic-ce", "logistic-offset"] = "logistic"
    """Output unit activation and error (see OUTPUT_CODES); all but "logistic" deviate from the paper."""
    init_range: float = 0.1
    """Weights start uniform in [-init_range, init_range] (0.2 for Exps 1 and 2, 0.1 otherwise)."""
    in_gate_bias: tuple[float, ...] | None = None
    """Initial input-gate bias per block (e.g. (-3, -6)); None draws it like any other weight ("r")."""
    out_gate_bias: tuple[float, ...] | None = None
    """Initial output-gate bias per block (e.g. (-1, -2, -3)); None draws it like any other weight ("r")."""
    reset: float = 0.0
    """Activation of every gate and cell output at the start of a sequence, as the recurrent input of its first
    step (the paper: 0; the lab's simulator: 0.5). The cell states always start at 0."""
    gate_bias_jitter: bool = False
    """Whether the fixed initial gate biases are added to the random draw (as in the lab's simulator) instead of
    replacing it."""
    cell_init_range: float | None = None
    """Initial range of the cells' bias and recurrent weights when not ``init_range`` (0: they start at zero and
    learn like any other weight). Drawn as usual, then rescaled, so the other weights are unchanged."""

    def __post_init__(self) -> None:
        for name in ("n_in", "n_out", "n_blocks", "block_size"):
            if not isinstance(getattr(self, name), int) or getattr(self, name) < 1:
                raise ValueError(f"NetworkSpec.{name} must be a positive integer, got {getattr(self, name)!r}")
        if self.connectivity not in ("F", "B"):
            raise ValueError(f"connectivity must be 'F' or 'B', got {self.connectivity!r}")
        if self.bias not in ("none", "gates", "hidden", "all"):
            raise ValueError(f"bias must be 'none', 'gates', 'hidden' or 'all', got {self.bias!r}")
        if self.g not in G_CODES or self.h not in H_CODES or self.output not in OUTPUT_CODES:
            raise ValueError(f"unknown squashing g={self.g!r} h={self.h!r} output={self.output!r}")
        if not self.init_range > 0:
            raise ValueError(f"init_range must be positive, got {self.init_range!r}")
        if self.cell_init_range is not None and not 0 <= self.cell_init_range <= self.init_range:
            raise ValueError(f"cell_init_range must be in [0, init_range], got {self.cell_init_range!r}")
        for name in ("in_gate_bias", "out_gate_bias"):
            value = getattr(self, name)
            if value is not None and len(value) != self.n_blocks:
                raise ValueError(f"{name} needs one value per block ({self.n_blocks}), got {value!r}")
        if self.out_gate_bias is not None and not self.output_gate:
            raise ValueError("out_gate_bias given for a net without output gates")

    @property
    def n_cells(self) -> int:
        """Total number of memory cells."""
        return self.n_blocks * self.block_size

    @property
    def n_u(self) -> int:
        """Length of the hidden units' source vector u(t)."""
        return 1 + self.n_in + self.n_cells + 2 * self.n_blocks

    @property
    def n_v(self) -> int:
        """Length of the output units' source vector v(t)."""
        return 1 + self.n_cells + self.n_in

    @cached_property
    def masks(self) -> dict[str, np.ndarray]:
        """1.0 where a connection exists, 0.0 where it does not, in the layout of the weights."""
        nb, nc, ni = self.n_blocks, self.n_cells, self.n_in
        rec = slice(1 + ni, self.n_u)  # y_c, y_in, y_out of the previous step
        m_in, m_out, m_c = np.zeros((nb, self.n_u)), np.zeros((nb, self.n_u)), np.zeros((nc, self.n_u))
        for m in (m_in, m_out, m_c):
            m[:, 1 : 1 + ni] = 1.0
            if self.connectivity == "F":
                m[:, rec] = 1.0
                if not self.output_gate:
                    m[:, 1 + ni + nc + nb :] = 0.0
        if self.bias in ("gates", "hidden", "all"):
            m_in[:, 0] = m_out[:, 0] = 1.0
        if self.bias in ("hidden", "all"):
            m_c[:, 0] = 1.0
        if self.cells_read == "inputs":
            m_c[:, 0] = 0.0
            m_c[:, rec] = 0.0
        if not self.output_gate:
            m_out[:] = 0.0
        m_k = np.zeros((self.n_out, self.n_v))
        m_k[:, 1 : 1 + nc] = 1.0
        m_k[:, 0] = 1.0 if self.bias == "all" else 0.0
        if self.connectivity == "B":
            m_k[:, 1 + nc :] = 1.0
        for m in (m_in, m_out, m_c, m_k):
            m.setflags(write=False)
        return {"w_in": m_in, "w_out": m_out, "w_c": m_c, "w_k": m_k}

    @property
    def n_weights(self) -> int:
        """Number of existing connections (biases included), as counted in the paper."""
        return int(sum(m.sum() for m in self.masks.values()))

    def init(self, rng: np.random.Generator) -> Network:
        """Draw initial weights: uniform in [-init_range, init_range], fixed gate biases where given."""
        masks = self.masks
        r = self.init_range
        w = {name: rng.uniform(-r, r, size=m.shape) * m for name, m in masks.items()}
        if self.cell_init_range is not None:
            w["w_c"][:, 0] *= self.cell_init_range / r
            w["w_c"][:, 1 + self.n_in :] *= self.cell_init_range / r
        for name, bias in (("w_in", self.in_gate_bias), ("w_out", self.out_gate_bias)):
            if bias is not None:
                w[name][:, 0] = (w[name][:, 0] if self.gate_bias_jitter else 0.0) + np.asarray(bias)
        return Network(self, **w)


_N = TypeVar("_N", bound="Network")


@dataclass
class Network:
    """A 1997 LSTM net: its spec and its four float64 weight arrays (layout: docs/DESIGN.md §3)."""

    spec: NetworkSpec
    """The architecture these weights belong to."""
    w_in: np.ndarray
    """Input gate weights, (n_blocks, n_u)."""
    w_out: np.ndarray
    """Output gate weights, (n_blocks, n_u); all zero without output gates."""
    w_c: np.ndarray
    """Cell input weights, (n_cells, n_u)."""
    w_k: np.ndarray
    """Output unit weights, (n_out, n_v)."""

    def __post_init__(self) -> None:
        for name, mask in self.spec.masks.items():
            w = np.ascontiguousarray(getattr(self, name), dtype=np.float64)
            if w.shape != mask.shape:
                raise ValueError(f"{name} must have shape {mask.shape}, got {w.shape}")
            setattr(self, name, w)

    @property
    def weights(self) -> dict[str, np.ndarray]:
        """The four weight arrays by name (the arrays themselves, not copies)."""
        return {"w_in": self.w_in, "w_out": self.w_out, "w_c": self.w_c, "w_k": self.w_k}

    @property
    def masks(self) -> dict[str, np.ndarray]:
        """The 0/1 connection mask of each weight array, by the same names (the spec's)."""
        return self.spec.masks

    def copy(self: _N) -> _N:
        """A deep copy of the weights (the spec is immutable and shared)."""
        return type(self)(self.spec, **{k: v.copy() for k, v in self.weights.items()})

    def absent_is_zero(self) -> bool:
        """True if every connection the architecture lacks has weight exactly 0."""
        return all(not np.any(w[self.masks[k] == 0.0]) for k, w in self.weights.items())
