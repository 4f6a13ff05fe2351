"""Convex programs, solved with cvxpy (Clarabel by default; SCS as an independent cross-check).

A solver's output is never a bound by itself: every function here returns the solver's point,
and the claim modules make that point exactly feasible and re-evaluate it (see ``deep_linear``).

cvxpy is imported inside the functions that build programs: importing it costs about a second,
which checks that never solve a program (C5's column generation, the linear closed forms)
should not pay.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import cvxpy as cp

SOLVERS = ("CLARABEL", "SCS")


class SolverFailure(RuntimeError):
    """The solver did not report an optimal solution."""


@dataclass(frozen=True)
class ConvexSolution:
    value: float
    point: np.ndarray
    solver: str
    status: str


def solve_program(problem: cp.Problem, solver: str) -> None:
    """Solve ``problem`` with ``solver`` (one of :data:`SOLVERS`); :class:`SolverFailure` unless
    the status is optimal (an inaccurate optimum is accepted: the callers re-check it)."""
    import cvxpy as cp

    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}")
    options = {"eps": 1e-9, "max_iters": 200_000} if solver == "SCS" else {}
    try:
        # An "inaccurate" solution is not an error here: the status is kept on the solution,
        # and its point is made feasible and re-evaluated before it bounds anything.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Solution may be inaccurate")
            problem.solve(solver=solver, **options)
    except cp.error.SolverError as exc:
        raise SolverFailure(f"{solver}: {exc}") from None
    if problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
        raise SolverFailure(f"{solver} returned status {problem.status}")


def spectral_dual(
    X: np.ndarray, Y: np.ndarray, radius: float, solver: str = "CLARABEL"
) -> ConvexSolution:
    """``max tr(ΛᵀY)`` s.t. ``‖XᵀΛ‖₂ ≤ radius``: the dual of deep linear networks (C1, C3)."""
    import cvxpy as cp

    Lam = cp.Variable(Y.shape)
    problem = cp.Problem(cp.Maximize(cp.trace(Lam.T @ Y)), [cp.sigma_max(X.T @ Lam) <= radius])
    solve_program(problem, solver)
    return ConvexSolution(float(problem.value), np.asarray(Lam.value), solver, problem.status)


def nuclear_norm_interpolation(
    X: np.ndarray, Y: np.ndarray, solver: str = "CLARABEL"
) -> ConvexSolution:
    """``min ‖W‖_*`` s.t. ``XW = Y``: the convex (bidual) problem behind C1 and C3."""
    import cvxpy as cp

    W = cp.Variable((X.shape[1], Y.shape[1]))
    problem = cp.Problem(cp.Minimize(cp.normNuc(W)), [X @ W == Y])
    solve_program(problem, solver)
    return ConvexSolution(float(problem.value), np.asarray(W.value), solver, problem.status)


@dataclass(frozen=True)
class GroupLassoSolution(ConvexSolution):
    """A ReLU group-lasso solution (C5). ``point[0, g, i]`` and ``point[1, g, i]`` are the
    vectors ``v`` and ``w`` of outer group ``g`` and inner pattern ``i`` (one outer group at
    L = 2); ``dual`` is ``λ`` of the interpolation constraint (so ``yᵀλ`` is the dual value);
    ``outer_dual[:, g]`` the multipliers ``μ_g ≥ 0`` of the outer cone constraint of group ``g``
    (L = 3 only)."""

    dual: np.ndarray
    outer_dual: np.ndarray | None


def _relu_groups(X: np.ndarray, inner: np.ndarray, groups: int):
    """Variables and constraints shared by the ReLU programs: for each of ``groups`` copies of
    the inner patterns ``D_i`` (rows of ``inner``), vectors ``v, w`` in the closed cone
    ``(2D_i − I) X u ≥ 0``; returns ``V, W``, the group pre-activations
    ``Z[:, g] = Σ_i D_i X (v_gi − w_gi)``, the cone constraints and ``Σ ‖v‖ + ‖w‖``."""
    import cvxpy as cp

    P = inner.shape[0]
    mask = np.tile(inner.T.astype(float), groups)  # N × (groups·P), column g·P + i is D_i
    V = cp.Variable((X.shape[1], groups * P))
    W = cp.Variable((X.shape[1], groups * P))
    XV, XW = X @ V, X @ W
    cones = [cp.multiply(2 * mask - 1, XV) >= 0, cp.multiply(2 * mask - 1, XW) >= 0]
    block_sum = np.kron(np.eye(groups), np.ones((P, 1)))  # sums the P columns of each group
    Z = cp.multiply(mask, XV - XW) @ block_sum
    cost = cp.sum(cp.norm(V, 2, axis=0)) + cp.sum(cp.norm(W, 2, axis=0))
    return V, W, Z, cones, cost


def _group_point(V: cp.Variable, W: cp.Variable, groups: int, scale: float) -> np.ndarray:
    d = V.shape[0]
    stacked = np.stack([np.asarray(V.value).T, np.asarray(W.value).T])  # 2 × (groups·P) × d
    return scale * stacked.reshape(2, groups, -1, d)


def _zero_solution(
    X: np.ndarray, inner: np.ndarray, groups: int, solver: str, outer: bool
) -> GroupLassoSolution:
    """The exact solution for ``y = 0``: value 0 at the zero point, ``λ = 0`` (and ``μ = 0``)."""
    point = np.zeros((2, groups, inner.shape[0], X.shape[1]))
    outer_dual = np.zeros((X.shape[0], groups)) if outer else None
    return GroupLassoSolution(0.0, point, solver, "optimal", np.zeros(X.shape[0]), outer_dual)


def relu_two_layer_program(
    X: np.ndarray, y: np.ndarray, inner: np.ndarray, solver: str = "CLARABEL"
) -> GroupLassoSolution:
    """Two-layer ReLU group lasso over the arrangement patterns ``inner`` (P×N, 0/1):
    ``min Σ_i ‖v_i‖ + ‖w_i‖`` s.t. ``Σ_i D_i X (v_i − w_i) = y``, ``(2D_i − I) X v_i ≥ 0``,
    ``(2D_i − I) X w_i ≥ 0``. The program is positively homogeneous in ``y``: it is solved for
    ``y/‖y‖`` (better scaled) and the value and point scaled back (``λ`` does not scale)."""
    import cvxpy as cp

    scale = float(np.linalg.norm(y))
    if scale == 0.0:  # y = 0: the zero point is optimal, and λ = 0
        return _zero_solution(X, inner, 1, solver, outer=False)
    V, W, Z, cones, cost = _relu_groups(X, inner, 1)
    fit = Z[:, 0] == y / scale
    problem = cp.Problem(cp.Minimize(cost), [fit, *cones])
    solve_program(problem, solver)
    return GroupLassoSolution(
        scale * float(problem.value),
        _group_point(V, W, 1, scale),
        solver,
        problem.status,
        dual=-np.asarray(fit.dual_value, dtype=float),
        outer_dual=None,
    )


def relu_three_layer_program(
    X: np.ndarray,
    y: np.ndarray,
    inner: np.ndarray,
    outer: np.ndarray,
    signs: np.ndarray,
    solver: str = "CLARABEL",
) -> GroupLassoSolution:
    """Three-layer ReLU program of C5 at ``t = 1`` (the value at ``t`` is this over ``t``).

    One group per outer pattern ``D2_g`` (row ``g`` of ``outer``) with sign ``s_g = ±1``:
    ``min Σ_g Σ_i ‖v_gi‖ + ‖w_gi‖`` s.t. ``Σ_g s_g D2_g z_g = y``,
    ``z_g = Σ_i D1_i X (v_gi − w_gi)``, the inner cone constraints and ``(2D2_g − I) z_g ≥ 0``.
    Solved for ``y/‖y‖`` and scaled back, as :func:`relu_two_layer_program`."""
    import cvxpy as cp

    scale = float(np.linalg.norm(y))
    if scale == 0.0:  # y = 0: the zero point is optimal, and λ = 0
        return _zero_solution(X, inner, outer.shape[0], solver, outer=True)
    groups = outer.shape[0]
    V, W, Z, cones, cost = _relu_groups(X, inner, groups)
    outer_mask = outer.T.astype(float)  # N × groups
    fit = cp.sum(cp.multiply(outer_mask * signs, Z), axis=1) == y / scale
    outer_cone = cp.multiply(2 * outer_mask - 1, Z) >= 0
    problem = cp.Problem(cp.Minimize(cost), [fit, outer_cone, *cones])
    solve_program(problem, solver)
    return GroupLassoSolution(
        scale * float(problem.value),
        _group_point(V, W, groups, scale),
        solver,
        problem.status,
        dual=-np.asarray(fit.dual_value, dtype=float),
        outer_dual=np.asarray(outer_cone.dual_value, dtype=float),
    )
