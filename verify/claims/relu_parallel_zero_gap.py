"""C5 ``relu-parallel-zero-gap``: parallel ReLU networks have zero duality gap (every depth).

Statement
    For a parallel ReLU network with enough branches (``m ≥ m*``, ``m* ≤ N + 1`` by
    Carathéodory) that interpolates scalar labels ``y``, the primal optimum equals the optimum of
    its Lagrangian dual, and both equal the value of a convex program over the hyperplane
    arrangement patterns of the data: the duality gap is zero.

    A control for the explorer: ``dualgap explore relu-two-layer-zero-gap --seed 0`` finds no
    counterexample in 200 examples. The ``L = 3`` program gives the exact ``D`` that
    ``standard-relu3-zero-gap`` compares the standard network with; from seed 0 that exploration
    certifies a gap of the standard network on ``X = I₂``, ``y = (1, −1)``.

    Beyond three layers (the abstract does not restrict the depth): on rank-1 data
    ``X = c aᵀ`` at every depth ``L ≥ 2`` (scalar or vector labels ``Y = c₊αᵀ + c₋γᵀ``),
    ``P = D = (‖α‖ + ‖γ‖)/(‖a‖t^{L−2})`` exactly; on general data at ``L = 4, 5`` (small ``N``,
    scalar labels) ``P = D`` is checked as a certified interval, ``holds`` when it closes.

Formulation
    Branch ``j``: ``(X u_j)_+ a_j`` at ``L = 2``; ``((X W_{1,j})_+ w_{2,j})_+ w_{3,j}`` with
    ``‖W_{1,j}‖_F ≤ t`` at ``L = 3``. Objective ``½ Σ_j (‖w_{L−1,j}‖² + ‖w_{L,j}‖²)``; constraint
    ``Σ_j branch_j(X) = y``. Dual: ``max yᵀλ`` s.t. ``|λᵀ(A_{L−2}(θ) w)_+| ≤ 1`` over every
    feasible first layer ``θ`` and ``‖w‖ ≤ 1``. The convex programs (this project's derivation) are
    the group lasso over the patterns ``D_i = diag(1[X u ≥ 0])`` at ``L = 2``, and at ``L = 3``
    one group per (outer pattern ``D2`` of the subspace spanned by the ``(Xu)_+``, sign ±, inner
    pattern ``D1_i``), with value divided by ``t``. ``t`` is required but does not enter at
    ``L = 2`` (no constrained layer). Vector labels are rejected: the dual constraint
    ``max_u ‖Λᵀ(Xu)_+‖`` has no exact check here. A bias is never added silently:
    :func:`with_bias` (``dualgap check --bias``) appends the column of ones.

    Depth ``L ≥ 4``: branch ``j`` has ``‖W_{l,j}‖_F ≤ t`` for ``l ≤ L − 2`` and the same cost and
    dual. Rank-1 data (numerical rank 1, :func:`verify.rank1.factor_rank1`) is read through the
    rank-1 reduction of :mod:`verify.rank1` at every depth ``2 ≤ L ≤ 64`` (C6's limits), with
    scalar or vector labels; other data needs scalar labels and ``L`` up to the depth whose
    outer program fits :data:`verify.relu_deep.MAX_DEEP_VARIABLES` (``L = 4`` for ``N ≤ 5``,
    ``d = 2``; ``L = 5`` for ``N ≤ 3``): deeper, or vector labels, are refused with the largest
    supported depth for that data.

Source
    Wang, Ergen, Pilanci, ICLR 2023 (arXiv:2110.06482 v3), abstract: the parallel architecture
    with a modified regularisation has zero duality gap, with equivalent convex problems. Only the
    abstract could be consulted; the formulation above (ReLU branches, ``L = 2, 3``, scalar
    labels) is this project's, stated in ``docs/formulations/C5-relu-parallel-zero-gap.md``. The
    ``L = 2`` program is the two-layer result of Pilanci and Ergen (ICML 2020).

How it is verified
    * scale: the check runs on ``X·2^{−e}``, ``y·2^{−f}`` (largest entries in ``[1, 2)``, exact)
      and maps back: ``P(αX, βy) = (β/α)·P(X, y)`` at ``L = 2`` and ``3``
      (:mod:`verify.relu_scaling`); every network is re-evaluated on the data as given;
    * patterns: enumerated exactly (:mod:`verify.arrangements`, integer arithmetic, no
      sampling); at ``L = 3`` also the outer patterns of the subspace ``span{(Xu)_+}``;
    * ``L = 2``: column generation over first layers (:mod:`verify.column_generation`): an LP
      master over a working set of directions (warm start: sampled directions), priced exactly
      over every pattern and sign (cone projections, smoothed between the best feasible
      multipliers and the master's); ``extra["column_generation"]`` records the rounds, the
      working set and the certified gap of each round;
    * ``L = 3``: column generation over the (outer pattern, sign) groups
      (:mod:`verify.column_generation_three_layer`): a Clarabel master over a working set of
      groups (warm start: sampled groups), every group of every outer pattern priced with a
      certified upper bound (its own cone program where the cheap bounds cannot decide); the
      network rebuilt from the last master, output weights chosen by an LP over the candidate
      branches. The full program over every group stays, as a cross-check in the tests;
    * primal upper bound: a parallel ReLU network whose last layer is solved exactly on its
      branches, so that it interpolates up to rounding, pruned by conic Carathéodory to at most
      ``rank ≤ N`` branches (``extra["branches"]``); its output and cost are recomputed from the
      weights (:func:`verify.networks.primal_certificate`);
    * dual lower bound: the multipliers ``λ``, checked over every pattern and sign with every
      floating-point error bounded (:mod:`verify.cone_support`: the bound is never below a
      50-digit evaluation), divided by the certified maximum, ``yᵀλ`` bounded below;
    * the two are compared before use: a dual value above the network's cost by more than the
      rounding allowance of weak duality (``‖r‖·‖λ‖`` for the network's residual ``r``, plus the
      forward pass's rounding; ``extra["rounding_allowance"]``) would be a defect and is refused;
    * primal lower and dual upper bounds: weak duality (``P ≥ D``) from the two certificates;
    * verdict: ``holds`` when ``(P_upper − D_lower)/max(1, P_upper)`` is within the tolerance;
    * falsification: multi-start L-BFGS on parallel networks with ``2(N + 1)`` branches (at
      least ``N + 1``; with exactly ``N + 1`` most random starts cannot even interpolate, their
      features not spanning ``R^N``): every start's network is re-evaluated and enters as a
      primal upper bound, so one below the certified dual value would turn the verdict into
      ``fails``. How close random starts get is recorded (``extra["search"]``); at ``L = 3`` the
      same search on the *standard* network (width ``2(N + 1)``) is reported against the dual
      value (``extra["standard_search"]``, search-based only, never a bound).
    * infeasible labels (``y`` outside the span of every network output, e.g. a zero data row
      with a non-zero label, or duplicate points with different labels): verdict ``infeasible``,
      certified by a dual ray orthogonal to that span.

    Rank-1 data ``X = c aᵀ`` (every depth; :mod:`verify.rank1`, :mod:`verify.rank1_bounds`):

    * the prediction ``P = D = (‖α‖ + ‖γ‖)/(‖a‖t^{L−2})`` (gap 0) is judged against: the explicit
      two-branch network (re-evaluated on the data, and its last layer refit exactly to its
      enclosed streams) as primal upper bound; the explicit ``Λ`` with its exact constraint
      bounded above, as dual lower bound; the Cauchy–Schwarz closed form as dual upper bound;
      all in ball arithmetic on the data rescaled by powers of two, residual the distance from
      the rank-1 reduction; labels off ``c₊αᵀ + c₋γᵀ``: ``infeasible`` (the ray of C6);
    * with scalar labels at ``L = 2, 3`` the convex programs above run too (a second,
      independent certificate, and proof mode's witnesses); otherwise a falsification search on
      parallel networks of depth ``L`` over the reduced rows.

    General data at ``L ≥ 4`` (:mod:`verify.relu_deep`):

    * primal upper bound: the ``L = 3`` solution embedded at depth ``L`` (one unit per
      branch in the new layers, every constrained layer scaled until ``‖W‖_F ≤ t`` holds
      exactly), last layer solved exactly on its recomputed features: cost ``P₃(t)/t^{L−3}``;
    * dual lower bound: ``λ`` of the convex program over the *outer approximation* of the atoms
      (each unit of a layer may use its own first layers: ``Q_k = absconv{(z)₊ : z ∈ Q_{k−1}}``),
      checked exactly over every path of sign patterns, one level per layer, with every rounding
      bounded, divided by the certified maximum ``ρ`` (and by ``t^{L−2}``);
    * the same weak-duality comparison and falsification search (parallel networks of depth
      ``L``) as at ``L = 3``; ``extra["interval_width"]`` is ``(P_upper − D_lower)/P_upper``,
      ``extra["closed_by"]`` the methods, ``extra["outer_value"]`` the outer program's value;
      ``holds`` only when the interval closes within the tolerance, else ``inconclusive``.

Known limits
    The rounding allowance and the certified gap are about 1e-10 relative at ``L = 2``; at
    ``L = 3`` the solver's accuracy (about 1e-8 relative) sets how close the two certificates
    get, hence ``rtol = 1e-6``. The number of patterns grows like ``N^{d−1}``
    (inner) and up to ``2^N`` (outer, ``L = 3``): at ``L = 2`` instances with more than
    :data:`MAX_PATTERNS` patterns (general-position count) are refused with a message, or with
    :class:`SampledBudget` (``check --sampled``) solved over sampled patterns and labelled not
    certified (verdict ``inconclusive``, ``extra["certified"] = False``); at ``L = 3`` those
    whose pricing work (outer groups × inner patterns) exceeds :data:`MAX_THREE_LAYER_WORK`
    (``N ≤ 12`` at ``d = 2``, ``N ≤ 10`` at ``d = 3``; ``N = 10, d = 2`` certifies in about 9 s,
    ``N = 12`` in about 30 s, ``benchmarks/relu_three_layer.py``). Measured (``benchmarks/relu.py
    --scale``): ``N = 200, d = 3`` Gaussian data and labels certify in about 20 s, ``N = 1000,
    d = 2`` with labels of a small ReLU network in about 7 s; Gaussian labels on ``d = 2`` data
    without bias make the master LP too ill-conditioned (weights of order ``10⁶``): the check then
    ends ``inconclusive`` when a master solve exceeds
    :data:`verify.column_generation.SOLVE_SECONDS`. The search is capped at
    :data:`SEARCH_ITERATIONS` iterations per start, and it eliminates the last layer, so it has
    no usable start when the features cannot span ``R^N`` (one feature, duplicate points).

    Depth ``L ≥ 4`` on general data: the outer program has ``(2(2^N − 1))^{L−2}`` groups of
    inner patterns (``N = 5``, ``d = 2``, ``L = 4``: 153 760 variables, about 10 s), hence the
    size limit. Measured (``python benchmarks/relu_deep.py --seed 0`` and ``--seed 1``, general
    data ``d = 2`` from this claim's strategy, certificates only): at ``L = 4`` (``N ≤ 5``) the
    interval closed on 78/78 general instances (two more draws were rank 1), relative width
    ≤ 1.0e-7, 5 s per check on average; at ``L = 5`` (``N ≤ 3``) on 37/37, width ≤ 3.8e-8,
    1–2 s. A certified ``L = 4`` check costs 6–7×, 24–28× and 130–150× the ``L = 3`` check on
    the same data at ``N = 3, 4, 5`` (0.1 s, 1 s, 13 s on an idle core). The interval closes
    because the
    outer approximation turned out tight: its value equals ``P₃(t)/t^{L−3}`` on every instance
    measured, i.e. extra depth did not lower the parallel network's cost there; this is measured
    on small instances, not proved (``Q₂`` being closed under ``(·)₊`` would prove it; ``Q₁`` is
    not). Where it is not tight the interval stays open and the verdict is ``inconclusive``.
    Proof mode covers ``L = 2, 3`` with scalar labels only.
"""

from __future__ import annotations

import contextvars
import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
from hypothesis.strategies import SearchStrategy

from verify.arrangements import general_position_count, sampled_patterns
from verify.certificates import NotCertifiable, relu_parallel_certificate
from verify.claims.base import (
    Budget,
    Claim,
    Evidence,
    NegativeControl,
    PinnedExample,
    infeasible_evidence,
    witnesses_of,
)
from verify.claims.relu_rank1_standard import MAX_DEPTH as RANK1_MAX_DEPTH
from verify.claims.relu_rank1_standard import deepest_depth, infeasible_labels
from verify.column_generation import MasterFailure, certify_two_layer, sampled_directions
from verify.column_generation_three_layer import certify_three_layer, sampled_groups
from verify.convex import SolverFailure, relu_two_layer_program
from verify.instances import Instance, InstanceError
from verify.linalg import relative_residual
from verify.networks import Network, ParallelNetwork, primal_certificate
from verify.rank1 import (
    Rank1Data,
    factor_rank1,
    parallel_network,
    parallel_value,
    rank1_data,
    reduced_problem,
    silence_zero_sides,
)
from verify.rank1_bounds import (
    DUAL_PROOF,
    dual_enclosure,
    dual_point_lower_bound,
    parallel_upper_bound,
)
from verify.relu_deep import (
    MAX_DEEP_VARIABLES,
    DeepProblem,
    deep_problem,
    deepest_general_depth,
    embedded_network,
    estimated_variables,
    outer_program,
)
from verify.relu_deep import rescaled_dual_point as deep_dual_point
from verify.relu_parallel import (
    ReluProblem,
    reconstruct,
    relu_problem,
    solve,
    unreachable_component,
    weak_duality_allowance,
)
from verify.relu_scaling import Normalisation
from verify.result import HOLDS, INCONCLUSIVE, INFEASIBLE, Bound, CheckResult
from verify.search import Architecture, SearchSummary, local_search, search_bounds
from verify.strategies.relu import relu_instances

#: Largest ``L = 3`` pricing work the check accepts: outer groups (``2(2^N − 1)``, the sign
#: patterns of the subspace ``span{(Xu)₊}``, both signs) times inner patterns (general-position
#: counts): ``N = 12`` at ``d = 2`` (196 560; about half a minute on two cores), ``N = 10`` at
#: ``d = 3``.
MAX_THREE_LAYER_WORK = 200_000
#: Most arrangement patterns (general-position count, an upper bound on the exact number) the
#: ``L = 2`` check enumerates and prices exactly: about 0.2 s per pricing pass and 30 MB at
#: ``N = 200``, ``d = 3`` (39 802 patterns); the pass grows linearly with the count.
MAX_PATTERNS = 200_000
#: Sampled directions (``--sampled``, beyond :data:`MAX_PATTERNS`): their distinct patterns are
#: the working set of the uncertified solve.
SAMPLED_DIRECTIONS = 2_000
#: Warm start of column generation: this many sampled directions (sampled groups at ``L = 3``)
#: per data point.
WARM_START = 2
#: L-BFGS iterations per search start. The search is a falsification and a contrast, not a bound
#: the verdict needs; its cost dominates a check, so it is capped (``extra`` records the cap).
SEARCH_ITERATIONS = 100
#: Branches of the falsification search, in units of N + 1.
SEARCH_BRANCHES = 2
#: A start "reaches" the optimum when within this relative distance of the certified value.
REACHED = 1e-4
#: Branches (of width 4) of the falsification search on rank-1 data: two suffice for the optimum
#: (one per sign of c), but from random starts deep chains die; eight leave usable starts
#: (measured: 4–6 of 6 usable up to L = 8).
RANK1_SEARCH_BRANCHES = 8
#: How the rank-1 network's bound is recomputed.
REFIT = "last layer refit exactly to its enclosed streams, cost enclosed (verify.rank1_bounds)"


def with_bias(instance: Instance) -> Instance:
    """The instance with a column of ones appended to ``X`` (the user asked for a bias)."""
    return instance.with_bias()


def program_size(N: int, d: int, L: int) -> int:
    """Upper estimate of the full convex program's variable count (general-position counts);
    the check never builds it (column generation), the tests do, as a cross-check."""
    inner = general_position_count(N, d)
    groups = 1 if L == 2 else 2 * (2**N - 1)
    return 2 * groups * inner * d


def three_layer_work(N: int, d: int) -> int:
    """Upper estimate of the ``L = 3`` pricing work: outer groups times inner patterns."""
    return 2 * (2**N - 1) * general_position_count(N, d)


def pattern_count(N: int, d: int) -> int:
    """Upper estimate of the number of patterns of ``N`` rows in ``R^d``: the general-position
    count, the largest any arrangement of ``N`` hyperplanes of rank ``≤ d`` has."""
    return general_position_count(N, min(N, d))


def exact_size_error(N: int, d: int, L: int) -> str | None:
    """Why the exact path refuses ``N × d`` data at depth ``L ≤ 3`` (``None``: it accepts)."""
    if L == 2:
        count = pattern_count(N, d)
        if count > MAX_PATTERNS:
            return (
                f"N = {N}, d = {d} at L = 2 has up to {count} arrangement patterns, more than "
                f"the {MAX_PATTERNS} the exact enumeration and pricing accept: reduce N or d, "
                "or pass --sampled to solve over sampled patterns (not certified)"
            )
        return None
    work = three_layer_work(N, d)
    if work > MAX_THREE_LAYER_WORK:
        groups = 2 * (2**N - 1)
        return (
            f"N = {N}, d = {d} at L = 3 has up to {groups} outer groups × "
            f"{general_position_count(N, d)} inner patterns to price ({work} > "
            f"{MAX_THREE_LAYER_WORK}): each outer sign pattern of the subspace span{{(Xu)₊}} (up "
            "to 2^N) is priced exactly by its own cone program; reduce N (N ≤ 12 at d = 2, "
            "N ≤ 10 at d = 3) or d"
        )
    return None


@dataclass(frozen=True)
class SampledBudget(Budget):
    """A budget that lets the ``L = 2`` check go beyond the exact path (``check --sampled``):
    patterns of :data:`SAMPLED_DIRECTIONS` random directions, the result *not certified* (its
    verdict is never ``holds``)."""

    samples: int = SAMPLED_DIRECTIONS


#: Set while a check runs with a :class:`SampledBudget` (``validate`` has no budget).
_SAMPLED: contextvars.ContextVar[bool] = contextvars.ContextVar("sampled", default=False)


class ReluParallelZeroGap(Claim):
    id = "relu-parallel-zero-gap"
    number = "C5"
    title = "Parallel ReLU networks have zero duality gap (L = 2, 3; rank-1 and small data beyond)"
    source = (
        "Wang, Ergen, Pilanci (ICLR 2023), abstract (parallel architecture, convex problems); "
        "formulation: docs/formulations/C5-relu-parallel-zero-gap.md"
    )
    statement = (
        "a parallel ReLU network with m >= N + 1 branches interpolating scalar labels has "
        "P = D, both equal to a convex program over hyperplane arrangement patterns (L = 2, 3); "
        "at every depth on rank-1 data X = c aᵀ, P = D = (‖α‖ + ‖γ‖)/(‖a‖t^{L−2}); on small "
        "general data at L = 4, 5, P = D within a certified interval"
    )
    required = ("L", "t")
    field_hints: ClassVar[dict[str, str]] = {
        "L": "2 or 3 (any L ≥ 2 on rank-1 data, L = 4, 5 on small data)",
        "t": "a positive number such as 1.0",
    }
    shown_fields = ("branches", "patterns", "outer_patterns")
    rtol = 1e-6

    def validate(self, instance: Instance) -> None:
        super().validate(instance)
        L = instance.L
        if is_rank1(instance.X):
            _validate_rank1_depth(L, instance.t)
            return
        if instance.K != 1:
            raise InstanceError(
                "Y",
                f"C5 needs scalar labels (K = 1) on data that is not rank 1, got K = "
                f"{instance.K}: for vector outputs the dual constraint max_u ‖Λᵀ(Xu)_+‖ has no "
                "exact check (rank-1 data X = c aᵀ accepts vector labels); give a 1-D Y",
            )
        if L >= 4:
            _validate_deep_size(instance.N, instance.d, L)
            return
        refused = exact_size_error(instance.N, instance.d, L)
        if refused is not None and not (L == 2 and _SAMPLED.get()):
            raise InstanceError("X", refused)

    def check(self, instance: Instance, budget: Budget | None = None) -> CheckResult:
        if not isinstance(budget, SampledBudget):
            return super().check(instance, budget)
        token = _SAMPLED.set(True)
        try:
            return super().check(instance, budget)
        finally:
            _SAMPLED.reset(token)

    def evidence(self, instance: Instance, budget: Budget) -> Evidence:
        if is_rank1(instance.X):
            return self._rank1_evidence(instance, budget)
        return self._general_evidence(instance, budget)

    def _general_evidence(
        self, instance: Instance, budget: Budget, found: Evidence | None = None
    ) -> Evidence:
        """The convex programs (``L = 2, 3``) or the certified interval of :mod:`verify.relu_deep`
        (``L ≥ 4``), the falsification search and the branch counts; added to ``found`` (the
        rank-1 closed forms) when given."""
        tol = self.tolerance(instance)
        L = instance.L
        scaling = Normalisation.of(instance.X, instance.Y[:, 0])
        sampled = isinstance(budget, SampledBudget) and exact_size_error(instance.N, instance.d, L)
        if sampled:
            problem = _sampled_problem(scaling, instance.t, budget)
        else:
            problem = relu_problem(scaling.X, scaling.y, min(L, 3), instance.t)
        extra = {"patterns": len(problem.inner), **_outer_count(problem)}
        deep = deep_problem(scaling.X, scaling.y, L, instance.t) if L >= 4 else None
        ray = unreachable_component(problem) if deep is None else deep.unreachable_component()
        if relative_residual(ray, problem.y) > tol:
            if sampled:  # the sampled patterns' span may miss what the others reach
                return _not_certified(problem, "the labels are outside the sampled span", extra)
            return _infeasible(problem, ray, tol, extra)
        if found is None:
            found = Evidence({"gap": 0.0})
        found.extra.update(extra)
        if not np.any(problem.y):
            found.add("primal_upper", Bound(0.0, "certificate", 0.0, "y = 0: no branch"))
            found.add("dual_lower", Bound(0.0, "certificate", 0.0, "λ = 0"))
            found.extra["branches"] = 0
        elif deep is None:
            self._certify(instance, problem, scaling, budget, found)
        else:
            self._certify_deep(instance, problem, deep, scaling, found)
        self._search(instance, problem, scaling, budget, found)
        found.add("branches_lower", _branch_lower_bound(problem.y))
        if "branches" in found.extra:
            found.add(
                "branches_upper",
                Bound(
                    float(found.extra["branches"]),
                    "certificate",
                    0.0,
                    "branches of the pruned network",
                ),
            )
        if deep is not None:
            _record_interval(found, tol)
        return found

    def _rank1_evidence(self, instance: Instance, budget: Budget) -> Evidence:
        """``X = c aᵀ`` at any depth (:mod:`verify.rank1`): ``P = D = (‖α‖ + ‖γ‖)/(‖a‖t^{L−2})``,
        the explicit two-branch network and dual point, certified in ball arithmetic
        (:mod:`verify.rank1_bounds`); residual: the distance of the instance from its rank-1
        reduction. With scalar labels at ``L = 2, 3`` the convex programs run as well (an
        independent check, and the witnesses of proof mode)."""
        tol = self.tolerance(instance)
        X, Y, L, t = instance.X, instance.Y, instance.L, instance.t
        # exact rescaling by powers of two (values map back exactly, see verify.relu_scaling):
        # the closed forms square α, γ and ‖a‖, which must not overflow
        scaling = Normalisation.of(X, Y)
        data = rank1_data(scaling.X, scaling.y)
        if data.residual > tol:
            return infeasible_labels(Instance(scaling.X, scaling.y, L=L, t=t), data, tol)
        off_rank1 = relative_residual(scaling.X - np.outer(data.c, data.a), scaling.X)
        closed = max(data.residual, off_rank1)
        value = scaling.value(parallel_value(data, L, t))
        found = Evidence({"primal": value, "dual": value, "gap": 0.0})
        network = scaling.network(parallel_network(data, L, t))
        how = f"explicit parallel network, one chain per sign of c (verify.rank1), depth {L}"
        found.add("primal_upper", primal_certificate(X, Y, network, "t", t=t, how=how))
        refit = parallel_upper_bound(data, L, t)
        if refit is not None:
            found.add(
                "primal_upper",
                Bound(scaling.value(refit), "certificate", closed, f"{how}, {REFIT}"),
            )
        upper = scaling.value(dual_enclosure(data, L, t)[1])
        found.add("dual_upper", Bound(upper, "closed-form", closed, DUAL_PROOF))
        lower, constraint = dual_point_lower_bound(data, L, t)
        found.add(
            "dual_lower",
            Bound(
                scaling.value(lower),
                "certificate",
                closed,
                "Λ = c₊pᵀ/‖c₊‖² + c₋qᵀ/‖c₋‖² (verify.rank1.dual_point), exact constraint "
                f"σ_L·max(‖Λᵀc₊‖, ‖Λᵀc₋‖) ≤ {constraint:.12g}, certified",
            ),
        )
        # α, γ of the instance (c scales with X, so they scale like the values)
        alpha, gamma = (np.ldexp(v, scaling.value_exp).tolist() for v in (data.alpha, data.gamma))
        found.extra.update(rank1=True, branches=len(network.branches), alpha=alpha, gamma=gamma)
        found.details.append(
            f"rank-1 data X = c aᵀ: α = {alpha}, γ = {gamma}, "
            f"P = D = (‖α‖ + ‖γ‖)/(‖a‖t^(L−2)) = {value:.12g}"
        )
        if instance.K == 1 and L <= 3 and exact_size_error(instance.N, instance.d, L) is None:
            return self._general_evidence(instance, budget, found)
        self._rank1_search(instance, data, scaling, budget, found)
        return found

    def _rank1_search(
        self,
        instance: Instance,
        data: Rank1Data,
        scaling: Normalisation,
        budget: Budget,
        found: Evidence,
    ) -> None:
        """Falsification on parallel networks of depth ``L`` (:data:`RANK1_SEARCH_BRANCHES`
        branches of width 4) over the reduced rows (:func:`verify.rank1.reduced_problem`: the raw
        rows make the last layer's Gram matrix singular), every network mapped back
        (:func:`verify.rank1.silence_zero_sides`, then to the instance's scale) and re-evaluated
        on the instance."""
        Xr, Yr = reduced_problem(data)
        if Xr.shape[0] == 0:
            return
        claimed = found.predicted["primal"]
        arch = Architecture(instance.L, "relu", branches=RANK1_SEARCH_BRANCHES, width=4,
                            parallel=True)  # fmt: skip
        how = f"multi-start L-BFGS, parallel ReLU network of depth {instance.L}, reduced rows"

        def evaluate(model):
            silenced = ParallelNetwork(tuple(silence_zero_sides(b, data) for b in model.branches))
            silenced = scaling.network(silenced)
            return primal_certificate(instance.X, instance.Y, silenced, "t", t=instance.t,
                                      how=how, bound_kind="search")  # fmt: skip

        bounds, summary = search_bounds(
            Xr,
            Yr,
            arch,
            evaluate=evaluate,
            claimed=claimed,
            restarts=budget.restarts,
            max_iter=min(budget.max_iter, SEARCH_ITERATIONS),
            rng=np.random.default_rng(budget.seed),
            t=instance.t,
            reach=REACHED,
            work=budget.work,
            timeout=budget.timeout,
        )
        found.add("primal_upper", *bounds)
        found.extra["search"] = {**summary.to_json(), "branches": RANK1_SEARCH_BRANCHES}
        found.details.append(f"search (parallel, reduced rows, search-based): "
                             f"{summary.describe()}")  # fmt: skip

    def _certify(
        self,
        instance: Instance,
        problem: ReluProblem,
        scaling: Normalisation,
        budget: Budget,
        found: Evidence,
    ) -> None:
        """Both certificates on the normalised data (column generation over first layers at
        ``L = 2``, over outer groups at ``L = 3``), mapped back to the instance and re-evaluated
        there, after a check that they respect weak duality up to rounding."""
        if problem.L == 2:
            rng = np.random.default_rng(budget.seed)
            start = sampled_directions(problem.X.shape[1], WARM_START * len(problem.y), rng)
            try:
                certified = certify_two_layer(problem, start)
            except MasterFailure as exc:
                found.details.append(f"column generation stopped ({exc}): no certificate")
                return
            network, dual = certified.network, certified.dual
            direction, outer = dual.multipliers, None
            outcome = certified.outcome
            found.extra["column_generation"] = {
                "rounds": len(outcome.rounds),
                "columns": int(outcome.features.shape[1]),
                "converged": outcome.converged,
                "warm_start": len(start),
                "per_round": [r.to_json() for r in outcome.rounds],
            }
            how = (
                f"column generation ({len(outcome.rounds)} rounds, "
                f"{outcome.features.shape[1]} columns)"
            )
            found.details.append(
                f"{how}: master {scaling.value(outcome.rounds[-1].master_value):.10g}, "
                f"{'converged' if outcome.converged else 'not converged'}"
            )
        else:
            rng = np.random.default_rng(budget.seed)
            start = sampled_groups(problem, WARM_START * len(problem.y), rng)
            try:
                certified = certify_three_layer(problem, start)
            except SolverFailure as exc:
                found.details.append(f"column generation stopped ({exc}): no certificate")
                return
            network, dual, outcome = certified.network, certified.dual, certified.outcome
            # λ and every group's μ, a consistent pair (proof mode rescales them exactly)
            direction = outcome.multipliers
            outer = {
                (tuple(int(v) for v in pattern), int(sign)): outcome.outer_multipliers[g]
                for g, (pattern, sign) in enumerate(zip(problem.outer, problem.signs, strict=True))
            }
            found.extra["column_generation"] = {
                "rounds": len(outcome.rounds),
                "groups": len(outcome.working),
                "of_groups": len(problem.outer),
                "converged": outcome.converged,
                "warm_start": len(start),
                "per_round": [r.to_json() for r in outcome.rounds],
            }
            how = (
                f"column generation over the outer groups ({len(outcome.rounds)} rounds, "
                f"{len(outcome.working)} of {len(problem.outer)} groups)"
            )
            value = scaling.value(outcome.master.value / problem.t)
            found.extra["convex_value"] = value
            found.details.append(
                f"{how}: master {value:.10g}, "
                f"{'converged' if outcome.converged else 'not converged'}"
            )
        branches = len(network.branches)
        network = scaling.network(network)
        network_bound = primal_certificate(
            instance.X,
            instance.Y,
            network,
            "t",
            t=problem.t,
            how=f"parallel ReLU network with {branches} branches from {how}",
        )
        multipliers = scaling.multipliers(dual.multipliers)
        dual_value = scaling.value(dual.value)
        found.extra.update(branches=branches, rho=float(dual.rho))
        allowance = _weak_duality_checked(
            instance, network, multipliers, network_bound, dual_value, branches, found
        )
        if allowance is None:
            return
        found.extra["rounding_allowance"] = allowance
        found.witnesses = {
            "branches": [branch.weights for branch in network.branches],
            "dual": direction,
            "outer": outer,
        }
        found.add("primal_upper", network_bound)
        if not problem.certified:
            _label_not_certified(found, problem, dual_value)
            return
        found.add(
            "dual_lower",
            Bound(
                dual_value,
                "certificate",
                0.0,
                f"λ of {how} checked over {_pattern_text(problem)} by cone projections, "
                f"divided by the certified maximum {dual.rho:.12g}",
            ),
        )

    def _certify_deep(
        self,
        instance: Instance,
        problem: ReluProblem,
        deep: DeepProblem,
        scaling: Normalisation,
        found: Evidence,
    ) -> None:
        """``L ≥ 4`` (:mod:`verify.relu_deep`): the ``L = 3`` solution embedded at depth ``L``
        (primal) and the outer program's ``λ``, checked over every path of patterns (dual), both on
        the normalised data, mapped back and re-evaluated on the instance."""
        L, t = instance.L, instance.t
        found.extra["outer_levels"] = deep.pattern_counts
        try:
            rebuilt = reconstruct(problem, solve(problem))
            outer = outer_program(deep)
        except SolverFailure as exc:
            found.details.append(f"convex program not solved ({exc}): no certificate")
            return
        value = scaling.value(outer.value / t ** (L - 2))
        found.extra["outer_value"] = value
        found.details.append(
            f"outer program at depth {L} ({outer.solver}, {outer.status}, {deep.variables} "
            f"variables): {value:.10g}"
        )
        if not deep.certified:  # every pattern set must be the exact enumeration
            found.details.append("patterns not enumerated exactly: no dual certificate")
            return
        dual = deep_dual_point(deep, outer.dual, outer.multipliers)
        multipliers, dual_value = scaling.multipliers(dual.multipliers), scaling.value(dual.value)
        paths = math.prod(len(level) for level in deep.levels)
        dual_bound = Bound(
            dual_value,
            "certificate",
            0.0,
            f"λ of the depth-{L} outer program checked over {len(deep.inner)} inner patterns × 2 "
            f"signs at each of {paths} paths of outer groups (the atoms' outer approximation), "
            f"divided by the certified maximum {dual.rho:.12g}",
        )
        found.extra["rho"] = float(dual.rho)
        embedded = embedded_network(rebuilt.network, scaling.y, scaling.X, L, t)
        if embedded is None:
            found.details.append("the depth-3 solution has no branch: no primal certificate")
            found.add("dual_lower", dual_bound)
            return
        branches = len(embedded.branches)
        network = scaling.network(embedded)
        bound = primal_certificate(
            instance.X,
            instance.Y,
            network,
            "t",
            t=t,
            how=f"the L = 3 solution ({branches} branches) embedded at depth {L}, last layer "
            "solved exactly",
        )
        allowance = _weak_duality_checked(
            instance, network, multipliers, bound, dual_value, branches, found
        )
        if allowance is None:
            return
        found.extra.update(branches=branches, rounding_allowance=allowance)
        found.add("primal_upper", bound)
        found.add("dual_lower", dual_bound)

    def _search(
        self,
        instance: Instance,
        problem: ReluProblem,
        scaling: Normalisation,
        budget: Budget,
        found: Evidence,
    ) -> None:
        """Falsification on parallel networks of depth L (2(N + 1) branches) and, at L = 3, the
        contrast with the standard network (reported only, never a bound on the parallel P).
        The search runs on the normalised data; every network it finds is mapped back and
        re-evaluated on the instance."""
        N, L = problem.X.shape[0], instance.L
        rng = np.random.default_rng(budget.seed)
        branches = SEARCH_BRANCHES * (N + 1)
        width = 1 if L == 2 else N + 1
        certified = max((b.value for b in found.candidates.get("dual_lower", [])), default=None)
        parallel = Architecture(L, "relu", branches=branches, width=width, parallel=True)
        run = _searcher(instance, problem, scaling, budget, rng, certified)
        bounds, summary = run(parallel, budget.restarts)
        found.add("primal_upper", *bounds)
        found.extra["search"] = {**summary.to_json(), "branches": branches}
        found.details.append(
            f"search (parallel, {branches} branches, search-based): {summary.describe()}"
        )
        if L == 3:
            standard = Architecture(3, "relu", width=branches)
            _, summary = run(standard, (budget.restarts + 1) // 2)
            found.extra["standard_search"] = {**summary.to_json(), "width": branches}
            found.details.append(
                f"standard network (width {branches}, search-based, not a bound on the parallel "
                f"P): {summary.describe()}"
            )

    def certificate(self, instance: Instance, result: CheckResult) -> dict[str, Any]:
        if instance.L > 3 or instance.K != 1:
            raise NotCertifiable(
                "proof mode covers C5 at L = 2, 3 with scalar labels (the exact checker's convex "
                f"programs); L = {instance.L}, K = {instance.K} is not covered"
            )
        branches, dual, outer = witnesses_of(result, "branches", "dual", "outer")
        return relu_parallel_certificate(instance, branches, dual, outer, seed=result.seed or 0)

    def instances(self) -> SearchStrategy[Instance]:
        return relu_instances()

    def pinned_examples(self) -> list[PinnedExample]:
        return [*self._shallow_examples(), *deep_examples()]

    def _shallow_examples(self) -> list[PinnedExample]:
        return [
            PinnedExample(three_layer_example(), HOLDS, "5×2 data, L = 3 (cf. CLAIMS.md C5)"),
            PinnedExample(
                antipodal_example(), HOLDS, "X = [1; −1], y = (1, −1), L = 3: P = D = 2/t"
            ),
            PinnedExample(
                Instance([[1.0], [2.0], [-1.0]], [1.0, 2.0, 3.0], L=2, t=1.0, label="d = 1"),
                HOLDS,
                "one feature, two directions u = ±1: P = D = 1 + 3 = 4",
            ),
            PinnedExample(
                Instance(
                    [[0.0, 1.0], [1.0, 1.0], [1.0, 1.0], [2.0, 1.0], [-1.0, 1.0]],
                    [0.0, 1.0, 1.0, 0.0, 1.0],
                    L=2,
                    t=1.0,
                    label="duplicate points, bias column",
                ),
                HOLDS,
                "ties: duplicate rows share a hyperplane",
            ),
            PinnedExample(
                Instance(np.eye(3)[:, :2], np.zeros(3), L=3, t=2.0, label="y = 0"),
                HOLDS,
                "zero labels: P = D = 0",
            ),
            PinnedExample(
                Instance(
                    [[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]],
                    [1.0, 1.0, 1.0],
                    L=2,
                    t=1.0,
                    label="zero row",
                ),
                INFEASIBLE,
                "a zero data row has output 0 but label 1",
            ),
            PinnedExample(
                Instance(
                    [[1.0, 2.0], [1.0, 2.0], [0.5, -1.0]],
                    [1.0, -1.0, 0.0],
                    L=3,
                    t=1.0,
                    label="duplicate points, different labels",
                ),
                INFEASIBLE,
                "two equal data rows with different labels",
            ),
        ]

    def negative_controls(self) -> list[NegativeControl]:
        base = two_layer_example()
        return [
            NegativeControl(
                "pattern-removed",
                "the λ of the group lasso over all patterns but the one carrying the most "
                "weight is dual feasible (predicts D = that program's value)",
                base,
                lambda inst: {"dual": reduced_program_value(inst)},
            ),
            NegativeControl(
                "single-branch",
                "a single branch suffices to attain P (labels of both signs)",
                base,
                lambda inst: {"branches": 1.0},
            ),
            NegativeControl(
                "standard-search-is-a-lower-bound",
                "the standard three-layer network's search value is a lower bound on the "
                "parallel network's P (X = [1; −1], y = (1, −1): standard 2√2, parallel 2)",
                antipodal_example(),
                lambda inst: {"primal": standard_search_value(inst)},
            ),
            *deep_controls(),
        ]


def is_rank1(X: np.ndarray) -> bool:
    """Whether ``X = c aᵀ`` (numerical rank 1, :func:`verify.rank1.factor_rank1`)."""
    try:
        factor_rank1(X)
    except InstanceError:
        return False
    return True


def _validate_rank1_depth(L: int, t: float | None) -> None:
    """Rank-1 data: every ``L ≥ 2`` up to the depth to which the closed forms' certificates are
    tested to stay exact (C6's limits)."""
    if L > RANK1_MAX_DEPTH:
        raise InstanceError(
            "L",
            f"L = {L} is above the largest supported depth {RANK1_MAX_DEPTH} for rank-1 data: the "
            "closed forms hold at every depth, but their floating-point certificates are tested "
            f"to stay exact only up to L = {RANK1_MAX_DEPTH}; set 2 ≤ L ≤ {RANK1_MAX_DEPTH}",
        )
    if t is not None and L > deepest_depth(t):
        raise InstanceError(
            "L",
            f"L = {L} with t = {t:g}: t^(L−2) leaves [1e-100, 1e100], within which the rank-1 "
            f"certificates stay far from overflow; the largest supported depth for rank-1 data "
            f"and this t is {deepest_depth(t)}",
        )


def _validate_deep_size(N: int, d: int, L: int) -> None:
    """General data at ``L ≥ 4``: the outer program (:func:`verify.relu_deep.outer_program`)
    must fit :data:`verify.relu_deep.MAX_DEEP_VARIABLES`."""
    size = estimated_variables(N, d, L)
    if size > MAX_DEEP_VARIABLES:
        deepest = deepest_general_depth(N, d)
        raise InstanceError(
            "L",
            f"L = {L} on data that is not rank 1 (N = {N}, d = {d}): the depth-{L} outer program "
            f"has up to {size} variables (limit {MAX_DEEP_VARIABLES}, one group per path of "
            f"{L - 2} levels of sign patterns); the largest supported depth for this data is "
            f"{deepest}: use L ≤ {deepest}, or reduce N or d",
        )


def _record_interval(found: Evidence, tol: float) -> None:
    """``extra["interval_width"]``: ``(P_upper − D_lower)/P_upper`` of the best certified bounds
    (residual within ``tol``), and ``extra["closed_by"]``: the methods that give them."""

    def best(name: str, pick):
        usable = [b for b in found.candidates.get(name, []) if b.residual <= tol]
        return pick(usable, key=lambda b: b.value) if usable else None

    upper, lower = best("primal_upper", min), best("dual_lower", max)
    if upper is None or lower is None or upper.value <= 0.0:
        found.extra["interval_width"] = None
        return
    width = max(upper.value - lower.value, 0.0) / upper.value
    found.extra["interval_width"] = width
    primal = "search" if upper.kind == "search" else "the L = 3 solution embedded at depth L"
    found.extra["closed_by"] = f"{primal} against the outer approximation's λ"
    found.details.append(
        f"certified interval [{lower.value:.12g}, {upper.value:.12g}], relative width {width:.2e}"
        f" (tolerance {tol:.1e}): primal from {primal}, dual from the outer approximation"
    )


def _sampled_problem(scaling: Normalisation, t: float, budget: SampledBudget) -> ReluProblem:
    """``L = 2`` over the patterns of ``budget.samples`` random directions (seeded by the
    budget): a working set for an uncertified solve."""
    rng = np.random.default_rng(budget.seed)
    inner = sampled_patterns(scaling.X, rng, budget.samples)
    return ReluProblem(scaling.X, scaling.y, 2, t, inner)


def _weak_duality_checked(
    instance: Instance,
    network: ParallelNetwork,
    multipliers: np.ndarray,
    bound: Bound,
    dual_value: float,
    branches: int,
    found: Evidence,
) -> float | None:
    """The rounding allowance of weak duality between the network's recomputed cost and the
    dual value (:func:`verify.relu_parallel.weak_duality_allowance`), both noted in the
    details; ``None`` when the dual value exceeds the cost by more — impossible for true
    certificates, so a defect, reported rather than judged, and neither is used."""
    allowance = weak_duality_allowance(
        instance.X, instance.Y[:, 0], network, multipliers, bound.value
    )
    found.details.append(
        f"network: {bound.value:.10g} with {branches} branches, residual "
        f"{bound.residual:.1e}; dual: {dual_value:.10g}"
    )
    if dual_value > bound.value + allowance:
        found.details.append(
            f"certificates contradict weak duality: dual {dual_value:.17g} > primal "
            f"{bound.value:.17g} + rounding allowance {allowance:.2e}: neither is used"
        )
        return None
    return allowance


def _label_not_certified(found: Evidence, problem: ReluProblem, estimate: float) -> None:
    """The result of a solve over sampled patterns: the network is a true upper bound, the dual
    value only an estimate (a pattern not sampled may violate its constraint)."""
    found.verdict = INCONCLUSIVE
    found.extra.update(certified=False, patterns_method="sampled", dual_estimate=estimate)
    found.details.append(
        f"NOT CERTIFIED: solved over {len(problem.inner)} sampled patterns (--sampled); the "
        f"network is a true upper bound, the dual value {estimate:.10g} only an estimate"
    )


def _not_certified(problem: ReluProblem, reason: str, extra: dict) -> Evidence:
    found = Evidence({"gap": 0.0}, extra={**extra, "certified": False})
    found.extra["patterns_method"] = "sampled"
    found.verdict = INCONCLUSIVE
    found.details.append(f"NOT CERTIFIED: {reason} ({len(problem.inner)} sampled patterns)")
    return found


def _outer_count(problem: ReluProblem) -> dict[str, int]:
    if problem.outer is None:
        return {}
    return {"outer_patterns": int(problem.outer.shape[0]) // 2}


def _pattern_text(problem: ReluProblem) -> str:
    text = f"{len(problem.inner)} inner patterns × 2 signs"
    if problem.outer is not None:
        text += f", for each of {problem.outer.shape[0]} outer groups (patterns × signs)"
    return text


def _searcher(
    instance: Instance,
    problem: ReluProblem,
    scaling: Normalisation,
    budget: Budget,
    rng: np.random.Generator,
    certified: float | None,
):
    """Multi-start L-BFGS on the normalised data; every start's network is mapped back and
    re-evaluated on the instance."""
    X, Y, t = problem.X, problem.y[:, None], problem.t

    def run(arch: Architecture, restarts: int) -> tuple[list[Bound], SearchSummary]:
        name = "parallel" if arch.parallel else "standard"

        def evaluate(model):
            how = f"multi-start L-BFGS, {name} ReLU network"
            if isinstance(model, Network):
                model = ParallelNetwork((model,))
            return primal_certificate(
                instance.X,
                instance.Y,
                scaling.network(model),
                "t",
                t=t,
                how=how,
                bound_kind="search",
            )

        return search_bounds(
            X,
            Y,
            arch,
            evaluate=evaluate,
            claimed=certified,
            restarts=restarts,
            max_iter=min(budget.max_iter, SEARCH_ITERATIONS),
            rng=rng,
            t=t,
            reach=REACHED,
            work=budget.work,
            timeout=budget.timeout,
        )

    return run


def _branch_lower_bound(y: np.ndarray) -> Bound:
    """Each branch's output is ``(·)_+`` times a scalar, of one sign: labels of both signs need
    two branches."""
    mixed = bool(np.any(y > 0) and np.any(y < 0))
    needed = 2.0 if mixed else float(np.any(y != 0))
    return Bound(needed, "closed-form", 0.0, "a branch's output has a single sign")


def _infeasible(problem: ReluProblem, ray: np.ndarray, tol: float, extra: dict) -> Evidence:
    """``y`` outside the span of every network output: the primal is infeasible, and
    ``s·ray`` (orthogonal to every output) is dual feasible for every ``s`` with
    ``yᵀray = ‖ray‖² > 0``: the dual is unbounded."""
    residual = relative_residual(ray, problem.y)
    message = (
        f"y is not in the span of the outputs of any parallel ReLU network on X (relative "
        f"distance {residual:.3e} > tolerance {tol:.1e}): a zero data row needs label 0 and "
        "equal data rows need equal labels; fix the labels or add a bias (--bias)"
    )
    evidence = infeasible_evidence(
        message,
        "no network interpolates y",
        "ray λ ⟂ every output, yᵀλ = ‖λ‖² > 0",
        0.0,
        float(ray @ problem.y),
    )
    evidence.extra.update(extra)
    return evidence


def two_layer_example() -> Instance:
    """6×2 data with a bias column and labels of both signs (the negative controls' instance)."""
    rng = np.random.default_rng(5)
    X = np.hstack([rng.standard_normal((6, 1)), np.ones((6, 1))])
    return Instance(X, [1.0, -0.5, 2.0, -1.0, 0.3, 1.5], L=2, t=1.0, label="6×2, bias")


def three_layer_example() -> Instance:
    """5×2 Gaussian data and labels, L = 3, t = 1 (a reproducible analogue of CLAIMS.md's)."""
    rng = np.random.default_rng(2023)
    return Instance(rng.standard_normal((5, 2)), rng.standard_normal(5), L=3, t=1.0, label="5×2")


def antipodal_example() -> Instance:
    return Instance([[1.0], [-1.0]], [1.0, -1.0], L=3, t=1.0, label="X = [1; −1]")


def reduced_program_value(instance: Instance) -> float:
    """Value of the L = 2 group lasso without the pattern that carries the most weight."""
    y = instance.Y[:, 0]
    problem = relu_problem(instance.X, y, 2, 1.0)
    full = solve(problem)
    heaviest = int(np.argmax(np.linalg.norm(full.point[:, 0], axis=-1).sum(axis=0)))
    kept = problem.inner.without(heaviest)
    return relu_two_layer_program(instance.X, y, kept.patterns).value


def standard_search_value(instance: Instance) -> float:
    """Best value multi-start search finds on the standard ReLU network (width 2(N + 1))."""
    outcome = local_search(
        instance.X,
        instance.Y,
        Architecture(instance.L, "relu", width=SEARCH_BRANCHES * (instance.N + 1)),
        objective="t",
        t=instance.t,
        restarts=6,
        max_iter=SEARCH_ITERATIONS,
        rng=np.random.default_rng(0),
    )
    return float(outcome.values[outcome.best])


# --- depth L ≥ 4: pinned examples and negative controls -----------------------------------------


def antipodal_deep(L: int, t: float = 1.0) -> Instance:
    """``X = [1; −1]``, ``y = (1, −1)`` at depth ``L``: ``P = D = 2/t^{L−2}`` (rank 1)."""
    return Instance([[1.0], [-1.0]], [1.0, -1.0], L=L, t=t, label=f"X = [1; −1], L = {L}")


def vector_rank1_example(L: int = 5, t: float = 0.5) -> Instance:
    """``X = c aᵀ`` with ``c = (1, −2, 0.5)``, ``a = (1, 2)`` and vector labels ``α = (3, 0)``,
    ``γ = (0, 4)``: ``P = D = (3 + 4)/(√5·t^{L−2})``."""
    c, a = np.array([1.0, -2.0, 0.5]), np.array([1.0, 2.0])
    alpha, gamma = np.array([3.0, 0.0]), np.array([0.0, 4.0])
    Y = np.outer(np.maximum(c, 0), alpha) + np.outer(np.maximum(-c, 0), gamma)
    return Instance(np.outer(c, a), Y, L=L, t=t, label=f"rank 1, vector labels, L = {L}")


def deep_example(L: int = 4, t: float = 0.5) -> Instance:
    """3×2 Gaussian data and labels (seed 4), general position: the certified interval at depth
    ``L`` closes (``P = D = P₃(t)/t^{L−3}``)."""
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((3, 2)), rng.standard_normal(3)
    return Instance(X, y, L=L, t=t, label=f"3×2 general data, L = {L}")


def deep_examples() -> list[PinnedExample]:
    return [
        PinnedExample(antipodal_deep(4), HOLDS, "rank 1, L = 4: P = D = 2/t² (standard: 4/t²)"),
        PinnedExample(
            vector_rank1_example(), HOLDS, "rank 1, K = 2, L = 5: P = D = 7/(√5 t³), t = 1/2"
        ),
        PinnedExample(deep_example(4), HOLDS, "general data, L = 4: the interval closes"),
        PinnedExample(deep_example(5, 1.5), HOLDS, "general data, L = 5: the interval closes"),
    ]


def three_layer_value(instance: Instance) -> float:
    """``P₃(t)``: the depth-3 program's value at the instance's ``t`` (for the controls)."""
    problem = relu_problem(instance.X, instance.Y[:, 0], 3, instance.t)
    return solve(problem).value / instance.t


def _rank1_sides(instance: Instance) -> tuple[float, float, float]:
    """``‖α‖``, ``‖γ‖`` and ``‖a‖`` of rank-1 data."""
    data = rank1_data(instance.X, instance.Y)
    norms = (np.linalg.norm(data.alpha), np.linalg.norm(data.gamma), np.linalg.norm(data.a))
    return tuple(float(v) for v in norms)


def deep_controls() -> list[NegativeControl]:
    def wrong_exponent(inst: Instance) -> dict[str, float]:
        alpha, gamma, a = _rank1_sides(inst)
        return {"dual": (alpha + gamma) / (a * inst.t ** (inst.L - 3))}

    def dropped_branch(inst: Instance) -> dict[str, float]:
        alpha, _, a = _rank1_sides(inst)
        return {"primal": alpha / (a * inst.t ** (inst.L - 2))}

    return [
        NegativeControl(
            "depth-3-value-at-depth-4",
            "the depth-3 value P₃(t) is the parallel network's value at depth 4 (it is "
            "P₃(t)/t: the extra constrained layer scales it)",
            deep_example(4, 0.5),
            lambda inst: {"primal": three_layer_value(inst)},
        ),
        NegativeControl(
            "depth-4-value-at-depth-5",
            "P₃(t)/t (the depth-4 value) is the value at depth 5 (it is P₃(t)/t²)",
            Instance([[1.0, 0.5], [-0.3, 1.0]], [1.0, -1.0], L=5, t=0.5, label="2×2, L = 5"),
            lambda inst: {"primal": three_layer_value(inst) / inst.t},
        ),
        NegativeControl(
            "wrong-t-exponent",
            "P = D = (‖α‖ + ‖γ‖)/(‖a‖t^{L−3}) on rank-1 data (the exponent is L − 2)",
            vector_rank1_example(5, 0.5),
            wrong_exponent,
        ),
        NegativeControl(
            "dropped-branch",
            "one branch (the side c > 0) carries the value: P = ‖α‖/(‖a‖t^{L−2})",
            antipodal_deep(4),
            dropped_branch,
        ),
    ]


CLAIM = ReluParallelZeroGap()
