"""Certified bounds for the deep linear claims (C1–C3), true for the exact instance.

The instance is read as in ``docs/formulations/README.md``: ``(X, ΠY)``, ``Π`` the orthogonal
projection onto the range of ``X`` (labels outside the range by more than the tolerance are the
answer ``infeasible`` instead). Every bound below holds for the exact numbers of that instance,
whatever the conditioning of ``X``: the rounding of each computation is enclosed
(:mod:`verify.rigorous`), and a point that interpolates only up to a residual enters with the
cost of that residual added by an explicit construction. Ill-conditioned or numerically
rank-deficient data therefore widens the intervals — and the verdict becomes ``inconclusive``,
with the reason — instead of producing a "certified" bound that is not one.

* ``W* = X⁺ΠY`` is enclosed as ``W̃ + E`` with ``W̃`` in the row space of ``X`` exactly (the
  float ``X⁺Y`` when ``X`` has full column rank, ``XᵀG`` for floats ``G`` otherwise) and
  ``‖E‖₂ ≤ δ = ‖Y − XW̃‖₂ / σ_min⁺(X)`` (the residual computed exactly in integers),
  ``σ_min⁺`` a certified lower bound on the smallest non-zero singular value of ``X``
  (:func:`enclose_solution`).
  Weyl's inequality then encloses every singular value of ``W*``; ``rank W* ≤ min(rank X, K)``.
* Dual points ``Λ`` are shrunk to feasibility by a certified upper bound on ``‖XᵀΛ‖₂``, and
  their value on ``ΠY`` is bounded below by ``tr(ΛᵀY) − ‖Λ‖_F‖Y − ΠY‖_F``
  (:func:`dual_point_bound`).
* A network with exact output ``F = f(X)`` and exact cost ``C`` gives an upper bound on the
  primal of ``ΠY``: the residual ``R = Π(Y − F)`` is interpolated by a second network of cost at
  most ``ρ(E)`` for ``E = X⁺R`` (``‖E‖_F ≤ ‖Y − F‖_F/σ_min⁺``), and the two are combined
  (:func:`network_upper_bound`, :data:`COMBINATIONS`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import flint
import numpy as np

from verify.instances import Instance
from verify.networks import Model, branches_of
from verify.result import Bound
from verify.rigorous import (
    Enclosure,
    exact_residual,
    inner,
    lower,
    product,
    sum_of_squares,
    upper,
)

#: Largest number of entries for which a numerically ambiguous rank (of ``X``, or of ``X⁺Y``) is
#: decided exactly (rational elimination, python-flint); above it, such data is
#: ``inconclusive`` when the rank matters.
EXACT_RANK_MAX_ENTRIES = 40_000


@dataclass(frozen=True)
class SolutionEnclosure:
    """Certified facts about ``W* = X⁺ΠY`` for one instance.

    ``sigma_lo[i] ≤ σ_i(W*) ≤ sigma_hi[i]`` for ``i < k = min(rank X, K)`` (all other singular
    values are exactly 0); ``x_sigma_min`` a lower bound on ``σ_min⁺(X)`` (0 when not certified);
    ``delta ≥ ‖W* − W̃‖₂``; ``rank_x`` the certified rank of ``X``, ``None`` if undecided."""

    sigma_lo: np.ndarray
    sigma_hi: np.ndarray
    x_sigma_min: float
    delta: float
    rank_x: int | None

    @property
    def undecided(self) -> int:
        """Singular values of ``W*`` that float64 cannot tell from 0."""
        return int(np.count_nonzero(self.sigma_lo <= 0.0))

    def power_sum(self, p: float, upper_end: bool) -> flint.arb:
        """A ball containing ``Σ_i σ_i^p`` at ``sigma_hi`` (``upper_end``) or ``sigma_lo``."""
        values = self.sigma_hi if upper_end else self.sigma_lo
        total = flint.arb(0)
        exponent = flint.arb(p)
        for v in values:
            if v > 0.0:
                total += flint.arb(v) ** exponent
        return total

    def limits(self, tol: float) -> list[str]:
        """Why the intervals built on this enclosure may be too wide to judge, in words."""
        notes = []
        top = float(self.sigma_hi[0]) if self.sigma_hi.size else 0.0
        if self.rank_x is None:
            notes.append(
                "X has singular values at the rounding level whose exact value float64 cannot "
                "decide (its rank is undetermined): X⁺Y is not determined by float64"
            )
        elif top > 0 and self.delta > tol * top:
            notes.append(
                f"X too ill-conditioned for float64: σ_min⁺(X) ≥ {self.x_sigma_min:.3e} only, "
                f"so X⁺Y is known to within relative {self.delta / top:.1e} (tolerance {tol:.0e})"
            )
        if self.undecided and top > 0:
            largest = float(np.max(self.sigma_hi[self.sigma_lo <= 0.0]))
            notes.append(
                f"X⁺Y has {self.undecided} singular value(s) that float64 cannot tell from 0 "
                f"(each ≤ {largest:.2e}); in a quasi-norm Σσ^p with p < 1 they may add up to "
                f"{self.undecided} × ({largest:.1e})^p: exact data with --proof decides them"
            )
        return notes


def _rational(A: np.ndarray) -> flint.fmpq_mat:
    return flint.fmpq_mat([[flint.fmpq(*float(v).as_integer_ratio()) for v in row] for row in A])


def _exact_rank(X: np.ndarray) -> int | None:
    if X.size > EXACT_RANK_MAX_ENTRIES:
        return None
    return int(_rational(X).rank())


def _exact_solution_rank(X: np.ndarray, Y: np.ndarray) -> int | None:
    """``rank(X⁺ΠY) = rank(XᵀY)`` exactly (``X⁺ = (XᵀX)⁺Xᵀ`` and ``(XᵀX)⁺`` is injective on the
    row space of ``X``, which holds the columns of ``XᵀY``), by rational elimination."""
    if X.size + Y.size > EXACT_RANK_MAX_ENTRIES:
        return None
    return int((_rational(X.T) * _rational(Y)).rank())


@dataclass(frozen=True)
class DataRank:
    """The certified rank of ``X`` (``None`` when float64 and, for large data, the exact
    check cannot decide it), a lower bound on its smallest non-zero singular value, and the
    float SVD ``U, s, Vt`` of ``X`` the enclosure rests on."""

    rank: int | None
    sigma_min: float
    U: np.ndarray
    s: np.ndarray
    Vt: np.ndarray


def certified_rank(X: np.ndarray) -> DataRank:
    """The rank of ``X``: singular values whose certified lower bound is positive count; if
    others are numerically ambiguous (lower bound 0), the exact rank decides (rational
    elimination, small data only) — equal to the certified count means they are exactly 0."""
    lo, _, (U, s, Vt) = Enclosure.exact(X).singular_values_and_svd()
    certified = int(np.count_nonzero(lo > 0.0))
    if certified < lo.size and _exact_rank(X) != certified:
        return DataRank(None, 0.0, U, s, Vt)
    sigma_min = float(lo[certified - 1]) if certified else math.inf
    return DataRank(certified, sigma_min, U, s, Vt)


def enclose_solution(
    X: np.ndarray, Y: np.ndarray, W_tilde: Enclosure, data_rank: DataRank
) -> tuple[SolutionEnclosure, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Enclose ``W* = X⁺ΠY`` around an exact matrix ``W̃`` in the row space of ``X`` (given as an
    enclosure: ``XᵀG`` in general, the float ``X⁺Y`` itself when ``X`` has full column rank);
    also returns the float SVD of ``W̃``'s midpoint."""
    rank_x, x_sigma_min = data_rank.rank, data_rank.sigma_min
    if np.any(W_tilde.rad):
        difference = Enclosure.exact(Y) - product(X, W_tilde)
    else:  # exact floats: the residual exactly, rounded once (far tighter than a-priori bounds)
        difference = exact_residual(Y, X, W_tilde.mid)
    # ‖X⁺Π(Y − XW̃)‖₂ ≤ ‖Y − XW̃‖₂/σ_min⁺: the spectral norm, not the (larger) Frobenius one
    residual = difference.spectral_upper() if difference.mid.size else 0.0
    k = min(rank_x if rank_x is not None else min(X.shape), Y.shape[1])
    if rank_x is None or x_sigma_min == 0.0:
        delta = math.inf
    else:
        delta = upper(flint.arb(residual) / flint.arb(x_sigma_min)) if residual else 0.0
    lo, hi, svd = W_tilde.singular_values_and_svd()
    sigma_lo = np.maximum(lo[:k] - delta, 0.0) if k else np.zeros(0)
    sigma_hi = np.array([upper(flint.arb(v) + delta) for v in hi[:k]])
    positive = int(np.count_nonzero(sigma_lo > 0.0))
    if positive < k and _exact_solution_rank(X, Y) == positive:
        # the undecided singular values are exactly zero: W* has exactly this rank
        sigma_lo, sigma_hi = sigma_lo[:positive], sigma_hi[:positive]
    return SolutionEnclosure(sigma_lo, sigma_hi, x_sigma_min, delta, rank_x), svd


def range_distance(
    X: np.ndarray, Y: np.ndarray, W: Enclosure, data_rank: DataRank
) -> tuple[float, float]:
    """Certified ``[lo, hi]`` of ``‖Y − ΠY‖_F``, the distance of the labels from the range of ``X``.

    Both are 0 when ``X`` has full row rank (its range is everything). Otherwise
    ``hi = ‖Y − XW‖_F`` for the given ``W``, and for ``lo``, with ``B`` a float basis of the
    orthogonal complement of the range,
    ``‖Bᵀ(Y − ΠY)‖ ≥ ‖BᵀY‖ − ‖BᵀX‖₂‖X⁺ΠY‖ ≥ ‖BᵀY‖ − ‖BᵀX‖₂‖Y‖_F/σ_min⁺`` and
    ``‖Bᵀ(Y − ΠY)‖ ≤ ‖B‖₂‖Y − ΠY‖``. ``lo = 0`` when the rank of ``X`` is not certified."""
    N, rank_x, x_sigma_min = X.shape[0], data_rank.rank, data_rank.sigma_min
    if rank_x == N:
        return 0.0, 0.0
    hi = upper((Enclosure.exact(Y) - product(X, W)).frobenius())
    if rank_x is None or hi == 0.0:
        return 0.0, hi
    B = np.linalg.svd(X, full_matrices=True)[0][:, rank_x:]  # the complement needs the full U
    BtY = (Enclosure.exact(B.T) @ Y).frobenius()
    leak = (Enclosure.exact(B.T) @ X).spectral_upper()
    y_norm = upper(Enclosure.exact(Y).frobenius())
    B_norm = Enclosure.exact(B).spectral_upper()
    lo = (BtY - flint.arb(leak) * flint.arb(y_norm) / flint.arb(x_sigma_min)) / flint.arb(B_norm)
    return max(0.0, lower(lo)), hi


def dual_point_bound(
    X: np.ndarray, Y: np.ndarray, Lam: np.ndarray, radius: flint.arb, distance: float
) -> float:
    """A certified lower bound on ``max tr(ΛᵀΠY)`` s.t. ``‖XᵀΛ‖₂ ≤ radius`` from the direction
    ``Λ``: scaled by ``radius/ν``, ``ν`` a certified upper bound on ``‖XᵀΛ‖₂``, it is feasible,
    and ``tr(ΛᵀΠY) ≥ tr(ΛᵀY) − ‖Λ‖_F‖Y − ΠY‖_F`` with ``distance ≥ ‖Y − ΠY‖_F`` (0 when ``X`` has
    full row rank). ``Λ = 0`` (value 0) is used when that is not positive."""
    norm = (Enclosure.exact(X.T) @ Lam).spectral_upper()
    if norm == 0.0:
        return 0.0
    value = inner(Lam, Y) - Enclosure.exact(Lam).frobenius() * flint.arb(distance)
    return max(0.0, lower(value * radius / flint.arb(norm)))


def residual_cost(objective: str, parallel: bool, E_norm: flint.arb, k: int, L: int,
                  scale: flint.arb) -> tuple[flint.arb, str]:  # fmt: skip
    """An upper bound on the cost of a network interpolating ``XE`` (``‖E‖_F ≤ E_norm``,
    ``rank E ≤ k``), and how it combines with another network's cost (``"sum"`` or the
    quasi-norm ``"power p"``). ``scale`` is ``t^{−(L−2)}`` (t-formulation) or ``β`` (power)."""
    kk = flint.arb(k)
    if objective == "t" and parallel:
        # one branch per singular pair of E: cost c‖E‖_* ≤ c√k‖E‖_F; branches add
        return scale * kk.sqrt() * E_norm, "sum"
    if objective == "t":
        # balanced factorisation of E: cost c‖E‖_{S_p} ≤ c k^{1/p − 1/2}‖E‖_F (p = 2/L); a
        # block-diagonal combination with constrained layers split as cos θ / sin θ costs
        # min_θ C/cos^{L−2}θ + r/sin^{L−2}θ = (C^p + r^p)^{1/p}
        p = flint.arb(2) / L
        return scale * kk ** (1 / p - flint.arb(1) / 2) * E_norm, "power"
    if objective == "weight-decay":
        # block-diagonal, costs add: (L/2)Σσ_i(E)^{2/L} ≤ (L/2) k^{1 − 1/L} ‖E‖_F^{2/L}
        p = flint.arb(2) / L
        return flint.arb(L) / 2 * kk ** (1 - p / 2) * E_norm**p, "sum"
    if objective == "power":
        # one balanced branch per singular pair: (β/L)·L·σ_i = βσ_i; branches add
        return scale * kk.sqrt() * E_norm, "sum"
    raise ValueError(f"no residual construction for objective {objective!r}")


def combine(cost: flint.arb, extra: flint.arb, rule: str, L: int) -> flint.arb:
    if rule == "sum" or L == 2:
        return cost + extra
    p = flint.arb(2) / L
    return (cost**p + extra**p) ** (1 / p)


def exact_cost(model: Model, objective: str, beta: float = 1.0) -> flint.arb:
    """A ball containing the exact regulariser of the float weights of ``model``."""
    total = flint.arb(0)
    for branch in branches_of(model):
        squares = [sum_of_squares(W) for W in branch.weights]
        if objective == "t":
            total += (squares[-2] + squares[-1]) / 2
        elif objective == "weight-decay":
            total += sum(squares, flint.arb(0)) / 2
        elif objective == "power":
            L = branch.depth
            total += flint.arb(beta) / L * sum((q.sqrt() ** L for q in squares), flint.arb(0))
        else:
            raise ValueError(f"unknown objective {objective!r}")
    return total


def constraint_holds(model: Model, t: float) -> bool:
    """``‖W_l‖_F ≤ t`` for ``l ≤ L−2`` of every branch, for the exact float weights."""
    bound = flint.arb(t) ** 2
    return all(
        upper(sum_of_squares(W)) <= lower(bound)
        for branch in branches_of(model)
        for W in branch.weights[:-2]
    )


def network_upper_bound(
    instance: Instance,
    solution: SolutionEnclosure,
    model: Model,
    objective: str,
    *,
    parallel: bool,
    scale: flint.arb,
    kind: str,
    how: str,
    beta: float = 1.0,
) -> Bound | None:
    """A certified upper bound on the primal of ``(X, ΠY)`` from a linear network: its exact
    cost, plus the cost of interpolating its residual (module docstring). ``None`` when the
    network breaks a norm constraint or the residual cannot be bounded (``σ_min⁺(X)`` unknown)."""
    X, Y, L = instance.X, instance.Y, instance.L
    if objective == "t" and not constraint_holds(model, instance.t):
        return None
    output = Enclosure(np.zeros(Y.shape), np.zeros(Y.shape))
    for branch in branches_of(model):
        output = output + product(X, *branch.weights)
    residual = (Enclosure.exact(Y) - output).frobenius()
    cost = exact_cost(model, objective, beta)
    if upper(residual) == 0.0:
        return Bound(upper(cost), kind, 0.0, how)
    if solution.x_sigma_min in (0.0, math.inf) or solution.rank_x is None:
        return None
    E_norm = flint.arb(upper(residual)) / flint.arb(solution.x_sigma_min)
    k = min(solution.rank_x, Y.shape[1])
    extra, rule = residual_cost(objective, parallel, E_norm, k, L, scale)
    value = upper(combine(cost, extra, rule, L))
    return Bound(value, kind, 0.0, f"{how}; residual ‖Y − f(X)‖_F ≤ {upper(residual):.1e} "
                 f"interpolated by an explicit extra network (cost added)")  # fmt: skip
