"""Numerics shared by the deep linear claims (C1 standard gap, C2 weight decay, C3 parallel).

Everything rests on ``W* = X⁺Y`` and its compact SVD ``U diag(σ) Vᵀ``:

* closed forms: ``c(t) = t^{−(L−2)}``, ``P_lin = c‖W*‖_{S_{2/L}}``, ``D_lin = c‖W*‖_*``;
* primal certificates: explicit weights (balanced standard factorisations, one parallel branch
  per singular pair) whose output and cost :func:`verify.networks.primal_certificate` recomputes;
* dual certificates: ``Λ = c (X⁺)ᵀ U Vᵀ`` made feasible by rescaling after ``‖XᵀΛ‖₂`` is
  recomputed; the matching upper bound on the dual is the bidual point ``W*`` (weak duality of
  the convex dual: ``tr(ΛᵀY) = ⟨XᵀΛ, W⟩ ≤ ‖XᵀΛ‖₂ ‖W‖_*`` for every ``W`` with ``XW = Y``);
* a width below ``rank(W*)`` (:func:`too_narrow`).

What the claims do with these (infeasibility evidence, solver cross-checks, the falsification
search) is in :mod:`verify.claims.deep_linear_base`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from verify.instances import Instance
from verify.linalg import (
    compact_svd,
    pseudo_inverse,
    relative_residual,
    schatten_quasi_norm,
    singular_values,
    spectral_norm,
)
from verify.networks import Model, Network, ParallelNetwork
from verify.result import Bound

HOLDER_PROOF = (
    "generalised Hölder for Schatten quasi-norms, ‖W_1⋯W_L‖_{S_{2/L}} ≤ Π_{l≤L−2}‖W_l‖_F · "
    "‖W_{L−1}W_L‖_*, with ‖AB‖_* ≤ ½(‖A‖²+‖B‖²); projecting onto the row space of X keeps "
    "XW = Y and does not increase singular values"
)
BIDUAL_PROOF = "weak duality of the convex dual: tr(ΛᵀY) = ⟨XᵀΛ, W⟩ ≤ ‖XᵀΛ‖₂‖W‖_* when XW = Y"


def weight_decay_value(s: np.ndarray, L: int) -> float:
    """``(L/2) Σ σ_i^{2/L}``: plain weight decay's optimum (C2)."""
    return L / 2 * float(np.sum(np.asarray(s) ** (2.0 / L)))


def dual_side_value(nuclear: float, L: int) -> float:
    """``min_t ((L−2)/2) t² + t^{−(L−2)} S = (L/2) S^{2/L}``: C2's dual side after optimising
    ``t``."""
    return L / 2 * nuclear ** (2.0 / L)


def depth_scale(L: int, t: float) -> float:
    """``c(t) = t^{−(L−2)}``: the factor the t-formulation puts in front of every value."""
    return t ** (-(L - 2))


@dataclass(frozen=True)
class LinearData:
    """``W* = X⁺Y``, its compact SVD and how well ``X W* = Y`` holds."""

    W: np.ndarray
    U: np.ndarray
    s: np.ndarray
    Vt: np.ndarray
    residual: float
    X_pinv: np.ndarray

    @property
    def rank(self) -> int:
        return int(self.s.size)

    def schatten(self, L: int) -> float:
        """``‖W*‖_{S_{2/L}}``."""
        return schatten_quasi_norm(self.s, 2.0 / L)

    @property
    def nuclear(self) -> float:
        return float(np.sum(self.s))


def linear_data(instance: Instance) -> LinearData:
    """``W* = X⁺Y`` of the instance, its compact SVD and the interpolation residual."""
    X_pinv = pseudo_inverse(instance.X)
    W = X_pinv @ instance.Y
    U, s, Vt = compact_svd(W)
    residual = relative_residual(instance.X @ W - instance.Y, instance.Y)
    return LinearData(W, U, s, Vt, residual, X_pinv)


def standard_t_weights(data: LinearData, L: int, t: float, width: int) -> Network:
    """Balanced standard network for the t-formulation, padded with zeros to ``width``.

    Layers ``1…L−2`` are ``diag(t·a)`` with ``a_i = σ_i^{1/L}/√S`` (``S = Σσ^{2/L}``, so each has
    Frobenius norm exactly ``t``); the last two share ``diag(√m)``,
    ``m_i = c(t) σ_i^{2/L} S^{(L−2)/2}``, so the product is ``U diag(σ) Vᵀ`` and the cost is
    ``Σ m_i = c(t) S^{L/2}``.
    """
    d, K = data.U.shape[0], data.Vt.shape[1]
    S = float(np.sum(data.s ** (2.0 / L)))
    root_m = np.sqrt(depth_scale(L, t) * data.s ** (2.0 / L) * S ** ((L - 2) / 2))
    scaled = t * data.s ** (1.0 / L) / math.sqrt(S)
    diagonals = [scaled] * (L - 2) + [root_m]
    weights = [_pad(data.U * diagonals[0], d, width)]
    weights += [_pad(np.diag(values), width, width) for values in diagonals[1:]]
    weights.append(_pad(root_m[:, None] * data.Vt, width, K))
    return Network(tuple(weights))


def parallel_weights(data: LinearData, L: int, branches: int, norms: np.ndarray) -> ParallelNetwork:
    """One branch per singular pair ``(u_i, σ_i, v_i)``, layer norms given per branch.

    ``norms[i, l]`` is the Frobenius norm of layer ``l`` of branch ``i``; their product must be
    ``σ_i``. Branches beyond ``rank(W*)`` are zero.
    """
    d, K = data.U.shape[0], data.Vt.shape[1]
    out = []
    for i in range(branches):
        if i < data.rank:
            n = norms[i]
            layers = [n[0] * data.U[:, i : i + 1]]
            layers += [np.array([[n[layer]]]) for layer in range(1, L - 1)]
            layers.append(n[L - 1] * data.Vt[i : i + 1])
        else:
            layers = [np.zeros((d, 1))] + [np.zeros((1, 1))] * (L - 2) + [np.zeros((1, K))]
        out.append(Network(tuple(layers)))
    return ParallelNetwork(tuple(out))


def parallel_t_norms(data: LinearData, L: int, t: float) -> np.ndarray:
    """Layer norms of the optimal t-formulation branch: ``t`` (L−2 times), then ``√(c σ_i)``."""
    tail = np.sqrt(depth_scale(L, t) * data.s)
    return np.column_stack([np.full(data.rank, t)] * (L - 2) + [tail, tail])


def balanced_norms(data: LinearData, L: int) -> np.ndarray:
    """Every layer of branch ``i`` of norm ``σ_i^{1/L}`` (optimal for weight decay and power)."""
    return np.column_stack([data.s ** (1.0 / L)] * L)


def _pad(A: np.ndarray, rows: int, cols: int) -> np.ndarray:
    out = np.zeros((rows, cols))
    out[: A.shape[0], : A.shape[1]] = A
    return out


def aligned_dual_bound(instance: Instance, data: LinearData, radius: float) -> Bound:
    """Lower bound on ``D = max tr(ΛᵀY) s.t. ‖XᵀΛ‖₂ ≤ radius`` from ``Λ = radius (X⁺)ᵀ U Vᵀ``."""
    Lam = radius * data.X_pinv.T @ (data.U @ data.Vt)
    return feasible_dual_bound(instance, Lam, radius, "certificate", "Λ = c (X⁺)ᵀ U Vᵀ")


def feasible_dual_bound(
    instance: Instance, Lam: np.ndarray, radius: float, kind: str, how: str
) -> Bound:
    """Recompute ``‖XᵀΛ‖₂``, shrink ``Λ`` into the feasible set, recompute ``tr(ΛᵀY)``."""
    norm = spectral_norm(instance.X.T @ Lam)
    if norm > radius:
        Lam = Lam * (radius / norm)
    value = float(np.sum(Lam * instance.Y))
    return Bound(value, kind, 0.0, f"{how}; ‖XᵀΛ‖₂ = {norm:.6g} recomputed, rescaled to ≤ c")


def bidual_bound(
    instance: Instance,
    W: np.ndarray,
    radius: float,
    kind: str,
    how: str,
    singular: np.ndarray | None = None,
) -> Bound:
    """Upper bound ``radius·‖W‖_*`` on the dual from any interpolating ``W`` (residual checked).

    ``singular`` may pass the singular values of this very ``W`` when they are already known.
    """
    residual = relative_residual(instance.X @ W - instance.Y, instance.Y)
    value = radius * float(np.sum(singular_values(W) if singular is None else singular))
    return Bound(value, kind, residual, f"{how}; {BIDUAL_PROOF}")


def too_narrow(data: LinearData, width: int) -> str | None:
    """Why a network of this width cannot interpolate (rank of the product ≤ width), or None."""
    if width >= data.rank:
        return None
    return (
        f"width {width} < rank(X⁺Y) = {data.rank}: the end-to-end matrix has rank ≤ width, but "
        "every interpolating product projects onto X⁺Y; fix: use width ≥ rank"
    )


def lift_first_layer(model: Model, basis: np.ndarray) -> Model:
    """Map a network found in reduced coordinates back: ``W_1 ↦ basis · W_1``."""
    if isinstance(model, ParallelNetwork):
        return ParallelNetwork(tuple(lift_first_layer(b, basis) for b in model.branches))
    return Network((basis @ model.weights[0], *model.weights[1:]), model.activation)
