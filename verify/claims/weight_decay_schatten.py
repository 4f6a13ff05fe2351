"""C2 ``weight-decay-schatten``: weight decay is an explicit Schatten-2/L penalty.

Statement
    ``min ½ Σ_l ‖W_l‖_F²`` s.t. ``X W_1⋯W_L = Y`` equals ``(L/2) Σ_i σ_i^{2/L}`` (``σ_i`` the
    singular values of ``W* = X⁺Y``), i.e. ``(L/2)‖W*‖_{S_{2/L}}^{2/L}``, attained by the balanced
    aligned weights ``W_1 = U Σ^{1/L} Q_1ᵀ``, ``W_l = Q_{l−1} Σ^{1/L} Q_lᵀ``,
    ``W_L = Q_{L−1} Σ^{1/L} Vᵀ``. The dual side, after optimising the rescaling ``t``, is
    ``min_t ((L−2)/2) t² + D_lin(t) = (L/2) ‖W*‖_*^{2/L}``: a gap whenever ``L ≥ 3`` and
    ``rank(W*) ≥ 2``.

Formulation
    Plain weight decay on a standard linear network of depth ``L`` and hidden widths
    ``≥ rank(W*)``; the rescaling identity ``½ Σ_l ‖W_l‖² = min_t ((L−2)/2) t² + P(t)`` (AM–GM)
    links it to C1's t-formulation.

Source
    Wang, Ergen, Pilanci, ICLR 2023 (arXiv:2110.06482 v3), abstract: weight decay explicitly
    encourages low-rank solutions via closed-form expressions. Only the abstract could be
    consulted; reading it as the Schatten-2/L penalty above is this project's formulation, stated
    in ``docs/formulations/C2-weight-decay-schatten.md``.

How it is verified
    * primal upper bound: the balanced weights, output and cost recomputed; multi-start search;
    * primal lower bound: closed form (AM–GM on the layer norms, then the generalised Hölder
      inequality ``Π_l ‖W_l‖_F ≥ ‖W_1⋯W_L‖_{S_{2/L}}``);
    * the factorisation inequality itself, tested on random factorisations of ``W*`` and on
      random matrix tuples (``factorisation_ratio`` must never go below 1);
    * dual side: ``S = ‖W*‖_*`` bracketed by C1's certificates at ``t = 1`` (``Λ``, and the bidual
      point), mapped through the increasing ``S ↦ (L/2) S^{2/L}`` (exact, since
      ``D_lin(t) = t^{−(L−2)} D_lin(1)`` by rescaling ``Λ``).

Known limits
    As in C1, the primal lower bound is a proved inequality rather than a numerical certificate.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from typing import Any, ClassVar

import flint
import numpy as np

from verify.certificates import linear_standard_certificate
from verify.claims.base import Budget, Evidence, NegativeControl, PinnedExample, witnesses_of
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
    dual_side_value,
    end_to_end_singular_values,
    linear_data,
    schatten_interval,
    too_narrow,
    weight_decay_interval,
    weight_decay_value,
)
from verify.instances import Instance
from verify.linalg import schatten_quasi_norm
from verify.lowrank import balanced_network
from verify.networks import Network
from verify.result import HOLDS, INFEASIBLE, Bound, CheckResult
from verify.rigorous import lower, sum_of_squares, upper
from verify.search import Architecture

AM_GM_PROOF = "AM–GM: ½Σ_l‖W_l‖² ≥ (L/2)(Π_l‖W_l‖)^{2/L}, then " + HOLDER_PROOF


def factorisation_ratio_upper(weights: list[np.ndarray], rank: int, L: int) -> float:
    """A certified upper bound on ``Π_l ‖W_l‖_F / ‖W_1⋯W_L‖_{S_{2/L}}`` for exact float weights
    whose product has rank at most ``rank`` (``inf`` when the product may be 0)."""
    norms = flint.arb(1)
    for W in weights:
        norms *= sum_of_squares(W).sqrt()
    lo, hi = end_to_end_singular_values(Network(tuple(weights)), rank)
    low, _ = schatten_interval(lo, hi, L, 1.0)
    return upper(norms / flint.arb(low)) if low > 0.0 else math.inf


def factorisation_ratios(
    data: LinearData, L: int, samples: int, rng: np.random.Generator
) -> np.ndarray:
    """Certified upper bounds on ``Π_l ‖W_l‖_F / ‖W_1⋯W_L‖_{S_{2/L}}`` on random factorisations.

    Half the samples factor ``W*`` itself through random invertible ``G_l`` (balanced weights
    twisted by ``G_l``); the other half are random Gaussian tuples of shapes that chain. The
    product's rank is at most the smallest inner width, which bounds how many of its singular
    values count.
    """
    r, d, K = data.rank, data.U.shape[0], data.Vt.shape[1]
    root = data.s ** (1.0 / L)
    ratios = []
    for k in range(samples):
        if k % 2 == 0:
            twists = [np.eye(r) + rng.standard_normal((r, r)) for _ in range(L - 1)]
            weights = [data.U * root @ twists[0]]
            for left, right in itertools.pairwise(twists):
                weights.append(np.linalg.solve(left, np.diag(root)) @ right)
            weights.append(np.linalg.solve(twists[-1], root[:, None] * data.Vt))
        else:
            widths = [d, *rng.integers(1, 4, size=L - 1), K]
            weights = [rng.standard_normal((widths[i], widths[i + 1])) for i in range(L)]
        rank = min(W.shape[1] for W in weights[:-1])
        ratios.append(factorisation_ratio_upper(weights, min(rank, d, K), L))
    return np.array(ratios)


class WeightDecaySchatten(DeepLinearClaim):
    id = "weight-decay-schatten"
    number = "C2"
    title = "Weight decay is a Schatten-2/L penalty with closed-form weights"
    source = (
        "Wang, Ergen, Pilanci (ICLR 2023), abstract (weight decay, low-rank solutions); "
        "formulation: docs/formulations/C2-weight-decay-schatten.md"
    )
    statement = (
        "min ½ Σ||W_l||² s.t. XW_1⋯W_L = Y equals (L/2) Σ σ_i^(2/L) (balanced weights); "
        "the dual side after optimising t is (L/2) ||X⁺Y||_*^(2/L)"
    )
    required = ("L",)
    field_hints: ClassVar[dict[str, str]] = {"L": "3 (any integer ≥ 2)"}
    shown_fields = ("rank",)

    def linear_evidence(self, instance: Instance, data: LinearData, budget: Budget) -> Evidence:
        L = instance.L
        width = instance.width or data.rank
        primal = data.weight_decay(L)
        dual = dual_side_value(data.nuclear, L)
        found = Evidence(
            {"primal": primal, "dual": dual, "gap": primal - dual, "factorisation": 1.0},
            extra={"rank": data.rank, "singular_values": data.s.tolist()},
        )
        # Bounds on S = ‖W*‖_* = D_lin(1), from C1's certificates at t = 1, mapped through t.
        at_unit_t = Evidence()
        dual_bounds(instance, data, 1.0, budget, at_unit_t)
        found.details += at_unit_t.details
        for name in ("dual_lower", "dual_upper"):
            round_up = name == "dual_upper"
            found.add(name, *(_through_t(b, L, round_up) for b in at_unit_t.candidates[name]))
        narrow = too_narrow(data, width)
        if narrow is not None:
            return too_narrow_evidence(found, narrow)
        solution = data.solution
        lo, hi = weight_decay_interval(solution.sigma_lo, solution.sigma_hi, L)
        found.add("primal_lower", Bound(lo, "closed-form", 0.0, AM_GM_PROOF))
        found.add("primal_upper", Bound(hi, "closed-form", 0.0, CONSTRUCTION_PROOF))
        found.details += solution.limits(self.tolerance(instance))
        if data.rank == 0:
            found.details.append(zero_rank_note(instance))
            return found
        found.predicted["construction"] = 1.0
        balanced = balanced_network(data.U, data.s, data.Vt, L, width)
        found.witnesses = {"layers": balanced.weights, "dual": aligned_direction(data, 1.0)}
        for name, bounds in certificate_bounds(
            instance,
            data,
            balanced,
            "weight-decay",
            "primal",
            parallel=False,
            scale=1.0,
            how="balanced weights U Σ^{1/L}, Σ^{1/L}, Σ^{1/L} Vᵀ",
            formula=lambda lo, hi: weight_decay_interval(lo, hi, L),
        ).items():
            found.add(name, *bounds)
        rng = np.random.default_rng(budget.seed)
        bounds, summary = linear_search(
            instance,
            data,
            Architecture(L=L, width=width),
            "weight-decay",
            budget,
            rng,
            scale=1.0,
            claimed=primal,
            how="multi-start L-BFGS, weight decay",
        )
        found.add("primal_upper", *bounds)
        ratios = factorisation_ratios(data, L, 4 * budget.restarts, rng)
        found.add(
            "factorisation_lower",
            Bound(1.0, "closed-form", 0.0, "generalised Hölder: Π‖W_l‖_F ≥ ‖ΠW_l‖_{S_2/L}"),
        )
        found.add(
            "factorisation_upper",
            Bound(
                float(ratios.min()),
                "certificate",
                0.0,
                f"smallest of {ratios.size} random factorisations",
            ),
            Bound(
                factorisation_ratio_upper(list(balanced.weights), data.rank, L),
                "certificate",
                0.0,
                "the balanced factorisation (equality in exact arithmetic), enclosed",
            ),
        )
        found.details.append(
            f"factorisation inequality: {ratios.size} random factorisations, smallest ratio "
            f"{ratios.min():.12g} (must be ≥ 1)"
        )
        found.details.append(f"search: {summary.describe()}")
        found.extra.update(search=summary.to_json(), factorisation_ratio_min=float(ratios.min()))
        return found

    def certificate(self, instance: Instance, result: CheckResult) -> dict[str, Any]:
        layers, dual = witnesses_of(result, "layers", "dual")
        return linear_standard_certificate(self.id, instance, layers, dual)

    def homogeneity(self, instance: Instance) -> dict[str, tuple[Fraction, Fraction]]:
        degree = Fraction(2, instance.L)
        return dict.fromkeys(("primal", "dual", "gap"), (-degree, degree))

    def pinned_examples(self) -> list[PinnedExample]:
        return [
            PinnedExample(
                Instance(np.eye(2), np.eye(2), L=3, label="W* = I2"),
                HOLDS,
                "P = 3, dual side (3/2)·2^{2/3}",
            ),
            PinnedExample(
                Instance(np.eye(2), np.diag([4.0, 0.0]), L=4, label="rank 1"),
                HOLDS,
                "rank 1: primal and dual sides coincide",
            ),
            PinnedExample(
                Instance(np.eye(3), np.diag([1.0, 5.0, 2.0]), L=2, label="L = 2"),
                HOLDS,
                "L = 2: the nuclear norm",
            ),
            PinnedExample(
                Instance(
                    np.vstack([np.eye(2), np.zeros((1, 2))]),
                    np.ones((3, 1)),
                    L=3,
                    label="Y outside range",
                ),
                INFEASIBLE,
                "Y not in the range of X",
            ),
        ]

    def negative_controls(self) -> list[NegativeControl]:
        rank_two = Instance(np.eye(3), np.diag([3.0, 1.0, 0.0]), L=3, label="rank 2")
        return [
            NegativeControl(
                "weight-decay-is-nuclear",
                "weight decay equals the convex value (L/2)||X⁺Y||_*^(2/L)",
                rank_two,
                lambda inst: {"primal": dual_side_value(linear_data(inst).nuclear, inst.L)},
            ),
            NegativeControl(
                "wrong-constant",
                "weight decay equals L Σ σ_i^(2/L) (factor 2 too large)",
                rank_two,
                lambda inst: {"primal": 2 * weight_decay_value(linear_data(inst).s, inst.L)},
            ),
            NegativeControl(
                "no-gap-after-t",
                "after optimising t the dual side equals the primal (L/2) Σ σ_i^(2/L)",
                rank_two,
                lambda inst: {"dual": weight_decay_value(linear_data(inst).s, inst.L)},
            ),
            NegativeControl(
                "schatten-1/L-factorisation",
                "Π||W_l||_F >= ||W_1⋯W_L||_{S_1/L} (a stronger quasi-norm)",
                rank_two,
                lambda inst: {
                    "factorisation": schatten_quasi_norm(linear_data(inst).s, 1.0 / inst.L)
                    / schatten_quasi_norm(linear_data(inst).s, 2.0 / inst.L)
                },
            ),
        ]


def _through_t(bound: Bound, L: int, round_up: bool) -> Bound:
    """Map a bound on ``S = D_lin(1)`` to one on ``min_t ((L−2)/2)t² + t^{−(L−2)} S``
    (``S ↦ (L/2)S^{2/L}`` is increasing; rounded outward)."""
    how = f"{bound.how}; mapped through S ↦ (L/2)S^(2/L) (optimal t = S^(1/L))"
    value = flint.arb(L) / 2 * flint.arb(bound.value) ** (flint.arb(2) / L)
    return Bound(upper(value) if round_up else lower(value), bound.kind, bound.residual, how)


CLAIM = WeightDecaySchatten()
