"""Parallel ReLU networks of depth ``L ≥ 4`` on general data (C5): certified bounds on ``P = D``.

Scalar labels, t-formulation: branch ``j`` has ``‖W_{l,j}‖_F ≤ t`` for ``l ≤ L − 2`` and costs
``½(‖w_{L−1,j}‖² + w_{L,j}²)``. The dual constraint is ``|λᵀa| ≤ 1`` over the *atoms* ``a``: the
outputs ``(A_{L−2}(θ) w)₊`` of one unit of layer ``L − 1`` (``θ`` the first ``L − 2`` layers,
``‖w‖ ≤ 1``). With ``Q₁ = Q = absconv{(Xu)₊ : ‖u‖ ≤ 1}`` and

    ``Q_k = absconv{(z)₊ : z ∈ Q_{k−1}}``,

the atoms at depth ``L = 3`` are exactly ``t·(z)₊``, ``z ∈ Q₁`` (:mod:`verify.relu_parallel`). At
depth ``L`` the pre-activation of the last hidden unit is ``Σ_k (h_k)₊ w_k`` with columns ``h_k``
of the previous layer; *inside one branch* every ``h_k`` comes from the same first layers, so the
set of pre-activations is a union of convex sets, not convex. Dropping that coupling (each
``h_k`` from its own first layers) gives the **outer approximation**: every atom at depth ``L``
is ``t^{L−2}·(z)₊`` with ``z ∈ Q_{L−2}`` (by induction: ``Σ_k ‖W_{l}[:, k]‖|w_k| ≤ ‖W_l‖_F‖w‖``).
So a ``λ`` with ``ρ ≥ sup_{z ∈ Q_{L−2}} |λᵀ(z)₊|`` gives the exactly feasible ``λ/(t^{L−2}ρ)``,
and its value ``yᵀλ/(t^{L−2}ρ)`` is a **certified lower bound on D**.

The bound ``ρ`` is a tree of the ``L = 3`` argument: with the exactly enumerated sign patterns
``D_k`` of the span of ``Q_k`` (levels ``k = 2 … L − 1``; :func:`deep_problem`), for every
``μ ≥ 0``,

    ``sup_{z ∈ Q_k, (2D − I)z ≥ 0} s·cᵀDz ≤ σ_{Q_k}(s·Dc + (2D − I)μ)``,

and ``σ_{Q_k}(c) = max_{D,s} sup_{z ∈ Q_{k−1}, (2D−I)z ≥ 0} s·cᵀDz``, down to
``σ_{Q₁}`` (:func:`verify.cone_support.support_function`, exact over the inner patterns). One
multiplier per node of the tree — a path of (pattern, sign) groups from the top level down — is
taken from the convex program over the outer approximation (:func:`outer_program`: the
``L = 3`` program of :func:`verify.convex.relu_three_layer_program` with one more level of groups
per layer), whose value is the gauge of ``y`` for the outer atoms; :func:`certified_rho` bounds
every rounding error (:func:`rescaled_dual_point`).

The **primal upper bound** is an explicit network: the ``L = 3`` solution of C5 embedded at depth
``L`` (:func:`embedded_candidates`). A branch ``((XW₁)₊w₂)₊w₃`` of depth 3 becomes
``W₁``, ``t·w₂/‖w₂‖`` (a single unit, ``‖·‖_F = t``), ``L − 4`` layers ``[t]`` (the identity on the
non-negative unit, scaled to the budget) and the balanced last two layers; each constrained
layer is scaled until ``‖W‖_F ≤ t`` holds exactly (ball arithmetic), and the output weights are
solved exactly on the recomputed features (:func:`verify.relu_parallel.last_layer`). Its cost is
``P₃(t)/t^{L−3}``.

The interval ``[yᵀλ̂, cost]`` closes exactly when the outer approximation is tight at ``y``. On the
instances measured (``N ≤ 5``, ``d ≤ 2``) it always was: the outer program's value equals
``P₃/t^{L−3}`` to the solver's accuracy, i.e. depth beyond three does not lower the parallel
network's cost there (measured, not proved in general).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import flint
import numpy as np

from verify.arrangements import PatternSet, chamber_patterns, general_position_count, masks
from verify.cone_support import UNIT, dot_lower, gamma, norm_upper, support_function
from verify.convex import solve_program
from verify.linalg import compact_svd
from verify.networks import ParallelNetwork
from verify.relu_parallel import (
    UnitBranch,
    assemble,
    last_layer,
    pattern_span,
    rescaled_multipliers,
)
from verify.rigorous import sum_of_squares

#: The largest convex program (scalar variables, general-position estimate) a deep check accepts.
MAX_DEEP_VARIABLES = 200_000


@dataclass(frozen=True)
class Level:
    """The groups of one outer level: non-zero sign patterns (rows, 0/1) of the span of ``Q_k``,
    each with both signs; ``certified`` when the patterns are the exact enumeration."""

    patterns: np.ndarray
    signs: np.ndarray
    certified: bool

    def __len__(self) -> int:
        return int(self.patterns.shape[0])


@dataclass(frozen=True)
class DeepProblem:
    """Data, depth ``L ≥ 3``, ``t``, the inner patterns of ``X`` and the outer levels
    ``2 … L − 1`` (``levels[0]`` is level 2, the ``L = 3`` outer patterns)."""

    X: np.ndarray
    y: np.ndarray
    L: int
    t: float
    inner: PatternSet
    levels: tuple[Level, ...]
    #: orthonormal basis of the span of every depth-``L`` output (``Σ_g D_g span Q_{L−2}``)
    output_basis: np.ndarray

    def unreachable_component(self) -> np.ndarray:
        """The part of ``y`` outside the span of every network output (0 when interpolable):
        a dual ray, orthogonal to every atom."""
        return self.y - self.output_basis @ (self.output_basis.T @ self.y)

    @property
    def certified(self) -> bool:
        return self.inner.certified and all(level.certified for level in self.levels)

    @property
    def variables(self) -> int:
        """Scalar variables of :func:`outer_program`."""
        return 2 * self.X.shape[1] * len(self.inner) * math.prod(len(v) for v in self.levels)

    @property
    def pattern_counts(self) -> dict[str, int]:
        return {"inner": len(self.inner), **{f"level_{k + 2}": len(v) for k, v in
                                             enumerate(self.levels)}}  # fmt: skip


def estimated_variables(N: int, d: int, L: int) -> int:
    """Upper estimate of :attr:`DeepProblem.variables` before enumerating: general-position
    inner counts and every non-zero outer pattern at each of the ``L − 2`` outer levels."""
    return 2 * d * general_position_count(N, d) * (2 * (2**N - 1)) ** (L - 2)


def deepest_general_depth(N: int, d: int) -> int:
    """The largest ``L ≥ 3`` whose outer program fits :data:`MAX_DEEP_VARIABLES` (at least 3)."""
    L = 3
    while estimated_variables(N, d, L + 1) <= MAX_DEEP_VARIABLES:
        L += 1
    return L


def _level(patterns: PatternSet) -> Level:
    # the all-zero pattern contributes (z)₊ = 0 whatever z is: it is left out
    nonzero = patterns.patterns[patterns.patterns.any(axis=1)]
    both = np.vstack([nonzero, nonzero])
    signs = np.concatenate([np.ones(len(nonzero)), -np.ones(len(nonzero))])
    return Level(both, signs, patterns.certified)


def deep_problem(X: np.ndarray, y: np.ndarray, L: int, t: float) -> DeepProblem:
    """Enumerate the patterns exactly: inner (of ``X``), then level by level the patterns of the
    span of ``Q_k``: ``span Q₁ = S = span{D_i X}``, ``span Q_k = Σ_g D_g span Q_{k−1}``.

    Each span is given by exact generators (0/1 masks times the data's floats, no rounding), as
    :func:`verify.relu_parallel.relu_problem` does at ``L = 3``; once a span is all of ``R^N``
    (its exact rank, from the enumeration) every later one is too, and the
    identity generates it."""
    N = X.shape[0]
    inner = chamber_patterns(X)
    generators = pattern_span(X, inner)
    levels = []
    for _ in range(L - 2):
        patterns = chamber_patterns(generators)
        level = _level(patterns)
        levels.append(level)
        if patterns.rank == N:
            generators = np.eye(N)
        else:
            distinct = np.unique(level.patterns, axis=0).astype(float)
            stacked = np.hstack([m[:, None] * generators for m in distinct])
            generators = np.unique(stacked[:, np.any(stacked != 0, axis=0)], axis=1)
    basis = compact_svd(generators)[0]
    return DeepProblem(X, y, L, t, inner, tuple(levels), basis)


@dataclass(frozen=True)
class OuterSolution:
    """The outer program's value at ``t = 1`` (the value at ``t`` is this over ``t^{L−2}``), its
    multipliers ``λ`` of the interpolation constraint, and per level ``k`` (index 0 = level 2)
    the multipliers ``μ ≥ 0`` of its cone constraints, one column per node of the tree (the
    paths of groups from the top level down to level ``k``, the deepest index fastest)."""

    value: float
    dual: np.ndarray
    multipliers: tuple[np.ndarray, ...]
    solver: str
    status: str


def outer_program(problem: DeepProblem, solver: str = "CLARABEL") -> OuterSolution:
    """The gauge of ``y`` for the outer atoms, as a convex program at ``t = 1``.

    One vector pair ``(v, w)`` per path ``(g_{L−1}, …, g₂, i)`` in the inner cone of pattern
    ``D_i``; the level-1 pre-activations ``q = Σ_i D_i X (v − w)``; at each level ``k`` the node's
    vector lies in the cone of its pattern, ``(2D_k − I)z ≥ 0``, and its parent's is
    ``Σ_g s_g D_g z_g``; the root's equals ``y``. Minimise ``Σ ‖v‖ + ‖w‖``. At ``L = 3`` this is
    :func:`verify.convex.relu_three_layer_program`. Solved for ``y/‖y‖`` and scaled back."""
    import cvxpy as cp  # here, not at import: the claims load without cvxpy's start-up cost

    X, inner = problem.X, masks(problem.inner)
    d = X.shape[1]
    P = len(inner)
    sizes = [len(level) for level in reversed(problem.levels)]  # top level first
    paths = math.prod(sizes) * P
    V, W = cp.Variable((d, paths)), cp.Variable((d, paths))
    first = np.tile(inner.T, paths // P)
    constraints = [cp.multiply(2 * first - 1, X @ V) >= 0, cp.multiply(2 * first - 1, X @ W) >= 0]
    Z = cp.multiply(first, X @ (V - W)) @ np.kron(np.eye(paths // P), np.ones((P, 1)))
    cones = []
    for level in problem.levels:  # level 2 first: the deepest index of the columns of Z
        nodes = Z.shape[1]
        mask = np.tile(level.patterns.T.astype(float), nodes // len(level))
        signs = np.tile(level.signs, nodes // len(level))
        cone = cp.multiply(2 * mask - 1, Z) >= 0
        cones.append(cone)
        Z = cp.multiply(mask * signs, Z) @ np.kron(np.eye(nodes // len(level)),
                                                   np.ones((len(level), 1)))  # fmt: skip
    scale = float(np.linalg.norm(problem.y))
    fit = Z[:, 0] == problem.y / scale
    cost = cp.sum(cp.norm(V, 2, axis=0)) + cp.sum(cp.norm(W, 2, axis=0))
    program = cp.Problem(cp.Minimize(cost), [fit, *constraints, *cones])
    solve_program(program, solver)
    return OuterSolution(
        scale * float(program.value),
        -np.asarray(fit.dual_value, dtype=float),
        tuple(np.asarray(cone.dual_value, dtype=float) for cone in cones),
        solver,
        program.status,
    )


def certified_rho(
    problem: DeepProblem, lam: np.ndarray, multipliers: tuple[np.ndarray, ...] | None = None
) -> float:
    """A certified upper bound on ``sup_{z ∈ Q_{L−2}} |λᵀ(z)₊|`` (exact arithmetic).

    Walks the tree of groups from the top level down (module docstring): at a node with vector
    ``c`` and group ``(D, s)`` the child's vector is ``s·Dc + (2D − 1)μ`` (``μ`` the node's
    multipliers, clipped at 0: any ``μ ≥ 0`` gives a valid bound; missing ones are 0), and at a
    leaf the exact support function over the inner patterns bounds the rest. The vectors are
    computed in floating point: ``s·Dc`` and ``(2D − 1)μ`` are exact and their sum rounds by at
    most ``u`` per entry, an error carried unchanged (up to zeroed entries) to the leaf, where it
    moves ``σ_{Q₁}`` by at most its norm times ``sup_{q ∈ Q₁}‖q‖ ≤ ‖X‖_F``: each leaf's bound adds
    ``2u·Σ_path ‖c‖·‖X‖_F``."""
    X, inner = problem.X, problem.inner
    levels = list(reversed(problem.levels))  # top level first
    nx = norm_upper(X.ravel())
    clipped = None if multipliers is None else [np.maximum(m, 0.0) for m in reversed(multipliers)]
    rho = 0.0

    def walk(depth: int, node: int, c: np.ndarray, error: float) -> None:
        nonlocal rho
        level = levels[depth]
        for g, (D, s) in enumerate(zip(level.patterns.astype(float), level.signs, strict=True)):
            column = node * len(level) + g
            mu = 0.0 if clipped is None else clipped[depth][:, column]
            child = s * D * c + (2 * D - 1) * mu
            grown = error + 2 * UNIT * norm_upper(child)
            if depth + 1 < len(levels):
                walk(depth + 1, column, child, grown)
            else:
                slack = grown * nx
                rho = support_function(X, inner, child, max(rho - slack, 0.0)) + slack

    walk(0, 0, np.asarray(lam, dtype=float), 0.0)
    return rho


@dataclass(frozen=True)
class DeepDual:
    """``λ`` rescaled to exact feasibility for the depth-``L`` dual, a certified lower bound on
    its value ``yᵀλ̂``, and the certified ``ρ`` (at ``t = 1``) it was divided by."""

    multipliers: np.ndarray
    value: float
    rho: float


def rescaled_dual_point(
    problem: DeepProblem, lam: np.ndarray, multipliers: tuple[np.ndarray, ...] | None = None
) -> DeepDual:
    """``λ̂ = λ/(t^{L−2}ρ')`` with ``ρ = certified_rho(λ)``: exactly feasible, since every atom is
    ``t^{L−2}(z)₊`` with ``z ∈ Q_{L−2}`` and ``‖(z)₊‖ ≤ ‖X‖_F``
    (:func:`verify.relu_parallel.rescaled_multipliers` covers the division's rounding; the power
    ``t^{L−2}`` is rounded upwards, which only shrinks ``λ̂``)."""
    rho = certified_rho(problem, lam, multipliers)
    with flint.ctx.workprec(80):
        power = float((flint.arb(problem.t) ** (problem.L - 2)).upper())
    scale = math.nextafter(power, math.inf)
    feasible = rescaled_multipliers(problem.X, lam, rho, scale)
    return DeepDual(feasible, dot_lower(problem.y, feasible), rho)


def within_norm(W: np.ndarray, t: float) -> np.ndarray:
    """``W`` scaled down (if needed) until ``‖W‖_F ≤ t`` holds exactly (ball arithmetic)."""
    W = np.asarray(W, dtype=float)
    limit = flint.arb(t) * flint.arb(t)
    # the enclosure of ‖W‖_F² is γ_{n+1}-wide: shrink by a few times that, more if it fails
    margin = 4 * gamma(W.size + 4)
    while not sum_of_squares(W) <= limit:
        W = W * (t / float(np.linalg.norm(W))) * (1 - margin)
        margin *= 2
    return W


def embedded_candidates(network3: ParallelNetwork, L: int, t: float) -> list[UnitBranch]:
    """The branches of a depth-3 network as unit branches of depth ``L ≥ 3`` (module docstring):
    ``W₁`` (within ``‖·‖_F ≤ t``), ``t·w₂/‖w₂‖`` (within ``t``), ``L − 4`` layers ``[t]`` and a unit
    last hidden layer ``[1]``; the feature of each is ``t^{L−3}`` times the depth-3 branch's unit
    feature. Branches with ``w₂ = 0`` contribute nothing and are dropped."""
    candidates = []
    for branch in network3.branches:
        W1, w2 = branch.weights[0], branch.weights[1]
        norm = float(np.linalg.norm(w2))
        if norm == 0.0:
            continue
        if L == 3:
            hidden = (within_norm(W1, t), w2 / norm)
        else:
            middle = [np.array([[t]])] * (L - 4)
            unit = within_norm(w2 * (t / norm), t)
            hidden = (within_norm(W1, t), unit, *middle, np.ones((1, 1)))
        candidates.append(UnitBranch(hidden))
    return candidates


def embedded_network(network3: ParallelNetwork, y: np.ndarray, X: np.ndarray, L: int, t: float
                     ) -> ParallelNetwork | None:  # fmt: skip
    """The depth-3 network embedded at depth ``L``, its output weights solved exactly on the
    recomputed features (least ``Σ|a|``, :func:`verify.relu_parallel.last_layer`); ``None`` when
    it has no branch."""
    candidates = embedded_candidates(network3, L, t)
    if not candidates:
        return None
    features = np.column_stack([branch.feature(X) for branch in candidates])
    guess = np.zeros(len(candidates))
    weights = last_layer(features, guess, y, np.ones(len(candidates), dtype=bool))
    if not np.any(weights):
        return None
    return assemble(candidates, weights)
