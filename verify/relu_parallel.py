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
non-negligible group is a candidate branch (at ``L = 2`` also the exact maximisers of the
solver's ``λ``), an LP chooses the output weights of least ``Σ|a|`` over them, and
:func:`exact_last_layer` makes the network interpolate ``y`` up to rounding (minimum-norm
correction, conic Carathéodory down to the rank, exact solve on the kept branches).

The dual check is exact over the enumerated patterns. The support function of ``Q``,
``σ(c) = max_{‖u‖≤1} |cᵀ(Xu)_+|``, is the largest over patterns ``D`` and signs of
``max_{u ∈ K_D, ‖u‖≤1} ±(XᵀDc)ᵀu`` (``K_D = {u : A u ≥ 0}``, ``A = (2D − I)X``), and for every
``ν ≥ 0``, ``gᵀu ≤ (g + Aᵀν)ᵀu ≤ ‖g + Aᵀν‖`` on that set: an upper bound whatever ``ν`` is,
tight at the NNLS solution ``ν = argmin_{ν≥0} ‖g + Aᵀν‖`` (Moreau: ``g + Aᵀν`` is then the
projection of ``g`` onto ``K_D``). At ``L = 3`` the same holds per outer group: for ``μ ≥ 0``,
``sup_{h ∈ Q, (2D2−I)h ≥ 0} ±λᵀD2h ≤ σ(±D2λ + (2D2−I)μ)``, with ``μ`` the solver's multipliers of
the outer cone constraints (tight by conic duality). Dividing ``λ`` by the certified maximum
(every rounding error bounded, :mod:`verify.cone_support`) makes it exactly feasible; ``yᵀλ``
of the rescaled ``λ``, bounded below, is then a lower bound on the dual optimum.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linprog

from verify.arrangements import PatternSet, chamber_patterns, masks, subspace_patterns
from verify.cone_support import (
    UNIT,
    dot_lower,
    gamma,
    norm_upper,
    price,
    support_function,
)
from verify.convex import GroupLassoSolution, relu_three_layer_program, relu_two_layer_program
from verify.linalg import RANK_RTOL, compact_svd, numerical_rank
from verify.networks import Network, ParallelNetwork

#: Units and groups whose weight is below this fraction of the total cost are dropped before
#: pruning (interior-point solutions are never exactly sparse). The last layer is solved
#: exactly afterwards, so dropping them never leaves an interpolation error behind.
NEGLIGIBLE = 1e-11


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
    """Orthonormal basis of the span of every network output: ``S = span{D_i X}`` at ``L = 2``,
    ``Σ_g D2_g S`` at ``L = 3``."""
    basis = _streamed_span(problem.X, problem.inner)
    if problem.L == 3:
        basis = compact_svd(np.hstack([m[:, None] * basis for m in problem.outer]))[0]
    return basis


def _streamed_span(X: np.ndarray, inner: PatternSet) -> np.ndarray:
    """Orthonormal basis of ``span{D_i X}``, built from the patterns a chunk at a time and
    stopped once it spans ``R^N``. A direction counts when its singular value exceeds
    :data:`verify.linalg.RANK_RTOL` times ``‖[D_1X … D_PX]‖_F``: each row ``x_k`` appears in as
    many blocks as patterns contain ``k``."""
    N = X.shape[0]
    counts = np.zeros(N)
    for _, block in inner.chunks():
        counts += block.sum(axis=0)
    threshold = RANK_RTOL * float(np.sqrt(counts @ np.sum(X * X, axis=1)))
    basis = np.zeros((N, 0))
    for _, block in inner.chunks():
        columns = (block[:, :, None] * X[None]).transpose(1, 0, 2).reshape(N, -1)
        residual = columns - basis @ (basis.T @ columns)
        U, s, _ = np.linalg.svd(residual, full_matrices=False)
        basis = np.hstack([basis, U[:, s > threshold]])
        basis = np.linalg.qr(basis)[0] if basis.shape[1] else basis
        if basis.shape[1] >= N:
            break
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


@dataclass(frozen=True)
class DualCertificate:
    """``λ`` rescaled to exact feasibility, a certified lower bound on its value ``yᵀλ``, and
    ``ρ``: the certified maximum of the solver's ``λ`` over the constraint (``ρ·t`` at ``L = 3``)
    it was divided by."""

    multipliers: np.ndarray
    value: float
    rho: float


def rescaled_dual_point(
    problem: ReluProblem, lam: np.ndarray, outer_dual: np.ndarray | None = None
) -> DualCertificate:
    """Make ``λ`` feasible for the dual of ``problem`` over its patterns and evaluate it.

    ``L = 2``: ``ρ = σ(λ)``. ``L = 3``: ``ρ = max_g σ(s_g D2_g λ + (2D2_g − I) μ_g)`` with ``μ_g``
    the columns of ``outer_dual`` (zero if not given: still an upper bound, only looser).
    The feasible point is ``λ/ρ`` (``λ/(tρ)`` at ``L = 3``), see :func:`feasible_multipliers`."""
    X, inner = problem.X, problem.inner
    if problem.L == 2:
        rho = support_function(X, inner, lam)
    else:
        outer = problem.outer.astype(float)
        mu = np.zeros((X.shape[0], outer.shape[0])) if outer_dual is None else outer_dual
        mu = np.maximum(mu, 0.0)  # any μ ≥ 0 gives a valid bound; clip solver noise
        rho, largest = 0.0, 0.0
        for g, (D, s) in enumerate(zip(outer, problem.signs, strict=True)):
            # s·D·λ and (2D − 1)·μ are exact (signs and zeros); their sum rounds by at most u
            # per entry, which moves σ by at most u·‖shifted‖·‖X‖_F (added below).
            shifted = s * D * lam + (2 * D - 1) * mu[:, g]
            rho = support_function(X, inner, shifted, rho)
            largest = max(largest, norm_upper(shifted))
        rho += 2 * UNIT * largest * norm_upper(X.ravel())
    return feasible_multipliers(problem, lam, rho)


def feasible_multipliers(problem: ReluProblem, lam: np.ndarray, rho: float) -> DualCertificate:
    """``λ̂ = λ/(scale·ρ')`` (``scale = t`` at ``L = 3``, else 1) with ``ρ' ≥ ρ`` covering the
    rounding of the division, and a certified lower bound on ``yᵀλ̂``.

    ``fl(λ/q)`` differs from ``λ/q`` by at most ``u`` per entry, which moves ``λᵀh`` by at most
    ``u‖λ‖·‖h‖/q`` for every admissible pre-activation ``h`` (``‖h‖ ≤ ‖X‖_F`` at ``t = 1``):
    ``ρ' = (ρ + 2u‖λ‖‖X‖_F)(1 + 4u)`` keeps ``λ̂`` exactly feasible."""
    scale = problem.t if problem.L == 3 else 1.0
    feasible = rescaled_multipliers(problem.X, lam, rho, scale)
    return DualCertificate(feasible, dot_lower(problem.y, feasible), rho)


def rescaled_multipliers(X: np.ndarray, lam: np.ndarray, rho: float, scale: float) -> np.ndarray:
    """``λ/(scale·ρ')``, see :func:`feasible_multipliers` (zero when ``ρ = 0``: ``λ = 0``)."""
    if rho == 0.0:
        return np.zeros_like(lam)
    padded = (rho + 2 * UNIT * norm_upper(lam) * norm_upper(X.ravel())) * (1 + 4 * UNIT)
    return lam / (scale * padded)


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


@dataclass(frozen=True)
class UnitBranch:
    """A branch with its last weight left out: hidden layers ``W_1 … W_{L−1}`` with
    ``‖W_{L−1}‖ = 1`` (and ``‖W_1‖_F = t`` at ``L = 3``). With output weight ``a`` and the last
    two layers balanced it outputs ``a·feature`` at cost ``|a|``."""

    hidden: tuple[np.ndarray, ...]

    def feature(self, X: np.ndarray) -> np.ndarray:
        """The branch's last hidden unit on ``X``, by the same forward pass as the network's."""
        return Network((*self.hidden, np.ones((1, 1))), "relu").forward(X)[:, 0]

    def with_output(self, a: float) -> Network:
        """The branch with output weight ``a``: ``W_{L−1}·√|a|`` and ``sign(a)·√|a|``."""
        root = float(np.sqrt(abs(a)))
        *first, last = self.hidden
        return Network((*first, last * root, np.array([[np.copysign(root, a)]])), "relu")


@dataclass(frozen=True)
class Reconstruction:
    """The network; the number of non-negligible groups of the convex solution (each a
    candidate branch) and of branches left after pruning; the groups' total cost at ``t``."""

    network: ParallelNetwork
    groups: int
    branches: int
    cost_unpruned: float


def _signed_units(point: np.ndarray, group: int, floor: float) -> tuple[np.ndarray, np.ndarray]:
    """Unit directions (rows) and signed weights ``(±‖v‖)`` of one group's non-negligible
    vectors ``v`` (sign + for the ``v`` side, − for the ``w`` side)."""
    directions, weights = [], []
    for side, sign in ((0, 1.0), (1, -1.0)):
        vectors = point[side, group]
        norms = np.linalg.norm(vectors, axis=1)
        keep = norms > floor
        directions.append(vectors[keep] / norms[keep, None])
        weights.append(sign * norms[keep])
    return np.vstack(directions), np.concatenate(weights)


#: Patterns whose value for the solver's ``λ`` is within this of the maximum 1 contribute
#: their exact maximiser as a candidate first layer (see :func:`_two_layer_candidates`).
NEAR_OPTIMAL = 1e-6


def _two_layer_candidates(
    problem: ReluProblem, solution: GroupLassoSolution, floor: float
) -> tuple[list[UnitBranch], np.ndarray, np.ndarray]:
    """One candidate branch per non-negligible ``v_i`` or ``w_i`` (first layer ``u = v/‖v‖``,
    output weight ``±‖v‖``), and one per exact maximiser of ``|λᵀ(Xu)_+|`` that reaches
    ``1 − NEAR_OPTIMAL`` (weight 0: the last layer decides). The solver's directions are only
    within its tolerance of the optimal ones, which often lie on a face of a pattern's cone (a
    tie); interpolating exactly with them alone can cost far more than the optimum."""
    directions, weights = _signed_units(solution.point, 0, floor)
    level, limit = 1 - NEAR_OPTIMAL, 2 * len(problem.y)
    optimal = price(problem.X, problem.inner, solution.dual, level, limit).directions
    preferred = np.arange(len(directions) + len(optimal)) >= len(directions)
    directions = np.vstack([directions, optimal])
    weights = np.concatenate([weights, np.zeros(len(optimal))])
    return [UnitBranch((u[:, None],)) for u in directions], weights, preferred


def _three_layer_candidates(
    problem: ReluProblem, solution: GroupLassoSolution, floor: float
) -> tuple[list[UnitBranch], np.ndarray, np.ndarray]:
    """One candidate branch per non-negligible outer group ``g``: its inner units ``(u_k, c_k)``
    (pre-activation ``z_g = Σ_k c_k (Xu_k)_+``) pruned by conic Carathéodory to at most ``N``
    (``Σ|c_k|`` never grows), then ``p_k = c_k/ρ_g`` with ``ρ_g = Σ|c_k|``:
    ``W_1 = t·[u_k √|p_k|]`` (``‖W_1‖_F = t``), ``w_2 = [sign(p_k) √|p_k|]`` (``‖w_2‖ = 1``), so the
    unit feature is ``t·(z_g/ρ_g)_+`` and the output weight ``s_g ρ_g / t``."""
    X, t = problem.X, problem.t
    branches, weights = [], []
    for g, sign in enumerate(problem.signs):
        directions, inner = _signed_units(solution.point, g, floor)
        if np.sum(np.abs(inner)) <= floor:
            continue
        inner = conic_caratheodory(np.maximum(X @ directions.T, 0.0), inner)
        keep = np.flatnonzero(inner)
        rho = float(np.sum(np.abs(inner[keep])))
        share = inner[keep] / rho
        root = np.sqrt(np.abs(share))
        first = t * directions[keep].T * root
        branches.append(UnitBranch((first, (np.sign(share) * root)[:, None])))
        weights.append(sign * rho / t)
    return branches, np.array(weights), np.ones(len(weights), dtype=bool)


#: Extra LP cost per unit weight of a solver direction over an exact maximiser (see
#: :func:`last_layer`): enough for the LP to prefer the exact faces, too small to matter
#: otherwise (the cost of the result is recomputed without it).
SOLVER_DIRECTION_PENALTY = 1e-6


def last_layer(
    features: np.ndarray, weights: np.ndarray, y: np.ndarray, preferred: np.ndarray
) -> np.ndarray:
    """Output weights of least ``Σ|a|`` interpolating ``y`` with the candidate ``features``, exact
    up to rounding.

    The linear program ``min Σ c_j|a_j|`` s.t. ``features·a = y`` (HiGHS, ``c_j = 1`` on the
    ``preferred`` columns, slightly more elsewhere) chooses the best combination of the
    candidate branches (never worse than the solver's own ``weights``, up to their
    interpolation error); conic Carathéodory keeps at most ``rank`` columns; a last exact
    least-squares solve on the kept columns removes the LP's feasibility error, so the result
    interpolates up to rounding whatever the solvers' accuracy (its cost is recomputed from the
    weights, so a correction can only make the bound looser, never wrong). Should the LP fail,
    the minimum-norm correction of ``weights`` takes its place."""
    m = features.shape[1]
    cost = np.where(preferred, 1.0, 1.0 + SOLVER_DIRECTION_PENALTY)
    program = linprog(
        np.concatenate([cost, cost]),
        A_eq=np.hstack([features, -features]),
        b_eq=y,
        bounds=(0, None),
        method="highs",
        options={"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10},
    )
    if program.status == 0:
        weights = program.x[:m] - program.x[m:]
    return exact_last_layer(features, weights, y)


def exact_last_layer(features: np.ndarray, weights: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``weights`` corrected to interpolate ``y`` up to rounding and pruned to the rank: the
    minimum-norm correction over all columns, conic Carathéodory (output kept up to rounding,
    ``Σ|a|`` not raised), and an exact least-squares solve on the kept columns."""
    weights = weights + np.linalg.lstsq(features, y - features @ weights, rcond=None)[0]
    weights = conic_caratheodory(features, weights)
    keep = np.flatnonzero(weights)
    kept = features[:, keep]
    weights[keep] += np.linalg.lstsq(kept, y - kept @ weights[keep], rcond=None)[0]
    return weights


def assemble(candidates: list[UnitBranch], weights: np.ndarray) -> ParallelNetwork:
    """The network of the candidate branches with non-zero output weights."""
    return ParallelNetwork(
        tuple(candidates[k].with_output(weights[k]) for k in np.flatnonzero(weights))
    )


def reconstruct(problem: ReluProblem, solution: GroupLassoSolution) -> Reconstruction:
    """A parallel ReLU network from a convex solution: every non-negligible group becomes a
    candidate branch whose feature is recomputed by the network's own forward pass, and the
    output weights are solved on those features (:func:`last_layer`), so the network
    interpolates ``y`` up to rounding whatever the solver's accuracy was."""
    X, L = problem.X, problem.L
    floor = NEGLIGIBLE * float(np.sum(np.linalg.norm(solution.point, axis=-1)))
    collect = _two_layer_candidates if L == 2 else _three_layer_candidates
    candidates, weights, preferred = collect(problem, solution, floor)
    if weights.size == 0:
        zero = [np.zeros((X.shape[1], 1))] + [np.zeros((1, 1))] * (L - 1)
        return Reconstruction(ParallelNetwork((Network(tuple(zero), "relu"),)), 0, 1, 0.0)
    cost = float(np.sum(np.abs(weights)))
    features = np.column_stack([branch.feature(X) for branch in candidates])
    network = assemble(candidates, last_layer(features, weights, problem.y, preferred))
    return Reconstruction(network, len(candidates), len(network.branches), cost)


def weak_duality_allowance(
    X: np.ndarray, y: np.ndarray, network: ParallelNetwork, multipliers: np.ndarray, cost: float
) -> float:
    """How far a certified dual value ``yᵀλ̂`` may exceed the recomputed ``cost`` of ``network``
    by rounding alone.

    For a feasible ``λ̂`` and a network with output ``y + r`` (exactly), weak duality for the
    labels ``y + r`` gives ``cost ≥ (y + r)ᵀλ̂``, so ``yᵀλ̂ ≤ cost + ‖r‖·‖λ̂‖``. The computed ``r``
    differs from the exact one by the forward pass's rounding, at most ``γ_n`` times the same
    pass in absolute values (without the ReLU, which is 1-Lipschitz), and the cost by ``γ`` of
    the number of terms it sums."""
    residual = network.forward(X)[:, 0] - y
    spread = np.zeros(X.shape[0])
    terms, weights = X.shape[1], 0
    for branch in network.branches:
        A = np.abs(X)
        for W in branch.weights:
            A = A @ np.abs(W)
        spread += A[:, 0]
        terms = max(terms, X.shape[1] + sum(W.shape[0] for W in branch.weights))
        weights += branch.weights[-2].size + branch.weights[-1].size
    terms += len(network.branches) + 2
    forward = norm_upper(residual) + gamma(terms) * norm_upper(spread)
    return norm_upper(multipliers) * forward + gamma(weights + 2) * abs(cost)
