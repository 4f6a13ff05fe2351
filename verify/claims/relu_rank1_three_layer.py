"""C6 ``relu-rank1-three-layer``: three-layer standard ReLU networks on rank-1 data.

Statement
    The abstract: "strong duality holds for three-layer standard ReLU networks given rank-1 data
    matrices"; the paper's own hypotheses could not be consulted. Under the formulation
    below (stated in ``docs/formulations/C6-relu-rank1-three-layer.md``), the abstract's statement
    read without further hypotheses fails, and what holds instead is exact:

    ============================  ===========================================================
    read without hypotheses       ``X = c aᵀ`` ⇒ ``P(t) = D(t)`` for every interpolable ``Y``
    minimal counterexample        ``X = [1; −1]``, ``y = (1, −1)``, ``t = 1``:
                                  ``P = 2√2``, ``D = 2`` (N = 2, d = K = 1; N = 1 never gaps)
    what holds                    with ``Y = c₊αᵀ + c₋γᵀ`` (every interpolable ``Y`` is of this
                                  form) and ``s = t‖a‖``: ``D(t) = (‖α‖ + ‖γ‖)/s``;
                                  ``P(t) = (‖α‖^{2/3} + ‖γ‖^{2/3})^{3/2}/s`` if ``α·γ < 0``,
                                  ``P(t) = (‖α‖ + ‖γ‖)/s`` if ``α ∥ γ``, ``α·γ ≥ 0``, otherwise
                                  ``√f(τ*)/s`` at the root ``τ*`` of ``Aτ⁴ + Δτ³ − Δτ − C``;
                                  **P = D iff α·γ = ‖α‖‖γ‖**; otherwise ``D < P ≤ √2·D``
    hypotheses that rescue it     one-signed data, ``c ≥ 0`` (``c₋ = 0``, so ``γ = 0``: ``P = D``
                                  for every interpolable ``Y``); one-signed labels, i.e. all
                                  label rows non-negative multiples of one vector (exactly
                                  ``α·γ = ‖α‖‖γ‖``; scalar ``y``: ``y ≥ 0`` or ``y ≤ 0``;
                                  entrywise non-negative vector labels do not suffice)
    ============================  ===========================================================

    The checker's prediction is the statement that holds (``primal``, ``dual``, ``gap`` from the
    closed forms), so its verdict is ``holds`` on both sides of the condition whenever the exact
    values are confirmed; the abstract's statement without hypotheses is a negative control that
    the minimal counterexample refutes. ``check --json`` adds ``zero_gap_condition`` (the exact
    condition), ``abstract_reading`` (the abstract's statement read without further hypotheses,
    on this instance: ``holds`` where ``P = D``, ``fails`` where the certified gap is positive),
    ``paper_claim`` (the same value under its 0.1 name, kept for one release), ``alpha``,
    ``gamma``, ``relative_gap`` and the search summary.

Formulation
    ``f(X) = ((X W₁)₊ W₂)₊ W₃``, ``‖W₁‖_F ≤ t``, cost ``½(‖W₂‖_F² + ‖W₃‖_F²)``, ``f(X) = Y``;
    hidden widths ``≥ 2`` (the instance's ``width``, default "as wide as needed"; the optima use
    2). The dual (Lagrangian over the last two layers) is ``max tr(ΛᵀY)`` s.t.
    ``‖Λᵀ((X W₁)₊ w)₊‖ ≤ 1`` for all ``‖W₁‖_F ≤ t``, ``‖w‖ ≤ 1`` (C5's, one shared first layer).
    Instances need ``L = 3`` (explicitly: ``Instance`` defaults ``L`` to 2, which is refused) and
    ``t``; ``X`` must have numerical rank 1 (``σ₂ ≤ 1e-9·σ₁``, :data:`verify.rank1.RANK1_RTOL`).
    Labels not of the form ``c₊αᵀ + c₋γᵀ`` are a valid question with answer "no network
    interpolates": verdict ``infeasible`` (primal ``+∞``; the dual is unbounded along the ray
    ``Λ = Y − c₊αᵀ − c₋γᵀ``), not an input error.

Source
    Wang, Ergen, Pilanci, ICLR 2023 (arXiv:2110.06482 v3), abstract. Only the abstract could be
    consulted; the formulation above is this project's, stated in
    ``docs/formulations/C6-relu-rank1-three-layer.md``. The derivation is in :mod:`verify.rank1`,
    its algebra proved in :mod:`verify.symbolic_rank1`.

How it is verified
    * primal lower bound: closed form (the rank-1 reduction, proof in :mod:`verify.rank1`);
      also weak duality from the dual certificate;
    * primal upper bound: the explicit optimal network (:func:`verify.rank1.primal_network`),
      output, norm constraint and cost recomputed on ``X``; and multi-start L-BFGS on the
      standard network (width ``max(instance width, 4)``), run on the exactly reduced two-row
      problem (:func:`verify.rank1.reduced_problem`: same feasible weights, same cost) and
      re-evaluated on ``X`` — it must never beat ``P`` and is reported as reaching it or not;
    * dual lower bound: the explicit ``Λ`` (:func:`verify.rank1.dual_point`), feasibility
      recomputed exactly over the reduced constraint set, ``tr(ΛᵀY)`` recomputed;
    * dual upper bound: the explicit parallel network of cost ``D`` (weak duality, recomputed)
      and the Cauchy–Schwarz closed form.

Known limits
    The primal lower bound is a proof, not a numerical certificate (a non-convex primal has no
    cheap optimality certificate); the search corroborates it from above. Data that is rank 1
    only within the tolerance is treated as its rank-1 part ``c aᵀ``; the distance is recorded
    as the residual of the dual certificate and the closed forms. Whitened data (the v1
    abstract's gap claim) is explored in :mod:`verify.whitened`: exact for orthonormal rows and
    for a single orthonormal column, bounds plus search otherwise.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
from hypothesis.strategies import SearchStrategy

from verify.claims.base import (
    Budget,
    Claim,
    Evidence,
    NegativeControl,
    PinnedExample,
    infeasible_evidence,
)
from verify.instances import Instance, InstanceError
from verify.linalg import pseudo_inverse, singular_values
from verify.networks import primal_certificate
from verify.rank1 import (
    Rank1Data,
    certified_bounds,
    dual_constraint,
    dual_value,
    factor_rank1,
    primal_value,
    rank1_data,
    reduced_problem,
    silence_zero_sides,
    zero_gap,
)
from verify.result import FAILS, HOLDS, INFEASIBLE, Bound
from verify.search import Architecture, SearchSummary, search_bounds
from verify.strategies.rank1 import rank1_instances

#: hidden width of the falsification search when the instance sets none (width 2 suffices for
#: the optimum but leaves L-BFGS with many dead-ReLU starts)
SEARCH_WIDTH = 4


class ReluRank1ThreeLayer(Claim):
    id = "relu-rank1-three-layer"
    number = "C6"
    title = "Three-layer standard ReLU networks on rank-1 data: exact P(t), D(t), and where P = D"
    source = (
        "Wang, Ergen, Pilanci (ICLR 2023), abstract (rank-1 data); "
        "formulation: docs/formulations/C6-relu-rank1-three-layer.md"
    )
    statement = (
        "X = c aᵀ, Y = c₊αᵀ + c₋γᵀ, s = t‖a‖: D(t) = (‖α‖+‖γ‖)/s; P(t) = ℓ_{2/3}(‖α‖,‖γ‖)/s if "
        "α·γ < 0, min_r ‖[α/r₁, γ/r₂]‖_* otherwise; P = D iff α·γ = ‖α‖‖γ‖ (one-signed labels; "
        "implied by one-signed data c ≥ 0). Without these hypotheses the abstract's P = D fails "
        "under this formulation, e.g. X = [1;−1], y = (1,−1): P = 2√2, D = 2"
    )
    required = ("L", "t")
    field_hints: ClassVar[dict[str, str]] = {
        "L": "3 (this claim checks three weight layers)",
        "t": "a positive number such as 1.0",
    }
    shown_fields = ("zero_gap_condition",)
    abstract_reading_key = "abstract_reading"

    def validate(self, instance: Instance) -> None:
        super().validate(instance)
        if instance.L != 3:
            raise InstanceError(
                "L", f"this claim is about three-layer networks: set L = 3 (got {instance.L})"
            )
        if instance.width is not None and instance.width < 2:
            raise InstanceError(
                "width",
                f"the closed forms need hidden width ≥ 2 (got {instance.width}): the optimal "
                "first layer has a positive and a negative unit; omit width or set it ≥ 2",
            )
        factor_rank1(instance.X)

    def predictions(self, data: Rank1Data, t: float) -> dict[str, float]:
        s = data.radius(t)
        primal, dual = (
            primal_value(data.alpha, data.gamma, s),
            dual_value(data.alpha, data.gamma, s),
        )
        return {"primal": primal, "dual": dual, "gap": primal - dual}

    def evidence(self, instance: Instance, budget: Budget) -> Evidence:
        tol = self.tolerance(instance)
        data = rank1_data(instance.X, instance.Y)
        if data.residual > tol:
            return infeasible_labels(instance, data, tol)
        X, Y, t = instance.X, instance.Y, instance.t
        predicted = self.predictions(data, t)
        candidates = certified_bounds(X, Y, data, t, instance.width or 2)
        found, summary = rank1_search(instance, data, budget, tol, predicted["primal"])
        candidates["primal_upper"] += found
        condition = zero_gap(data.alpha, data.gamma, tol)
        positive_gap = predicted["gap"] > tol * max(1.0, predicted["primal"])
        extra = {
            "alpha": data.alpha.tolist(),
            "gamma": data.gamma.tolist(),
            "zero_gap_condition": condition,
            # the abstract's statement read without further hypotheses (P = D for every Y);
            # "paper_claim" is the same value under its 0.1 name, kept for one release
            "abstract_reading": FAILS if positive_gap else HOLDS,
            "paper_claim": FAILS if positive_gap else HOLDS,
            "relative_gap": predicted["gap"] / predicted["dual"] if predicted["dual"] else 0.0,
            "search": summary.to_json(),
        }
        details = [
            f"X = c aᵀ: c has {int(np.sum(data.c > 0))} positive, {int(np.sum(data.c < 0))} "
            f"negative, {int(np.sum(data.c == 0))} zero entries; α = {_fmt(data.alpha)}, "
            f"γ = {_fmt(data.gamma)}, s = t‖a‖ = {data.radius(t):.6g}",
            f"zero-gap condition α·γ = ‖α‖‖γ‖: {'yes' if condition else 'no'}; the paper's "
            f"P = D {'fails' if positive_gap else 'holds'} (P − D = {predicted['gap']:.6g})",
            f"search: {summary.describe()}",
        ]
        return Evidence(predicted, candidates, details=details, extra=extra)

    def instances(self) -> SearchStrategy[Instance]:
        return rank1_instances()

    def pinned_examples(self) -> list[PinnedExample]:
        return pinned_examples()

    def negative_controls(self) -> list[NegativeControl]:
        return negative_controls()


def _fmt(vector: np.ndarray) -> str:
    return "(" + ", ".join(f"{v:.6g}" for v in vector) + ")"


def rank1_search(
    instance: Instance, data: Rank1Data, budget: Budget, tol: float, claimed: float
) -> tuple[list[Bound], SearchSummary]:
    """Seeded multi-start L-BFGS on the standard network, on :func:`reduced_problem`'s rows
    (the raw N rows give a singular last-layer Gram matrix: the features have rank ≤ 2).

    Every start's network is mapped back (:func:`silence_zero_sides`) and re-evaluated on the
    original ``X, Y``; starts that end on dead units do not interpolate and are only counted.
    The search width is at least :data:`SEARCH_WIDTH`: ``P`` is the same for every width ≥ 2.
    ``Y = 0`` leaves nothing to search (``P = 0``).
    """
    Xr, Yr = reduced_problem(data)
    width = max(instance.width or 0, SEARCH_WIDTH)
    if Xr.shape[0] == 0:
        return [], SearchSummary(0, (), claimed, 0)
    how = f"multi-start L-BFGS, standard ReLU net of width {width}, reduced rows, re-evaluated on X"

    def evaluate(model):
        return primal_certificate(
            instance.X,
            instance.Y,
            silence_zero_sides(model, data),
            "t",
            t=instance.t,
            how=how,
            bound_kind="search",
        )

    return search_bounds(
        Xr,
        Yr,
        Architecture(L=3, activation="relu", width=width),
        evaluate=evaluate,
        claimed=claimed,
        restarts=budget.restarts,
        max_iter=budget.max_iter,
        rng=np.random.default_rng(budget.seed),
        t=instance.t,
        tolerance=tol,
    )


def infeasible_labels(instance: Instance, data: Rank1Data, tol: float) -> Evidence:
    """``Y`` is not of the form ``c₊αᵀ + c₋γᵀ``: no network interpolates it, and the ray
    ``Λ = Y − c₊αᵀ − c₋γᵀ`` (``Λᵀc± = 0``, recomputed; ``tr(ΛᵀY) = ‖Λ‖² > 0``) makes every
    ``κΛ`` dual feasible: the dual is unbounded."""
    ray = instance.Y - data.fitted()
    scale = data.radius(instance.t) * float(np.linalg.norm(ray)) * float(np.linalg.norm(data.c))
    leak = dual_constraint(ray, data, instance.t) / scale
    growth = float(np.sum(ray * instance.Y))
    message = (
        f"Y is not of the form c₊αᵀ + c₋γᵀ (relative residual {data.residual:.3e} > tolerance "
        f"{tol:.1e}): every three-layer ReLU network has f(X) = c₊f(a)ᵀ + c₋f(−a)ᵀ (positive "
        "homogeneity), so none interpolates Y; fix: labels c_i·α on rows with c_i > 0, |c_i|·γ "
        "on rows with c_i < 0, and 0 where c_i = 0"
    )
    ray_how = "ray Λ = Y − c₊αᵀ − c₋γᵀ: Λᵀc± = 0"
    return infeasible_evidence(message, "f(X) = Y has no solution", ray_how, leak, growth)


#: the minimal counterexample to the paper's unconditioned statement
COUNTEREXAMPLE = Instance(
    np.array([[1.0], [-1.0]]), np.array([1.0, -1.0]), L=3, t=1.0, label="minimal counterexample"
)


def pinned_examples() -> list[PinnedExample]:
    """Edge cases on both sides of the condition, and infeasible labels."""
    column = np.array([[1.0], [-1.0]])
    one_signed = np.outer([1.0, 2.0, 0.5], [1.0, 2.0])
    with_zero = np.outer([1.0, 0.0, -2.0], [0.5, -1.0, 2.0])
    vector = np.outer([2.0, -1.0, 1.0], [1.0])
    c_pos, c_neg = np.array([2.0, 0.0, 1.0]), np.array([0.0, 1.0, 0.0])

    def labels(alpha: list[float], gamma: list[float]) -> np.ndarray:
        return np.outer(c_pos, alpha) + np.outer(c_neg, gamma)

    def inst(X: np.ndarray, Y: np.ndarray, label: str, t: float = 1.0) -> Instance:
        return Instance(X, Y, L=3, t=t, label=label)

    return [
        PinnedExample(COUNTEREXAMPLE, HOLDS,
                      "the paper's P = D fails here: P = 2√2, D = 2 (the largest ratio, √2)"),
        PinnedExample(inst(column, np.array([1.0, 1.0]), "same-sign labels"), HOLDS,
                      "y ≥ 0: P = D = 2"),
        PinnedExample(inst(one_signed, np.array([-1.5, -3.0, -0.75]), "one-signed c", 0.5),
                      HOLDS, "c ≥ 0: one side only, P = D = ‖α‖/s"),
        PinnedExample(inst(with_zero, np.array([1.0, 0.0, 3.0]), "c with a zero entry", 2.0),
                      HOLDS, "zero row of X with zero label; α = 1, γ = 1.5: P = D"),
        PinnedExample(inst(column, np.zeros(2), "zero labels"), HOLDS, "Y = 0: P = D = 0"),
        PinnedExample(inst(vector, labels([1.0, 2.0], [0.5, 1.0]), "aligned vector sides"),
                      HOLDS, "γ = α/2: zero gap for vector outputs"),
        PinnedExample(inst(vector, labels([1.0, 0.0], [0.0, 1.0]), "orthogonal vector sides"),
                      HOLDS, "α·γ = 0 but α ∦ γ: a gap, P = ℓ_{2/3} value"),
        PinnedExample(inst(vector, labels([1.0, 0.2], [0.3, 1.0]), "acute vector sides", 0.7),
                      HOLDS, "α·γ > 0, α ∦ γ: a gap, P from the quartic root"),
        PinnedExample(inst(np.array([[1.0], [2.0]]), np.array([1.0, 1.0]), "not c₊α"),
                      INFEASIBLE, "both rows on the positive side but y not proportional to c"),
        PinnedExample(inst(np.array([[1.0], [0.0]]), np.array([1.0, 1.0]), "label on zero row"),
                      INFEASIBLE, "f(0) = 0, so a zero row of X needs a zero label"),
    ]  # fmt: skip


def negative_controls() -> list[NegativeControl]:
    """False variants the certified intervals must contradict."""
    same_sign = Instance(np.array([[1.0], [-1.0]]), np.array([1.0, 1.0]), L=3, t=1.0)
    orthogonal = Instance(
        np.outer([2.0, -1.0, 1.0], [1.0]),
        np.outer([2.0, 0.0, 1.0], [1.0, 0.0]) + np.outer([0.0, 1.0, 0.0], [0.0, 1.0]),
        L=3,
        t=1.0,
        label="orthogonal vector sides",
    )

    def l23(inst: Instance) -> dict[str, float]:
        data = rank1_data(inst.X, inst.Y)
        na, ng = np.linalg.norm(data.alpha), np.linalg.norm(data.gamma)
        return {"primal": float((na ** (2 / 3) + ng ** (2 / 3)) ** 1.5 / data.radius(inst.t))}

    def linear_dual(inst: Instance) -> dict[str, float]:
        W = pseudo_inverse(inst.X) @ inst.Y
        return {"dual": float(np.sum(singular_values(W))) / inst.t}

    return [
        NegativeControl(
            "paper-unconditioned",
            "strong duality P(t) = D(t) for every rank-1 X, whatever the labels",
            COUNTEREXAMPLE,
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
            l23,
        ),
        NegativeControl(
            "linear-network-dual",
            "D(t) = ‖X⁺Y‖_*/t, the dual of the three-layer linear network",
            COUNTEREXAMPLE,
            linear_dual,
        ),
    ]


CLAIM = ReluRank1ThreeLayer()
