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

import flint
import numpy as np

from verify.instances import Instance
from verify.linalg import relative_residual, schatten_quasi_norm
from verify.linear_bounds import (
    SolutionEnclosure,
    certified_rank,
    dual_point_bound,
    enclose_solution,
    range_distance,
)
from verify.networks import Model, Network, ParallelNetwork, branches_of
from verify.result import Bound
from verify.rigorous import Enclosure, lower, product, upper

#: Singular values of ``X`` below ``ROUNDING_RANK · max(N, d) · σ₁`` are rounding noise when the
#: rank of ``X`` cannot be certified (only then is this used: see :func:`linear_data`).
ROUNDING_RANK = 2.0**-50

HOLDER_PROOF = (
    "generalised Hölder for Schatten quasi-norms, ‖W_1⋯W_L‖_{S_{2/L}} ≤ Π_{l≤L−2}‖W_l‖_F · "
    "‖W_{L−1}W_L‖_*, with ‖AB‖_* ≤ ½(‖A‖²+‖B‖²); projecting onto the row space of X keeps "
    "XW = Y and does not increase singular values"
)
CONSTRUCTION_PROOF = (
    "explicit construction: the balanced factorisation of X⁺ΠY attains the closed form at its own "
    "end-to-end matrix (the 'construction' ratio checks that cost identity), evaluated on a "
    "certified enclosure of σ(X⁺ΠY)"
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
    """``W* = X⁺Y``: the float ``W`` (in the row space of ``X``, see :func:`linear_data`), its
    compact SVD truncated to the certified rank, the relative interpolation
    residual ``‖XW − Y‖/‖Y‖`` and the certified enclosure of the exact ``W*``
    (:class:`verify.linear_bounds.SolutionEnclosure`)."""

    W: np.ndarray
    U: np.ndarray
    s: np.ndarray
    Vt: np.ndarray
    residual: float
    X_pinv: np.ndarray
    solution: SolutionEnclosure
    #: certified ``[lo, hi]`` of ``‖Y − ΠY‖_F/‖Y‖_F`` (``Π`` projects onto the range of ``X``)
    range_distance: tuple[float, float]
    #: a certified upper bound on ``‖Y − ΠY‖_F`` itself
    distance: float
    #: the float singular values of ``W`` above the rounding level: the best float64 estimate of
    #: ``σ(W*)``, from which the claims' predicted values are computed (``s`` keeps only those
    #: certified positive, on which certificates are built; they differ only when the data is
    #: too ill-conditioned or too rank-deficient for float64 to decide, see ``solution.limits``)
    estimate: np.ndarray

    @property
    def rank(self) -> int:
        return int(self.s.size)

    def schatten(self, L: int) -> float:
        """``‖W*‖_{S_{2/L}}`` estimated from :attr:`estimate` (a predicted value)."""
        return schatten_quasi_norm(self.estimate, 2.0 / L)

    @property
    def nuclear(self) -> float:
        """``‖W*‖_*`` estimated from :attr:`estimate` (a predicted value)."""
        return float(np.sum(self.estimate))

    def weight_decay(self, L: int) -> float:
        """``(L/2) Σ σ_i^{2/L}`` estimated from :attr:`estimate` (a predicted value)."""
        return weight_decay_value(self.estimate, L)


def linear_data(instance: Instance) -> LinearData:
    """``W* = X⁺Y`` of the instance: float solution, its enclosure and compact SVD.

    ``X⁺`` is truncated at the certified rank of ``X`` (at rounding level when that rank cannot be
    certified), never at a coarser tolerance: dropping a genuine small singular value of ``X``
    would change the problem. The rank of ``W*`` counted here is the number of its singular
    values certified positive."""
    X, Y = instance.X, instance.Y
    data_rank = certified_rank(X)
    U_x, s_x, Vt_x = data_rank.U, data_rank.s, data_rank.Vt
    rank_x = data_rank.rank
    if rank_x is None:
        rank_x = int(np.count_nonzero(s_x > ROUNDING_RANK * max(X.shape) * s_x[0]))
    U_x, s_x, Vt_x = U_x[:, :rank_x], s_x[:rank_x], Vt_x[:rank_x]
    X_pinv = (Vt_x.T / s_x) @ U_x.T
    if rank_x == X.shape[1]:
        # full column rank: every W lies in the row space; least squares (backward stable)
        W = np.linalg.lstsq(X, Y, rcond=None)[0]
        W_tilde = Enclosure.exact(W)
    else:
        # XᵀG lies in the row space exactly (X⁺Y computed as V S⁻¹ Uᵀ Y does only up to rounding)
        G = X_pinv.T @ (X_pinv @ Y)
        W_tilde = product(X.T, G)
        W = W_tilde.mid
    solution, (U, s, Vt) = enclose_solution(X, Y, W_tilde, data_rank)
    lo, hi = range_distance(X, Y, W_tilde, data_rank)
    y_norm = Enclosure.exact(Y).frobenius()
    relative = (
        (lower(flint.arb(lo) / y_norm), upper(flint.arb(hi) / y_norm)) if hi > 0 else (0.0, 0.0)
    )
    r = int(np.count_nonzero(solution.sigma_lo > 0.0))
    residual = relative_residual(X @ W - Y, Y)
    estimate = s[s > ROUNDING_RANK * max(W.shape) * s[0]] if s.size and s[0] > 0 else s[:0]
    return LinearData(
        W, U[:, :r], s[:r], Vt[:r], residual, X_pinv, solution, relative, hi, estimate
    )


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


def aligned_direction(data: LinearData, radius: float) -> np.ndarray:
    """``Λ = radius·(X⁺)ᵀUVᵀ``: the dual point whose value is ``radius·‖W*‖_*`` (floats)."""
    return radius * (data.X_pinv.T @ (data.U @ data.Vt))


def aligned_dual_bound(instance: Instance, data: LinearData, radius: float) -> Bound:
    """Certified lower bound on ``D = max tr(ΛᵀΠY)`` s.t. ``‖XᵀΛ‖₂ ≤ radius`` from the direction
    ``Λ ∝ (X⁺)ᵀUVᵀ`` (:func:`verify.linear_bounds.dual_point_bound`)."""
    if data.rank == 0:
        return Bound(0.0, "certificate", 0.0, "Λ = 0")
    Lam = aligned_direction(data, 1.0)
    value = dual_point_bound(instance.X, instance.Y, Lam, flint.arb(radius), data.distance)
    how = "Λ ∝ (X⁺)ᵀUVᵀ, scaled by a certified bound on ‖XᵀΛ‖₂; tr(ΛᵀY) enclosed"
    return Bound(value, "certificate", 0.0, how)


def solver_dual_bound(
    instance: Instance, data: LinearData, Lam: np.ndarray, radius: float
) -> Bound:
    """A solver's ``Λ``, certified like :func:`aligned_dual_bound`."""
    value = dual_point_bound(instance.X, instance.Y, Lam, flint.arb(radius), data.distance)
    return Bound(value, "solver", 0.0, "Clarabel Λ, scaled by a certified bound, enclosed")


def bidual_bound(data: LinearData, radius: float) -> Bound:
    """``radius·‖W*‖_*`` over the enclosure of the exact ``W* = X⁺ΠY``: an upper bound on the
    dual, ``W*`` interpolating ``ΠY`` exactly."""
    total = flint.arb(radius) * data.solution.power_sum(1.0, upper_end=True)
    return Bound(upper(total), "certificate", 0.0, f"W* = X⁺Y, enclosed; {BIDUAL_PROOF}")


def power_sum_interval(lo: np.ndarray, hi: np.ndarray, p: float) -> tuple[flint.arb, flint.arb]:
    """Balls containing the lower and upper ends of ``Σ σ_i^p`` for ``lo ≤ σ ≤ hi``."""
    exponent = flint.arb(p)
    low = sum((flint.arb(v) ** exponent for v in lo if v > 0.0), flint.arb(0))
    high = sum((flint.arb(v) ** exponent for v in hi if v > 0.0), flint.arb(0))
    return low, high


def schatten_interval(lo: np.ndarray, hi: np.ndarray, L: int, scale: float) -> tuple[float, float]:
    """Certified ``[scale·‖W‖_{S_{2/L}}]`` ends for singular values within ``[lo, hi]``."""
    low, high = power_sum_interval(lo, hi, 2.0 / L)
    power = flint.arb(L) / 2
    c = flint.arb(scale)
    return lower(c * low**power), upper(c * high**power)


def weight_decay_interval(lo: np.ndarray, hi: np.ndarray, L: int) -> tuple[float, float]:
    """Certified ends of ``(L/2) Σ σ_i^{2/L}`` for singular values within ``[lo, hi]``."""
    low, high = power_sum_interval(lo, hi, 2.0 / L)
    half = flint.arb(L) / 2
    return lower(half * low), upper(half * high)


def nuclear_interval(lo: np.ndarray, hi: np.ndarray, scale: float) -> tuple[float, float]:
    """Certified ends of ``scale·Σ σ_i``."""
    low, high = power_sum_interval(lo, hi, 1.0)
    c = flint.arb(scale)
    return lower(c * low), upper(c * high)


def end_to_end_singular_values(model: Model, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """Enclosures of the ``rank`` largest singular values of the exact end-to-end matrix of a
    linear network whose inner widths make its rank at most ``rank`` (zeros beyond)."""
    total = None
    for branch in branches_of(model):
        term = product(*branch.weights)
        total = term if total is None else total + term
    lo, hi = total.singular_values()
    return lo[:rank], hi[:rank]


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
