"""What the deep linear claims (C1 standard gap, C2 weight decay, C3 parallel) share as claims.

The numerics are in :mod:`verify.deep_linear`; this module turns them into evidence: the dual
bounds of ``D_lin(t)`` (certificate, bidual point and a convex-solver cross-check), the answer
``infeasible`` for labels outside the range of ``X``, the falsification search on the exactly
reduced problem, and the edge cases every deep linear claim checks.
"""

from __future__ import annotations

import math
from abc import abstractmethod

import numpy as np
from hypothesis.strategies import SearchStrategy

from verify.claims.base import Budget, Claim, Evidence, PinnedExample, infeasible_evidence
from verify.convex import SolverFailure, nuclear_norm_interpolation, spectral_dual
from verify.deep_linear import (
    LinearData,
    aligned_dual_bound,
    bidual_bound,
    feasible_dual_bound,
    lift_first_layer,
    linear_data,
)
from verify.instances import Instance
from verify.linalg import pseudo_inverse, relative_residual
from verify.networks import primal_certificate
from verify.result import HOLDS, INFEASIBLE, Bound
from verify.search import Architecture, SearchSummary, search_bounds
from verify.strategies.linear import linear_instances


def dual_bounds(
    instance: Instance, data: LinearData, radius: float, budget: Budget, found: Evidence
) -> None:
    """Certified bounds of ``max tr(ΛᵀY)`` s.t. ``‖XᵀΛ‖₂ ≤ radius`` (``D_lin(t)`` at
    ``radius = t^{−(L−2)}``), added to ``found`` as ``dual_lower``/``dual_upper``: the aligned
    certificate, the bidual point ``W*`` and the convex solver's cross-check."""
    found.add("dual_lower", aligned_dual_bound(instance, data, radius))
    found.add(
        "dual_upper", bidual_bound(instance, data.W, radius, "certificate", "W = X⁺Y", data.s)
    )
    solver_dual_bounds(instance, radius, budget, found)


def too_narrow_evidence(found: Evidence, reason: str) -> Evidence:
    """``found`` (with its dual bounds) turned into the answer ``infeasible``: a network of the
    instance's width cannot interpolate (``reason``, from :func:`verify.deep_linear.too_narrow`),
    so the primal is ``+∞``."""
    found.predicted.update(primal=math.inf, gap=math.inf)
    found.candidates["primal_lower"] = [Bound(math.inf, "closed-form", 0.0, reason)]
    found.candidates.pop("primal_upper", None)
    found.details.insert(0, reason)
    found.extra["infeasible"] = reason
    found.verdict = INFEASIBLE
    return found


def solver_dual_bounds(instance: Instance, radius: float, budget: Budget, found: Evidence) -> None:
    """Clarabel's dual and bidual points, each made feasible and re-evaluated (small instances)."""
    if not budget.solver or instance.N * instance.d * instance.K > budget.solver_max_size:
        found.details.append(
            "convex solver cross-check skipped (instance above the solver size limit)"
        )
        return
    X, Y = instance.X, instance.Y
    try:
        dual = spectral_dual(X, Y, radius)
        primal = nuclear_norm_interpolation(X, Y)
    except SolverFailure as exc:
        found.details.append(f"convex solver cross-check failed: {exc}")
        return
    # Make the solver's W exactly interpolating before it is used as a bidual certificate.
    W = primal.point + pseudo_inverse(X) @ (Y - X @ primal.point)
    found.details.append(
        f"Clarabel ({dual.status}, {primal.status}): dual value {dual.value:.10g}, "
        f"nuclear-norm value {radius * primal.value:.10g}"
    )
    found.add(
        "dual_lower", feasible_dual_bound(instance, dual.point, radius, "solver", "Clarabel Λ")
    )
    found.add("dual_upper", bidual_bound(instance, W, radius, "solver", "Clarabel W, projected"))


def infeasible_labels(instance: Instance, data: LinearData, tol: float) -> Evidence | None:
    """Evidence of infeasibility when ``Y`` is outside the range of ``X``, else ``None``.

    The certificate is the ray ``Λ = Y − X X⁺ Y``: ``XᵀΛ = 0`` (recomputed) and
    ``tr(ΛᵀY) = ‖Λ‖² > 0``, so ``sΛ`` is dual feasible for every ``s > 0`` and the dual is
    unbounded, matching the infeasible primal.
    """
    if data.residual <= tol:
        return None
    ray = instance.Y - instance.X @ data.W
    leak = relative_residual(instance.X.T @ ray, ray)
    growth = float(np.sum(ray * instance.Y))
    message = (
        f"Y is not in the range of X (relative residual ‖XX⁺Y − Y‖/‖Y‖ = {data.residual:.3e} > "
        f"tolerance {tol:.1e}): no linear network interpolates it; fix: use labels Y = X W"
    )
    ray_how = "ray Λ = Y − XX⁺Y: XᵀΛ = 0, tr(ΛᵀY) > 0"
    return infeasible_evidence(message, "XW = Y has no solution", ray_how, leak, growth)


def linear_search(
    instance: Instance,
    data: LinearData,
    arch: Architecture,
    objective: str,
    budget: Budget,
    rng: np.random.Generator,
    *,
    t: float | None = None,
    claimed: float,
    how: str,
) -> tuple[list[Bound], SearchSummary]:
    """Multi-start local search; every start's final network is re-evaluated on ``X, Y``.

    The search runs on the exactly reduced problem ``H W_2⋯W_L = diag(σ)Vᵀ`` with
    ``W_1 = U H``: for any feasible network, replacing ``W_1`` by ``UUᵀW_1`` keeps
    ``X W_1⋯W_L = Y`` (the product's component outside the range of ``U`` lies in the null space
    of ``X``) and does not increase any norm, so the reduced problem has the same optimum.
    It is also well conditioned where the raw one is not: the reduced features need full rank
    ``r`` only, while raw features would have to span the data's whole row space.
    """

    def evaluate(model):
        lifted = lift_first_layer(model, data.U)
        return primal_certificate(
            instance.X, instance.Y, lifted, objective, t=t, how=how, bound_kind="search"
        )

    return search_bounds(
        np.eye(data.rank),
        data.s[:, None] * data.Vt,
        arch,
        evaluate=evaluate,
        claimed=claimed,
        restarts=budget.restarts,
        max_iter=budget.max_iter,
        rng=rng,
        objective=objective,
        t=t,
    )


class DeepLinearClaim(Claim):
    """What the deep linear claims share: ``W* = X⁺Y`` analysed once, labels outside the range
    of ``X`` answered as ``infeasible``, the linear instance strategy and edge cases."""

    def evidence(self, instance: Instance, budget: Budget) -> Evidence:
        data = linear_data(instance)
        infeasible = infeasible_labels(instance, data, self.tolerance(instance))
        if infeasible is not None:
            return infeasible
        return self.linear_evidence(instance, data, budget)

    @abstractmethod
    def linear_evidence(self, instance: Instance, data: LinearData, budget: Budget) -> Evidence:
        """Evidence for an instance whose labels lie in the range of ``X``."""

    def instances(self) -> SearchStrategy[Instance]:
        return linear_instances()

    def pinned_examples(self) -> list[PinnedExample]:
        return linear_pinned_examples()


def linear_pinned_examples() -> list[PinnedExample]:
    """The edge cases every deep linear claim checks."""
    rng = np.random.default_rng(20231)
    X = rng.standard_normal((4, 3))
    rank_one = X @ np.outer([1.0, -2.0, 0.5], [0.3, 1.0])
    outside = np.vstack([np.eye(2), [[1.0, 0.0]]])  # 3×2 data, labels with a third direction
    return [
        PinnedExample(
            Instance(np.eye(2), np.eye(2), L=3, t=1.0, label="W* = I2"),
            HOLDS,
            "equal singular values, rank 2: P = 2√2, D = 2",
        ),
        PinnedExample(
            Instance(X, rank_one, L=5, t=0.8, label="rank 1"),
            HOLDS,
            "rank 1: the Schatten and nuclear norms coincide",
        ),
        PinnedExample(
            Instance(
                np.eye(3), np.diag([2.0, 2.0, 2.0]), L=4, t=1.5, label="equal singular values"
            ),
            HOLDS,
            "equal singular values, rank 3",
        ),
        PinnedExample(
            Instance(X, X @ rng.standard_normal((3, 2)), L=2, t=1.0, label="L = 2"),
            HOLDS,
            "L = 2: no constrained layer",
        ),
        PinnedExample(
            Instance(
                outside, np.eye(3)[:, :2] + np.eye(3)[:, 2:3], L=3, t=1.0, label="Y outside range"
            ),
            INFEASIBLE,
            "Y not in the range of X: primal infeasible, dual unbounded",
        ),
        PinnedExample(
            Instance(
                np.eye(3), np.diag([3.0, 2.0, 1.0]), L=3, t=1.0, width=2, label="width < rank"
            ),
            INFEASIBLE,
            "width 2 below rank 3",
        ),
    ]
