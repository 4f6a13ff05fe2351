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

import itertools
from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

from verify.arrangements import PatternSet

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


#: Patterns evaluated together (vectorised) by :func:`price`.
BATCH = 2048


def price(
    X: np.ndarray, inner: PatternSet, c: np.ndarray, level: float = 0.0, limit: int = 0
) -> Pricing:
    """One pass over the patterns of ``inner`` for the multipliers ``c``.

    Patterns are visited by decreasing certified bound ``‖XᵀDc‖`` (+ rounding), a batch at a
    time (:func:`batch_maxima`, cone projections vectorised, NNLS only where a batch cannot
    decide), until the bound of the next is at most ``max(level, best)`` (``best`` the largest
    certified value so far), or, once ``limit`` values above ``level`` are collected, earlier:
    the bound of the first pattern not visited then enters the certified maximum. ``level``
    acts as a floor on that maximum."""
    d = X.shape[1]
    gradients, err = np.empty((len(inner), d)), np.empty(len(inner))
    for start, block in inner.chunks():
        stop = start + len(block)
        gradients[start:stop], err[start:stop] = pattern_gradients(X, block.astype(float), c)
    bounds = np.linalg.norm(gradients, axis=1) * (1 + gamma(d + 2)) + d * SUBNORMAL + err
    order = np.argsort(-bounds)
    best, rest = level, 0.0
    values, directions = [], []
    for start in range(0, len(order), BATCH):
        batch = order[start : start + BATCH]
        batch = batch[bounds[batch] > best]
        if batch.size == 0:
            break
        if limit and len(values) >= limit:
            rest = float(bounds[batch[0]])
            break
        for group, facets in _by_facet_count(batch, inner.facets):
            maxima = batch_maxima(X, inner.rows(group), gradients[group], err[group], best, facets)
            best = max(best, float(maxima.bounds.max()))
            if limit:
                found = maxima.values > level
                values.extend(maxima.values[found])
                directions.extend(maxima.directions[found])
    order = np.argsort(-np.array(values))[:limit]
    chosen = np.array(directions).reshape(-1, d)[order]
    return Pricing(np.array(values)[order], chosen, max(best, rest))


def _by_facet_count(batch: np.ndarray, facets: np.ndarray | None):
    """``(patterns, facets)`` groups of ``batch`` with the same number of facets, the padding
    cut off (the active-set candidates grow quadratically with the width)."""
    if facets is None:
        yield batch, None
        return
    counts = np.sum(facets[batch] >= 0, axis=1)
    for count in np.unique(counts):
        group = batch[counts == count]
        yield group, facets[group, :count]


#: Rows (the most violated) among which :func:`batch_maxima` tries active sets when the
#: patterns' facets are not known.
CANDIDATE_ROWS = 6


def _active_set_projections(
    g: np.ndarray, normals: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For a batch of ``g`` (B×d) and, per member, ``m`` candidate normals (B×m×d): ``p = g``
    (``ν = 0``) and the projections ``p = g + A_Sᵀν_S`` of ``g`` onto the intersection of the
    hyperplanes of every subset ``S`` of fewer than ``d`` of them (a face of dimension at least
    1; one row when ``d = 1``), ``ν_S`` solving the normal equations. Returns ``p`` (B×C×d),
    ``ν`` (B×C×m, zero off ``S``) and the validity ``ν ≥ 0`` with ``S`` independent (B×C).
    Subsets of one and two rows are solved in closed form, all at once."""
    B, m, d = normals.shape
    largest = min(m, max(d - 1, 1))
    projections = [g[:, None, :]]
    multipliers = [np.zeros((B, 1, m))]
    valid = [np.ones((B, 1), dtype=bool)]
    gram = np.einsum("bkd,bld->bkl", normals, normals)
    dots = np.einsum("bkd,bd->bk", normals, g)
    squares = np.einsum("bkk->bk", gram)
    if largest >= 1:
        ok = squares > 0
        nu = np.where(ok, -dots / np.where(ok, squares, 1.0), -1.0)  # B×m
        projections.append(g[:, None, :] + nu[:, :, None] * normals)
        multipliers.append(nu[:, :, None] * np.eye(m)[None])
        valid.append(ok & (nu >= 0))
    if largest >= 2:
        first, second = np.triu_indices(m, 1)
        a, b, c = squares[:, first], gram[:, first, second], squares[:, second]
        det = a * c - b * b
        ok = np.abs(det) > 1e-12 * (a + c) ** 2
        safe = np.where(ok, det, 1.0)
        nu1 = (-c * dots[:, first] + b * dots[:, second]) / safe
        nu2 = (-a * dots[:, second] + b * dots[:, first]) / safe
        projections.append(
            g[:, None, :]
            + nu1[:, :, None] * normals[:, first]
            + nu2[:, :, None] * normals[:, second]
        )
        pairs = np.zeros((B, len(first), m))
        pairs[:, np.arange(len(first)), first] = nu1
        pairs[:, np.arange(len(first)), second] = nu2
        multipliers.append(pairs)
        valid.append(ok & (nu1 >= 0) & (nu2 >= 0))
    for size in range(3, largest + 1):
        for subset in itertools.combinations(range(m), size):
            A = normals[:, subset, :]
            gram_S = A @ A.transpose(0, 2, 1)
            scale = np.einsum("bii->b", gram_S) ** size + 1e-300
            ok = np.abs(np.linalg.det(gram_S)) > 1e-12 * scale
            rhs = -(A @ g[:, :, None])
            nu_S = np.linalg.solve(np.where(ok[:, None, None], gram_S, np.eye(size)), rhs)[:, :, 0]
            projections.append((g + np.einsum("bk,bkd->bd", nu_S, A))[:, None, :])
            full = np.zeros((B, 1, m))
            full[:, 0, list(subset)] = nu_S
            multipliers.append(full)
            valid.append((ok & np.all(nu_S >= 0, axis=1))[:, None])
    return (
        np.concatenate(projections, axis=1),
        np.concatenate(multipliers, axis=1),
        np.concatenate(valid, axis=1),
    )


@dataclass(frozen=True)
class BatchMaxima:
    """For B patterns and both signs (B×2): floating-point maxima ``values`` and unit
    maximisers ``directions`` (B×2×d; ``nan`` where only the bound was needed), and certified
    upper ``bounds``."""

    values: np.ndarray
    directions: np.ndarray
    bounds: np.ndarray


def batch_maxima(
    X: np.ndarray,
    D: np.ndarray,
    G: np.ndarray,
    err: np.ndarray,
    threshold: float,
    facets: np.ndarray | None = None,
) -> BatchMaxima:
    """``max ±gᵀu`` over the cones ``(2D − I)Xu ≥ 0``, ``‖u‖ ≤ 1`` for a batch of patterns.

    The cone is cut out by its ``facets`` rows alone (B×m, −1 padded; when not given, every row
    counts and the :data:`CANDIDATE_ROWS` rows ``g`` violates most are the candidates).
    Vectorised: ``p = g`` when ``g`` is in the cone; otherwise, among the projections
    ``p = g + A_Sᵀν_S`` onto the faces of every set ``S`` of fewer than ``d`` candidate rows, with
    ``ν_S ≥ 0``, the shortest. ``‖p‖`` (plus rounding) is a certified bound for any ``ν ≥ 0``;
    when ``p`` lies in the cone it satisfies the KKT conditions, so it is the projection and
    ``‖p‖`` the maximum. Only the rest (the apex, or a face the candidates missed) go to NNLS
    (:func:`cone_maximum`, on the facet rows), and only when their bound exceeds ``threshold``."""
    B, d = G.shape
    N = X.shape[0]
    signs = 2.0 * D - 1.0
    lengths = np.sum(X * X, axis=1)
    values = np.full((B, 2), np.nan)
    directions = np.full((B, 2, d), np.nan)
    bounds = np.empty((B, 2))
    rows = np.arange(B)[:, None]
    if facets is not None:
        present = facets >= 0
        index = np.where(present, facets, 0)
        cone = np.where(present[:, :, None], signs[rows, index][:, :, None] * X[index], 0.0)
    for side, sign in enumerate((1.0, -1.0)):
        g = sign * G
        if facets is None:
            slack = signs * (g @ X.T)  # a_k·g for the cone's normals a_k = ±x_k
            safe = np.where(lengths > 0, lengths, 1.0)
            worst = np.argsort(np.minimum(slack, 0.0) ** 2 / -safe, axis=1)[:, :CANDIDATE_ROWS]
            normals = signs[rows, worst][:, :, None] * X[worst]  # B×m×d
            full = signs[:, :, None] * X[None]
        else:
            normals = full = cone
            slack = np.einsum("bmd,bd->bm", cone, g)
        inside = np.all(slack >= 0, axis=1)
        p, nu, valid = _active_set_projections(g, normals)
        sizes = np.where(valid, np.linalg.norm(p, axis=2), np.inf)
        choice = np.argmin(sizes, axis=1)
        p = np.where(inside[:, None], g, p[np.arange(B), choice])
        nu = np.where(inside[:, None], 0.0, nu[np.arange(B), choice])
        spread = np.abs(g) + np.einsum("bk,bkd->bd", nu, np.abs(normals))
        rounding = gamma(d + normals.shape[1] + 2) * np.linalg.norm(spread, axis=1)
        size = np.linalg.norm(p, axis=1)
        plain = np.linalg.norm(g, axis=1) * (1 + gamma(d + 2)) + d * SUBNORMAL + err
        # underflow: each of the (m + 1)·d products and sums forming p may lose a subnormal
        underflow = (normals.shape[1] + 2) * d * SUBNORMAL
        bounds[:, side] = size * (1 + gamma(d + 2)) + underflow + rounding * 1.01 + err
        bounds[:, side] = np.minimum(bounds[:, side], plain)
        scale = size * np.sqrt(np.max(lengths)) + SUBNORMAL
        feasible = np.einsum("bmd,bd->bm", full, p) >= -(N + d) * UNIT * 8 * scale[:, None]
        exact = np.all(feasible, axis=1) & (size > 0)
        values[exact, side] = size[exact]
        directions[exact, side] = p[exact] / size[exact, None]
        for i in np.flatnonzero(~exact & (bounds[:, side] > threshold)):
            A = full[i] if facets is not None else signs[i][:, None] * X
            found = cone_maximum(A, g[i], err[i])
            values[i, side] = found.value
            bounds[i, side] = min(bounds[i, side], found.bound)
            if found.direction is not None:
                directions[i, side] = found.direction
    return BatchMaxima(values, directions, bounds)


def support_function(X: np.ndarray, inner: PatternSet, c: np.ndarray, floor: float = 0.0) -> float:
    """Certified upper bound on ``max(floor, σ(c))`` over the patterns ``inner``."""
    return price(X, inner, c, level=floor).bound
