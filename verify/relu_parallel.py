"""Parallel ReLU networks (C5): convex reformulation, reconstruction and exact dual checks.

Scalar labels ``y ∈ R^N``, depth ``L ∈ {2, 3}``, t-formulation (``‖W_{1,j}‖_F ≤ t`` per branch at
``L = 3``; at ``L = 2`` no layer is constrained and ``t`` plays no role).

* ``L = 2``: a branch is ``(X u)_+ a``; with the chamber patterns ``D_i`` of ``X``
  (:mod:`verify.arrangements`) the problem is the group lasso of
  :func:`verify.convex.relu_two_layer_program`.
* ``L = 3``: the second-layer pre-activations of a branch fill ``t·Q``,
  ``Q = {Σ_k (X u_k)_+ c_k : Σ_k ‖u_k‖ |c_k| ≤ 1}``; ``Q`` spans the subspace
  ``S = span{D_i X}``, whose sign patterns ``D2`` are the outer patterns, and
  :func:`verify.convex.relu_three_layer_program` has one group per (outer pattern, sign).

From a solution, :func:`reconstruct` builds a :class:`~verify.networks.ParallelNetwork`: every
non-negligible group is a candidate branch, the output weights are refit by least squares (the
solver's interpolation error is removed), then conic Carathéodory prunes the branches to at most
``rank ≤ N`` (at ``L = 3`` also the inner units of each branch) without raising the cost, and a
guarded refit on the kept branches removes the rounding that pruning accumulated.

The dual check is exact over the enumerated patterns. The support function of ``Q``,
``σ(c) = max_{‖u‖≤1} |cᵀ(Xu)_+|``, is the largest over patterns ``D`` and signs of
``max_{u ∈ K_D, ‖u‖≤1} ±(XᵀDc)ᵀu`` (``K_D = {u : A u ≥ 0}``, ``A = (2D − I)X``), and for every
``ν ≥ 0``, ``gᵀu ≤ (g + Aᵀν)ᵀu ≤ ‖g + Aᵀν‖`` on that set: an upper bound whatever ``ν`` is,
tight at the NNLS solution ``ν = argmin_{ν≥0} ‖g + Aᵀν‖`` (Moreau: ``g + Aᵀν`` is then the
projection of ``g`` onto ``K_D``). At ``L = 3`` the same holds per outer group: for ``μ ≥ 0``,
``sup_{h ∈ Q, (2D2−I)h ≥ 0} ±λᵀD2h ≤ σ(±D2λ + (2D2−I)μ)``, with ``μ`` the solver's multipliers of
the outer cone constraints (tight by conic duality). Dividing ``λ`` by the certified maximum makes
it exactly feasible; ``yᵀλ`` of the rescaled ``λ`` is then a lower bound on the dual optimum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls

from verify.arrangements import PatternSet, chamber_patterns, masks, subspace_patterns
from verify.convex import GroupLassoSolution, relu_three_layer_program, relu_two_layer_program
from verify.linalg import compact_svd, numerical_rank
from verify.networks import Network, ParallelNetwork

#: Units and groups whose weight is below this fraction of the total cost are dropped before
#: pruning (interior-point solutions are never exactly sparse). It must stay near rounding
#: level: at 1e-9, hundreds of dropped groups of an L = 3 solution moved the output by 1e-7
#: and left nearly dependent features that the refit could not correct.
NEGLIGIBLE = 1e-11
#: Largest relative cost change of an exact last-layer refit, and the singular-value cut-off
#: used instead when it would cost more (see ``_refit``).
REFIT_COST = 1e-9
REFIT_RCOND = 1e-3
#: Relative margin added to every computed support-function bound for floating-point rounding.
ROUNDING_MARGIN = 64 * np.finfo(float).eps


@dataclass(frozen=True)
class ReluProblem:
    """Data, depth, ``t`` and the exact patterns: ``inner`` (of ``X``) and, at ``L = 3``, the
    outer groups (``outer[g]`` a non-zero pattern of the subspace ``S``, ``signs[g] = ±1``)."""

    X: np.ndarray
    y: np.ndarray
    L: int
    t: float
    inner: PatternSet
    outer: np.ndarray | None = None
    signs: np.ndarray | None = None
    outer_certified: bool = True

    @property
    def certified(self) -> bool:
        """Whether every pattern set is the exact enumeration (else no dual certificate)."""
        return self.inner.certified and (self.L == 2 or self.outer_certified)

    @property
    def pattern_counts(self) -> dict[str, int]:
        counts = {"inner": len(self.inner)}
        if self.outer is not None:
            counts["outer_groups"] = int(self.outer.shape[0])
        return counts


def pattern_span(X: np.ndarray, inner: PatternSet) -> np.ndarray:
    """``[D_1 X, …, D_P X]`` (N×Pd): its columns span ``S = span{(Xu)_+ : u ∈ R^d}``."""
    return np.hstack([m[:, None] * X for m in masks(inner)])


def relu_problem(X: np.ndarray, y: np.ndarray, L: int, t: float) -> ReluProblem:
    """Enumerate the patterns exactly (inner; outer groups of both signs at ``L = 3``)."""
    inner = chamber_patterns(X)
    if L == 2:
        return ReluProblem(X, y, L, t, inner)
    outer = subspace_patterns(pattern_span(X, inner))
    # The all-zero pattern contributes (z)_+ = 0 whatever z is: it is left out.
    nonzero = outer.patterns[outer.patterns.any(axis=1)]
    groups = np.vstack([nonzero, nonzero])
    signs = np.concatenate([np.ones(len(nonzero)), -np.ones(len(nonzero))])
    return ReluProblem(X, y, L, t, inner, groups, signs, outer.certified)


def output_span(problem: ReluProblem) -> np.ndarray:
    """Orthonormal basis of the span of every network output: ``S`` at ``L = 2``,
    ``Σ_g D2_g S`` at ``L = 3``."""
    basis = compact_svd(pattern_span(problem.X, problem.inner))[0]
    if problem.L == 3:
        basis = compact_svd(np.hstack([m[:, None] * basis for m in problem.outer]))[0]
    return basis


def unreachable_component(problem: ReluProblem) -> np.ndarray:
    """The part of ``y`` outside the span of all network outputs (zero when interpolable)."""
    basis = output_span(problem)
    return problem.y - basis @ (basis.T @ problem.y)


def solve(problem: ReluProblem, solver: str = "CLARABEL") -> GroupLassoSolution:
    """The convex program of the problem's depth, at ``t = 1``."""
    inner = problem.inner.patterns
    if problem.L == 2:
        return relu_two_layer_program(problem.X, problem.y, inner, solver)
    return relu_three_layer_program(
        problem.X, problem.y, inner, problem.outer, problem.signs, solver
    )


def cone_support(A: np.ndarray, g: np.ndarray) -> float:
    """Certified upper bound on ``max gᵀu`` over ``A u ≥ 0, ‖u‖ ≤ 1`` (equal up to rounding):
    ``‖g + Aᵀν‖`` at the NNLS point ``ν ≥ 0``, plus a rounding margin."""
    if np.all(A @ g >= 0):
        return float(np.linalg.norm(g)) * (1 + ROUNDING_MARGIN)
    nu = np.maximum(nnls(-A.T, g)[0], 0.0)
    value = float(np.linalg.norm(g + A.T @ nu))
    scale = float(np.linalg.norm(g) + np.linalg.norm(np.abs(A.T) @ nu))
    return value + ROUNDING_MARGIN * scale


def support_function(X: np.ndarray, inner: PatternSet, c: np.ndarray, floor: float = 0.0) -> float:
    """Certified upper bound on ``max(floor, σ(c))``, ``σ(c) = max_{‖u‖≤1} |cᵀ(Xu)_+|`` over the
    patterns ``inner``.

    Patterns are visited by decreasing ``‖XᵀDc‖`` (an upper bound on their value), so the cone
    projections stop as soon as no remaining pattern can exceed the running maximum."""
    D = masks(inner)
    gradients = (D * c) @ X  # row i: XᵀD_i c
    norms = np.linalg.norm(gradients, axis=1) * (1 + ROUNDING_MARGIN)
    best = floor
    for i in np.argsort(-norms):
        if norms[i] <= best:
            break
        A = (2 * D[i] - 1)[:, None] * X
        best = max(best, cone_support(A, gradients[i]), cone_support(A, -gradients[i]))
    return best


@dataclass(frozen=True)
class DualCertificate:
    """``λ`` rescaled to exact feasibility, its value ``yᵀλ``, and ``ρ``: the certified maximum
    of the solver's ``λ`` over the constraint (``ρ·t`` at ``L = 3``) it was divided by."""

    multipliers: np.ndarray
    value: float
    rho: float


def rescaled_dual_point(
    problem: ReluProblem, lam: np.ndarray, outer_dual: np.ndarray | None = None
) -> DualCertificate:
    """Make ``λ`` feasible for the dual of ``problem`` over its patterns and evaluate it.

    ``L = 2``: ``ρ = σ(λ)``. ``L = 3``: ``ρ = max_g σ(s_g D2_g λ + (2D2_g − I) μ_g)`` with ``μ_g``
    the columns of ``outer_dual`` (zero if not given: still an upper bound, only looser).
    The feasible point is ``λ/ρ`` (``λ/(tρ)`` at ``L = 3``)."""
    X, inner = problem.X, problem.inner
    if problem.L == 2:
        rho, scale = support_function(X, inner, lam), 1.0
    else:
        outer = problem.outer.astype(float)
        mu = np.zeros((X.shape[0], outer.shape[0])) if outer_dual is None else outer_dual
        mu = np.maximum(mu, 0.0)  # any μ ≥ 0 gives a valid bound; clip solver noise
        rho = 0.0
        for g, (D, s) in enumerate(zip(outer, problem.signs, strict=True)):
            rho = support_function(X, inner, s * D * lam + (2 * D - 1) * mu[:, g], rho)
        scale = problem.t
    if rho == 0.0:  # λ = 0 (y = 0): the zero multiplier is feasible
        return DualCertificate(np.zeros_like(lam), 0.0, 0.0)
    feasible = lam / (scale * rho)
    return DualCertificate(feasible, float(problem.y @ feasible), rho)


def conic_caratheodory(features: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    """Coefficients with at most ``rank(features) ≤ N`` non-zeros (``features`` is N×m, rank at
    :data:`verify.linalg.RANK_RTOL`), the same ``features @ coefficients`` and no larger
    ``Σ|c|``.

    While more columns than the rank are active they are linearly dependent: take a null vector
    ``η`` of the signed active columns with ``Σ η ≥ 0`` and move ``|c| ← |c| − θη`` with the largest
    ``θ`` keeping ``|c| ≥ 0``: the output is unchanged, the cost drops by ``θ Σ η ≥ 0`` and one
    column leaves. While more than ``N`` are active, any ``N + 1`` of them are dependent, so
    ``η`` comes from the SVD of those ``N + 1`` only (cheap and exact up to rounding)."""
    c = np.array(coefficients, dtype=float)
    N = features.shape[0]
    active = np.flatnonzero(c)
    rank = numerical_rank(features[:, active]) if active.size else 0
    while active.size > rank:
        block = active[: N + 1]
        signs = np.sign(c[block])
        eta = np.linalg.svd(features[:, block] * signs)[2][-1]
        if eta.sum() < 0:
            eta = -eta
        magnitudes = np.abs(c[block])
        positive = np.flatnonzero(eta > 0)
        ratios = magnitudes[positive] / eta[positive]
        leaving = positive[np.argmin(ratios)]
        magnitudes = np.maximum(magnitudes - ratios.min() * eta, 0.0)
        magnitudes[leaving] = 0.0
        c[block] = signs * magnitudes
        active = np.flatnonzero(c)
    return c


def _units(point: np.ndarray, group: int, floor: float) -> tuple[np.ndarray, np.ndarray]:
    """Unit directions and signed weights ``(±‖v‖)`` of one group's non-negligible vectors."""
    directions, weights = [], []
    for side, sign in ((0, 1.0), (1, -1.0)):
        vectors = point[side, group]
        norms = np.linalg.norm(vectors, axis=1)
        keep = norms > floor
        directions.append(vectors[keep] / norms[keep, None])
        weights.append(sign * norms[keep])
    return np.vstack(directions), np.concatenate(weights)


def _refit(features: np.ndarray, weights: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Least-squares correction of the last layer, removing the interpolation error.

    The exact (minimum-norm) correction is taken when it changes ``Σ|w|`` by at most
    :data:`REFIT_COST` (relative); otherwise (nearly dependent columns, e.g. two units along one
    tie direction, where it would be large) only its part along singular values above
    :data:`REFIT_RCOND` times the largest, at most ``1/REFIT_RCOND`` times the error."""
    residual = y - features @ weights
    exact = np.linalg.lstsq(features, residual, rcond=None)[0]
    if np.sum(np.abs(exact)) <= REFIT_COST * np.sum(np.abs(weights)):
        return weights + exact
    return weights + np.linalg.lstsq(features, residual, rcond=REFIT_RCOND)[0]


@dataclass(frozen=True)
class Reconstruction:
    """The network; the number of non-negligible groups of the convex solution (each a
    candidate branch) and of branches left after pruning; the groups' total cost at ``t``."""

    network: ParallelNetwork
    groups: int
    branches: int
    cost_unpruned: float


def _two_layer_groups(
    problem: ReluProblem, point: np.ndarray, floor: float
) -> tuple[list, np.ndarray, np.ndarray]:
    """One candidate branch per non-negligible ``v_i`` or ``w_i``: first layer ``u = v/‖v‖``,
    output weight ``±‖v‖``, feature ``(Xu)_+``."""
    directions, weights = _units(point, 0, floor)
    return list(directions), weights, np.maximum(problem.X @ directions.T, 0.0)


def _three_layer_groups(
    problem: ReluProblem, point: np.ndarray, floor: float
) -> tuple[list, np.ndarray, np.ndarray]:
    """One candidate branch per non-negligible outer group ``g``, with inner units
    ``(u_k, c_k)`` and ``ρ_g = Σ|c_k|``: hidden pre-activation ``ĥ = Σ_k c_k (Xu_k)_+ / ρ_g ∈ Q``,
    output weight ``s_g ρ_g``, feature ``(ĥ)_+``."""
    X = problem.X
    units, weights, features = [], [], []
    for g, sign in enumerate(problem.signs):
        directions, inner = _units(point, g, floor)
        rho = float(np.sum(np.abs(inner)))
        if rho <= floor:
            continue
        units.append((directions, inner))
        weights.append(sign * rho)
        features.append(np.maximum(np.maximum(X @ directions.T, 0.0) @ inner / rho, 0.0))
    return units, np.array(weights), np.array(features).reshape(len(features), -1).T


def reconstruct(problem: ReluProblem, solution: GroupLassoSolution) -> Reconstruction:
    """A parallel ReLU network of cost (at ``t``) the program's value: every non-negligible
    group becomes a candidate branch; the output weights are refit by least squares over all of
    them (many columns: well conditioned) to remove the solver's interpolation error, then
    pruned by conic Carathéodory (exact dependencies: the output is kept up to rounding)."""
    X, L, t = problem.X, problem.L, problem.t
    floor = NEGLIGIBLE * float(np.sum(np.linalg.norm(solution.point, axis=-1)))
    collect = _two_layer_groups if L == 2 else _three_layer_groups
    units, weights, features = collect(problem, solution.point, floor)
    scale = t if L == 3 else 1.0
    if weights.size == 0:
        zero = [np.zeros((X.shape[1], 1))] + [np.zeros((1, 1))] * (L - 1)
        return Reconstruction(ParallelNetwork((Network(tuple(zero), "relu"),)), 0, 1, 0.0)
    cost = float(np.sum(np.abs(weights))) / scale
    weights = conic_caratheodory(features, _refit(features, weights, problem.y))
    keep = np.flatnonzero(weights)
    # Pruning keeps the output up to rounding in the null vectors; a last guarded refit on the
    # kept columns removes what accumulated.
    weights[keep] = _refit(features[:, keep], weights[keep], problem.y)
    if L == 2:
        branches = tuple(_two_layer_branch(units[k], weights[k]) for k in keep)
    else:
        branches = tuple(_three_layer_branch(X, *units[k], weights[k], t) for k in keep)
    return Reconstruction(ParallelNetwork(branches), len(units), len(branches), cost)


def _two_layer_branch(u: np.ndarray, b: float) -> Network:
    """Output ``b·(Xu)_+`` with balanced weights ``√|b| u`` and ``sign(b)√|b|`` (cost ``|b|``)."""
    root = math.sqrt(abs(b))
    return Network((root * u[:, None], np.array([[math.copysign(root, b)]])), "relu")


def _three_layer_branch(
    X: np.ndarray, directions: np.ndarray, inner: np.ndarray, b: float, t: float
) -> Network:
    """Output ``b·(ĥ)_+``, ``ĥ = Σ c_k (Xu_k)_+ / ρ``, with at most ``N`` inner units.

    The inner units are pruned by conic Carathéodory (``h = Σ c_k (Xu_k)_+`` kept, ``ρ = Σ|c_k|``
    possibly lowered to ``ρ'``, and ``b`` scaled by ``ρ'/ρ`` to keep the output), then balanced:
    ``W_1 = t·[u_k √p_k]`` (``p_k = |c_k|/ρ'``, so ``‖W_1‖_F = t``),
    ``w_2 = √(|b|/t)·[sign(c_k)√p_k]``, ``w_3 = sign(b)√(|b|/t)``: cost ``|b|/t``."""
    rho = float(np.sum(np.abs(inner)))
    features = np.maximum(X @ directions.T, 0.0)
    hidden = features @ inner
    inner = conic_caratheodory(features, inner)
    keep = np.flatnonzero(inner)
    inner[keep] = _refit(features[:, keep], inner[keep], hidden)  # as in :func:`reconstruct`
    pruned = float(np.sum(np.abs(inner[keep])))
    b *= pruned / rho
    share = np.abs(inner[keep]) / pruned
    root = math.sqrt(abs(b) / t)
    return Network(
        (
            t * directions[keep].T * np.sqrt(share),
            root * (np.sign(inner[keep]) * np.sqrt(share))[:, None],
            np.array([[math.copysign(root, b)]]),
        ),
        "relu",
    )
