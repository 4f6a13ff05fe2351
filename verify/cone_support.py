"""Certified support functions of the ReLU feature set, with rounding accounted for.

``σ(c) = max_{‖u‖≤1} |cᵀ(Xu)_+|`` is the largest, over the chamber patterns ``D`` of ``X`` and the
two signs, of ``max_{u ∈ K_D, ‖u‖≤1} ±g_Dᵀu`` with ``g_D = XᵀDc`` and ``K_D = {u : A u ≥ 0}``,
``A = (2D − I)X``. For every ``ν ≥ 0`` and ``u ∈ K_D``, ``gᵀu ≤ (g + Aᵀν)ᵀu ≤ ‖g + Aᵀν‖``: an upper
bound whatever ``ν`` is, equal to the maximum at the NNLS point ``ν = argmin_{ν≥0} ‖g + Aᵀν‖``
(Moreau: ``g + Aᵀν`` is then the projection of ``g`` onto ``K_D``).

Every bound here is an upper bound on the value *in exact arithmetic*: each floating-point
step adds its worst-case error, with the classical constants ``γ_n = n·u/(1 − n·u)``
(``u`` the unit roundoff) for a sum of ``n`` products (Higham, *Accuracy and Stability of
Numerical Algorithms*, §3.1), and an absolute term for underflow. The margins are tiny
(relative ``≈ N·1e-16``) but they make "certified" mean what it says; the tests compare the
bounds with 50-digit evaluations.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

from verify.arrangements import PatternSet, masks

#: unit roundoff of float64
UNIT = np.finfo(float).eps / 2
#: spacing of the subnormal numbers: the absolute error of one product that underflows
SUBNORMAL = float(np.finfo(float).smallest_subnormal)


def gamma(n: int) -> float:
    """``γ_n = n·u/(1 − n·u)``: relative error bound of an ``n``-term dot product."""
    return n * UNIT / (1 - n * UNIT)


def pattern_gradients(X: np.ndarray, D: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``G[i] = fl(XᵀD_i c)`` for the 0/1 rows ``D_i`` of ``D``, and ``err[i]``, a bound on
    ``‖G[i] − XᵀD_i c‖``."""
    N, d = X.shape
    G = (D * c) @ X
    spread = (D * np.abs(c)) @ np.abs(X)
    err = gamma(N + 1) * np.linalg.norm(spread, axis=1) + (N + 1) * d * SUBNORMAL
    return G, err


def norm_upper(z: np.ndarray) -> float:
    """An upper bound on the exact Euclidean norm of the float vector ``z``."""
    return float(np.linalg.norm(z)) * (1 + gamma(z.size + 2)) + z.size * SUBNORMAL


def dot_lower(a: np.ndarray, b: np.ndarray) -> float:
    """A lower bound on the exact ``aᵀb`` of two float vectors."""
    spread = float(np.abs(a) @ np.abs(b))
    rounding = gamma(a.size + 2) * spread * (1 + gamma(a.size + 2)) + a.size * SUBNORMAL
    return float(a @ b) - rounding


@dataclass(frozen=True)
class ConeMaximum:
    """``max gᵀu`` over ``A u ≥ 0, ‖u‖ ≤ 1``: its floating-point ``value`` and maximiser
    ``direction`` (``None`` when the maximum is 0), and ``bound``, a certified upper bound on the
    maximum for every ``gₑ`` within ``err`` of ``g``."""

    value: float
    direction: np.ndarray | None
    bound: float


def cone_multipliers(A: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The NNLS point ``ν = argmin_{ν≥0} ‖g + Aᵀν‖`` (0 when ``g`` is in the cone ``Au ≥ 0``):
    ``g + Aᵀν`` is the projection of ``g`` onto the cone, on the face of the rows ``ν > 0``."""
    if np.all(A @ g >= 0):
        return np.zeros(A.shape[0])
    return np.maximum(nnls(-A.T, g)[0], 0.0)


def cone_maximum(A: np.ndarray, g: np.ndarray, err: float = 0.0) -> ConeMaximum:
    """The maximum by the projection of ``g`` onto the cone: ``p = g + Aᵀν`` at the NNLS point
    ``ν ≥ 0`` (``ν = 0`` when ``g`` is inside), with ``‖g + Aᵀν‖ + rounding + err`` as the bound."""
    plain = norm_upper(g) + err
    nu = cone_multipliers(A, g)
    if not np.any(nu):
        shifted, bound = g, plain
    else:
        shifted = g + A.T @ nu
        spread = np.abs(g) + np.abs(A.T) @ nu
        rounding = gamma(A.shape[0] + 2) * norm_upper(spread)
        bound = min(plain, norm_upper(shifted) + rounding + err)
    value = float(np.linalg.norm(shifted))
    return ConeMaximum(value, shifted / value if value > 0 else None, bound)


@dataclass(frozen=True)
class Pricing:
    """What one pass over the patterns found for ``c``: the floating-point ``values`` and unit
    maximisers ``directions`` (rows) of ``|cᵀ(Xu)_+|`` above the pass's level, largest first,
    and ``bound``, a certified upper bound on ``max(floor, σ(c))``."""

    values: np.ndarray
    directions: np.ndarray
    bound: float


def price(
    X: np.ndarray, inner: PatternSet, c: np.ndarray, level: float = 0.0, limit: int = 0
) -> Pricing:
    """One pass over the patterns of ``inner`` for the multipliers ``c``.

    Patterns are visited by decreasing certified bound ``‖XᵀDc‖`` (+ rounding), and their cones
    maximised for both signs, until the bound of the next is at most ``max(level, best)``
    (``best`` the largest certified value so far), or, when ``limit`` values above ``level`` are
    collected and none left can beat them, earlier: the bound of the first pattern not visited
    then enters the certified maximum. ``level`` acts as a floor on that maximum."""
    D = masks(inner)
    d = X.shape[1]
    gradients, err = pattern_gradients(X, D, c)
    bounds = np.linalg.norm(gradients, axis=1) * (1 + gamma(d + 2)) + d * SUBNORMAL + err
    best, rest = level, 0.0
    values, directions = [], []
    top: list[float] = []  # the ``limit`` largest values so far (a min-heap)
    for i in np.argsort(-bounds):
        if bounds[i] <= best:
            break
        if limit and len(top) == limit and top[0] >= bounds[i]:
            rest = bounds[i]
            break
        A = (2 * D[i] - 1)[:, None] * X
        for sign in (1.0, -1.0):
            found = cone_maximum(A, sign * gradients[i], err[i])
            best = max(best, found.bound)
            if limit and found.value > level:
                values.append(found.value)
                directions.append(found.direction)
                (heapq.heappush if len(top) < limit else heapq.heappushpop)(top, found.value)
    order = np.argsort(-np.array(values))[:limit]
    chosen = np.array(directions).reshape(-1, d)[order]
    return Pricing(np.array(values)[order], chosen, max(best, rest))


def support_function(X: np.ndarray, inner: PatternSet, c: np.ndarray, floor: float = 0.0) -> float:
    """Certified upper bound on ``max(floor, σ(c))`` over the patterns ``inner``."""
    return price(X, inner, c, level=floor).bound
