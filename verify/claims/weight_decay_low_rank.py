"""C4 ``weight-decay-low-rank``: regularised training has closed-form low-rank solutions.

Statement
    For data with orthonormal columns (``XᵀX = I``) and ``XᵀY = U diag(σ) Vᵀ``,

    ``min ½‖X W_1⋯W_L − Y‖_F² + (β/2) Σ_l ‖W_l‖_F²``

    is attained by the end-to-end matrix ``U diag(s*) Vᵀ`` (balanced weights), with
    ``s*_i = argmin_{s≥0} ½(s − σ_i)² + (βL/2) s^{2/L}``: the soft threshold ``(σ − β)_+`` for
    ``L = 2``; for ``L ≥ 3`` zero below ``τ = ((L−1)/(L−2)) s̄``, a jump to
    ``s̄ = (β(L−2))^{L/(2L−2)}`` at ``τ`` and the largest root of ``s + βs^{2/L−1} = σ`` above.
    The optimal rank is ``#{σ_i > τ}``: never more than the least-squares rank, non-increasing
    in ``β``, and non-increasing in ``L`` exactly on the steps ``L → L+1`` with ``β ≤ β_L`` (all
    steps iff ``β ≤ 3¹²/2¹⁶ ≈ 8.11``; see :mod:`verify.lowrank`). This project's reading "the
    optimal rank never grows with depth" (not a statement of the abstract) is false beyond that:
    ``β = 100``, ``σ = 55`` gives rank 0 at ``L = 3`` and rank 1 at ``L = 4``. ``β`` is not
    scale-free: labels ``κY`` with strength ``β`` are the labels ``Y`` with ``βκ^{2/L−2}``,
    rescaled, so comparing depths at one ``β`` depends on the units of ``XᵀY``.

    ``dualgap explore deeper-lower-rank --seed 0`` finds a depth counterexample on its own, with
    smaller numbers than the pinned one: ``X = [1]``, ``y = 22``, ``β = 23`` has rank 0 at ``L =
    2`` (``τ = 23``) and rank 1 at ``L = 3`` (``τ ≈ 21.005``).

Formulation
    Instance fields ``X`` (``N×d``, orthonormal columns within :data:`ORTHONORMAL_TOL`), ``Y``,
    ``L``, ``beta`` (and optionally ``width``, the hidden width: default ``min(d, K)``, which
    every rank fits; a smaller width keeps the ``width`` largest ``s*_i``). At a tie ``σ_i = τ``
    both ``0`` and ``s̄`` are optimal; the reported ``s*`` takes ``0``.

Source
    Wang, Ergen, Pilanci, ICLR 2023 (arXiv:2110.06482 v3), abstract: weight decay explicitly
    encourages low-rank solutions via closed-form expressions. Only the abstract could be
    consulted; the formulation above is this project's, stated in
    ``docs/formulations/C4-weight-decay-low-rank.md``. The depth-monotonicity region, the
    counterexample and the scaling remark above are this project's findings.

How it is verified
    * primal upper bound: the balanced weights of ``U diag(s*) Vᵀ``, fit and penalty enclosed on
      the exact weights (:func:`ridge_upper_bound`, :mod:`verify.rigorous`);
    * primal lower bound (closed form, proved): with ``XᵀX = I + E`` (``e = ‖E‖₂``, measured),
      ``½‖XW − Y‖² ≥ ½(1−e)‖W‖² − ⟨W, XᵀY⟩ + ½‖Y‖²``; von Neumann's trace inequality
      ``⟨W, XᵀY⟩ ≤ Σ s_iσ_i`` and ``½Σ_l‖W_l‖² ≥ (L/2)Σ s_i^{2/L}`` (C2: AM–GM and the generalised
      Hölder inequality) leave ``(1−e) Σ_i min_{s≥0} g_i(s)`` for the rescaled ``σ/(1−e)``,
      ``β/(1−e)`` (only ``width`` non-zero ``s_i``); each scalar minimum is bounded below
      independently of the closed form, by bisection on the convex branch with a tangent bound,
      and ``g(0)``; every term is enclosed on ``arb`` balls (:func:`certified_lower_bound`,
      :mod:`verify.lowrank_bounds`), ``e`` and ``σ_i`` certified;
    * falsification search: seeded multi-start L-BFGS on the factorised problem (the last layer
      eliminated exactly, :func:`verify.search.local_search`), followed by greedy moves that
      remove one component of the best network or add the top residual direction
      (:func:`factorised_search`); every network is re-evaluated on the data; none may go below
      the lower bound, and the best reaches it (within 1e-8 relative on every generated
      instance tried, see the tests);
    * threshold: a certified bracket ``τ(1 ± 10⁻¹⁰)`` — below it ``0`` beats every non-zero
      local minimiser, above it the branch point beats ``0``
      (:func:`verify.lowrank_bounds.threshold_bracket`, on balls);
    * rank: every minimiser's ``s_i`` lies in ``argmin g_i``, which is ``{0}`` below the bracket
      and positive above it; values inside the bracket (ties) widen the rank interval.

    There is no dual problem here (the fit is unconstrained), so the dual bounds stay empty
    (``dual_value`` and ``gap`` are ``null`` in JSON). ``check --json`` adds ``singular_values``
    (``s*``, descending), ``rank`` and ``threshold`` (``τ``; ``β`` for ``L = 2``).

Known limits
    The lower bound is a proved inequality evaluated in floating point (errors at the level of
    rounding). For ``L ≥ 3`` the factorised problem has spurious local minimisers (every
    component can sit at ``0``, and for ``2L^{−L/(2L−2)} τ < σ < τ`` also at a non-zero branch
    point), so plain random restarts often stop short of the optimum; the component moves fix
    that, and a search that still stopped short would only loosen the upper bound.
    Non-orthonormal ``X`` is rejected rather than whitened: the closed form is a statement about
    orthonormal data.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, ClassVar

import flint
import numpy as np
from hypothesis.strategies import SearchStrategy

from verify.certificates import ridge_certificate
from verify.claims.base import (
    Budget,
    Claim,
    Evidence,
    NegativeControl,
    PinnedExample,
    witnesses_of,
)
from verify.instances import Instance, InstanceError
from verify.linalg import rank_from_singular_values, spectral_norm
from verify.lowrank import (
    balanced_network,
    branch_minimum_bounds,
    jump,
    optimal_singular_values,
    scalar_objective,
    threshold,
)
from verify.lowrank_bounds import minimum_lower_bound, threshold_bracket
from verify.networks import Network
from verify.result import HOLDS, Bound, CheckResult
from verify.rigorous import (
    Enclosure,
    inner,
    lower,
    product,
    sum_of_squares,
    upper,
)
from verify.search import (
    Architecture,
    SearchOutcome,
    SearchSummary,
    local_search,
    plan_search,
    search_starts,
)
from verify.strategies.common import orthonormal_columns
from verify.strategies.lowrank import lowrank_instances

#: ``‖XᵀX − I‖₂`` allowed for "orthonormal columns"; a QR factor is orthonormal to ~1e-15. The
#: lower bound accounts for the measured deviation exactly, so this only rejects data for which
#: the closed form is not the statement being checked.
ORTHONORMAL_TOL = 1e-10
#: ``log₁₀(P²/β)`` range of :func:`orthogonal_starts` (measured, see there)
START_LOG_RATIOS = (-1.0, 1.5)
#: The search runs on the problem rescaled so that balanced weights at the threshold have this
#: size. L-BFGS-B's first step has unit length: at weights of size 1 it can jump from a
#: component's basin into the basin of 0, at size 10 it does not (measured for L = 2…8 from
#: balanced starts at σ/τ between 1.0001 and 20).
SEARCH_WEIGHT_SCALE = 10.0

LOWER_BOUND_PROOF = (
    "XᵀX = I + E: ½‖XW−Y‖² ≥ ½(1−‖E‖₂)‖W‖² − ⟨W, XᵀY⟩ + ½‖Y‖²; von Neumann's trace inequality "
    "and ½Σ‖W_l‖² ≥ (L/2)Σ s_i^{2/L} (AM–GM + generalised Hölder) reduce it to Σ_i min_s "
    "½(s−σ_i)² + (βL/2)s^{2/L}, each bounded below by bisection on the convex branch and g(0)"
)


@dataclass(frozen=True)
class Reduction:
    """``M = XᵀY = U diag(σ) Vᵀ`` (all ``min(d, K)`` singular values), ``e = ‖XᵀX − I‖₂``,
    ``outside = ½‖Y − XM‖²`` (the part of ``Y`` no network reaches) and ``curvature =
    ⟨M, EM⟩`` (zero for exactly orthonormal ``X``)."""

    M: np.ndarray
    U: np.ndarray
    sigma: np.ndarray
    Vt: np.ndarray
    deviation: float
    outside: float
    curvature: float


def reduce(instance: Instance) -> Reduction:
    X, Y = instance.X, instance.Y
    E = X.T @ X - np.eye(instance.d)
    M = X.T @ Y
    U, sigma, Vt = np.linalg.svd(M, full_matrices=False)
    return Reduction(
        M=M,
        U=U,
        sigma=sigma,
        Vt=Vt,
        deviation=spectral_norm(E),
        outside=0.5 * float(np.sum((Y - X @ M) ** 2)),
        curvature=float(np.sum(M * (E @ M))),
    )


def certified_lower_bound(instance: Instance, L: int, beta: float, width: int) -> float:
    """The lower bound of :data:`LOWER_BOUND_PROOF`, every term enclosed on the exact data.

    With ``e ≥ ‖XᵀX − I‖₂`` (certified), ``M = XᵀY`` (enclosed), ``σ_i(M) ≥ lo_i``:
    ``P ≥ (1 − e) Σ_i m_i + ½‖Y − XM‖² − ½⟨M, (XᵀX − I)M⟩ − ½‖M‖²e/(1 − e)`` with
    ``m_i ≤ min_s ½(s − σ_i/(1−e))² + (βL/(2(1−e))) s^{2/L}`` (:mod:`verify.lowrank_bounds`;
    ``½(σ_i/(1−e))²`` beyond the hidden width); ``min g`` increases with ``σ`` and ``β``, so
    lower ends of both may be used.
    """
    X, Y = instance.X, instance.Y
    M = product(X.T, Y)
    E = product(X.T, X) - np.eye(instance.d)
    e = E.spectral_upper()
    if e >= 1.0:
        return -math.inf
    shrink = 1 - flint.arb(e)
    scaled_beta = lower(flint.arb(beta) / shrink)
    total = flint.arb(0)
    for i, value in enumerate(M.singular_values()[0]):
        sigma = lower(flint.arb(value) / shrink)
        if i < width:
            total += minimum_lower_bound(sigma, L, scaled_beta)
        else:
            total += flint.arb(sigma) ** 2 / 2
    outside = lower((Enclosure.exact(Y) - product(X, M)).frobenius()) ** 2
    curvature = inner(M, E @ M)
    norm_sq = flint.arb(upper(M.frobenius())) ** 2
    bound = shrink * total + flint.arb(outside) / 2 - curvature / 2
    return lower(bound - norm_sq * flint.arb(e) / (2 * shrink))


def ridge_upper_bound(
    instance: Instance, model: Network, beta: float, kind: str, how: str
) -> Bound:
    """``½‖f(X) − Y‖² + (β/2) Σ_l ‖W_l‖²`` of a network, enclosed on the exact weights (the ridge
    objective has no constraint: every network is feasible)."""
    misfit = (Enclosure.exact(instance.Y) - product(instance.X, *model.weights)).frobenius()
    penalty = sum((sum_of_squares(W) for W in model.weights), flint.arb(0))
    value = flint.arb(upper(misfit)) ** 2 / 2 + flint.arb(beta) * penalty / 2
    return Bound(upper(value), kind, 0.0, how)


def hidden_width(instance: Instance) -> int:
    return instance.width or min(instance.d, instance.K)


def optimal_values(sigma: np.ndarray, L: int, beta: float, width: int) -> np.ndarray:
    """``s*`` (descending, as ``σ`` is and ``s*`` is non-decreasing), zero beyond ``width``."""
    s = optimal_singular_values(sigma, L, beta)
    s[width:] = 0.0
    return s


def objective_of(red: Reduction, s: np.ndarray, L: int, beta: float) -> float:
    """The objective of ``U diag(s) Vᵀ`` with balanced weights, for orthonormal ``X``."""
    return red.outside + float(np.sum(scalar_objective(s, red.sigma, L, beta)))


def rank_bounds(
    sigma: np.ndarray, bracket: tuple[float, float] | None, width: int
) -> tuple[int, int]:
    """``(lower, upper)`` on the rank of every minimiser: ``σ_i`` above the certified bracket
    force ``s_i > 0``, below it ``s_i = 0``; inside it (a tie) either may happen."""
    if bracket is None:
        return 0, min(width, int(np.count_nonzero(sigma > 0)))
    lo, hi = bracket
    return (
        min(width, int(np.count_nonzero(sigma > hi))),
        min(width, int(np.count_nonzero(sigma > lo))),
    )


class WeightDecayLowRank(Claim):
    id = "weight-decay-low-rank"
    number = "C4"
    title = "Weight decay on deep linear networks gives closed-form low-rank solutions"
    source = (
        "Wang, Ergen, Pilanci (ICLR 2023), abstract (weight decay, low-rank solutions); "
        "formulation: docs/formulations/C4-weight-decay-low-rank.md"
    )
    statement = (
        "with XᵀX = I, min ½||XW_1⋯W_L − Y||² + (β/2)Σ||W_l||² has end-to-end matrix "
        "U diag(s*) Vᵀ, s* = argmin ½(s−σ)² + (βL/2)s^(2/L): soft threshold (σ−β)_+ for L = 2, "
        "hard-threshold-like for L ≥ 3 with threshold τ = ((L−1)/(L−2))(β(L−2))^(L/(2L−2))"
    )
    required = ("L", "beta")
    field_hints: ClassVar[dict[str, str]] = {
        "L": "3 (any integer ≥ 2)",
        "beta": "a positive number such as 0.5",
    }
    shown_fields = ("rank", "threshold", "width")
    weak_duality = False  # no dual problem: the fit is unconstrained

    def validate(self, instance: Instance) -> None:
        super().validate(instance)
        if instance.N < instance.d:
            raise InstanceError(
                "X",
                f"must have orthonormal columns (XᵀX = I), impossible with N = {instance.N} "
                f"rows < d = {instance.d} columns; fix: use at most N features",
            )
        deviation = spectral_norm(instance.X.T @ instance.X - np.eye(instance.d))
        if deviation > ORTHONORMAL_TOL:
            raise InstanceError(
                "X",
                f"must have orthonormal columns: ‖XᵀX − I‖₂ = {deviation:.3e} exceeds "
                f"{ORTHONORMAL_TOL:.0e}; fix: orthonormalise it, e.g. X = numpy.linalg.qr(X)[0] "
                "(the same regression in whitened features)",
            )

    def evidence(self, instance: Instance, budget: Budget) -> Evidence:
        L, beta, width = instance.L, float(instance.beta), hidden_width(instance)
        red = reduce(instance)
        s = optimal_values(red.sigma, L, beta, width)
        tau = threshold(L, beta)
        predicted = {"primal": objective_of(red, s, L, beta), "threshold": tau}
        network = balanced_network(red.U, s, red.Vt, L, width)
        witnesses = {"layers": network.weights}
        candidates: dict[str, list[Bound]] = {
            "primal_lower": [
                Bound(
                    certified_lower_bound(instance, L, beta, width),
                    "closed-form",
                    0.0,
                    LOWER_BOUND_PROOF,
                )
            ],
            "primal_upper": [
                ridge_upper_bound(
                    instance, network, beta, "certificate", "balanced weights of U diag(s*) Vᵀ"
                )
            ],
        }
        details = [
            f"σ(XᵀY) = {np.array2string(red.sigma, precision=10)}; τ = {tau:.12g}, "
            f"s̄ = {jump(L, beta):.12g}; s* = {np.array2string(s, precision=10)}",
            f"‖XᵀX − I‖₂ = {red.deviation:.2e} (accounted for in the lower bound)",
        ]
        bracket = threshold_bracket(L, beta)
        if bracket is None:
            details.append("the threshold bracket τ(1 ± 1e-10) was not confirmed")
        else:
            how = "g evaluated on both sides: 0 optimal at the lower end, s > 0 at the upper"
            candidates["threshold_lower"] = [Bound(bracket[0], "certificate", 0.0, how)]
            candidates["threshold_upper"] = [Bound(bracket[1], "certificate", 0.0, how)]
        rank_lo, rank_hi = rank_bounds(red.sigma, bracket, width)
        proof = "minimisers have s_i ∈ argmin g_i: {0} below the τ bracket, > 0 above it"
        candidates["rank_lower"] = [Bound(float(rank_lo), "closed-form", 0.0, proof)]
        candidates["rank_upper"] = [Bound(float(rank_hi), "closed-form", 0.0, proof)]
        found, summary, moves = factorised_search(instance, red, width, budget, predicted["primal"])
        candidates["primal_upper"] += found
        details.append(f"search: {summary.describe()}, {moves} accepted component moves")
        extra = {
            "singular_values": s.tolist(),
            "rank": int(np.count_nonzero(s)),
            "threshold": tau,
            "jump": jump(L, beta),
            "data_singular_values": red.sigma.tolist(),
            "least_squares_rank": rank_from_singular_values(red.sigma),
            "width": width,
            "search": {**summary.to_json(), "moves": moves},
        }
        return Evidence(predicted, candidates, details=details, extra=extra, witnesses=witnesses)

    def certificate(self, instance: Instance, result: CheckResult) -> dict[str, Any]:
        (layers,) = witnesses_of(result, "layers")
        return ridge_certificate(instance, layers)

    def instances(self) -> SearchStrategy[Instance]:
        return lowrank_instances()

    def pinned_examples(self) -> list[PinnedExample]:
        rng = np.random.default_rng(20234)
        X = orthonormal_columns(rng, 5, 3)
        tau5 = threshold(5, 0.3)
        M = orthonormal_columns(rng, 3, 3) * [3 * tau5, 1.2 * tau5, 0.5 * tau5]
        outside = (np.eye(5) - X @ X.T) @ rng.standard_normal((5, 3))
        return [
            PinnedExample(
                Instance(np.eye(2), np.diag([1.5, 0.8]), L=3, beta=1.0, label="below τ"),
                HOLDS,
                "every σ below τ = 2: s* = 0, rank 0",
            ),
            PinnedExample(
                Instance(np.eye(2), np.diag([2.0, 1.0]), L=3, beta=1.0, label="at τ"),
                HOLDS,
                "σ = τ = 2 exactly: 0 and s̄ = 1 tie",
            ),
            PinnedExample(
                Instance(X, X @ M + outside, L=5, beta=0.3, label="above τ"),
                HOLDS,
                "σ = 3τ, 1.2τ, 0.5τ through a rotated orthonormal X, Y off its range",
            ),
            PinnedExample(
                Instance(np.eye(3), np.diag([2.0, 0.7, 0.3]), L=2, beta=0.7, label="L = 2"),
                HOLDS,
                "soft threshold (σ − 0.7)_+, one σ exactly at the threshold",
            ),
            PinnedExample(
                Instance(
                    np.eye(1), np.array([55.0]), L=4, beta=100.0, label="rank grows with depth"
                ),
                HOLDS,
                "β = 100 > β_3: rank 1 at L = 4 although rank 0 at L = 3",
            ),
            PinnedExample(
                Instance(np.eye(2), np.diag([4.0, 3.0]), L=3, beta=1.0, width=1, label="width 1"),
                HOLDS,
                "two σ above τ, width 1 keeps the larger",
            ),
        ]

    def negative_controls(self) -> list[NegativeControl]:
        return [
            NegativeControl(
                "soft-threshold-L3",
                "for L = 3 the optimal singular values are the soft threshold (σ − β)_+",
                Instance(np.eye(3), np.diag([3.0, 1.5, 0.5]), L=3, beta=1.0, label="L = 3"),
                lambda inst: variant_predictions(
                    inst, lambda sig: np.maximum(sig - inst.beta, 0.0), inst.beta
                ),
            ),
            NegativeControl(
                "threshold-is-jump",
                "the threshold is s̄ = (β(L−2))^(L/(2L−2)) (off by the factor (L−1)/(L−2))",
                Instance(np.eye(3), np.diag([3.0, 1.9, 1.2]), L=3, beta=1.0, label="L = 3"),
                lambda inst: variant_predictions(
                    inst,
                    lambda sig: kept_branch(sig, inst, jump(inst.L, inst.beta)),
                    jump(inst.L, inst.beta),
                ),
            ),
            NegativeControl(
                "rank-grows-with-depth",
                "the optimal rank never decreases with depth: rank(L) ≥ rank(L − 1)",
                Instance(np.eye(3), np.diag([3.0, 2.2, 0.5]), L=4, beta=1.0, label="L = 4"),
                lambda inst: variant_predictions(
                    inst, lambda sig: kept_branch(sig, inst, threshold(inst.L - 1, inst.beta))
                ),
            ),
        ]


def kept_branch(sigma: np.ndarray, instance: Instance, cutoff: float) -> np.ndarray:
    """A variant's singular values: the branch local minimiser for ``σ > cutoff`` (where one
    exists), otherwise ``0``."""
    _, _, point = branch_minimum_bounds(sigma, instance.L, instance.beta)
    return np.where(sigma > cutoff, point, 0.0)


def variant_predictions(
    instance: Instance,
    rule: Callable[[np.ndarray], np.ndarray],
    claimed_threshold: float | None = None,
) -> dict[str, float]:
    """What a false variant predicts: the objective of its singular values (which it claims
    optimal), its rank and, if it states one, its threshold."""
    red = reduce(instance)
    s = rule(red.sigma)
    out = {
        "primal": objective_of(red, s, instance.L, float(instance.beta)),
        "rank": float(np.count_nonzero(s)),
    }
    if claimed_threshold is not None:
        out["threshold"] = claimed_threshold
    return out


def _frame(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    """A random ``rows×cols`` matrix whose singular values are all 1."""
    if cols <= rows:
        return orthonormal_columns(rng, rows, cols)
    return orthonormal_columns(rng, cols, rows).T


def orthogonal_starts(
    d: int, L: int, beta: float, width: int, count: int, rng: np.random.Generator
) -> list[np.ndarray]:
    """Starts whose layers ``1…L−1`` are random frames scaled by a common ``c``.

    The features then have one singular value ``P = c^{L−1}`` in every direction, and the
    eliminated last layer shrinks every component of ``XᵀY`` by ``P²/(P² + β)``;
    ``log₁₀(P²/β)`` is stratified over :data:`START_LOG_RATIOS`, where (on the rescaled problem
    of :func:`factorised_search`) L-BFGS keeps the components above ``τ`` alive for most draws.
    """
    low, high = START_LOG_RATIOS
    starts = []
    for j in range(count):
        log_ratio = low + (high - low) * (j + rng.uniform()) / count
        c = (beta * 10**log_ratio) ** (0.5 / (L - 1))
        layers = [c * _frame(rng, d, width)] + [c * _frame(rng, width, width) for _ in range(L - 2)]
        starts.append(_flatten(layers))
    return starts


def _product(weights: tuple[np.ndarray, ...]) -> np.ndarray:
    return np.linalg.multi_dot(weights) if len(weights) > 2 else weights[0] @ weights[1]


def _flatten(layers: list[np.ndarray]) -> np.ndarray:
    """Layers ``1…L−1`` as a start vector of :func:`verify.search.local_search`."""
    return np.concatenate([W.ravel() for W in layers])


def pruned_starts(network: Network) -> list[np.ndarray]:
    """One start per non-zero component ``p_j a_j b_jᵀ`` of the network's product: the first
    layer with ``a_j`` projected out (the product loses exactly that component)."""
    weights = network.weights
    left, values, _ = np.linalg.svd(_product(weights), full_matrices=False)
    starts = []
    for j in range(rank_from_singular_values(values)):
        first = weights[0] - np.outer(left[:, j], left[:, j] @ weights[0])
        starts.append(_flatten([first, *weights[1:-1]]))
    return starts


def grown_starts(network: Network, X: np.ndarray, Y: np.ndarray) -> list[np.ndarray]:
    """The network with the top singular pair ``(a, r, b)`` of the residual correlation
    ``Xᵀ(Y − f(X))`` added at its least-squares size: ``r^{1/L} a q_1ᵀ`` on the first layer and
    ``r^{1/L} q_{l−1} q_lᵀ`` on the next ones, ``q_l`` the least used direction of hidden layer
    ``l`` (smallest eigenvector of ``W_lᵀW_l + W_{l+1}W_{l+1}ᵀ``: a free unit at a balanced
    point, so the existing components are untouched). No start when the residual is zero."""
    weights = network.weights
    left, values, _ = np.linalg.svd(X.T @ (Y - network.forward(X)), full_matrices=False)
    if values[0] <= 1e-12 * max(1.0, float(np.linalg.norm(Y))):
        return []
    size = values[0] ** (1.0 / len(weights))
    units = [np.linalg.eigh(A.T @ A + B @ B.T)[1][:, 0] for A, B in pairwise(weights)]
    layers = [weights[0] + size * np.outer(left[:, 0], units[0])]
    layers += [W + size * np.outer(units[i], units[i + 1]) for i, W in enumerate(weights[1:-1])]
    return [_flatten(layers)]


def factorised_search(
    instance: Instance, red: Reduction, width: int, budget: Budget, claimed: float
) -> tuple[list[Bound], SearchSummary, int]:
    """Seeded multi-start L-BFGS on the factorised problem, then greedy component moves.

    The search runs on data ``(I, XᵀY)`` — for orthonormal ``X`` the fit differs from the
    original one by the constant ``½‖Y − XXᵀY‖²`` only, and the cost no longer grows with
    ``N`` — scaled to ``τ = 10^L`` (``XᵀY/α``, ``β α^{2/L−2}`` with ``α = τ/10^L``; weights
    ``W_l α^{−1/L}``, see :data:`SEARCH_WEIGHT_SCALE`), so that the starts and L-BFGS-B's first
    step mean the same for every ``β``. Starts: ``restarts``
    random frames at stratified scales (:func:`orthogonal_starts`) and ``⌈restarts/2⌉``
    Gaussian ones. ``0`` is a local minimiser of every component for
    ``L ≥ 3`` (and so is the non-zero branch point for ``σ`` just below ``τ``), so a start can
    end with a component on the wrong side. The moves then start L-BFGS from the best network
    with one component removed (:func:`pruned_starts`) or the top residual direction added
    (:func:`grown_starts`) and keep strict improvements, until none improves. They use the
    networks and the data only, never the closed form. Every network is mapped back and
    re-evaluated on the original data. The summary (random starts and move starts together)
    compares the best with the ``claimed`` optimum; the number of accepted moves comes with it.
    """
    L, beta = instance.L, float(instance.beta)
    alpha = threshold(L, beta) / SEARCH_WEIGHT_SCALE**L
    scaled_beta = beta * alpha ** (2.0 / L - 2.0)
    X, Y = np.eye(instance.d), red.M / alpha
    arch = Architecture(L=L, width=width)
    rng = np.random.default_rng(budget.seed)
    plan = plan_search(arch, instance.d, instance.d, instance.K, budget.restarts,
                       budget.max_iter, budget.work)  # fmt: skip
    if plan.restarts == 0:
        return [], SearchSummary(0, (), claimed, 0, note=plan.note), 0
    starts = orthogonal_starts(instance.d, L, scaled_beta, width, plan.restarts, rng)
    starts += search_starts(X, Y, arch, -(-plan.restarts // 2), rng)

    def run(points: list[np.ndarray]) -> SearchOutcome:
        return local_search(
            X,
            Y,
            arch,
            objective="ridge",
            beta=scaled_beta,
            max_iter=plan.max_iter,
            rng=rng,
            starts=points,
        )

    outcome = run(starts)
    models, values = list(outcome.models), list(outcome.values)
    best, accepted = int(np.argmin(values)), 0
    # Each accepted move switches one component between 0 and its branch; 2·width rounds
    # cover switching every component once each way.
    for _ in range(2 * width):
        moves = pruned_starts(models[best]) + grown_starts(models[best], X, Y)
        tried = run(moves)
        models += tried.models
        values += tried.values
        if not moves or min(tried.values) >= values[best] * (1 - 1e-12):
            break
        best, accepted = len(values) - len(moves) + tried.best, accepted + 1
    scale = alpha ** (1.0 / L)
    how = "multi-start L-BFGS with component moves, factorised network"
    bounds = [
        ridge_upper_bound(
            instance, Network(tuple(W * scale for W in m.weights)), beta, "search", how
        )
        for m in models
    ]
    values = tuple(b.value for b in bounds)
    summary = SearchSummary(len(bounds), values, claimed, plan.max_iter, note=plan.note)
    return bounds, summary, accepted


CLAIM = WeightDecayLowRank()
