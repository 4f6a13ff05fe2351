"""C6 ``relu-rank1-three-layer``: exact P(t), D(t) on rank-1 data, and exactly where P = D.

Every closed form is compared with a computation that does not use it: a convex program for the
two-column gauge, a fine grid over the first-layer split for ``P``, random sampling of the
unreduced dual constraint, random networks for the reduction lemma, and local search.
"""

from __future__ import annotations

import math

import cvxpy as cp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

from properties.strategies import ZERO_GAP, rank1_instances, whitened_instances
from verify.claims.base import Budget
from verify.claims.relu_rank1_three_layer import CLAIM, COUNTEREXAMPLE
from verify.convex import _solve
from verify.instances import Instance, InstanceError
from verify.networks import Network
from verify.rank1 import (
    dual_constraint,
    dual_point,
    dual_value,
    factor_rank1,
    gauge,
    nonnegative_factors,
    primal_network,
    primal_value,
    rank1_data,
    reduced_problem,
    silence_zero_sides,
    zero_gap,
)
from verify.result import FAILS, HOLDS, INFEASIBLE, judge
from verify.symbolic_rank1 import sqrt2_cofactor, verify_all
from verify.whitened import orientation, whitened_gap_bounds

#: a light search for the generated-instance properties (the pinned examples use the default)
QUICK = Budget(seed=0, restarts=2, max_iter=400)
EXACT = 1e-12


def relu(Z: np.ndarray) -> np.ndarray:
    return np.maximum(Z, 0.0)


def random_network(rng: np.random.Generator, d: int, K: int) -> Network:
    widths = [d, int(rng.integers(1, 5)), int(rng.integers(1, 5)), K]
    return Network(tuple(rng.standard_normal((widths[i], widths[i + 1])) for i in range(3)), "relu")


# --- the reduction lemma ------------------------------------------------------------------------


@settings(deadline=None)
@given(rank1_instances(), st.integers(0, 2**32 - 1))
def test_network_output_has_the_two_sided_form(instance: Instance, seed: int) -> None:
    """Any three-layer ReLU network: ``(XW₁)₊ = c₊b₊ᵀ + c₋b₋ᵀ`` and
    ``f(X) = c₊f(a)ᵀ + c₋f(−a)ᵀ`` (positive homogeneity), computed on the raw rows."""
    rng = np.random.default_rng(seed)
    c, a = factor_rank1(instance.X)
    net = random_network(rng, instance.d, instance.K)
    b = net.weights[0].T @ a
    first = relu(instance.X @ net.weights[0])
    assert np.allclose(first, np.outer(relu(c), relu(b)) + np.outer(relu(-c), relu(-b)))
    f_a, f_minus_a = net.forward(a[None, :])[0], net.forward(-a[None, :])[0]
    expected = np.outer(relu(c), f_a) + np.outer(relu(-c), f_minus_a)
    assert np.allclose(net.forward(instance.X), expected, atol=1e-12 * (1 + np.abs(expected).max()))


@settings(deadline=None)
@given(rank1_instances(), st.integers(0, 2**32 - 1))
def test_reduced_problem_and_silencing_preserve_outputs(instance: Instance, seed: int) -> None:
    """A network fitting the reduced rows, silenced, outputs ``Y`` on ``X`` at no higher cost."""
    rng = np.random.default_rng(seed)
    data = rank1_data(instance.X, instance.Y)
    Xr, Yr = reduced_problem(data)
    net = random_network(rng, instance.d, instance.K)
    quiet = silence_zero_sides(net, data)
    assert np.linalg.norm(quiet.weights[0]) <= np.linalg.norm(net.weights[0]) * (1 + 1e-12)
    if Xr.shape[0]:
        assert np.allclose(quiet.forward(Xr), net.forward(Xr))
        # The optimal network for (X, Y) fits the reduced rows too.
        optimal = primal_network(data, instance.t)
        assert np.allclose(optimal.forward(Xr), Yr, atol=1e-10 * max(1.0, np.abs(Yr).max()))
    # On X, every side the reduction dropped outputs 0 (up to rounding in W₁ᵀa).
    out = quiet.forward(instance.X)
    scale = np.prod([np.linalg.norm(W) for W in net.weights]) * np.linalg.norm(instance.X)
    for part, target in ((relu(data.c), data.alpha), (relu(-data.c), data.gamma)):
        if not np.any(target) and np.any(part):
            assert np.abs(out[part > 0]).max() <= 1e-14 * scale


# --- closed forms against independent computations ----------------------------------------------


def gauge_program(M: np.ndarray, directions: int = 361) -> float:
    """``min Σ‖ρ_k‖`` s.t. ``Σ ρ_k ζ_kᵀ = M`` over unit ``ζ_k`` on a grid of the quarter circle
    (an upper bound on the gauge that converges as the grid refines)."""
    angles = np.linspace(0.0, np.pi / 2, directions)
    Z = np.column_stack([np.cos(angles), np.sin(angles)])
    rho = cp.Variable((M.shape[0], directions))
    problem = cp.Problem(cp.Minimize(cp.sum(cp.norm(rho, axis=0))), [rho @ Z == M])
    _solve(problem, "CLARABEL")
    return float(problem.value)


@pytest.mark.parametrize(
    "M",
    [
        np.array([[1.0, -2.0]]),
        np.array([[1.0, 2.0]]),
        np.array([[1.0, 0.3], [0.2, 1.0]]),
        np.array([[1.0, -0.3], [0.2, 1.0], [0.5, 0.5]]),
        np.array([[2.0, 0.0], [0.0, 1.0]]),
    ],
)
def test_gauge_matches_a_convex_program(M: np.ndarray) -> None:
    """The two-column gauge: closed form vs a discretised group-lasso (Clarabel); its
    non-negative factors reproduce ``M`` at cost ``G(M)``."""
    value = gauge(M)
    program = gauge_program(M)
    assert value <= program + 1e-7
    assert program - value <= 1e-4 * value
    factors = nonnegative_factors(M)
    assert all(np.all(zeta >= 0) for _, zeta in factors)
    assert np.allclose(sum(np.outer(rho, zeta) for rho, zeta in factors), M, atol=1e-12)
    cost = sum(np.linalg.norm(rho) * np.linalg.norm(zeta) for rho, zeta in factors)
    assert math.isclose(cost, value, rel_tol=1e-12)


def brute_force_primal(alpha: np.ndarray, gamma: np.ndarray, s: float) -> float:
    """``min_θ G([α/(s cos θ), γ/(s sin θ)])`` on a 4001-point grid, refined by bounded search."""
    if not np.any(alpha) or not np.any(gamma):
        return (np.linalg.norm(alpha) + np.linalg.norm(gamma)) / s

    def objective(theta: float) -> float:
        return gauge(np.column_stack([alpha / (s * np.cos(theta)), gamma / (s * np.sin(theta))]))

    grid = np.linspace(1e-6, np.pi / 2 - 1e-6, 4001)
    values = [objective(theta) for theta in grid]
    k = int(np.argmin(values))
    lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, grid.size - 1)]
    refined = minimize_scalar(objective, bounds=(lo, hi), method="bounded",
                              options={"xatol": 1e-13})  # fmt: skip
    return min(min(values), float(refined.fun))


@settings(max_examples=10, deadline=None)  # 4001-point grid per example
@given(rank1_instances())
def test_primal_closed_form_matches_brute_force(instance: Instance) -> None:
    data = rank1_data(instance.X, instance.Y)
    s = data.radius(instance.t)
    closed = primal_value(data.alpha, data.gamma, s)
    brute = brute_force_primal(data.alpha, data.gamma, s)
    assert closed <= brute * (1 + 1e-12)
    assert brute - closed <= 1e-9 * max(1.0, closed)


@settings(max_examples=10, deadline=None)  # 600 sampled constraints per example
@given(rank1_instances(), st.integers(0, 2**32 - 1))
def test_dual_point_is_feasible_on_the_unreduced_constraint(instance: Instance, seed: int) -> None:
    """Random first layers and neurons never violate the constraint the reduction computes
    exactly, and come close to it; the dual point's value is ``D``."""
    rng = np.random.default_rng(seed)
    data = rank1_data(instance.X, instance.Y)
    t = instance.t
    Lam = dual_point(data, t)
    exact = dual_constraint(Lam, data, t)
    sampled = 0.0
    for _ in range(600):
        width = int(rng.integers(1, 4))
        W1 = rng.standard_normal((instance.d, width))
        W1 *= t / np.linalg.norm(W1)
        w = rng.standard_normal(width)
        z = relu(relu(instance.X @ W1) @ (w / np.linalg.norm(w)))
        sampled = max(sampled, float(np.linalg.norm(Lam.T @ z)))
    assert sampled <= exact * (1 + 1e-12) + 1e-15
    if np.any(instance.Y):
        assert exact <= 1 + 1e-12
        assert sampled >= 0.5 * exact
        value = float(np.sum(Lam * instance.Y))
        assert math.isclose(
            value, dual_value(data.alpha, data.gamma, data.radius(t)), rel_tol=1e-12
        )


# --- the claim on generated instances -----------------------------------------------------------


@settings(max_examples=10, deadline=None)  # a full check with search per example
@given(rank1_instances())
def test_check_is_exact_and_the_condition_predicts_the_gap(instance: Instance) -> None:
    """Verdict ``holds`` (the corrected statement) with every interval pinned; the zero-gap
    condition — on ``(α, γ)`` and, equivalently, on the label rows — agrees with the certified
    gap and with the side the strategy drew; ``D ≤ P ≤ √2·D``; search never beats ``P``."""
    result = CLAIM.check(instance, QUICK)
    assert result.verdict == HOLDS, result.details
    tol = result.tolerance
    gap_lo, gap_hi = result.intervals["gap"]
    P, D = result.predicted["primal"], result.predicted["dual"]
    data = rank1_data(instance.X, instance.Y)
    condition = zero_gap(data.alpha, data.gamma, tol)
    Y = instance.Y
    rows_aligned = np.linalg.matrix_rank(Y, tol=1e-9 * max(1.0, np.abs(Y).max())) <= 1 and bool(
        np.all(Y @ Y.T >= -1e-12 * max(1.0, np.abs(Y).max()) ** 2)
    )
    assert condition == rows_aligned
    assert condition == instance.label.endswith(ZERO_GAP)
    if condition:
        assert abs(gap_hi) <= tol * max(1.0, P) and result.extra["abstract_reading"] == HOLDS
    else:
        assert gap_lo > 1e-4 * D and result.extra["abstract_reading"] == FAILS
    assert D * (1 - EXACT) <= P <= math.sqrt(2) * D * (1 + EXACT)
    search = result.extra["search"]
    if search["best"] is not None:
        assert search["best"] >= P * (1 - tol)


@pytest.mark.parametrize(
    "label", ["minimal counterexample", "same-sign labels", "acute vector sides"]
)
def test_search_reaches_the_closed_form(label: str) -> None:
    """Three seeded starts on the standard network reach ``P`` (gap and zero-gap sides, scalar and
    vector outputs) and never go below it."""
    instance = next(e.instance for e in CLAIM.pinned_examples() if e.instance.label == label)
    result = CLAIM.check(instance, Budget(seed=0, restarts=3))
    search = result.extra["search"]
    assert search["reached"], search
    assert search["best"] >= result.predicted["primal"] * (1 - result.tolerance)


# --- pinned examples, the counterexample and negative controls ----------------------------------


def test_minimal_counterexample_values() -> None:
    """``X = [1; −1]``, ``y = (1, −1)``, ``t = 1``: ``P = 2√2``, ``D = 2`` exactly; the paper's
    unconditioned ``P = D`` fails there, and ``y = (1, 1)`` gives ``P = D = 2``."""
    result = CLAIM.check(COUNTEREXAMPLE, QUICK)
    assert result.verdict == HOLDS
    assert math.isclose(result.predicted["primal"], 2 * math.sqrt(2), rel_tol=EXACT)
    assert math.isclose(result.predicted["dual"], 2.0, rel_tol=EXACT)
    assert math.isclose(result.primal_value, 2 * math.sqrt(2), rel_tol=1e-9)
    assert math.isclose(result.dual_value, 2.0, rel_tol=1e-9)
    assert result.extra["abstract_reading"] == FAILS and not result.extra["zero_gap_condition"]
    same = Instance(COUNTEREXAMPLE.X, np.array([1.0, 1.0]), L=3, t=1.0)
    result = CLAIM.check(same, QUICK)
    assert math.isclose(result.predicted["primal"], 2.0, rel_tol=EXACT)
    assert math.isclose(result.predicted["gap"], 0.0, abs_tol=EXACT)
    assert result.extra["abstract_reading"] == HOLDS
    # Minimal: a single row never has a gap (one side of c is empty).
    single = Instance(np.array([[-2.0, 1.0]]), np.array([3.0]), L=3, t=0.5)
    assert CLAIM.check(single, QUICK).extra["abstract_reading"] == HOLDS


def test_infeasible_labels_are_an_outcome_not_an_error() -> None:
    """Labels no network can produce: verdict ``infeasible``, with the reason and the dual ray."""
    for example in CLAIM.pinned_examples():
        if example.expected == INFEASIBLE:
            result = CLAIM.check(example.instance)
            assert result.verdict == INFEASIBLE
            assert "not of the form c₊αᵀ + c₋γᵀ" in result.details[0]
            assert result.bounds["dual_lower"].value == math.inf
    # A zero row whose SVD factor is rounding noise still counts as c_i = 0: its label must be 0.
    noisy_zero_row = Instance(
        np.outer([1.0, 0.0, -2.0], [0.5, -1.0, 2.0]), [1.0, 1.0, 0.0], L=3, t=1.0
    )
    assert CLAIM.check(noisy_zero_row).verdict == INFEASIBLE


def test_pinned_vector_values() -> None:
    """Orthogonal sides: the ℓ_{2/3} value although ``α·γ = 0``; acute sides: the quartic root
    against the brute-force grid."""
    examples = {e.instance.label: e.instance for e in CLAIM.pinned_examples()}
    orthogonal = CLAIM.check(examples["orthogonal vector sides"], QUICK)
    data = rank1_data(examples["orthogonal vector sides"].X, examples["orthogonal vector sides"].Y)
    na, ng = np.linalg.norm(data.alpha), np.linalg.norm(data.gamma)
    expected = (na ** (2 / 3) + ng ** (2 / 3)) ** 1.5 / data.radius(1.0)
    assert math.isclose(orthogonal.predicted["primal"], expected, rel_tol=1e-12)
    acute = examples["acute vector sides"]
    data = rank1_data(acute.X, acute.Y)
    s = data.radius(acute.t)
    brute = brute_force_primal(data.alpha, data.gamma, s)
    assert abs(primal_value(data.alpha, data.gamma, s) - brute) <= 1e-10


def test_wrong_closed_form_fails_against_the_intervals() -> None:
    """Feeding a wrong primal value (``√2·D`` on same-sign labels) to the judge fails."""
    same = Instance(COUNTEREXAMPLE.X, np.array([2.0, 0.5]), L=3, t=2.0)
    result = CLAIM.check(same, QUICK)
    wrong = {"primal": math.sqrt(2) * result.predicted["dual"]}
    assert judge(wrong, result.intervals, result.tolerance) == FAILS
    assert (
        judge({"primal": result.predicted["primal"]}, result.intervals, result.tolerance) == HOLDS
    )


# --- bad input ----------------------------------------------------------------------------------


@pytest.mark.parametrize("t", [0.0, -1.0, math.inf])
def test_non_positive_t_is_refused(t: float) -> None:
    with pytest.raises(InstanceError) as err:
        Instance(COUNTEREXAMPLE.X, COUNTEREXAMPLE.Y, L=3, t=t)
    assert err.value.field == "t"


def test_rank_tolerance_accepts_rounding_noise() -> None:
    """``σ₂ ≤ 1e-9·σ₁`` is rank 1: rounding-level noise passes and every certificate holds."""
    X = np.outer([1.0, -2.0, 0.5], [0.6, 0.8]) + 1e-13 * np.eye(3, 2)
    Y = np.outer(relu(np.array([1.0, -2.0, 0.5])), [1.0]) - np.outer([0.0, 2.0, 0.0], [1.0])
    result = CLAIM.check(Instance(X, Y[:, 0], L=3, t=1.0), QUICK)
    assert result.verdict == HOLDS, result.details


# --- symbolic proofs ----------------------------------------------------------------------------


def test_symbolic_identities_hold() -> None:
    results = verify_all()
    assert results and all(results.values()), results
    assert all(c > 0 for c in sqrt2_cofactor().coeffs())


# --- whitened data ------------------------------------------------------------------------------


@settings(deadline=None)
@given(whitened_instances(orientation="rows"))
def test_whitened_rows_are_exact_and_gap_iff_mixed_signs(instance: Instance) -> None:
    """Orthonormal rows: ``P = ℓ_{2/3}(‖y₊‖, ‖y₋‖)/t`` and ``D = ℓ₁(…)/t``, certified from both
    sides; a certified gap iff ``y`` has both signs."""
    finding = whitened_gap_bounds(instance, np.random.default_rng(0))
    assert finding.exact
    y, t = instance.Y[:, 0], instance.t
    p, m = np.linalg.norm(relu(y)), np.linalg.norm(relu(-y))
    assert math.isclose(finding.primal_upper.value, (p ** (2 / 3) + m ** (2 / 3)) ** 1.5 / t,
                        rel_tol=1e-9)  # fmt: skip
    assert math.isclose(finding.dual_lower.value, (p + m) / t, rel_tol=1e-9)
    assert finding.gap_certified == (p > 0 and m > 0)
    assert finding.primal_upper.kind != "search" and finding.dual_upper.kind != "search"


@settings(max_examples=4, deadline=None)  # two searches per example
@given(whitened_instances(orientation="columns"))
def test_whitened_columns_bounds_are_ordered_and_labelled(instance: Instance) -> None:
    """Orthonormal columns: the proved bounds sit below the certified and searched upper bounds;
    a single column is rank 1 and exact; otherwise ``P``'s upper bound rests on search."""
    finding = whitened_gap_bounds(instance, np.random.default_rng(0), restarts=1, max_iter=100)
    tol = 1e-9
    assert finding.dual_lower.value <= finding.primal_lower.value * (1 + tol)
    if finding.primal_upper is not None:
        assert finding.primal_lower.value <= finding.primal_upper.value * (1 + tol)
    if finding.dual_upper is not None:
        assert finding.dual_lower.value <= finding.dual_upper.value * (1 + tol)
    if instance.d == 1 or finding.orientation == "rows":  # rank 1, or square orthogonal
        assert finding.exact
        y = instance.Y[:, 0]
        assert finding.gap_certified == (y.max() > 0 > y.min())
    elif finding.primal_upper is not None:
        assert finding.primal_upper.kind == "search" and not finding.exact


def test_whitened_needs_orthonormal_data() -> None:
    with pytest.raises(InstanceError) as err:
        orientation(np.array([[1.0, 0.0], [1.0, 1.0]]))
    assert err.value.field == "X"


def test_whitened_gap_is_certified_on_the_rank1_counterexample() -> None:
    """``X = [1; −1]/√2`` has an orthonormal column: the counterexample, whitened, has a
    certified gap ``P = 4``, ``D = 2√2`` (``t = 1``)."""
    X = COUNTEREXAMPLE.X / math.sqrt(2)
    finding = whitened_gap_bounds(
        Instance(X, np.array([1.0, -1.0]), L=3, t=1.0), np.random.default_rng(0)
    )
    assert finding.exact and finding.gap_certified
    assert math.isclose(finding.primal_lower.value, 4.0, rel_tol=1e-12)
    assert math.isclose(finding.dual_upper.value, 2 * math.sqrt(2), rel_tol=1e-12)
