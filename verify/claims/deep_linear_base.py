"""What the deep linear claims (C1 standard gap, C2 weight decay, C3 parallel) share as claims.

The numerics are in :mod:`verify.deep_linear`; this module turns them into evidence: the dual
bounds of ``D_lin(t)`` (certificate, bidual point and a convex-solver cross-check), the answer
``infeasible`` for labels outside the range of ``X``, the falsification search on the exactly
reduced problem, and the edge cases every deep linear claim checks.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from collections.abc import Callable

import flint
import numpy as np
from hypothesis.strategies import SearchStrategy

from verify.claims.base import Budget, Claim, Evidence, PinnedExample, infeasible_evidence
from verify.deep_linear import (
    LinearData,
    aligned_dual_bound,
    bidual_bound,
    end_to_end_singular_values,
    lift_first_layer,
    linear_data,
    solver_dual_bound,
)
from verify.instances import Instance
from verify.linalg import relative_residual
from verify.linear_bounds import exact_cost, network_upper_bound
from verify.networks import Model, primal_certificate
from verify.result import HOLDS, INCONCLUSIVE, INFEASIBLE, Bound
from verify.rigorous import lower, upper
from verify.search import Architecture, SearchSummary, search_bounds
from verify.strategies.linear import linear_instances


def dual_bounds(
    instance: Instance, data: LinearData, radius: float, budget: Budget, found: Evidence
) -> None:
    """Certified bounds of ``max tr(ΛᵀΠY)`` s.t. ``‖XᵀΛ‖₂ ≤ radius`` (``D_lin(t)`` at
    ``radius = t^{−(L−2)}``), added to ``found`` as ``dual_lower``/``dual_upper``: the aligned
    certificate, the bidual point ``W*`` (enclosed) and the convex solver's cross-check."""
    found.add("dual_lower", aligned_dual_bound(instance, data, radius))
    found.add("dual_upper", bidual_bound(data, radius))
    solver_dual_bounds(instance, data, radius, budget, found)


def zero_rank_note(instance: Instance) -> str:
    """Why no construction or search is run when no singular value of ``X⁺Y`` is certified."""
    if not np.any(instance.Y):
        return "Y = 0: the zero network is optimal and every value is 0; no search"
    return (
        "no singular value of X⁺Y is certified positive in float64, so no network is built or "
        "searched: the intervals rest on the enclosure of X⁺Y alone"
    )


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


def solver_dual_bounds(
    instance: Instance, data: LinearData, radius: float, budget: Budget, found: Evidence
) -> None:
    """Clarabel's dual point, certified like the aligned one, and its nuclear-norm value as a
    cross-check (small instances). The programs are solved at radius 1: both values are linear
    in the radius, and a radius of 1e24 would break the solver."""
    if not budget.solver or instance.N * instance.d * instance.K > budget.solver_max_size:
        found.details.append(
            "convex solver cross-check skipped (instance above the solver size limit)"
        )
        return
    # cvxpy is imported only when a solver runs (importing it takes about a second)
    from verify.convex import SolverFailure, nuclear_norm_interpolation, spectral_dual

    X, Y = instance.X, instance.Y
    try:
        dual = spectral_dual(X, Y, 1.0)
        primal = nuclear_norm_interpolation(X, Y)
    except SolverFailure as exc:
        found.details.append(f"convex solver cross-check failed: {exc}")
        return
    found.details.append(
        f"Clarabel ({dual.status}, {primal.status}): dual value {radius * dual.value:.10g}, "
        f"nuclear-norm value {radius * primal.value:.10g} (cross-check)"
    )
    found.add("dual_lower", solver_dual_bound(instance, data, dual.point, radius))


def infeasible_labels(instance: Instance, data: LinearData, tol: float) -> Evidence | None:
    """The answer when ``Y`` is not within ``tol`` (relative) of the range of ``X``, else
    ``None`` (the check goes on with ``ΠY``, as the formulation reads the labels).

    The distance is certified (:func:`verify.linear_bounds.range_distance`): beyond ``tol`` the
    answer is ``infeasible``, with the ray ``Λ = Y − XX⁺Y`` (``XᵀΛ ≈ 0`` recomputed,
    ``tr(ΛᵀY) = ‖Λ‖² > 0``) as the dual's certificate of unboundedness; when float64 cannot
    tell on which side of ``tol`` it lies, ``inconclusive``.
    """
    lo, hi = data.range_distance
    if hi <= tol:
        return None
    if lo <= tol:
        reason = (
            f"cannot decide whether Y lies within the tolerance {tol:.0e} of the range of X: its "
            f"relative distance is only known to lie in [{lo:.2e}, {hi:.2e}] in float64"
        )
        return Evidence(details=[reason], extra={"undecided": reason}, verdict=INCONCLUSIVE)
    ray = instance.Y - instance.X @ data.W
    leak = relative_residual(instance.X.T @ ray, ray)
    growth = float(np.sum(ray * instance.Y))
    message = (
        f"Y is not in the range of X (relative distance ‖Y − XX⁺Y‖/‖Y‖ ≥ {lo:.3e} > "
        f"tolerance {tol:.1e}, certified): no linear network interpolates it; fix: use labels "
        "Y = X W"
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
    scale: float,
    claimed: float,
    how: str,
) -> tuple[list[Bound], SearchSummary]:
    """Multi-start local search; every start's network is re-evaluated on ``X, Y``.

    The search runs on the exactly reduced problem ``H W_2⋯W_L = diag(σ)Vᵀ`` with
    ``W_1 = U H``: for any feasible network, replacing ``W_1`` by ``UUᵀW_1`` keeps
    ``X W_1⋯W_L = Y`` (the product's component outside the range of ``U`` lies in the null space
    of ``X``) and does not increase any norm, so the reduced problem has the same optimum.
    It is also well conditioned where the raw one is not: the reduced features need full rank
    ``r`` only, while raw features would have to span the data's whole row space.

    The summary compares the starts' recomputed costs with ``claimed``; the returned bounds are
    certified upper bounds (:func:`verify.linear_bounds.network_upper_bound`: exact cost plus the
    cost of interpolating the residual), so a start can contradict the certified lower bound
    only if the claim is false.
    """
    certified: list[Bound] = []

    def evaluate(model):
        lifted = lift_first_layer(model, data.U)
        bound = network_upper_bound(
            instance,
            data.solution,
            lifted,
            objective,
            parallel=arch.parallel,
            scale=flint.arb(scale),
            kind="search",
            how=how,
        )
        if bound is not None:
            certified.append(bound)
        return primal_certificate(
            instance.X, instance.Y, lifted, objective, t=t, how=how, bound_kind="search"
        )

    if data.rank == 0:
        return [], SearchSummary(0, (), claimed, 0)
    _, summary = search_bounds(
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
        work=budget.work,
        timeout=budget.timeout,
    )
    return certified, summary


def certificate_bounds(
    instance: Instance,
    data: LinearData,
    model: Model,
    objective: str,
    quantity: str,
    *,
    parallel: bool,
    scale: float,
    how: str,
    formula: Callable[[np.ndarray, np.ndarray], tuple[float, float]],
    beta: float = 1.0,
) -> dict[str, list[Bound]]:
    """``quantity_upper``: the certified upper bound from an explicit network (exact cost plus
    the residual's, :func:`verify.linear_bounds.network_upper_bound`), and
    ``construction_lower/upper``: the ratio of its exact cost to ``formula`` (the closed form, as
    a function of enclosures of singular values) at its own end-to-end matrix. The closed form
    is an upper bound by construction only if that ratio is 1: the ratio is a judged quantity,
    predicted 1, so a wrong cost formula is caught rather than trusted. (A claim with several
    constructions names the ratio ``construction_<quantity>`` instead.)"""
    out: dict[str, list[Bound]] = {}
    bound = network_upper_bound(
        instance,
        data.solution,
        model,
        objective,
        parallel=parallel,
        scale=flint.arb(scale),
        kind="certificate",
        how=how,
        beta=beta,
    )
    if bound is not None:
        out[f"{quantity}_upper"] = [bound]
    cost = exact_cost(model, objective, beta)
    lo, hi = formula(*end_to_end_singular_values(model, data.rank))
    if lo > 0.0:
        name = "construction" if quantity == "primal" else f"construction_{quantity}"
        ratio_how = f"exact cost of the construction ({how}) / closed form at its product"
        out[f"{name}_lower"] = [Bound(lower(cost / flint.arb(hi)), "certificate", 0.0, ratio_how)]
        out[f"{name}_upper"] = [Bound(upper(cost / flint.arb(lo)), "certificate", 0.0, ratio_how)]
    return out


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
    """The edge cases every deep linear claim checks, including two where float64 cannot decide
    and the honest answer is ``inconclusive``."""
    rng = np.random.default_rng(20231)
    X = rng.standard_normal((4, 3))
    integer_X = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0], [3.0, 0.0, 1.0], [1.0, 1.0, 1.0]])
    rank_one = np.outer([1.0, -2.0, 0.5], [3.0, 1.0])
    outside = np.vstack([np.eye(2), [[1.0, 0.0]]])  # 3×2 data, labels with a third direction
    Q = np.linalg.qr(rng.standard_normal((3, 3)))[0]
    ill = (Q * [1.0, 1e-6, 1e-12]) @ np.linalg.qr(rng.standard_normal((3, 3)))[0]
    return [
        PinnedExample(
            Instance(np.eye(2), np.eye(2), L=3, t=1.0, label="W* = I2"),
            HOLDS,
            "equal singular values, rank 2: P = 2√2, D = 2",
        ),
        PinnedExample(
            Instance(integer_X, integer_X @ rank_one, L=5, t=0.8, label="rank 1"),
            HOLDS,
            "rank 1 (exact data): the Schatten and nuclear norms coincide",
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
            Instance(np.eye(3), np.zeros((3, 2)), L=4, t=2.0, label="Y = 0"),
            HOLDS,
            "zero labels: every value is 0",
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
        PinnedExample(
            Instance(X, X @ rank_one, L=5, t=0.8, label="rank 1, float-rounded labels"),
            INCONCLUSIVE,
            "X⁺Y of the given floats has a rounding-level singular value that p = 2/5 "
            "magnifies to ~1e-6 relative; float64 cannot decide it (exact data can)",
        ),
        PinnedExample(
            Instance(ill, ill @ rng.standard_normal((3, 2)), L=3, t=1.0, label="κ(X) = 1e12"),
            INCONCLUSIVE,
            "X too ill-conditioned for float64: X⁺Y is known only to about κ·ε",
        ),
    ]
