"""Exact normalisation of a parallel ReLU instance (C5) by powers of two.

How the problem scales (t-formulation, any ``t``, ``L = 2`` or ``3``): with ``X → αX`` and
``y → βy`` (``α, β > 0``),

    ``P(αX, βy) = (β/α)·P(X, y)``  and  ``D(αX, βy) = (β/α)·D(X, y)``.

``L = 2``: ``(αXu)_+ a = (X(αu))_+ a``, so a network for ``(X, y)`` with first layers ``αu`` and
output weights ``βa`` serves ``(αX, βy)``; a balanced branch costs ``‖u‖·|a|``, scaled by
``β/α``. ``L = 3``: ``(αXW_1)_+ = α(XW_1)_+`` keeps ``‖W_1‖_F ≤ t``, so the same ``W_1`` with
``w_2 w_3`` scaled by ``β/α`` serves; the cost ``‖w_2‖·|w_3|`` scales by ``β/α``. The dual scales
alike: ``σ_{αX}(λ) = α·σ_X(λ)``, so ``λ`` feasible for ``X`` gives ``λ/α`` feasible for ``αX``, of
value ``(β/α)·yᵀλ``.

The check therefore solves the problem with ``X·2^{−e}`` and ``y·2^{−f}`` (largest entries in
``[1, 2)``: multiplying by a power of two is exact) and maps everything back: values by the
power of two ``2^{f−e}`` (exact), multipliers by ``2^{−e}`` (exact), networks by scaling their
last two layers by ``√(2^{f−e})`` (each weight rounded once).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from verify.networks import Network, ParallelNetwork


def _exponent(A: np.ndarray) -> int:
    """``e`` with ``max|A|·2^{−e} ∈ [1, 2)`` (0 for an all-zero array)."""
    top = float(np.max(np.abs(A))) if A.size else 0.0
    return math.frexp(top)[1] - 1 if top > 0 else 0


@dataclass(frozen=True)
class Normalisation:
    """``X = 2^{x_exp}·X_n`` and ``y = 2^{y_exp}·y_n`` with ``X_n, y_n`` of largest entry in
    ``[1, 2)``."""

    X: np.ndarray
    y: np.ndarray
    x_exp: int
    y_exp: int

    @classmethod
    def of(cls, X: np.ndarray, y: np.ndarray) -> Normalisation:
        x_exp, y_exp = _exponent(X), _exponent(y)
        return cls(np.ldexp(X, -x_exp), np.ldexp(y, -y_exp), x_exp, y_exp)

    @property
    def value_exp(self) -> int:
        """Values of the original problem are those of the normalised one times
        ``2^{value_exp}`` (``β/α`` with ``α = 2^{−x_exp}``, ``β = 2^{−y_exp}``)."""
        return self.y_exp - self.x_exp

    def value(self, normalised: float) -> float:
        """A value (primal or dual) of the normalised problem, for the original one (exact)."""
        return float(np.ldexp(normalised, self.value_exp))

    def multipliers(self, normalised: np.ndarray) -> np.ndarray:
        """A feasible ``λ`` of the normalised dual, feasible for the original (exact)."""
        return np.ldexp(normalised, -self.x_exp)

    def network(self, normalised: ParallelNetwork) -> ParallelNetwork:
        """A network for the normalised data, producing the original labels on the original
        data: its last two layers scaled by ``√(2^{value_exp})`` each (balance is kept)."""
        half, odd = divmod(self.value_exp, 2)
        factor = math.ldexp(math.sqrt(2.0) if odd else 1.0, half)
        return ParallelNetwork(
            tuple(
                Network((*b.weights[:-2], b.weights[-2] * factor, b.weights[-1] * factor), "relu")
                for b in normalised.branches
            )
        )
