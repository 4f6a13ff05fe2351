"""Closed-form optimal singular values of weight-decayed deep linear regression (claim C4).

With ``XᵀX = I`` and ``XᵀY = U diag(σ) Vᵀ``, training a depth-``L`` linear network with
``½‖X W_1⋯W_L − Y‖² + (β/2) Σ_l ‖W_l‖²`` decouples into one scalar problem per singular value:

    ``s*(σ) = argmin_{s ≥ 0} g(s),   g(s) = ½(s − σ)² + (βL/2) s^{2/L}``.

* ``L = 2``: ``g`` is convex and ``s* = (σ − β)_+`` (soft threshold, the prox of ``β|·|``).
* ``L ≥ 3``: ``s^{2/L}`` is concave with infinite slope at 0, so ``0`` is always a local
  minimiser. The non-zero stationary points solve ``φ(s) = σ`` with
  ``φ(s) = s + β s^{2/L − 1}`` (convex, minimal at :func:`branch_start`); the larger root is a
  local minimiser. It beats ``0`` exactly when ``σ > τ``, where

      ``s̄ = (β(L−2))^{L/(2L−2)}`` (:func:`jump`), ``τ = ((L−1)/(L−2)) s̄`` (:func:`threshold`),

  so ``s*`` is ``0`` below ``τ``, jumps to ``s̄`` at ``τ`` and increases above, always ``< σ``.
  At ``σ = τ`` both ``0`` and ``s̄`` are optimal; this module returns ``0`` there (the
  minimum-rank minimiser, so that ``rank = #{σ_i > τ}``); the objective is the same.

Exactness: :func:`optimal_singular_values` runs Newton's method on ``φ(s) = σ`` from ``s = σ``.
``φ`` is increasing and convex to the right of the root, so the iterates decrease monotonically
to it and never leave the branch; the iteration stops when rounding stops the decrease. Since
``φ' ≥ (L−1)/L`` on ``[s̄, ∞)``, the root is then accurate to a few units in the last place,
at and around the tie too (the slope there is ``(L−1)/L``, not small).
:func:`branch_minimum_bounds` computes the same minimum independently (bisection, with a
tangent lower bound valid because ``g`` is convex on the branch); :mod:`verify.lowrank_bounds`
repeats that argument on ``arb`` balls for the claim's certified lower bound and bracket of ``τ``.

Depth monotonicity of the threshold (a question this project asks of the closed form: for which
``β`` does ``τ`` grow with ``L``?). For integer ``L ≥ 2`` and ``β > 0``,

    ``τ(L+1, β) > τ(L, β)  ⇔  β < β_L := L^{2L(L−1)} (L−2)^{L(L−2)} / (L−1)^{(L−1)(3L−1)}``

(equality iff ``β = β_L``; ``0⁰ = 1``), because ``log τ(L+1) − log τ(L) = (log β_L − log β) /
(2L(L−1))``. ``β_2 = 16``, ``β_3 = 3¹²/2¹⁶ ≈ 8.109``, ``β_4 = 2⁵⁶/3³³ ≈ 12.96``,
``β_5 = 5⁴⁰·3¹⁵/2¹¹² ≈ 25.13``, and ``β_L`` is strictly increasing for ``L ≥ 3``
(``d/dx log β_x ≥ (x−3)/(x−2)``, see :mod:`verify.symbolic`), growing like ``e^{L}``. Hence:

* ``τ`` is strictly increasing in ``L`` over all ``L ≥ 2`` **iff** ``β < 3¹²/2¹⁶ ≈ 8.109``;
* for larger ``β`` it decreases from ``L = 3`` (from ``L = 2`` when ``β ≥ 16``) up to
  ``L*(β) = min{L ≥ 3 : β_L > β}`` and increases from there on (:func:`depth_growth_start`).

So this project's reading "the optimal rank is non-increasing in depth" (not a statement of the
paper's abstract) holds on every step ``L → L+1`` with ``β ≤ β_L`` and fails otherwise:
``β = 100``, ``σ = 55`` has rank 0 at ``L = 3`` (``τ ≈ 63.2``) and rank 1 at ``L = 4``
(``τ ≈ 51.3``).

``β_L`` is a pure number but ``β`` is not. Replacing ``Y`` by ``κY`` (``κ > 0``) and every ``W_l``
by ``κ^{1/L} W_l`` multiplies the loss by ``κ²`` and the penalty by ``κ^{2/L}``: the depth-``L``
problem with labels ``κY`` and strength ``β`` is ``κ²`` times the one with labels ``Y`` and
strength ``β κ^{2/L−2}`` (so ``s* ↦ κ s*`` and ``τ(L, β) = κ τ(L, β κ^{2/L−2})``). The exponent
depends on ``L``, so "the same ``β`` at two depths", and with it the region ``β < β_L``, depends
on the units in which ``XᵀY`` is measured (``docs/formulations/C4-weight-decay-low-rank.md``
works an example).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from verify.networks import Network

#: Newton from ``s = σ`` converges in well under 20 steps (quadratically once close); the cap
#: only guards against a non-finite input.
NEWTON_MAX_STEPS = 100
#: Bisection halves a bracket of width ``≤ σ``: 1100 halvings reach any float64 spacing.
BISECTION_MAX_STEPS = 1100


def _depth(L: int) -> int:
    if int(L) != L or L < 2:
        raise ValueError(f"L must be an integer ≥ 2, got {L!r}")
    return int(L)


def _beta(beta: float) -> float:
    if not (math.isfinite(beta) and beta > 0):
        raise ValueError(f"beta must be a positive finite number, got {beta!r}")
    return float(beta)


def jump(L: int, beta: float) -> float:
    """``s̄ = (β(L−2))^{L/(2L−2)}``: the smallest non-zero optimal singular value (0 for L = 2)."""
    L, beta = _depth(L), _beta(beta)
    return (beta * (L - 2)) ** (L / (2 * L - 2))


def threshold(L: int, beta: float) -> float:
    """``τ``: singular values of ``XᵀY`` at or below it are set to zero (``β`` for ``L = 2``)."""
    L, beta = _depth(L), _beta(beta)
    if L == 2:
        return beta
    return (L - 1) / (L - 2) * jump(L, beta)


def branch_start(L: int, beta: float) -> float:
    """``argmin φ = (β(L−2)/L)^{L/(2L−2)}``: where the branch of local minimisers starts."""
    L, beta = _depth(L), _beta(beta)
    return (beta * (L - 2) / L) ** (L / (2 * L - 2))


def scalar_objective(s: np.ndarray, sigma: np.ndarray, L: int, beta: float) -> np.ndarray:
    """``g(s) = ½(s − σ)² + (βL/2) s^{2/L}``."""
    s, sigma = np.asarray(s, float), np.asarray(sigma, float)
    return 0.5 * (s - sigma) ** 2 + 0.5 * beta * L * s ** (2.0 / L)


def gain(s: np.ndarray, sigma: np.ndarray, L: int, beta: float) -> np.ndarray:
    """``g(s) − g(0) = s(½s − σ) + (βL/2) s^{2/L}``, without cancelling ``½σ²`` terms."""
    s, sigma = np.asarray(s, float), np.asarray(sigma, float)
    return s * (0.5 * s - sigma) + 0.5 * beta * L * s ** (2.0 / L)


def stationarity(s: np.ndarray, sigma: np.ndarray, L: int, beta: float) -> np.ndarray:
    """``g'(s) = φ(s) − σ = s + β s^{2/L−1} − σ`` (for ``s > 0``)."""
    s, sigma = np.asarray(s, float), np.asarray(sigma, float)
    return s + beta * s ** (2.0 / L - 1.0) - sigma


def optimal_singular_values(sigma: np.ndarray, L: int, beta: float) -> np.ndarray:
    """``s*(σ)`` elementwise, for ``σ ≥ 0`` of any shape (see the module docstring)."""
    L, beta = _depth(L), _beta(beta)
    sigma = np.asarray(sigma, dtype=float)
    if np.any(~np.isfinite(sigma)) or np.any(sigma < 0):
        raise ValueError("singular values must be finite and non-negative")
    if L == 2:
        return np.maximum(sigma - beta, 0.0)
    out = np.zeros_like(sigma)
    kept = sigma > threshold(L, beta)
    target = sigma[kept]
    s = target.copy()
    p = 2.0 / L
    for _ in range(NEWTON_MAX_STEPS):
        step = (s + beta * s ** (p - 1.0) - target) / (1.0 + beta * (p - 1.0) * s ** (p - 2.0))
        moved = s - step
        # From the right of the root of a convex increasing φ every exact step decreases s;
        # once rounding makes a step non-decreasing the root is reached to a few ulps.
        decreasing = moved < s
        if not np.any(decreasing):
            break
        s = np.where(decreasing, moved, s)
    else:
        raise ArithmeticError("Newton's method did not converge on the branch of minimisers")
    out[kept] = s
    return out


def optimal_objective(sigma: np.ndarray, L: int, beta: float) -> float:
    """``Σ_i min_s g_{σ_i}(s)``, evaluated at :func:`optimal_singular_values`."""
    sigma = np.asarray(sigma, float)
    s = optimal_singular_values(sigma, L, beta)
    return float(np.sum(scalar_objective(s, sigma, L, beta)))


def branch_minimum_bounds(
    sigma: np.ndarray, L: int, beta: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bounds on ``min g`` over the branch of non-zero local minimisers, independent of Newton.

    Bisection brackets the larger root of ``φ(s) = σ`` in ``[lo, hi] ⊂ [branch_start, σ]``
    (``g' = φ − σ`` is increasing there, so ``g`` is convex on the bracket). Returns
    ``(lower, upper, point)``: ``upper = g(hi)`` and, by the tangent at ``hi``,
    ``lower = g(hi) − g'(hi)(hi − lo)``; ``+inf`` where ``σ ≤ min φ`` (no non-zero local
    minimiser: ``0`` is the only one). ``L = 2``: the branch is ``s = σ − β`` when positive.
    """
    L, beta = _depth(L), _beta(beta)
    sigma = np.asarray(sigma, dtype=float)
    lower = np.full(sigma.shape, np.inf)
    upper = np.full(sigma.shape, np.inf)
    point = np.zeros(sigma.shape)
    if L == 2:
        exists = sigma > beta
        point[exists] = sigma[exists] - beta
        value = scalar_objective(point[exists], sigma[exists], L, beta)
        lower[exists], upper[exists] = value, value
        return lower, upper, point
    start = branch_start(L, beta)
    exists = stationarity(start, sigma, L, beta) < 0
    target = sigma[exists]
    lo = np.full(target.shape, start)
    hi = target.copy()  # φ(σ) > σ: the root is below σ
    for _ in range(BISECTION_MAX_STEPS):
        mid = 0.5 * (lo + hi)
        open_ = (mid > lo) & (mid < hi)
        if not np.any(open_):
            break
        right = stationarity(mid, target, L, beta) >= 0
        hi = np.where(open_ & right, mid, hi)
        lo = np.where(open_ & ~right, mid, lo)
    value = scalar_objective(hi, target, L, beta)
    slope = np.maximum(stationarity(hi, target, L, beta), 0.0)
    lower[exists] = value - slope * (hi - lo)
    upper[exists] = value
    point[exists] = hi
    return lower, upper, point


def balanced_network(U: np.ndarray, s: np.ndarray, Vt: np.ndarray, L: int, width: int) -> Network:
    """Balanced weights ``U diag(s)^{1/L}, diag(s)^{1/L}, …, diag(s)^{1/L} Vᵀ`` of width ``width``.

    Their product is ``U diag(s) Vᵀ`` and ``½ Σ_l ‖W_l‖² = (L/2) Σ s_i^{2/L}`` (C2). Only the
    non-zero ``s_i`` occupy hidden units, so ``width ≥ #{s_i > 0}`` suffices; the other units
    are zero.
    """
    root = np.asarray(s, dtype=float) ** (1.0 / L)
    kept = np.flatnonzero(root > 0)
    if kept.size > width:
        raise ValueError(f"{kept.size} non-zero singular values do not fit in width {width}")
    units = np.arange(kept.size)
    first = np.zeros((U.shape[0], width))
    first[:, units] = U[:, kept] * root[kept]
    middle = np.zeros((width, width))
    middle[units, units] = root[kept]
    last = np.zeros((width, Vt.shape[1]))
    last[units] = root[kept, None] * Vt[kept]
    return Network((first, *[middle] * (L - 2), last))


def depth_growth_beta(L: int) -> float:
    """``β_L``: ``τ(L+1, β) > τ(L, β)`` iff ``β < β_L`` (exact value: :mod:`verify.symbolic`)."""
    L = _depth(L)
    log_beta = 2 * L * (L - 1) * math.log(L / (L - 1)) - (L - 1) ** 2 * math.log(L - 1)
    if L > 2:
        log_beta += L * (L - 2) * math.log(L - 2)
    return math.exp(log_beta)


def depth_growth_start(beta: float, max_depth: int = 10_000) -> int:
    """``L*(β)``: the smallest ``L ≥ 2`` from which ``τ(·, β)`` is strictly increasing.

    Uses that ``β_L`` is strictly increasing for ``L ≥ 3`` (so ``{L ≥ 3: β < β_L}`` is a tail).
    """
    beta = _beta(beta)
    if beta < depth_growth_beta(3):
        return 2
    for L in range(3, max_depth):
        if beta < depth_growth_beta(L):
            return L
    raise ValueError(f"beta = {beta} exceeds β_L for every L < {max_depth}")


def singular_value_curves(
    depths: Iterable[int], beta: float, sigma: np.ndarray
) -> dict[int, np.ndarray]:
    """Figure data: ``s*(σ)`` on the grid ``sigma`` for each depth."""
    sigma = np.asarray(sigma, dtype=float)
    return {int(L): optimal_singular_values(sigma, L, beta) for L in depths}


def threshold_grid(depths: Iterable[int], betas: Iterable[float]) -> np.ndarray:
    """Figure data: ``τ(L, β)``, one row per depth, one column per ``β``."""
    betas = list(betas)
    return np.array([[threshold(L, beta) for beta in betas] for L in depths])
