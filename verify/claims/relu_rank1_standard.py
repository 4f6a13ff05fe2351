"""C6 ``relu-rank1-standard``: standard ReLU networks of depth ``L ≥ 3`` on rank-1 data.

The former id ``relu-rank1-three-layer`` still names this claim (:attr:`Claim.aliases`). The
claim extends the three-layer one rather than sitting beside it: the three-layer closed forms
are the ``L = 3`` case of one derivation (:mod:`verify.rank1`), and two claims would check the
same reduction twice.

Statement
    The abstract: "strong duality holds for three-layer standard ReLU networks given rank-1 data
    matrices"; the paper's own hypotheses could not be consulted, and the abstract states no
    result for standard ReLU networks deeper than three layers. Under the formulation below
    (stated in ``docs/formulations/C6-relu-rank1-standard.md``), the abstract's statement read
    without further hypotheses fails, and what holds instead is exact at every depth ``L ≥ 3``:

    ============================  ===========================================================
    read without hypotheses       ``X = c aᵀ`` ⇒ ``P(t) = D(t)`` for every interpolable ``Y``
                                  (three layers)
    minimal counterexample        ``X = [1; −1]``, ``y = (1, −1)``, ``t = 1``:
                                  ``P = 2√2``, ``D = 2`` (N = 2, d = K = 1; N = 1 never gaps);
                                  at depth ``L``: ``P_L = 2^{L/2}``, ``D_L = 2``
    what holds                    with ``Y = c₊αᵀ + c₋γᵀ`` (every interpolable ``Y`` is of this
                                  form), ``σ_L = ‖a‖t^{L−2}`` and ``B = [α γ]ᵀ[α γ]``:
                                  ``D_L(t) = (‖α‖ + ‖γ‖)/σ_L``;
                                  ``P_L(t) = ℓ_{2/L}(‖α‖, ‖γ‖)/σ_L`` if ``α·γ ≤ 0``
                                  (``ℓ_q(u, v) = (u^q + v^q)^{1/q}``),
                                  ``P_L(t) = (‖α‖ + ‖γ‖)/σ_L`` if ``α ∥ γ``, ``α·γ > 0``,
                                  otherwise ``P_L(t) = min_x h(x)^{(L−1)/2}/σ_L`` with
                                  ``h(x) = tr((diag(x, 1 − x)⁻¹B)^{1/(L−1)})`` (strictly
                                  convex; certified by interval arithmetic; at ``L = 3`` the
                                  root of a quartic); **P_L = D_L iff α·γ = ‖α‖‖γ‖**, at every
                                  ``L``; otherwise ``D_L < P_L ≤ 2^{(L−2)/2}·D_L``
    depth                         ``P_L/D_L`` depends on neither ``t`` nor ``a``; off the
                                  condition it increases strictly with ``L``, within
                                  ``[2^{L/2}(det B̂)^{1/4}/(‖α‖ + ‖γ‖), 2^{(L−2)/2}]``
                                  (``B̂ = B`` if ``α·γ ≥ 0``, else ``diag(‖α‖², ‖γ‖²)``): the
                                  gap is unbounded and grows by a factor → √2 per layer
    hypotheses that rescue it     one-signed data, ``c ≥ 0`` (``c₋ = 0``, so ``γ = 0``: ``P = D``
                                  for every interpolable ``Y``); one-signed labels, i.e. all
                                  label rows non-negative multiples of one vector (exactly
                                  ``α·γ = ‖α‖‖γ‖``; scalar ``y``: ``y ≥ 0`` or ``y ≤ 0``;
                                  entrywise non-negative vector labels do not suffice) — at
                                  every depth
    ============================  ===========================================================

    The checker's prediction is the statement that holds (``primal``, ``dual``, ``gap`` from the
    closed forms), so its verdict is ``holds`` on both sides of the condition whenever the exact
    values are confirmed; the abstract's statement without hypotheses is a negative control that
    the minimal counterexample refutes. ``check --json`` adds ``zero_gap_condition`` (the exact
    condition), ``abstract_reading`` (the abstract's statement read without further hypotheses,
    on this instance: ``holds`` where ``P = D``, ``fails`` where the certified gap is positive,
    ``inconclusive`` where rounding leaves it open, see Known limits), ``paper_claim`` (the same
    value under its 0.1 name, kept for one release), ``alpha``, ``gamma``, ``relative_gap``,
    ``largest_ratio`` (``2^{(L−2)/2}``) and the search summary.

    The explorer rediscovers the counterexample on its own: ``dualgap explore
    paper-rank1-zero-gap --seed 0`` certifies a positive gap after 5 generated examples and
    shrinks it to ``X = [1; −1]``, ``y = (1, −1)``, ``t = 1`` (:mod:`verify.discovery`, tested
    in ``properties/test_discovery.py``); ``whitened-zero-gap`` finds ``X = I₂``, ``y = (1,
    −1)`` (``P = 2√2``, ``D = 2``, certified).

Formulation
    ``A₀ = X``, ``A_l = (A_{l−1}W_l)₊``, ``f(X) = A_{L−1}W_L``; ``‖W_l‖_F ≤ t`` for ``l ≤ L − 2``,
    cost ``½(‖W_{L−1}‖_F² + ‖W_L‖_F²)``, ``f(X) = Y``; hidden widths ``≥ 2`` (the instance's
    ``width``, default "as wide as needed"; the optima use 2). The dual (Lagrangian over the last
    two layers) is ``max tr(ΛᵀY)`` s.t. ``‖Λᵀ(A_{L−2}w)₊‖ ≤ 1`` for all feasible
    ``W₁ … W_{L−2}`` and ``‖w‖ ≤ 1`` (C5's, with one shared stack of layers). Instances need
    ``L`` (``3 ≤ L ≤ 64``; ``Instance`` defaults ``L`` to 2, which is refused: a two-layer
    network is a parallel one, C5) and ``t``, with ``t^{L−2}`` within ``[1e-100, 1e100]``; ``X``
    must have numerical rank 1 (``σ₂ ≤ 1e-9·σ₁``, :data:`verify.rank1.RANK1_RTOL`). Labels not of
    the form ``c₊αᵀ + c₋γᵀ`` are a valid question with answer "no network interpolates":
    verdict ``infeasible`` (primal ``+∞``; the dual is unbounded along the ray
    ``Λ = Y − c₊αᵀ − c₋γᵀ``), not an input error.

Source
    Wang, Ergen, Pilanci, ICLR 2023 (arXiv:2110.06482 v3), abstract (three layers). Only the
    abstract could be consulted; depths ``L ≥ 4`` are this project's extension, and the
    formulation is this project's, stated in ``docs/formulations/C6-relu-rank1-standard.md``.
    The derivation is in :mod:`verify.rank1`, its algebra proved in :mod:`verify.symbolic_rank1`
    (``L = 3``) and :mod:`verify.symbolic_rank1_depth` (every ``L``).

How it is verified
    Every bound is certified for the rank-1 reduction ``(c aᵀ, c₊αᵀ + c₋γᵀ)`` of the instance
    (its floats are exact rationals; the distance of ``(X, Y)`` from it is the residual), in ball
    arithmetic (:mod:`verify.rank1_bounds`):

    * primal lower bound: closed form (the two-stream reduction, the Gram-chain inequality and
      the minimum over the first-layer split — closed, or certified; proof in
      :mod:`verify.rank1`), whose residual includes the labels' rounding sensitivity
      (:func:`verify.rank1.rounding_sensitivity`); also weak duality from the dual certificate;
    * primal upper bound: the explicit construction (the Gram geodesic), its cost enclosed; the
      explicit optimal network of depth ``L`` (:func:`verify.rank1.primal_network`, width 2)
      with its last layer refit exactly to its enclosed streams
      (:func:`verify.rank1_bounds.network_upper_bound`); and multi-start L-BFGS on the standard
      network of depth ``L`` (width ``max(instance width, 4)``), run on the exactly reduced
      two-row problem (:func:`verify.rank1.reduced_problem`: same feasible weights, same cost),
      every start bounded the same way — it must never beat ``P`` and is reported as reaching
      it or not;
    * dual lower bound: the explicit ``Λ`` (:func:`verify.rank1.dual_point`), its exact
      constraint over the reduced constraint set (the triangle ``x + y ≤ σ_L``) bounded above,
      its objective below;
    * dual upper bound: the explicit parallel network (each branch refit exactly; weak duality)
      and the Cauchy–Schwarz closed form.

Known limits
    The primal lower bound is a proof, not a numerical certificate (a non-convex primal has no
    cheap optimality certificate); the search corroborates it from above. Data that is rank 1
    only within the tolerance is treated as its rank-1 part ``c aᵀ``; the distance is recorded
    as the residual of the dual certificate and the closed forms. Near the zero-gap condition
    ``P_L`` is only Hölder-continuous in the labels, with exponent ``2/(L−1)``: for vector labels
    aligned only up to rounding, from about ``L = 5`` a rounding-level tilt moves ``P_L`` by more
    than the tolerance, and the verdict is ``inconclusive`` with that reason (labels aligned
    exactly, e.g. along a coordinate axis, are resolved at every depth). The search reaches ``P``
    from random starts less often with depth (default budget, 40 generated instances per side
    and depth: ``L = 3`` all; ``L = 4`` all with a gap, 28/40 zero-gap ones, all within 1e-3;
    ``L = 5`` 19/40 and 28/40) and finds no usable start beyond ``L ≈ 16``; it never went below
    ``P``. Whitened data (the v1 abstract's gap claim) is explored in :mod:`verify.whitened` at
    three layers: exact for orthonormal rows and for a single orthonormal column, bounds plus
    search otherwise.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, ClassVar

import numpy as np
from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from verify.certificates import NotCertifiable, rank1_certificate
from verify.claims.base import (
    Budget,
    Claim,
    Evidence,
    NegativeControl,
    PinnedExample,
    infeasible_evidence,
    witnesses_of,
)
from verify.instances import Instance, InstanceError
from verify.linalg import pseudo_inverse, relative_residual, schatten_quasi_norm, singular_values
from verify.networks import primal_certificate
from verify.rank1 import (
    Rank1Data,
    dual_point,
    dual_value,
    factor_rank1,
    infeasibility_ray,
    largest_ratio,
    parallel_network,
    primal_network,
    primal_value,
    rank1_data,
    reduced_problem,
    rounding_sensitivity,
    silence_zero_sides,
    zero_gap,
)
from verify.rank1_bounds import certified_bounds, network_upper_bound
from verify.result import FAILS, HOLDS, INCONCLUSIVE, INFEASIBLE, Bound, CheckResult
from verify.search import Architecture, SearchSummary, search_bounds
from verify.strategies.rank1 import rank1_instances

#: hidden width of the falsification search when the instance sets none (width 2 suffices for
#: the optimum but leaves L-BFGS with many dead-ReLU starts)
SEARCH_WIDTH = 4
#: The deepest network checked. The closed forms hold at every depth; this is the depth up to
#: which their floating-point certificates are tested to stay exact (recomputed residuals of the
#: explicit networks ≤ 1e-15 at L = 64, properties/test_relu_rank1_standard.py): beyond it
#: nothing is measured, so the claim does not answer. (The falsification search stops finding
#: usable starts long before, near L = 16: there the values rest on proof and certificates.)
MAX_DEPTH = 64
#: ``t^{L−2}`` scales every value and weight of a depth-``L`` certificate; it must stay within
#: this factor of 1 so that none of them approaches overflow or underflow.
SCALE_RANGE = 1e100
#: depths drawn for generated instances (:meth:`ReluRank1Standard.instances`)
DEPTHS = st.integers(3, 5)


def deepest_depth(t: float) -> int:
    """The largest ``L ≤ MAX_DEPTH`` with ``t^{L−2}`` within :data:`SCALE_RANGE` of 1."""
    if t == 1.0:
        return MAX_DEPTH
    return min(MAX_DEPTH, 2 + int(math.log(SCALE_RANGE) / abs(math.log(t))))


class ReluRank1Standard(Claim):
    id = "relu-rank1-standard"
    aliases = ("relu-rank1-three-layer",)
    number = "C6"
    title = (
        "Standard ReLU networks of depth L ≥ 3 on rank-1 data: exact P_L(t), D_L(t), and where "
        "P = D"
    )
    source = (
        "Wang, Ergen, Pilanci (ICLR 2023), abstract (three-layer standard networks, rank-1 data); "
        "formulation: docs/formulations/C6-relu-rank1-standard.md"
    )
    statement = (
        "X = c aᵀ, Y = c₊αᵀ + c₋γᵀ, σ_L = ‖a‖t^{L−2}: D_L(t) = (‖α‖+‖γ‖)/σ_L; P_L(t) = "
        "ℓ_{2/L}(‖α‖,‖γ‖)/σ_L if α·γ ≤ 0, min_x tr((diag(x,1−x)⁻¹B)^{1/(L−1)})^{(L−1)/2}/σ_L "
        "(B = [α γ]ᵀ[α γ]) otherwise; P = D iff α·γ = ‖α‖‖γ‖ (one-signed labels; implied by "
        "one-signed data c ≥ 0), at every L ≥ 3; otherwise D < P ≤ 2^{(L−2)/2}·D, the ratio "
        "growing geometrically with L. Without these hypotheses the abstract's P = D (three "
        "layers) fails under this formulation, e.g. X = [1;−1], y = (1,−1): P = 2√2, D = 2"
    )
    required = ("L", "t")
    max_depth = MAX_DEPTH
    field_hints: ClassVar[dict[str, str]] = {
        "L": f"3 (the number of weight layers: any 3 ≤ L ≤ {MAX_DEPTH})",
        "t": "a positive number such as 1.0",
    }
    shown_fields = ("zero_gap_condition",)
    abstract_reading_key = "abstract_reading"

    def validate(self, instance: Instance) -> None:
        # The depth limit first, with this claim's reason (the base class states a generic one).
        if instance.L > MAX_DEPTH:
            raise InstanceError(
                "L",
                f"L = {instance.L} is above the largest supported depth {MAX_DEPTH}: the closed "
                "forms hold at every depth, but their floating-point certificates are tested to "
                f"stay exact only up to L = {MAX_DEPTH}; set 3 ≤ L ≤ {MAX_DEPTH}",
            )
        super().validate(instance)
        L, t = instance.L, instance.t
        if L < 3:
            raise InstanceError(
                "L",
                f"this claim is about standard networks of depth L ≥ 3 (got L = {L}; a two-layer "
                "network is a parallel one, checked by relu-parallel-zero-gap): set L = 3",
            )
        if L > deepest_depth(t):
            raise InstanceError(
                "L",
                f"L = {L} with t = {t:g}: t^(L−2) = {t:g}^{L - 2} leaves the range "
                f"[1e-100, 1e100] within which every value and weight of the depth-L "
                f"certificates stays far from overflow; the largest supported depth for this t "
                f"is {deepest_depth(t)}",
            )
        if instance.width is not None and instance.width < 2:
            raise InstanceError(
                "width",
                f"the closed forms need hidden width ≥ 2 (got {instance.width}): the optimal "
                "first layer has a positive and a negative unit; omit width or set it ≥ 2",
            )
        factor_rank1(instance.X)

    def homogeneity(self, instance: Instance) -> dict[str, tuple[Fraction, Fraction]]:
        # P_L, D_L = F(α, γ)/σ_L: degree 1 in Y, −1 in X (σ_L ∝ ‖a‖ ∝ ‖X‖)
        return dict.fromkeys(("primal", "dual", "gap"), (Fraction(-1), Fraction(1)))

    def predictions(self, data: Rank1Data, L: int, t: float) -> dict[str, float]:
        sigma = data.atom_radius(L, t)
        primal = primal_value(data.alpha, data.gamma, sigma, L)
        dual = dual_value(data.alpha, data.gamma, sigma)
        return {"primal": primal, "dual": dual, "gap": primal - dual}

    def evidence(self, instance: Instance, budget: Budget) -> Evidence:
        tol = self.tolerance(instance)
        data = rank1_data(instance.X, instance.Y)
        if data.residual > tol:
            return infeasible_labels(instance, data, tol)
        X, Y, L, t = instance.X, instance.Y, instance.L, instance.t
        predicted = self.predictions(data, L, t)
        found = Evidence(predicted)
        for name, bounds in certified_bounds(X, Y, data, L, t, instance.width or 2).items():
            found.add(name, *bounds)
        found.witnesses = {
            "layers": primal_network(data, L, t, instance.width or 2).weights,
            "bidual": [branch.weights for branch in parallel_network(data, L, t).branches],
            "dual": dual_point(data, L, t),
        }
        searched, summary = rank1_search(instance, data, budget, tol, predicted["primal"])
        found.add("primal_upper", *searched)
        condition = zero_gap(data.alpha, data.gamma, L, tol)
        sensitivity = rounding_sensitivity(data.alpha, data.gamma, L)
        positive_gap = predicted["gap"] > tol * max(1.0, predicted["primal"])
        if sensitivity > tol:
            reading = INCONCLUSIVE
        else:
            reading = FAILS if positive_gap else HOLDS
        found.extra = {
            "alpha": data.alpha.tolist(),
            "gamma": data.gamma.tolist(),
            "zero_gap_condition": condition,
            # the abstract's statement read without further hypotheses (P = D for every Y);
            # "paper_claim" is the same value under its 0.1 name, kept for one release
            "abstract_reading": reading,
            "paper_claim": reading,
            "relative_gap": predicted["gap"] / predicted["dual"] if predicted["dual"] else 0.0,
            "largest_ratio": largest_ratio(L),
            "search": summary.to_json(),
        }
        found.details = [
            f"X = c aᵀ: c has {int(np.sum(data.c > 0))} positive, {int(np.sum(data.c < 0))} "
            f"negative, {int(np.sum(data.c == 0))} zero entries; α = {_fmt(data.alpha)}, "
            f"γ = {_fmt(data.gamma)}, σ_L = ‖a‖t^(L−2) = {data.atom_radius(L, t):.6g} (L = {L})",
            f"zero-gap condition α·γ = ‖α‖‖γ‖: {'yes' if condition else 'no'}; the abstract's "
            f"statement read without further hypotheses {_reading_text(reading)} under the "
            f"formulation in docs/formulations (P − D = {predicted['gap']:.6g}, "
            f"P/D ≤ 2^((L−2)/2) = {largest_ratio(L):.6g})",
            f"search: {summary.describe()}",
        ]
        if sensitivity > tol:
            # Certificates within the tolerance may fit labels tilted by rounding and cost less
            # than P by as much: neither side of P can be pinned down, whatever the intervals say.
            found.verdict = INCONCLUSIVE
            found.details.append(
                f"inconclusive: near the zero-gap condition P_L is only Hölder-(2/(L−1)) in the "
                f"labels, and a rounding-level tilt of α against γ moves P by up to "
                f"{sensitivity:.1e} (relative) > tolerance {tol:.1e}: labels this close to "
                "aligned are not resolved at this depth in double precision"
            )
        return found

    def certificate(self, instance: Instance, result: CheckResult) -> dict[str, Any]:
        if instance.L != 3:
            raise NotCertifiable(
                f"proof mode covers this claim at L = 3 (the exact checker's rank-1 problem); got "
                f"L = {instance.L}"
            )
        layers, bidual, dual = witnesses_of(result, "layers", "bidual", "dual")
        return rank1_certificate(instance, layers, bidual, dual)

    def instances(self) -> SearchStrategy[Instance]:
        return rank1_instances(depths=DEPTHS)

    def pinned_examples(self) -> list[PinnedExample]:
        return pinned_examples()

    def negative_controls(self) -> list[NegativeControl]:
        return negative_controls()


def _reading_text(reading: str) -> str:
    return {
        FAILS: "fails",
        HOLDS: "holds",
        INCONCLUSIVE: "is not resolved at this precision",
    }[reading]


def _fmt(vector: np.ndarray) -> str:
    return "(" + ", ".join(f"{v:.6g}" for v in vector) + ")"


def rank1_search(
    instance: Instance, data: Rank1Data, budget: Budget, tol: float, claimed: float
) -> tuple[list[Bound], SearchSummary]:
    """Seeded multi-start L-BFGS on the standard network of the instance's depth, on
    :func:`reduced_problem`'s rows (the raw N rows give a singular last-layer Gram matrix: the
    features have rank ≤ 2).

    The summary compares every start's network, mapped back (:func:`silence_zero_sides`) and
    re-evaluated on ``X, Y``, with ``claimed``; the returned bounds are certified
    (:func:`verify.rank1_bounds.network_upper_bound`: the last layer refit exactly, the cost
    enclosed), so a start can go below the certified lower bound only if the claim is false.
    Starts that end on dead units do not interpolate and are only counted. The search width is
    at least :data:`SEARCH_WIDTH`: ``P`` is the same for every width ≥ 2. ``Y = 0`` leaves
    nothing to search (``P = 0``).
    """
    Xr, Yr = reduced_problem(data)
    width = max(instance.width or 0, SEARCH_WIDTH)
    if Xr.shape[0] == 0:
        return [], SearchSummary(0, (), claimed, 0)
    how = (
        f"multi-start L-BFGS, standard ReLU net of depth {instance.L} and width {width}, "
        "reduced rows, last layer refit exactly"
    )
    off_rank1 = relative_residual(instance.X - np.outer(data.c, data.a), instance.X)
    closed = max(data.residual, off_rank1)
    certified: list[Bound] = []

    def evaluate(model):
        value = network_upper_bound(model, data, instance.L, instance.t)
        if value is not None:
            certified.append(Bound(value, "search", closed, how))
        return primal_certificate(
            instance.X,
            instance.Y,
            silence_zero_sides(model, data),
            "t",
            t=instance.t,
            how=how,
            bound_kind="search",
        )

    _, summary = search_bounds(
        Xr,
        Yr,
        Architecture(L=instance.L, activation="relu", width=width),
        evaluate=evaluate,
        claimed=claimed,
        restarts=budget.restarts,
        max_iter=budget.max_iter,
        rng=np.random.default_rng(budget.seed),
        t=instance.t,
        tolerance=tol,
    )
    return certified, summary


def infeasible_labels(instance: Instance, data: Rank1Data, tol: float) -> Evidence:
    """``Y`` is not of the form ``c₊αᵀ + c₋γᵀ``: no network interpolates it, and the ray
    ``Λ = Y − c₊αᵀ − c₋γᵀ`` (``Λᵀc± = 0``, recomputed; ``tr(ΛᵀY) = ‖Λ‖² > 0``) makes every
    ``κΛ`` dual feasible: the dual is unbounded."""
    leak, growth = infeasibility_ray(instance.Y, data, instance.L, instance.t)
    message = (
        f"Y is not of the form c₊αᵀ + c₋γᵀ (relative residual {data.residual:.3e} > tolerance "
        f"{tol:.1e}): every ReLU network has f(X) = c₊f(a)ᵀ + c₋f(−a)ᵀ (positive "
        "homogeneity), so none interpolates Y; fix: labels c_i·α on rows with c_i > 0, |c_i|·γ "
        "on rows with c_i < 0, and 0 where c_i = 0"
    )
    ray_how = "ray Λ = Y − c₊αᵀ − c₋γᵀ: Λᵀc± = 0"
    return infeasible_evidence(message, "f(X) = Y has no solution", ray_how, leak, growth)


#: the minimal counterexample to the abstract's statement read without further hypotheses
COUNTEREXAMPLE = Instance(
    np.array([[1.0], [-1.0]]), np.array([1.0, -1.0]), L=3, t=1.0, label="minimal counterexample"
)
#: ``X = [1; −1]``, ``y = (1, −1)``, ``t = 1`` at depth ``L``: ``P_L = 2^{L/2}``, ``D_L = 2``
ANCHOR = {L: Instance(COUNTEREXAMPLE.X, COUNTEREXAMPLE.Y, L=L, t=1.0, label=f"anchor, L = {L}")
          for L in (4, 5)}  # fmt: skip


def pinned_examples() -> list[PinnedExample]:
    """Edge cases on both sides of the condition at L = 3, 4, 5, and infeasible labels."""
    column = np.array([[1.0], [-1.0]])
    one_signed = np.outer([1.0, 2.0, 0.5], [1.0, 2.0])
    with_zero = np.outer([1.0, 0.0, -2.0], [0.5, -1.0, 2.0])
    vector = np.outer([2.0, -1.0, 1.0], [1.0])
    c_pos, c_neg = np.array([2.0, 0.0, 1.0]), np.array([0.0, 1.0, 0.0])

    def labels(alpha: list[float], gamma: list[float]) -> np.ndarray:
        return np.outer(c_pos, alpha) + np.outer(c_neg, gamma)

    def inst(X: np.ndarray, Y: np.ndarray, label: str, t: float = 1.0, L: int = 3) -> Instance:
        return Instance(X, Y, L=L, t=t, label=label)

    return [
        PinnedExample(COUNTEREXAMPLE, HOLDS,
                      "the abstract's statement read without further hypotheses fails here "
                      "(under the formulation in docs/formulations): P = 2√2, D = 2 (the largest "
                      "ratio at L = 3, √2)"),
        PinnedExample(ANCHOR[4], HOLDS, "P = ℓ_{1/2}(1, 1) = 4, D = 2: ratio 2 = 2^{(4−2)/2}"),
        PinnedExample(ANCHOR[5], HOLDS, "P = ℓ_{2/5}(1, 1) = 4√2, D = 2: ratio 2√2"),
        PinnedExample(inst(column, np.array([1.0, 1.0]), "same-sign labels"), HOLDS,
                      "y ≥ 0: P = D = 2"),
        PinnedExample(inst(column, np.array([1.0, 1.0]), "same-sign labels, L = 5", 2.0, 5),
                      HOLDS, "y ≥ 0: P = D = 2/2³ at every depth"),
        PinnedExample(inst(one_signed, np.array([-1.5, -3.0, -0.75]), "one-signed c", 0.5),
                      HOLDS, "c ≥ 0: one side only, P = D = ‖α‖/s"),
        PinnedExample(inst(one_signed, np.array([-1.5, -3.0, -0.75]), "one-signed c, L = 4",
                           0.5, 4), HOLDS, "c ≥ 0: P = D = ‖α‖/σ_4"),
        PinnedExample(inst(with_zero, np.array([1.0, 0.0, 3.0]), "c with a zero entry", 2.0),
                      HOLDS, "zero row of X with zero label; α = 1, γ = 1.5: P = D"),
        PinnedExample(inst(column, np.zeros(2), "zero labels"), HOLDS, "Y = 0: P = D = 0"),
        PinnedExample(inst(vector, labels([1.0, 2.0], [0.5, 1.0]), "aligned vector sides"),
                      HOLDS, "γ = α/2: zero gap for vector outputs"),
        PinnedExample(inst(vector, labels([1.0, 0.0], [0.0, 1.0]), "orthogonal vector sides"),
                      HOLDS, "α·γ = 0 but α ∦ γ: a gap, P = ℓ_{2/3} value"),
        PinnedExample(inst(vector, labels([1.0, 0.0], [0.0, 1.0]),
                           "orthogonal vector sides, L = 5", 1.5, 5),
                      HOLDS, "α·γ = 0: the streams never mix, P = ℓ_{2/5}(‖α‖, ‖γ‖)/σ_5"),
        PinnedExample(inst(vector, labels([1.0, 0.2], [0.3, 1.0]), "acute vector sides", 0.7),
                      HOLDS, "α·γ > 0, α ∦ γ: a gap, P from the quartic root"),
        PinnedExample(inst(vector, labels([1.0, 0.2], [0.3, 1.0]), "acute vector sides, L = 4",
                           0.7, 4),
                      HOLDS, "α·γ > 0, α ∦ γ: the streams mix; P certified by interval "
                      "arithmetic, below ℓ_{2/4}"),
        PinnedExample(inst(np.array([[1.0], [2.0]]), np.array([1.0, 1.0]), "not c₊α"),
                      INFEASIBLE, "both rows on the positive side but y not proportional to c"),
        PinnedExample(inst(np.array([[1.0], [0.0]]), np.array([1.0, 1.0]), "label on zero row"),
                      INFEASIBLE, "f(0) = 0, so a zero row of X needs a zero label"),
    ]  # fmt: skip


def _side_norms(inst: Instance) -> tuple[Rank1Data, float, float]:
    data = rank1_data(inst.X, inst.Y)
    return data, float(np.linalg.norm(data.alpha)), float(np.linalg.norm(data.gamma))


def negative_controls() -> list[NegativeControl]:
    """False variants the certified intervals must contradict: the abstract's statement read
    without hypotheses, and wrong closed forms (a wrong exponent, the three-layer formula at
    depth, a dropped stream, streams that never mix, the three-layer ratio bound at depth)."""
    same_sign = Instance(np.array([[1.0], [-1.0]]), np.array([1.0, 1.0]), L=3, t=1.0)
    vector = np.outer([2.0, -1.0, 1.0], [1.0])
    orthogonal = Instance(
        vector,
        np.outer([2.0, 0.0, 1.0], [1.0, 0.0]) + np.outer([0.0, 1.0, 0.0], [0.0, 1.0]),
        L=3,
        t=1.0,
        label="orthogonal vector sides",
    )
    acute = Instance(
        vector,
        np.outer([2.0, 0.0, 1.0], [1.0, 0.2]) + np.outer([0.0, 1.0, 0.0], [0.3, 1.0]),
        L=4,
        t=0.7,
        label="acute vector sides, L = 4",
    )
    scaled = Instance(COUNTEREXAMPLE.X, COUNTEREXAMPLE.Y, L=4, t=2.0, label="anchor, t = 2")

    def l2p(inst: Instance, p: float, scale: float) -> dict[str, float]:
        """``P = ℓ_p(‖α‖, ‖γ‖)/scale``."""
        _, na, ng = _side_norms(inst)
        return {"primal": schatten_quasi_norm(np.array([na, ng]), p) / scale}

    def sigma(inst: Instance) -> float:
        return rank1_data(inst.X, inst.Y).atom_radius(inst.L, inst.t)

    def three_layer_values(inst: Instance) -> dict[str, float]:
        data, na, ng = _side_norms(inst)
        s = data.radius(inst.t)
        primal = schatten_quasi_norm(np.array([na, ng]), 2 / 3) / s
        return {"primal": primal, "dual": (na + ng) / s}

    def dropped_stream(inst: Instance) -> dict[str, float]:
        _, na, _ = _side_norms(inst)
        return {"primal": na / sigma(inst), "dual": na / sigma(inst)}

    def sqrt2_bound(inst: Instance) -> dict[str, float]:
        _, na, ng = _side_norms(inst)
        return {"primal": math.sqrt(2) * (na + ng) / sigma(inst)}

    def linear_dual(inst: Instance) -> dict[str, float]:
        W = pseudo_inverse(inst.X) @ inst.Y
        return {"dual": float(np.sum(singular_values(W))) / inst.t}

    return [
        NegativeControl(
            "abstract-without-hypotheses",
            "strong duality P(t) = D(t) for every rank-1 X, whatever the labels (three layers)",
            COUNTEREXAMPLE,
            lambda inst: {"gap": 0.0},
        ),
        NegativeControl(
            "depth-closes-the-gap",
            "P_L = D_L on rank-1 data once the network is deep enough (here L = 5)",
            ANCHOR[5],
            lambda inst: {"gap": 0.0},
        ),
        NegativeControl(
            "scalar-condition-for-vectors",
            "P = D whenever α·γ ≥ 0 (the scalar condition carried over to vector outputs)",
            orthogonal,
            lambda inst: {"gap": 0.0},
        ),
        NegativeControl(
            "l23-for-all-labels",
            "P(t) = (‖α‖^{2/3} + ‖γ‖^{2/3})^{3/2}/(t‖a‖) whatever the signs of the labels",
            same_sign,
            lambda inst: l2p(inst, 2 / 3, sigma(inst)),
        ),
        NegativeControl(
            "wrong-exponent",
            "P_L = ℓ_{2/(L−1)}(‖α‖, ‖γ‖)/σ_L (the exponent off by one layer), here at L = 5",
            ANCHOR[5],
            lambda inst: l2p(inst, 2 / (inst.L - 1), sigma(inst)),
        ),
        NegativeControl(
            "three-layer-formula-at-depth",
            "P_L = ℓ_{2/3}(‖α‖, ‖γ‖)/(t‖a‖) and D_L = (‖α‖ + ‖γ‖)/(t‖a‖) at L = 4 (the L = 3 "
            "closed forms, depth ignored)",
            scaled,
            three_layer_values,
        ),
        NegativeControl(
            "dropped-stream",
            "P_L = D_L = ‖α‖/σ_L (the stream of −a, with its label γ, ignored), here at L = 4",
            ANCHOR[4],
            dropped_stream,
        ),
        NegativeControl(
            "streams-never-mix",
            "P_L = ℓ_{2/L}(‖α‖, ‖γ‖)/σ_L for every label (orthogonal streams throughout), here "
            "at L = 4 with α·γ > 0",
            acute,
            lambda inst: l2p(inst, 2 / inst.L, sigma(inst)),
        ),
        NegativeControl(
            "three-layer-ratio-at-depth",
            "P_L ≤ √2·D_L at every depth (the three-layer bound), here at its largest, L = 5",
            ANCHOR[5],
            sqrt2_bound,
        ),
        NegativeControl(
            "linear-network-dual",
            "D(t) = ‖X⁺Y‖_*/t, the dual of the three-layer linear network",
            COUNTEREXAMPLE,
            linear_dual,
        ),
    ]


CLAIM = ReluRank1Standard()
