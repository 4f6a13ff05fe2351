"""C3 ``linear-parallel-zero-gap``: parallel deep linear networks have zero duality gap.

Statement
    A parallel linear network with ``m ≥ rank(W*)`` branches (each ending in a single hidden
    unit) has ``P_prl(t) = D_prl(t) = t^{−(L−2)} ‖W*‖_*``, ``W* = X⁺Y``, which is also C1's
    ``D_lin(t)``: the bidual of the standard network is the parallel network. With ``m < rank``
    the primal is infeasible. The regulariser matters as much as the architecture:
    ``(β/L) Σ_j Σ_l ‖W_{l,j}‖_F^L`` gives ``β ‖W*‖_*`` (convex nuclear-norm minimisation, zero
    gap), while plain weight decay on the same parallel network gives back
    ``(L/2) Σ σ_i^{2/L}`` (non-convex).

    A control for the explorer: ``dualgap explore parallel-linear-zero-gap --seed 0`` finds no
    counterexample in 200 examples.

Formulation
    Branch ``j``: ``X W_{1,j}⋯W_{L−2,j} w_{L−1,j} w_{L,j}ᵀ`` with ``‖W_{l,j}‖_F ≤ t`` (``l ≤ L−2``);
    objective ``½ Σ_j (‖w_{L−1,j}‖² + ‖w_{L,j}‖²)``; the instance's ``width`` is ``m`` (default
    the rank). The dual is ``max tr(ΛᵀY)`` s.t. ``‖XᵀΛ‖₂ ≤ t^{−(L−2)}`` (the same as C1's).
    ``beta`` (default 1) scales the modified regulariser.

Source
    Wang, Ergen, Pilanci, ICLR 2023 (arXiv:2110.06482 v3), abstract: stacking networks in
    parallel and modifying the regularisation gives zero duality gap. Only the abstract could be
    consulted; the formulation above is this project's, stated in
    ``docs/formulations/C3-linear-parallel-zero-gap.md``.

How it is verified
    Every interval is certified from both sides by recomputed points, except plain weight
    decay's lower bound:

    * primal: one branch per singular pair, recomputed (upper); the dual certificate via weak
      duality (lower); multi-start search over parallel networks (upper, must not beat the lower);
    * dual: C1's ``Λ`` certificate, the bidual point ``W*``, Clarabel cross-checks;
    * modified regulariser: balanced branches (upper); ``β`` times the ``t = 1`` dual certificate
      (lower: AM–GM turns ``(β/L)Σ_l‖W_l‖^L`` into ``β Π_l‖W_l‖``, which bounds the ``t = 1``
      parallel objective, which bounds ``D(1)`` by weak duality);
    * plain weight decay: balanced branches and search (upper); closed form (lower: AM–GM per
      branch, then the Rotfel'd–McCarthy inequality ``‖A+B‖_{S_p}^p ≤ ‖A‖_{S_p}^p + ‖B‖_{S_p}^p``
      for ``0 < p ≤ 1``).

Known limits
    The search uses branches of hidden width 1 (a branch's product is rank one anyway).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, ClassVar

import flint
import numpy as np

from verify.certificates import linear_parallel_certificate
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
    LinearData,
    aligned_direction,
    aligned_dual_bound,
    balanced_norms,
    depth_scale,
    dual_side_value,
    linear_data,
    nuclear_interval,
    parallel_t_norms,
    parallel_weights,
    too_narrow,
    weight_decay_interval,
)
from verify.instances import Instance
from verify.result import Bound, CheckResult
from verify.rigorous import lower
from verify.search import Architecture

ROTFELD_PROOF = (
    "AM–GM per branch, ½Σ_l‖W_l‖² ≥ (L/2)‖M_j‖_F^{2/L}, then Rotfel'd–McCarthy "
    "Σ_j‖M_j‖_{S_p}^p ≥ ‖Σ_j M_j‖_{S_p}^p for p = 2/L ≤ 1"
)


class LinearParallelZeroGap(DeepLinearClaim):
    id = "linear-parallel-zero-gap"
    number = "C3"
    title = "Parallel deep linear networks have zero duality gap"
    source = (
        "Wang, Ergen, Pilanci (ICLR 2023), abstract (parallel architecture); "
        "formulation: docs/formulations/C3-linear-parallel-zero-gap.md"
    )
    statement = (
        "for m >= rank(X⁺Y) branches P_prl(t) = D_prl(t) = t^-(L-2) ||X⁺Y||_*; the regulariser "
        "(β/L) ΣΣ||W||^L gives β||X⁺Y||_*, plain weight decay (L/2) Σ σ_i^(2/L)"
    )
    required = ("L", "t")
    field_hints: ClassVar[dict[str, str]] = {
        "L": "3 (any integer ≥ 2)",
        "t": "a positive number such as 1.0",
    }
    shown_fields = ("rank", "branches")

    def linear_evidence(self, instance: Instance, data: LinearData, budget: Budget) -> Evidence:
        L, t = instance.L, instance.t
        beta = instance.beta if instance.beta is not None else 1.0
        branches = instance.width or data.rank
        value = depth_scale(L, t) * data.nuclear
        found = Evidence(
            {
                "primal": value,
                "dual": value,
                "gap": 0.0,
                "modified_regulariser": beta * data.nuclear,
                "plain_weight_decay": data.weight_decay(L),
            },
            extra={"rank": data.rank, "branches": branches, "singular_values": data.s.tolist()},
        )
        if instance.beta is None:
            found.details.append(
                "beta not given: the modified regulariser is checked with beta = 1"
            )
        dual_bounds(instance, data, depth_scale(L, t), budget, found)
        narrow = too_narrow(data, branches)
        if narrow is not None:
            return too_narrow_evidence(found, narrow.replace("width", "branch count m", 1))
        solution = data.solution
        lo_s, hi_s = solution.sigma_lo, solution.sigma_hi
        c = depth_scale(L, t)
        closed = {
            "primal": nuclear_interval(lo_s, hi_s, c),
            "modified_regulariser": nuclear_interval(lo_s, hi_s, beta),
            "plain_weight_decay": weight_decay_interval(lo_s, hi_s, L),
        }
        for quantity, (_, hi) in closed.items():
            found.add(f"{quantity}_upper", Bound(hi, "closed-form", 0.0, CONSTRUCTION_PROOF))
        found.add(
            "plain_weight_decay_lower",
            Bound(closed["plain_weight_decay"][0], "closed-form", 0.0, ROTFELD_PROOF),
        )
        unit_dual = aligned_dual_bound(instance, data, 1.0)
        found.add(
            "modified_regulariser_lower",
            Bound(
                lower(flint.arb(beta) * flint.arb(unit_dual.value)),
                "certificate",
                0.0,
                f"β·D(1) via AM–GM and weak duality; {unit_dual.how}",
            ),
        )
        found.details += solution.limits(self.tolerance(instance))
        if data.rank == 0:
            found.details.append(zero_rank_note(instance))
            return found
        one_per_pair = parallel_weights(data, L, branches, parallel_t_norms(data, L, t))
        balanced = parallel_weights(data, L, branches, balanced_norms(data, L))
        found.witnesses = {
            "branches": [branch.weights for branch in one_per_pair.branches],
            "dual": aligned_direction(data, c),
        }
        for model, objective, quantity, scale, how in (
            (one_per_pair, "t", "primal", c, "one branch per singular pair"),
            (balanced, "power", "modified_regulariser", beta, "balanced branches"),
            (balanced, "weight-decay", "plain_weight_decay", 1.0, "balanced branches"),
        ):
            found.predicted[
                "construction" if quantity == "primal" else f"construction_{quantity}"
            ] = 1.0

            def formula(lo, hi, quantity=quantity):
                if quantity == "plain_weight_decay":
                    return weight_decay_interval(lo, hi, L)
                return nuclear_interval(lo, hi, c if quantity == "primal" else beta)

            for name, bounds in certificate_bounds(
                instance,
                data,
                model,
                objective,
                quantity,
                parallel=True,
                scale=scale,
                how=how,
                formula=formula,
                beta=beta,
            ).items():
                found.add(name, *bounds)
        rng = np.random.default_rng(budget.seed)
        arch = Architecture(L=L, branches=branches, width=1, parallel=True)
        for objective, name, claimed, key in (
            ("t", "primal_upper", value, "search"),
            (
                "weight-decay",
                "plain_weight_decay_upper",
                found.predicted["plain_weight_decay"],
                "search_plain_weight_decay",
            ),
        ):
            bounds, summary = linear_search(
                instance,
                data,
                arch,
                objective,
                budget,
                rng,
                t=t if objective == "t" else None,
                scale=c if objective == "t" else 1.0,
                claimed=claimed,
                how=f"multi-start L-BFGS, parallel network, {objective} objective",
            )
            found.add(name, *bounds)
            found.extra[key] = summary.to_json()
            found.details.append(f"search ({objective} objective): {summary.describe()}")
        return found

    def certificate(self, instance: Instance, result: CheckResult) -> dict[str, Any]:
        branches, dual = witnesses_of(result, "branches", "dual")
        return linear_parallel_certificate(instance, branches, dual)

    def homogeneity(self, instance: Instance) -> dict[str, tuple[Fraction, Fraction]]:
        degree = Fraction(2, instance.L)
        linear = (Fraction(-1), Fraction(1))
        return {
            **dict.fromkeys(("primal", "dual", "gap", "modified_regulariser"), linear),
            "plain_weight_decay": (-degree, degree),
        }

    def negative_controls(self) -> list[NegativeControl]:
        rank_two = Instance(np.eye(3), np.diag([3.0, 1.0, 0.0]), L=4, t=0.5, label="rank 2")
        one_branch = Instance(
            np.eye(3), np.diag([3.0, 1.0, 0.0]), L=3, t=1.0, width=1, label="1 branch, rank 2"
        )
        return [
            NegativeControl(
                "plain-weight-decay-is-nuclear",
                "plain weight decay on a parallel net gives the nuclear-norm value "
                "(L/2)||X⁺Y||_*^(2/L)",
                rank_two,
                lambda inst: {
                    "plain_weight_decay": dual_side_value(linear_data(inst).nuclear, inst.L)
                },
            ),
            NegativeControl(
                "parallel-equals-standard",
                "a parallel network is no better than a standard one: P_prl = t^-(L-2)||X⁺Y||_S2/L",
                rank_two,
                lambda inst: {
                    "primal": depth_scale(inst.L, inst.t) * linear_data(inst).schatten(inst.L)
                },
            ),
            NegativeControl(
                "too-few-branches",
                "m < rank(X⁺Y) branches still attain t^-(L-2)||X⁺Y||_*",
                one_branch,
                lambda inst: {"primal": depth_scale(inst.L, inst.t) * linear_data(inst).nuclear},
            ),
            NegativeControl(
                "regulariser-does-not-matter",
                "(β/L)ΣΣ||W||^L on a parallel net gives the standard value β||X⁺Y||_S2/L",
                rank_two,
                lambda inst: {"modified_regulariser": linear_data(inst).schatten(inst.L)},
            ),
        ]


CLAIM = LinearParallelZeroGap()
