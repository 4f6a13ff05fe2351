"""Standard and parallel networks (linear or ReLU): forward pass, regularisers, constraints.

Everything a primal certificate needs is recomputed here from the weights alone:

* standard network: ``A_0 = X``, ``A_l = φ(A_{l−1} W_l)`` for ``l < L``, ``f(X) = A_{L−1} W_L``;
* parallel network: the sum of standard networks (branches), each ending in one hidden unit;
* the rescaled ("t") objective ``½(‖W_{L−1}‖² + ‖W_L‖²)`` under ``‖W_l‖_F ≤ t`` (l ≤ L−2),
  plain weight decay ``½ Σ_l ‖W_l‖²`` and the parallel-network regulariser ``(β/L) Σ_l ‖W_l‖^L``,
  each summed over branches.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from verify.linalg import relative_residual
from verify.result import Bound

ACTIVATIONS = ("linear", "relu")
OBJECTIVES = ("t", "weight-decay", "power")
#: ``ridge``: the regularised fit ``½‖f(X) − Y‖² + (β/2) Σ_l ‖W_l‖²`` (no interpolation constraint)
CERTIFIED_OBJECTIVES = (*OBJECTIVES, "ridge")


def _activate(Z: np.ndarray, activation: str) -> np.ndarray:
    return np.maximum(Z, 0.0) if activation == "relu" else Z


@dataclass(frozen=True)
class Network:
    """A standard network ``W_1, …, W_L`` with activation ``linear`` or ``relu``."""

    weights: tuple[np.ndarray, ...]
    activation: str = "linear"

    def __post_init__(self) -> None:
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}")
        weights = tuple(np.asarray(W, dtype=float) for W in self.weights)
        for left, right in itertools.pairwise(weights):
            if left.shape[1] != right.shape[0]:
                raise ValueError(f"layer shapes {left.shape} and {right.shape} do not chain")
        object.__setattr__(self, "weights", weights)

    @property
    def depth(self) -> int:
        return len(self.weights)

    def forward(self, X: np.ndarray) -> np.ndarray:
        A = np.asarray(X, dtype=float)
        for W in self.weights[:-1]:
            A = _activate(A @ W, self.activation)
        return A @ self.weights[-1]


@dataclass(frozen=True)
class ParallelNetwork:
    """A sum of standard networks of equal depth (the branches)."""

    branches: tuple[Network, ...]

    @property
    def depth(self) -> int:
        return self.branches[0].depth

    def forward(self, X: np.ndarray) -> np.ndarray:
        return sum(branch.forward(X) for branch in self.branches)


Model = Network | ParallelNetwork


def branches_of(model: Model) -> Sequence[Network]:
    return model.branches if isinstance(model, ParallelNetwork) else (model,)


def objective(model: Model, kind: str, beta: float = 1.0) -> float:
    """The regulariser ``kind`` (one of :data:`OBJECTIVES`) summed over branches."""
    total = 0.0
    for branch in branches_of(model):
        norms = np.array([np.linalg.norm(W) for W in branch.weights])
        if kind == "t":
            total += 0.5 * float(np.sum(norms[-2:] ** 2))
        elif kind == "weight-decay":
            total += 0.5 * float(np.sum(norms**2))
        elif kind == "power":
            total += beta / branch.depth * float(np.sum(norms**branch.depth))
        else:
            raise ValueError(f"objective kind must be one of {OBJECTIVES}")
    return total


def norm_excess(model: Model, t: float) -> float:
    """Largest relative violation ``(‖W_l‖_F − t)/t`` over the first L−2 layers of every branch."""
    excess = 0.0
    for branch in branches_of(model):
        for W in branch.weights[:-2]:
            excess = max(excess, (float(np.linalg.norm(W)) - t) / t)
    return excess


def primal_certificate(
    X: np.ndarray,
    Y: np.ndarray,
    model: Model,
    kind: str,
    *,
    t: float | None = None,
    beta: float = 1.0,
    how: str,
    bound_kind: str = "certificate",
) -> Bound:
    """Recompute, from the weights alone, the objective and the feasibility of a primal point.

    The residual is the larger of the relative interpolation error ``‖f(X) − Y‖/‖Y‖`` and, for
    the t-formulation, the relative norm-constraint violation. The ``ridge`` objective has no
    constraint (residual 0): its value includes the fit ``½‖f(X) − Y‖²``.
    """
    if kind == "ridge":
        misfit = model.forward(X) - Y
        value = 0.5 * float(np.sum(misfit**2)) + beta * objective(model, "weight-decay")
        return Bound(value, bound_kind, 0.0, how)
    residual = relative_residual(model.forward(X) - Y, Y)
    if kind == "t":
        if t is None:
            raise ValueError("the t-formulation needs t")
        residual = max(residual, norm_excess(model, t))
    return Bound(objective(model, kind, beta), bound_kind, residual, how)
