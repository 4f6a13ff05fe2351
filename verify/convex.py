"""Convex programs, solved with cvxpy (Clarabel by default; SCS as an independent cross-check).

A solver's output is never a bound by itself: every function here returns the solver's point,
and the claim modules make that point exactly feasible and re-evaluate it (see ``deep_linear``).
"""

from __future__ import annotations

from dataclasses import dataclass

import cvxpy as cp
import numpy as np

SOLVERS = ("CLARABEL", "SCS")


class SolverFailure(RuntimeError):
    """The solver did not report an optimal solution."""


@dataclass(frozen=True)
class ConvexSolution:
    value: float
    point: np.ndarray
    solver: str
    status: str


def _solve(problem: cp.Problem, solver: str) -> None:
    if solver not in SOLVERS:
        raise ValueError(f"solver must be one of {SOLVERS}")
    options = {"eps": 1e-9, "max_iters": 200_000} if solver == "SCS" else {}
    try:
        problem.solve(solver=solver, **options)
    except cp.error.SolverError as exc:
        raise SolverFailure(f"{solver}: {exc}") from None
    if problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
        raise SolverFailure(f"{solver} returned status {problem.status}")


def spectral_dual(
    X: np.ndarray, Y: np.ndarray, radius: float, solver: str = "CLARABEL"
) -> ConvexSolution:
    """``max tr(ΛᵀY)`` s.t. ``‖XᵀΛ‖₂ ≤ radius``: the dual of deep linear networks (C1, C3)."""
    Lam = cp.Variable(Y.shape)
    problem = cp.Problem(cp.Maximize(cp.trace(Lam.T @ Y)), [cp.sigma_max(X.T @ Lam) <= radius])
    _solve(problem, solver)
    return ConvexSolution(float(problem.value), np.asarray(Lam.value), solver, problem.status)


def nuclear_norm_interpolation(
    X: np.ndarray, Y: np.ndarray, solver: str = "CLARABEL"
) -> ConvexSolution:
    """``min ‖W‖_*`` s.t. ``XW = Y``: the convex (bidual) problem behind C1 and C3."""
    W = cp.Variable((X.shape[1], Y.shape[1]))
    problem = cp.Problem(cp.Minimize(cp.normNuc(W)), [X @ W == Y])
    _solve(problem, solver)
    return ConvexSolution(float(problem.value), np.asarray(W.value), solver, problem.status)
