"""Conjectures as data: the statements :mod:`verify.discovery` searches counterexamples to.

A :class:`Conjecture` is a statement in words, the checker that measures it (a registered
claim, or certified bounds outside the registry), a hypothesis strategy of instances *wider*
than the claim's own (:mod:`verify.strategies.wide`: it must reach the counterexamples), and
three functions of what was measured on one instance (a :class:`Measured`):

* ``contradicts``: the instance contradicts the statement **with certified bounds** (proved
  closed forms and recomputed feasible points only, compared beyond the checker's tolerance);
* ``score``: the quantity hypothesis' ``target()`` maximises (a certified relative gap, a
  threshold ratio, or a search excess: whatever leads towards a contradiction);
* ``suggestion``: a contradiction that only a local search points to (the best of several
  starts stays above a certified bound) — reported as *suggested by search only*, never as
  certified.

``expected`` records what the project knows of the statement: ``false`` (the explorer must
find a certified counterexample), ``true`` (a control: it must never find one) or ``open`` (no
proof either way; the outcome is labelled by how it was obtained).

Certified bounds outside the claims
    * label-split lower bound of a standard ReLU network of depth ``L``,
      ``P ≥ ℓ_{2/3}(‖y₊‖, ‖y₋‖)/(t^{L−2}‖X‖₂)``: the proof of
      :func:`verify.whitened.split_lower_bound` (``L = 3``) holds word for word with the
      features ``A = A_{L−2}`` before the two weight-decayed layers, because
      ``‖A_l‖_F = ‖(A_{l−1}W_l)₊‖_F ≤ ‖A_{l−1}‖_F‖W_l‖_F ≤ t‖A_{l−1}‖_F`` and
      ``‖A_1‖_F ≤ t‖X‖₂``, so ``‖A_{L−2}‖_F ≤ t^{L−2}‖X‖₂``;
    * upper bound on the dual ``D`` of a standard ReLU network: the cost of any interpolating
      *parallel* network (weak duality of the parallel problem, whose dual has the same
      constraint set), recomputed from its weights; at ``L = 3`` the exact ``D`` is C5's
      convex program (``relu-parallel-zero-gap``).

    ``D`` depends on the hidden widths of the standard network (more units, more dual
    constraints, a smaller ``D``): the parallel network bounds ``D`` for every standard network
    whose hidden widths are at least its branches' (zero-padding embeds a branch's layers),
    while the lower bound on ``P`` holds for every width. A certified gap here is a gap for
    every standard network at least that wide — the formulation's "as wide as needed".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from hypothesis.strategies import SearchStrategy

from verify.claims import Budget, get
from verify.instances import Instance, InstanceError
from verify.linalg import condition_number, pseudo_inverse, singular_values
from verify.networks import primal_certificate
from verify.result import INFEASIBLE, Bound, CheckResult
from verify.search import Architecture, search_bounds
from verify.strategies import wide
from verify.table1 import measure_gap
from verify.whitened import exact_output_weights, split_lower_bound, whitened_gap_bounds

#: what the project records for a conjecture
FALSE, TRUE, OPEN = "false", "true", "open"
#: how an outcome is labelled
CERTIFIED = "certified counterexample"
SEARCH_ONLY = "suggested by search only"
NONE_FOUND = "none found"

#: singular values count as "all equal" within this relative spread
EQUAL_RTOL = 1e-9
#: a search suggests a gap when its best value exceeds the certified bound by this (relative)
SUGGESTION_MARGIN = 1e-2
#: relative tolerance (times ``κ(X)``) of the standard networks found by search (search values)
SEARCH_RTOL = 1e-6
#: a parallel network bounds ``D`` as a certificate only when, with its output weights
#: re-solved, it interpolates the labels up to this relative residual (rounding level)
ROUNDING_RESIDUAL = 1e-12


@dataclass(frozen=True)
class Check:
    """One claim check behind a measurement: the claim id, the instance it ran on, its result
    and the suffix of that instance's file (``""`` for the conjecture's own instance)."""

    claim: str
    instance: Instance
    result: CheckResult
    suffix: str = ""


@dataclass(frozen=True)
class Measured:
    """What was measured on one instance: claim checks; certified bounds outside any claim
    (``primal_lower``, ``dual_lower``, ``dual_upper``) and the best value of a search
    (``primal_search``, an upper bound on ``P`` only); the tolerance they are compared with;
    and facts worth reporting (singular values, number of search starts)."""

    instance: Instance
    checks: tuple[Check, ...] = ()
    bounds: dict[str, Bound] = field(default_factory=dict)
    tolerance: float = 0.0
    facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Finding:
    """What one instance says about a conjecture: its label (:data:`CERTIFIED`,
    :data:`SEARCH_ONLY` or :data:`NONE_FOUND`), the score hypothesis maximises, the evidence
    in words (every number named by how it was obtained) and as JSON-ready numbers, and the
    claim checks it rests on."""

    label: str
    score: float
    evidence: str
    numbers: dict[str, Any]
    checks: tuple[Check, ...] = ()


def _no_suggestion(measured: Measured) -> str | None:
    return None


@dataclass(frozen=True)
class Conjecture:
    """A statement to search counterexamples to (see the module docstring)."""

    name: str
    statement: str
    expected: str
    claim: str | None
    instances: Callable[[], SearchStrategy[Instance]]
    measure: Callable[[Instance, Budget], Measured | None]
    contradicts: Callable[[Measured], bool]
    score: Callable[[Measured], float]
    evidence: Callable[[Measured], tuple[str, dict[str, Any]]]
    suggestion: Callable[[Measured], str | None] = _no_suggestion
    #: ``(restarts, iterations)`` of the local searches while exploring: search values only
    #: tighten upper bounds, so a conjecture judged on certified bounds alone needs little
    effort: tuple[int, int] = (1, 20)
    #: the same while shrinking, when it can be less (``None``: ``effort``): shrinking judges
    #: by ``contradicts`` alone, which needs no search unless a search network certifies a bound
    shrink_effort: tuple[int, int] | None = None
    #: the structure of a minimal counterexample, when the project knows it
    minimal: str = ""

    def evaluate(self, instance: Instance, budget: Budget) -> Finding | None:
        """The finding on one instance, or ``None`` when the instance is outside the
        conjecture's scope (a checker refuses it, or no network interpolates its labels)."""
        try:
            measured = self.measure(instance, budget)
        except InstanceError:
            return None
        if measured is None:
            return None
        text, numbers = self.evidence(measured)
        label = CERTIFIED if self.contradicts(measured) else NONE_FOUND
        hint = self.suggestion(measured) if label == NONE_FOUND else None
        if hint is not None:
            label, text = SEARCH_ONLY, f"{hint}; {text}"
        score = self.score(measured)
        score = score if math.isfinite(score) else -1.0
        return Finding(label, score, text, numbers, measured.checks)

    def describe(self) -> dict[str, str | None]:
        return {
            "name": self.name,
            "statement": self.statement,
            "expected": self.expected,
            "claim": self.claim,
            "minimal": self.minimal,
        }


# --- measurements ---------------------------------------------------------------------------


def at_depth(instance: Instance, L: int) -> Instance:
    """The same instance at depth ``L`` (1-D labels stay 1-D)."""
    Y = instance.Y[:, 0] if instance.scalar_output else instance.Y
    return Instance(instance.X, Y, L, instance.t, instance.beta, instance.width, instance.label)


def claim_checks(
    claim_id: str, variants: Callable[[Instance], list[tuple[str, Instance]]] | None = None
) -> Callable[[Instance, Budget], Measured | None]:
    """A measurement by the claim's checker on the instance (and on each ``(suffix, variant)``
    of it); ``None`` when a check answers ``infeasible``."""

    def measure(instance: Instance, budget: Budget) -> Measured | None:
        claim = get(claim_id)
        pairs = [("", instance), *(variants(instance) if variants else [])]
        checks = tuple(Check(claim_id, inst, claim.check(inst, budget), sfx) for sfx, inst in pairs)
        if any(check.result.verdict == INFEASIBLE for check in checks):
            return None
        return Measured(instance, checks, tolerance=max(c.result.tolerance for c in checks))

    return measure


def deep_split_bound(instance: Instance) -> Bound:
    """``P ≥ ℓ_{2/3}(‖y₊‖, ‖y₋‖)/(t^{L−2}‖X‖₂)`` for a standard ReLU network of depth ``L``
    (the module docstring's proof; :func:`verify.whitened.split_lower_bound` at ``L = 3``)."""
    L = instance.L
    bound = split_lower_bound(instance.X, instance.Y[:, 0], instance.t ** (L - 2))
    power = "t" if L == 3 else f"t^{L - 2}"
    how = f"label-split bound P ≥ ℓ_{{2/3}}(‖y₊‖,‖y₋‖)/({power}‖X‖₂), proof in verify.conjectures"
    return replace(bound, how=how)


def network_search(
    instance: Instance, arch: Architecture, budget: Budget, tol: float, kind: str, how: str
) -> tuple[Bound | None, int]:
    """The best interpolating network of ``arch`` that multi-start L-BFGS finds (recomputed,
    residual within ``tol``) as a bound of ``kind``, and the number of starts."""
    X, Y, t = instance.X, instance.Y, instance.t

    def evaluate(model):
        if kind == "certificate":  # a feasible point must interpolate up to rounding
            model = exact_output_weights(X, Y[:, 0], model)
        bound = primal_certificate(X, Y, model, "t", t=t, how=how, bound_kind=kind)
        if kind == "certificate" and bound.residual > ROUNDING_RESIDUAL:
            return replace(bound, residual=math.inf)  # not at rounding level: no certificate
        return bound

    bounds, summary = search_bounds(
        X,
        Y,
        arch,
        evaluate=evaluate,
        claimed=None,
        restarts=budget.restarts,
        max_iter=budget.max_iter,
        rng=np.random.default_rng(budget.seed),
        t=t,
        tolerance=tol,
    )
    return (min(bounds, key=lambda b: b.value) if bounds else None), summary.starts


def standard_search(instance: Instance, budget: Budget, tol: float) -> tuple[Bound | None, int]:
    """The standard ReLU network of the instance's depth, width ``N + 2``: a search value,
    an upper bound on ``P`` only."""
    arch = Architecture(L=instance.L, activation="relu", width=instance.N + 2)
    how = f"multi-start L-BFGS, standard ReLU network of width {instance.N + 2}"
    return network_search(instance, arch, budget, tol, "search", how)


def _search_tolerance(instance: Instance) -> float:
    return SEARCH_RTOL * max(1.0, condition_number(instance.X))


def relu3_measure(instance: Instance, budget: Budget) -> Measured | None:
    """Three-layer standard ReLU on general data: ``D`` exactly from C5's convex program (the
    parallel network's value is the standard network's dual), the label-split lower bound on
    ``P`` and a search value of the standard network."""
    result = get("relu-parallel-zero-gap").check(instance, budget)
    if result.verdict == INFEASIBLE:
        return None
    bounds = {"primal_lower": deep_split_bound(instance)}
    for name in ("dual_lower", "dual_upper"):
        if result.bounds.get(name) is not None:
            bounds[name] = result.bounds[name]
    found, starts = standard_search(instance, budget, _search_tolerance(instance))
    if found is not None:
        bounds["primal_search"] = found
    check = Check("relu-parallel-zero-gap", instance, result)
    return Measured(instance, (check,), bounds, result.tolerance, {"starts": starts})


def deep_measure(instance: Instance, budget: Budget) -> Measured | None:
    """Standard ReLU networks of depth ``L ≥ 4``: the label-split lower bound on ``P``, the
    cheapest parallel network found (a certified upper bound on ``D``) and a search value of
    the standard network. No claim computes ``D`` exactly at these depths."""
    tol = _search_tolerance(instance)
    N, L = instance.N, instance.L
    parallel = Architecture(L=L, activation="relu", width=N, branches=2 * N + 2, parallel=True)
    how = "parallel network from search; weak duality: D ≤ the cost of any interpolating one"
    dual_upper, _ = network_search(instance, parallel, budget, tol, "certificate", how)
    if dual_upper is None:
        return None
    bounds = {"primal_lower": deep_split_bound(instance), "dual_upper": dual_upper}
    found, starts = standard_search(instance, budget, tol)
    if found is not None:
        bounds["primal_search"] = found
    return Measured(instance, (), bounds, tol, {"starts": starts})


def whitened_measure(instance: Instance, budget: Budget) -> Measured | None:
    """:func:`verify.whitened.whitened_gap_bounds`: exact for orthonormal rows and rank 1,
    the label-split bound and searches otherwise (a standard-network upper bound of kind
    ``search`` becomes ``primal_search``)."""
    finding = whitened_gap_bounds(
        instance,
        np.random.default_rng(budget.seed),
        restarts=budget.restarts,
        max_iter=budget.max_iter,
    )
    bounds = {"primal_lower": finding.primal_lower, "dual_lower": finding.dual_lower}
    if finding.dual_upper is not None:
        bounds["dual_upper"] = finding.dual_upper
    if finding.primal_upper is not None:
        name = "primal_search" if finding.primal_upper.kind == "search" else "primal_upper"
        bounds[name] = finding.primal_upper
    facts = {"orientation": finding.orientation, "starts": budget.restarts}
    return Measured(instance, (), bounds, finding.tolerance, facts)


# --- predicates, scores and evidence ---------------------------------------------------------


def _first(measured: Measured) -> CheckResult:
    return measured.checks[0].result


def _relative_gap_lower(result: CheckResult) -> float:
    """The lower end of the certified gap, relative to the certified primal value."""
    lower = result.intervals.get("gap", (-math.inf, math.inf))[0]
    primal = result.primal_value
    return lower / (abs(primal) if math.isfinite(primal) and primal else 1.0)


def certified_gap(measured: Measured) -> bool:
    """The (first) check certifies a positive duality gap (:func:`verify.table1.measure_gap`)."""
    gap = measure_gap(_first(measured))
    return gap is not None and gap.positive


def gap_score(measured: Measured) -> float:
    return _relative_gap_lower(_first(measured))


def _interval(bounds: dict[str, Bound | None], q: str) -> str:
    lower, upper = bounds.get(f"{q}_lower"), bounds.get(f"{q}_upper")
    low = f"{lower.value:.10g} ({lower.kind})" if lower is not None else "−∞"
    high = f"{upper.value:.10g} ({upper.kind})" if upper is not None else "+∞"
    return f"{q} ∈ [{low}, {high}]"


def gap_evidence(measured: Measured) -> tuple[str, dict[str, Any]]:
    """The certified primal, dual and gap intervals of each check."""
    texts, numbers = [], []
    for check in measured.checks:
        result = check.result
        lower, upper = result.intervals.get("gap", (-math.inf, math.inf))
        texts.append(
            f"{_interval(result.bounds, 'primal')}, {_interval(result.bounds, 'dual')}: "
            f"certified P − D ∈ [{lower:.6g}, {upper:.6g}]"
        )
        numbers.append({q: result.intervals.get(q) for q in ("primal", "dual", "gap")})
    return "; ".join(texts), {"checks": numbers}


def label_singular_values(instance: Instance) -> np.ndarray:
    """The non-zero singular values of ``X⁺Y`` (relative cut 1e-9, :mod:`verify.linalg`)."""
    s = singular_values(pseudo_inverse(instance.X) @ instance.Y)
    return s[s > 1e-9 * s[0]] if s.size and s[0] > 0 else s[:0]


def equal_singular_values(instance: Instance) -> bool:
    s = label_singular_values(instance)
    return s.size >= 2 and s[0] - s[-1] <= EQUAL_RTOL * s[0]


def equal_values_gap(measured: Measured) -> bool:
    return equal_singular_values(measured.instance) and certified_gap(measured)


def equal_values_score(measured: Measured) -> float:
    s = label_singular_values(measured.instance)
    spread = s[-1] / s[0] if s.size >= 2 else 0.0
    return spread * max(gap_score(measured), 0.0) + spread


def equal_values_evidence(measured: Measured) -> tuple[str, dict[str, Any]]:
    text, numbers = gap_evidence(measured)
    s = label_singular_values(measured.instance)
    values = ", ".join(f"{v:.10g}" for v in s)
    numbers["singular_values"] = s.tolist()
    return f"singular values of X⁺Y: {values}; {text}", numbers


def deeper(instance: Instance) -> list[tuple[str, Instance]]:
    return [(f".L{instance.L + 1}", at_depth(instance, instance.L + 1))]


def _ranks(measured: Measured) -> tuple[tuple[float, float], tuple[float, float]]:
    return measured.checks[0].result.intervals["rank"], measured.checks[1].result.intervals["rank"]


def rank_grows(measured: Measured) -> bool:
    """The certified rank at ``L + 1`` exceeds the certified rank at ``L``."""
    shallow, deep = _ranks(measured)
    return deep[0] > shallow[1]


def rank_growth_score(measured: Measured) -> float:
    """Certified rank growth, plus ``log(τ(L)/τ(L+1))`` from the certified threshold brackets
    (positive once the threshold falls with depth), plus the log-margin of the best singular
    value of ``XᵀY`` inside the window ``(τ(L+1), τ(L))`` where the rank grows (negative
    outside it: the score keeps rising as a singular value moves into the window)."""
    shallow, deep = _ranks(measured)
    growth = deep[0] - shallow[1]
    taus = [check.result.intervals.get("threshold") for check in measured.checks]
    sigma = singular_values(measured.instance.X.T @ measured.instance.Y)
    logs = np.log(sigma[sigma > 0])
    if not (all(taus) and logs.size):
        return growth
    high, low = math.log(taus[0][0]), math.log(taus[1][1])
    margin = float(np.max(np.minimum(logs - low, high - logs)))
    return growth + (high - low) + margin


def rank_evidence(measured: Measured) -> tuple[str, dict[str, Any]]:
    parts, numbers = [], []
    for check in measured.checks:
        intervals = check.result.intervals
        rank, tau = intervals["rank"], intervals.get("threshold")
        tau_text = f"τ ∈ [{tau[0]:.10g}, {tau[1]:.10g}]" if tau else "τ not bracketed"
        parts.append(f"L = {check.instance.L}: certified rank {rank[0]:g}–{rank[1]:g}, {tau_text}")
        numbers.append({"L": check.instance.L, "rank": rank, "threshold": tau})
    sigma = singular_values(measured.instance.X.T @ measured.instance.Y)
    text = f"β = {measured.instance.beta:.10g}, σ(XᵀY) = {np.array2string(sigma, precision=10)}"
    return f"{text}; " + "; ".join(parts), {"depths": numbers, "sigma": sigma.tolist()}


def _bound(measured: Measured, name: str) -> Bound | None:
    return measured.bounds.get(name)


def bounds_gap(measured: Measured) -> bool:
    """A proved lower bound on ``P`` above a certified upper bound on ``D`` (beyond the
    tolerance, relative to ``P``)."""
    lower, upper = _bound(measured, "primal_lower"), _bound(measured, "dual_upper")
    if lower is None or upper is None:
        return False
    return lower.value - upper.value > measured.tolerance * max(1.0, lower.value)


def bounds_score(measured: Measured) -> float:
    """The certified relative gap ``(P_lower − D_upper)/D_upper`` (``−1`` without an upper
    bound on ``D``): positive exactly on a certified counterexample. Search values are left
    out on purpose: a score that rewarded them would steer hypothesis towards the instances
    where the local search fails worst."""
    lower, upper = _bound(measured, "primal_lower"), _bound(measured, "dual_upper")
    if lower is None or upper is None or upper.value <= 0:
        return -1.0
    return lower.value / upper.value - 1.0


def _dual_text(measured: Measured) -> str:
    lower, upper = _bound(measured, "dual_lower"), _bound(measured, "dual_upper")
    if lower is not None and upper is not None:
        if upper.value - lower.value <= measured.tolerance * max(1.0, upper.value):
            return f"the certified D ∈ [{lower.value:.10g}, {upper.value:.10g}]"
    return "a certified upper bound on D"


def search_suggestion(measured: Measured) -> str | None:
    """A search-based hint ("search suggests a gap: …") when the best standard-network start
    stays above the certified upper bound on ``D`` by more than :data:`SUGGESTION_MARGIN`."""
    found, upper = _bound(measured, "primal_search"), _bound(measured, "dual_upper")
    if found is None or upper is None or upper.value <= 0:
        return None
    excess = found.value / upper.value - 1.0
    if excess <= SUGGESTION_MARGIN:
        return None
    starts = measured.facts.get("starts", "several")
    return (
        f"search suggests a gap: the best of {starts} standard-network starts, "
        f"{found.value:.10g}, is {100 * excess:.3g}% above {_dual_text(measured)}"
    )


#: how :func:`bounds_evidence` writes each bound of a :class:`Measured`
SIDES = {
    "primal_lower": "P ≥",
    "primal_upper": "P ≤",
    "primal_search": "P ≤",
    "dual_lower": "D ≥",
    "dual_upper": "D ≤",
}


def _provenance(name: str, bound: Bound) -> str:
    """How a bound was obtained, in words: a network found by search is still a recomputed
    feasible point, hence a certified upper bound on ``D``; only ``primal_search`` is a
    search value in the sense of the labels."""
    if bound.kind == "search" and name != "primal_search":
        return "certificate: a network found by search, recomputed"
    return bound.kind


def bounds_evidence(measured: Measured) -> tuple[str, dict[str, Any]]:
    parts = [
        f"{SIDES[name]} {bound.value:.10g} ({_provenance(name, bound)})"
        for name, bound in measured.bounds.items()
    ]
    numbers = {name: bound.to_json() for name, bound in measured.bounds.items()}
    return "; ".join(parts), {"bounds": numbers, **measured.facts}


# --- the registry ------------------------------------------------------------------------------


def _conjectures() -> list[Conjecture]:
    return [
        Conjecture(
            name="paper-rank1-zero-gap",
            statement="three-layer standard ReLU networks on rank-1 data X = c aᵀ have zero "
            "duality gap, P = D, for every interpolable label matrix (the abstract read "
            "without further hypotheses)",
            expected=FALSE,
            claim="relu-rank1-three-layer",
            instances=wide.rank1_instances,
            measure=claim_checks("relu-rank1-three-layer"),
            contradicts=certified_gap,
            score=gap_score,
            evidence=gap_evidence,
            minimal="c with both signs and label rows not non-negative multiples of one "
            "vector: X = [1; −1], y = (1, −1), t = 1 gives P = 2√2, D = 2",
        ),
        Conjecture(
            name="equal-singular-values-no-gap",
            statement="if the singular values of X⁺Y are all equal, the deep linear network "
            "has zero duality gap (one half of the paraphrase 'the gap vanishes iff the "
            "singular values of X⁺Y are all equal')",
            expected=FALSE,
            claim="linear-standard-gap",
            instances=wide.linear_instances,
            measure=claim_checks("linear-standard-gap"),
            contradicts=equal_values_gap,
            score=equal_values_score,
            evidence=equal_values_evidence,
            minimal="rank(X⁺Y) ≥ 2 with equal singular values and L ≥ 3: W* = I₂, L = 3, "
            "t = 1 gives P = 2√2, D = 2",
        ),
        Conjecture(
            name="deeper-lower-rank",
            statement="the threshold τ(L, β) of weight-decayed deep linear networks increases "
            "with L, so depth never raises the optimal rank: rank at L + 1 ≤ rank at L",
            expected=FALSE,
            claim="weight-decay-low-rank",
            instances=wide.lowrank_instances,
            measure=claim_checks("weight-decay-low-rank", deeper),
            contradicts=rank_grows,
            score=rank_growth_score,
            evidence=rank_evidence,
            minimal="β above 3¹²/2¹⁶ ≈ 8.11 (above 16 for L = 2 → 3) and a singular value of "
            "XᵀY between τ(L + 1, β) and τ(L, β): β = 100, σ = 55, L = 3",
        ),
        Conjecture(
            name="whitened-zero-gap",
            statement="three-layer standard ReLU networks on whitened data (orthonormal rows "
            "or columns) have zero duality gap",
            expected=FALSE,
            claim=None,
            instances=wide.whitened_instances,
            measure=whitened_measure,
            contradicts=bounds_gap,
            score=bounds_score,
            evidence=bounds_evidence,
            suggestion=search_suggestion,
            effort=(2, 300),
            minimal="orthonormal rows and labels of both signs: X = I₂, y = (1, −1), t = 1 "
            "gives P = 2√2, D = 2",
        ),
        Conjecture(
            name="standard-relu3-zero-gap",
            statement="three-layer standard ReLU networks on general (not rank-1) data have "
            "zero duality gap",
            expected=OPEN,
            claim="relu-parallel-zero-gap",
            instances=lambda: wide.general_relu_instances((3,), max_rows=4),
            measure=relu3_measure,
            contradicts=bounds_gap,
            score=bounds_score,
            evidence=bounds_evidence,
            suggestion=search_suggestion,
            effort=(2, 300),
            shrink_effort=(1, 20),
        ),
        Conjecture(
            name="standard-relu-deep-zero-gap",
            statement="standard ReLU networks of depth L = 4 or 5 have zero duality gap "
            "(data of any rank)",
            expected=OPEN,
            claim=None,
            instances=lambda: wide.general_relu_instances((4, 5), max_rows=3, min_rank=1),
            measure=deep_measure,
            contradicts=bounds_gap,
            score=bounds_score,
            evidence=bounds_evidence,
            suggestion=search_suggestion,
            effort=(2, 300),
        ),
        Conjecture(
            name="parallel-linear-zero-gap",
            statement="parallel deep linear networks with m ≥ rank(X⁺Y) branches have zero "
            "duality gap (C3; a control: true under the formulation)",
            expected=TRUE,
            claim="linear-parallel-zero-gap",
            instances=wide.linear_instances,
            measure=claim_checks("linear-parallel-zero-gap"),
            contradicts=certified_gap,
            score=gap_score,
            evidence=gap_evidence,
        ),
        Conjecture(
            name="relu-two-layer-zero-gap",
            statement="two-layer ReLU networks (a standard network with m hidden units is a "
            "parallel one with m branches) have zero duality gap (C5 at L = 2; a control)",
            expected=TRUE,
            claim="relu-parallel-zero-gap",
            instances=lambda: wide.relu_instances((2,)),
            measure=claim_checks("relu-parallel-zero-gap"),
            contradicts=certified_gap,
            score=gap_score,
            evidence=gap_evidence,
        ),
    ]


CONJECTURES: dict[str, Conjecture] = {c.name: c for c in _conjectures()}


def get_conjecture(name: str) -> Conjecture:
    """The conjecture called ``name``, or an :class:`InstanceError` listing the known names."""
    try:
        return CONJECTURES[name]
    except KeyError:
        known = ", ".join(CONJECTURES)
        raise InstanceError("conjecture", f"unknown name {name!r}; known: {known}") from None


__all__ = [
    "CERTIFIED",
    "CONJECTURES",
    "FALSE",
    "NONE_FOUND",
    "OPEN",
    "SEARCH_ONLY",
    "TRUE",
    "Check",
    "Conjecture",
    "Finding",
    "Measured",
    "get_conjecture",
]
