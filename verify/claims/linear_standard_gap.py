"""C1 ``linear-standard-gap``: deep linear networks with vector outputs have a duality gap.

Statement
    For the rescaled deep linear network with ``L ≥ 3`` layers, the primal and the Lagrangian
    dual (over the last two layers) are

    ``P_lin(t) = t^{−(L−2)} ‖W*‖_{S_{2/L}}`` and ``D_lin(t) = t^{−(L−2)} ‖W*‖_*``, ``W* = X⁺Y``,

    so ``P ≥ D``, with a strictly positive gap exactly when ``rank(W*) ≥ 2`` (for ``L = 2`` the two
    coincide). The reading "the gap vanishes iff the singular values of ``X⁺Y`` are all equal"
    is false: ``W* = I₂``, ``L = 3``, ``t = 1`` gives ``P = 2√2``, ``D = 2``.

    The explorer rediscovers that counterexample on its own: ``dualgap explore
    equal-singular-values-no-gap --seed 0`` certifies a positive gap with equal singular values
    after 9 examples and shrinks it to ``X = Y = I₂``, ``L = 3``, ``t = 1``
    (:mod:`verify.discovery`).

Formulation
    ``P_lin(t) = min ½(‖W_{L−1}‖_F² + ‖W_L‖_F²)`` s.t. ``‖W_l‖_F ≤ t`` (``l ≤ L−2``),
    ``X W_1⋯W_L = Y``, hidden widths ``≥ rank(W*)`` (the instance's ``width``; default the rank).
    ``D_lin(t) = max tr(ΛᵀY)`` s.t. ``‖XᵀΛ‖₂ ≤ t^{−(L−2)}``. ``Y`` outside the range of ``X``
    makes the primal infeasible and the dual unbounded (verdict ``infeasible``), as does a width
    below the rank (primal only).

Source
    Wang, Ergen, Pilanci, ICLR 2023 (arXiv:2110.06482 v3), abstract: the duality gap of deeper
    linear networks with vector outputs is non-zero. Only the abstract could be consulted; the
    formulation above is this project's, stated in ``docs/formulations/C1-linear-standard-gap.md``.

How it is verified
    * primal upper bound: the balanced factorisation (``standard_t_weights``), whose output,
      norm constraints and cost are recomputed from the weights;
    * primal lower bound: closed form, by the generalised Hölder inequality for Schatten
      quasi-norms (also the weaker weak-duality bound from the dual certificate);
    * dual lower bound: ``Λ = t^{−(L−2)} (X⁺)ᵀ U Vᵀ``, its constraint ``‖XᵀΛ‖₂`` recomputed;
    * dual upper bound: the bidual point ``W*`` (weak duality of the convex dual);
    * cross-check: Clarabel's dual and nuclear-norm points, made feasible and re-evaluated;
    * falsification: multi-start L-BFGS on the non-convex primal (last layer eliminated
      exactly), every start's network re-evaluated; none may go below the claimed ``P``.

Known limits
    The primal lower bound is a proved inequality, not a numerical certificate: a non-convex
    primal has no cheap certificate of optimality. The search corroborates it from above.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, ClassVar

import numpy as np

from verify.certificates import linear_standard_certificate
from verify.claims.base import Budget, Evidence, NegativeControl, witnesses_of
from verify.claims.deep_linear_base import (
    DeepLinearClaim,
    certificate_bounds,
    dual_bounds,
    linear_search,
    too_narrow_evidence,
    zero_rank_note,
)
from verify.deep_linear import (
    CONSTRUCTION_PROOF,
    HOLDER_PROOF,
    LinearData,
    aligned_direction,
    depth_scale,
    linear_data,
    schatten_interval,
    standard_t_weights,
    too_narrow,
)
from verify.instances import Instance
from verify.result import Bound, CheckResult
from verify.search import Architecture


class LinearStandardGap(DeepLinearClaim):
    id = "linear-standard-gap"
    number = "C1"
    title = "Deep linear networks with vector outputs have a duality gap"
    source = (
        "Wang, Ergen, Pilanci (ICLR 2023), abstract (deep linear networks); "
        "formulation: docs/formulations/C1-linear-standard-gap.md"
    )
    statement = (
        "P_lin(t) = t^-(L-2) ||X⁺Y||_{S_2/L} >= D_lin(t) = t^-(L-2) ||X⁺Y||_*, "
        "with a positive gap iff L >= 3 and rank(X⁺Y) >= 2"
    )
    required = ("L", "t")
    field_hints: ClassVar[dict[str, str]] = {
        "L": "3 (any integer ≥ 2; a gap needs L ≥ 3)",
        "t": "a positive number such as 1.0",
    }
    shown_fields = ("rank", "width")

    def predictions(self, data: LinearData, L: int, t: float) -> dict[str, float]:
        c = depth_scale(L, t)
        primal, dual = c * data.schatten(L), c * data.nuclear
        return {"primal": primal, "dual": dual, "gap": primal - dual}

    def linear_evidence(self, instance: Instance, data: LinearData, budget: Budget) -> Evidence:
        L, t = instance.L, instance.t
        c = depth_scale(L, t)
        width = instance.width or max(data.rank, 1)
        found = Evidence(
            self.predictions(data, L, t),
            extra={"rank": data.rank, "width": width, "singular_values": data.s.tolist()},
        )
        dual_bounds(instance, data, c, budget, found)
        narrow = too_narrow(data, width)
        if narrow is not None:
            return too_narrow_evidence(found, narrow)
        solution = data.solution
        lo, hi = schatten_interval(solution.sigma_lo, solution.sigma_hi, L, c)
        found.add("primal_lower", Bound(lo, "closed-form", 0.0, HOLDER_PROOF))
        found.add("primal_upper", Bound(hi, "closed-form", 0.0, CONSTRUCTION_PROOF))
        found.details += solution.limits(self.tolerance(instance))
        if data.rank == 0:
            found.details.append(zero_rank_note(instance))
            return found
        found.predicted["construction"] = 1.0
        balanced = standard_t_weights(data, L, t, width)
        found.witnesses = {"layers": balanced.weights, "dual": aligned_direction(data, c)}
        for name, bounds in certificate_bounds(
            instance,
            data,
            balanced,
            "t",
            "primal",
            parallel=False,
            scale=c,
            how="balanced factorisation of X⁺Y",
            formula=lambda lo, hi: schatten_interval(lo, hi, L, c),
        ).items():
            found.add(name, *bounds)
        bounds, summary = linear_search(
            instance,
            data,
            Architecture(L=L, width=width),
            "t",
            budget,
            np.random.default_rng(budget.seed),
            t=t,
            scale=c,
            claimed=found.predicted["primal"],
            how="multi-start L-BFGS, standard net",
        )
        found.add("primal_upper", *bounds)
        found.extra["search"] = summary.to_json()
        found.details.append(f"search: {summary.describe()}")
        return found

    def certificate(self, instance: Instance, result: CheckResult) -> dict[str, Any]:
        layers, dual = witnesses_of(result, "layers", "dual")
        return linear_standard_certificate(self.id, instance, layers, dual)

    def homogeneity(self, instance: Instance) -> dict[str, tuple[Fraction, Fraction]]:
        return dict.fromkeys(("primal", "dual", "gap"), (Fraction(-1), Fraction(1)))

    def negative_controls(self) -> list[NegativeControl]:
        identity = Instance(np.eye(2), np.eye(2), L=3, t=1.0, label="W* = I2")
        rank_two = Instance(np.eye(3), np.diag([3.0, 1.0, 0.0]), L=4, t=0.5, label="rank 2")

        def scale(inst: Instance) -> float:
            return depth_scale(inst.L, inst.t)

        return [
            NegativeControl(
                "equal-singular-values",
                "the gap vanishes iff all singular values of X⁺Y are equal (W* = I2: predicts 0)",
                identity,
                lambda inst: {"gap": 0.0},
            ),
            NegativeControl(
                "primal-is-nuclear",
                "P_lin(t) = t^-(L-2) ||X⁺Y||_* for rank >= 2",
                rank_two,
                lambda inst: {"primal": scale(inst) * linear_data(inst).nuclear},
            ),
            NegativeControl(
                "dual-is-schatten",
                "zero gap: D_lin(t) = t^-(L-2) ||X⁺Y||_{S_2/L}",
                rank_two,
                lambda inst: {"dual": scale(inst) * linear_data(inst).schatten(inst.L)},
            ),
            NegativeControl(
                "wrong-depth-exponent",
                "P_lin(t) = t^-(L-1) ||X⁺Y||_{S_2/L} (off by one power of t)",
                rank_two,
                lambda inst: {
                    "primal": inst.t ** (1 - inst.L) * linear_data(inst).schatten(inst.L)
                },
            ),
        ]


CLAIM = LinearStandardGap()
