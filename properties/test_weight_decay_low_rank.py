"""C4: weight decay drives deep linear training to closed-form low-rank solutions."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize_scalar

from properties.strategies import log_uniform, lowrank_instances, orthonormal_columns
from verify import lowrank, lowrank_bounds
from verify.claims import Budget, get
from verify.claims.weight_decay_low_rank import certified_lower_bound, reduce
from verify.cli import main
from verify.instances import Instance, InstanceError
from verify.linalg import numerical_rank, pseudo_inverse
from verify.result import FAILS, HOLDS, judge
from verify.rigorous import lower as lower_end

CLAIM = get("weight-decay-low-rank")
BUDGET = Budget(seed=0, restarts=3)
EPS = np.finfo(float).eps
DEPTHS = st.integers(2, 8)
BETAS = log_uniform(1e-4, 1e4)


def g(s, sigma, L, beta):
    """The scalar objective, written out independently of verify.lowrank."""
    return 0.5 * (s - sigma) ** 2 + beta * L / 2 * s ** (2 / L)


# --- the scalar map s*(σ) ----------------------------------------------------------------------


@given(L=DEPTHS, beta=BETAS, ratios=st.lists(log_uniform(1e-3, 1e3), min_size=2, max_size=8))
def test_singular_value_map_shape(L, beta, ratios):
    """0 below τ, < σ everywhere, strictly increasing above τ."""
    tau = lowrank.threshold(L, beta)
    sigma = np.sort(tau * np.array(ratios))
    s = lowrank.optimal_singular_values(sigma, L, beta)
    assert np.all(s[sigma <= tau] == 0.0)
    assert np.all(s[sigma > tau] > 0.0)
    assert np.all(s < sigma)
    above = s[sigma > tau]
    distinct = np.diff(sigma[sigma > tau]) > 0
    assert np.all(np.diff(above)[distinct] > 0)
    if L >= 3:
        assert np.all(above >= lowrank.jump(L, beta) * (1 - 4 * EPS))


@given(L=st.integers(3, 8), beta=BETAS)
def test_jump_at_the_threshold(L, beta):
    """Just above τ the optimal value is s̄; at τ, 0 and s̄ have the same objective."""
    tau, bar = lowrank.threshold(L, beta), lowrank.jump(L, beta)
    just_above = np.nextafter(tau, np.inf)
    s = lowrank.optimal_singular_values(np.array([tau, just_above, tau * (1 + 1e-9)]), L, beta)
    assert s[0] == 0.0
    # ds*/dσ = L/(L−1) on the branch: one ulp above τ moves s* by about one ulp from s̄
    assert s[1] == pytest.approx(bar, rel=64 * EPS)
    assert s[2] == pytest.approx(bar, rel=1e-8)
    assert abs(lowrank.gain(bar, tau, L, beta)) <= 8 * EPS * tau * bar
    assert g(bar, tau, L, beta) == pytest.approx(g(0.0, tau, L, beta), rel=8 * EPS)


@given(L=DEPTHS, beta=BETAS, ratio=log_uniform(1e-3, 1e3))
@example(L=3, beta=1.0, ratio=1.0)
@example(L=2, beta=0.5, ratio=1.0)
def test_optimal_value_is_the_global_minimum(L, beta, ratio):
    """Against a dense grid on [0, σ] and scipy's bounded scalar minimiser on the branch."""
    sigma = lowrank.threshold(L, beta) * ratio
    s = lowrank.optimal_singular_values(np.array([sigma]), L, beta)[0]
    best = g(s, sigma, L, beta)
    grid = np.linspace(0.0, sigma, 20_001)
    assert best <= g(grid, sigma, L, beta).min() * (1 + 1e-12)
    branch = minimize_scalar(
        g, bounds=(0.0, sigma), args=(sigma, L, beta), method="bounded", options={"xatol": 1e-14}
    )
    assert best <= min(branch.fun, g(0.0, sigma, L, beta)) * (1 + 1e-12)
    if s > 0:
        assert abs(lowrank.stationarity(s, sigma, L, beta)) <= 16 * EPS * sigma


@given(L=DEPTHS, beta=BETAS, ratio=log_uniform(1e-2, 1e2))
def test_branch_bounds_bracket_the_minimum(L, beta, ratio):
    sigma = np.array([lowrank.threshold(L, beta) * ratio])
    s = lowrank.optimal_singular_values(sigma, L, beta)
    minimum = g(s, sigma, L, beta)[0]
    certified = lower_end(lowrank_bounds.minimum_lower_bound(float(sigma[0]), L, beta))
    assert certified <= minimum * (1 + 4 * EPS)
    assert certified >= minimum * (1 - 1e-13)
    lower, upper, point = lowrank.branch_minimum_bounds(sigma, L, beta)
    if s[0] > 0:  # the optimum is the branch point: bisection and Newton find the same root
        assert lower[0] <= minimum * (1 + 4 * EPS) <= upper[0] * (1 + 8 * EPS)
        assert point[0] == pytest.approx(s[0], rel=1e-14)


@pytest.mark.parametrize("L", range(2, 9))
@pytest.mark.parametrize("beta", [1e-4, 1e-2, 1.0, 8.0, 100.0, 1e4])
def test_threshold_bracket_is_certified_everywhere(L, beta):
    bracket = lowrank_bounds.threshold_bracket(L, beta)
    assert bracket is not None
    tau = lowrank.threshold(L, beta)
    assert bracket[0] < tau < bracket[1]


def test_the_threshold_bracket_rejects_a_wrong_threshold(monkeypatch):
    monkeypatch.setattr(lowrank_bounds, "threshold", lambda L, beta: 1.1 * (L - 1) / (L - 2))
    assert lowrank_bounds.threshold_bracket(3, 1.0) is None


# --- rank ---------------------------------------------------------------------------------------


def rank_of(sigma, L, beta):
    return int(np.count_nonzero(lowrank.optimal_singular_values(sigma, L, beta)))


@given(
    L=DEPTHS,
    betas=st.lists(BETAS, min_size=2, max_size=6),
    sigma=st.lists(log_uniform(1e-3, 1e3), min_size=1, max_size=6),
)
def test_rank_is_non_increasing_in_beta(L, betas, sigma):
    ranks = [rank_of(np.array(sigma), L, b) for b in sorted(betas)]
    assert ranks == sorted(ranks, reverse=True)


@given(L=st.integers(2, 12), beta=BETAS)
def test_threshold_grows_with_depth_exactly_below_beta_L(L, beta):
    """τ(L+1, β) > τ(L, β) ⇔ β < β_L (the region stated in verify.lowrank)."""
    grows = lowrank.threshold(L + 1, beta) > lowrank.threshold(L, beta)
    boundary = lowrank.depth_growth_beta(L)
    if abs(beta / boundary - 1) > 1e-9:
        assert grows == (beta < boundary)


@pytest.mark.parametrize("L", range(2, 12))
def test_threshold_growth_switches_at_beta_L(L):
    boundary = lowrank.depth_growth_beta(L)
    below, above = boundary * (1 - 1e-6), boundary * (1 + 1e-6)
    assert lowrank.threshold(L + 1, below) > lowrank.threshold(L, below)
    assert lowrank.threshold(L + 1, above) < lowrank.threshold(L, above)


@given(beta=log_uniform(1e-3, 1e3))
def test_threshold_increases_with_depth_from_the_growth_start(beta):
    start = lowrank.depth_growth_start(beta)
    taus = [lowrank.threshold(L, beta) for L in range(2, 60)]
    steps = np.diff(taus)
    assert np.all(steps[start - 2 :] > 0)
    if start > 2:
        assert steps[start - 3] <= 0
    assert (start == 2) == (beta < 3**12 / 2**16)


@given(
    L=st.integers(2, 11),
    beta=log_uniform(1e-3, 8.1),
    sigma=st.lists(log_uniform(1e-3, 1e3), min_size=1, max_size=6),
)
def test_rank_is_non_increasing_in_depth_below_beta_3(L, beta, sigma):
    """β < β_3 = 3¹²/2¹⁶ ≈ 8.109 ≤ β_L for every L: the rank never grows with depth."""
    sigma = np.array(sigma)
    assert rank_of(sigma, L + 1, beta) <= rank_of(sigma, L, beta)


def test_rank_grows_with_depth_above_beta_3():
    """The counterexample: β = 100, σ = 55 (τ(3) ≈ 63.2, τ(4) ≈ 51.3)."""
    assert lowrank.threshold(3, 100.0) == pytest.approx(63.2456, rel=1e-5)
    assert lowrank.threshold(4, 100.0) == pytest.approx(51.2993, rel=1e-5)
    ranks = []
    for L in (3, 4):
        result = CLAIM.check(Instance(np.eye(1), np.array([55.0]), L=L, beta=100.0), BUDGET)
        assert result.verdict == HOLDS
        assert result.intervals["rank"] == (float(L - 3), float(L - 3))
        ranks.append(result.extra["rank"])
    assert ranks == [0, 1]


# --- the checker ---------------------------------------------------------------------------------


def direct_objective(instance, s, U, Vt):
    """½‖X U diag(s) Vᵀ − Y‖² + β(L/2)Σ s^{2/L}, from the data (not from verify's helpers)."""
    W = (U * s) @ Vt
    fit = 0.5 * np.sum((instance.X @ W - instance.Y) ** 2)
    return fit + instance.beta * instance.L / 2 * np.sum(s ** (2 / instance.L))


@settings(max_examples=12, deadline=None)
@given(lowrank_instances())
def test_checker_on_generated_instances(instance):
    result = CLAIM.check(instance, BUDGET)
    assert result.verdict == HOLDS, result.details
    extra = result.extra
    s = np.array(extra["singular_values"])
    M = instance.X.T @ instance.Y
    U, sigma, Vt = np.linalg.svd(M, full_matrices=False)
    assert np.all(np.diff(s) <= 0)
    assert extra["rank"] == np.count_nonzero(s)
    assert extra["threshold"] == lowrank.threshold(instance.L, instance.beta)
    # weight decay never increases the rank over least squares
    assert extra["rank"] <= numerical_rank(pseudo_inverse(instance.X) @ instance.Y)
    assert s == pytest.approx(lowrank.optimal_singular_values(sigma, instance.L, instance.beta))
    assert result.predicted["primal"] == pytest.approx(
        direct_objective(instance, s, U, Vt), rel=1e-12
    )
    # the search reaches the closed form within 1e-8 and never goes below the lower bound
    lower = result.bounds["primal_lower"].value
    best = extra["search"]["best"]
    assert best >= lower - 1e-12 * max(1.0, abs(lower))
    assert (best - result.predicted["primal"]) / max(1.0, result.predicted["primal"]) <= 1e-8
    json.loads(result.dumps())


@given(lowrank_instances(placements=("below", "above")))
def test_lower_bound_is_tight(instance):
    red = reduce(instance)
    L, beta = instance.L, instance.beta
    s = lowrank.optimal_singular_values(red.sigma, L, beta)
    U, Vt = red.U, red.Vt
    value = direct_objective(instance, s, U, Vt)
    bound = certified_lower_bound(instance, L, beta, min(instance.d, instance.K))
    assert bound <= value * (1 + 1e-13)
    assert bound >= value * (1 - 1e-12)


def test_lower_bound_accounts_for_non_orthonormal_data():
    """With XᵀX = I + E the bound stays below every network's value (here: the search's)."""
    rng = np.random.default_rng(5)
    X = orthonormal_columns(rng, 4, 3) @ np.diag([1.0, 1.0, 1.0 + 4e-11])
    Y = rng.standard_normal((4, 2)) * 3
    instance = Instance(X, Y, L=3, beta=0.5)
    result = CLAIM.check(instance, BUDGET)
    assert result.verdict == HOLDS
    red = reduce(instance)
    assert red.deviation == pytest.approx(8e-11, rel=0.01)
    assert result.bounds["primal_lower"].value <= result.bounds["primal_upper"].value


@pytest.mark.parametrize("L", [2, 3, 5, 8])
def test_balanced_network_is_exact(L):
    rng = np.random.default_rng(L)
    U, Vt = orthonormal_columns(rng, 4, 3), orthonormal_columns(rng, 2, 3).T[:2]
    U = U[:, :2]
    s = np.array([2.5, 0.0])
    net = lowrank.balanced_network(U, s, Vt, L, width=2)
    product = np.linalg.multi_dot(net.weights) if L > 2 else net.weights[0] @ net.weights[1]
    assert product == pytest.approx((U * s) @ Vt, abs=1e-14)
    norms = [np.linalg.norm(W) for W in net.weights]
    assert norms == pytest.approx([2.5 ** (1 / L)] * L, rel=1e-14)
    assert 0.5 * sum(n**2 for n in norms) == pytest.approx(L / 2 * 2.5 ** (2 / L), rel=1e-14)


def test_pinned_examples_values():
    by_label = {p.instance.label: p for p in CLAIM.pinned_examples()}
    expected_objective = {
        "below τ": 0.5 * (1.5**2 + 0.8**2),
        "at τ": 0.5 * (2.0**2 + 1.0**2),
        "L = 2": 0.5 * 0.7**2 + 0.7 * 1.3 + 0.5 * 0.7**2 + 0.5 * 0.3**2,
    }
    expected_values = {
        "below τ": [0.0, 0.0],
        "at τ": [0.0, 0.0],
        "L = 2": [1.3, 0.0, 0.0],
        "width 1": [lowrank.optimal_singular_values(np.array([4.0]), 3, 1.0)[0], 0.0],
    }
    for label, example_ in by_label.items():
        result = CLAIM.check(example_.instance)
        assert result.verdict == example_.expected, label
        if label in expected_objective:
            assert result.primal_value == pytest.approx(expected_objective[label], rel=1e-12)
        if label in expected_values:
            assert result.extra["singular_values"] == pytest.approx(expected_values[label])
    tie = CLAIM.check(by_label["at τ"].instance)
    assert tie.intervals["rank"] == (0.0, 1.0)  # σ = τ: rank 0 and rank 1 are both optimal


def test_negative_controls_are_refuted_by_the_objective_alone():
    names = set()
    for control in CLAIM.negative_controls():
        refuted, result = CLAIM.refutes(control, BUDGET)
        assert refuted, control.name
        variant = control.predict(control.instance)
        assert judge({"primal": variant["primal"]}, result.intervals, result.tolerance) == FAILS
        assert judge({"rank": variant["rank"]}, result.intervals, result.tolerance) == FAILS
        names.add(control.name)
    assert names == {"soft-threshold-L3", "threshold-is-jump", "rank-grows-with-depth"}


def test_a_threshold_off_by_a_constant_factor_is_refuted():
    result = CLAIM.check(Instance(np.eye(2), np.diag([3.0, 0.5]), L=4, beta=2.0), BUDGET)
    tau = lowrank.threshold(4, 2.0)
    assert judge({"threshold": tau}, result.intervals, result.tolerance) == HOLDS
    for factor in (0.9, 0.999, 1.001, 1.5):
        assert judge({"threshold": factor * tau}, result.intervals, result.tolerance) == FAILS


# --- bad input ------------------------------------------------------------------------------------


def test_orthonormalised_data_is_accepted():
    X = np.array([[1.0, 0.5], [0.0, 1.0], [0.0, 0.0]])
    Q = np.linalg.qr(X)[0]
    assert CLAIM.check(Instance(Q, np.ones((3, 1)), L=3, beta=1.0), BUDGET).verdict == HOLDS


@pytest.mark.parametrize("beta", [0.0, -1.0, float("nan"), float("inf")])
def test_non_positive_beta_is_rejected(beta):
    with pytest.raises(InstanceError) as info:
        Instance(np.eye(2), np.eye(2), L=3, beta=beta)
    assert info.value.field == "beta"


def test_lowrank_functions_reject_bad_parameters():
    with pytest.raises(ValueError):
        lowrank.threshold(1, 1.0)
    with pytest.raises(ValueError):
        lowrank.threshold(3, 0.0)
    with pytest.raises(ValueError):
        lowrank.optimal_singular_values(np.array([-1.0]), 3, 1.0)


# --- CLI, figures, strategies --------------------------------------------------------------------


def test_check_json_adds_singular_values_rank_and_threshold(tmp_path, capsys):
    path = tmp_path / "lowrank.npz"
    np.savez(path, X=np.eye(3), Y=np.diag([5.0, 2.1, 0.4]), L=3, beta=1.0)
    code = main(["check", "weight-decay-low-rank", "--instance", str(path), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 0
    assert out["verdict"] == HOLDS
    expected = lowrank.optimal_singular_values(np.array([5.0, 2.1, 0.4]), 3, 1.0)
    assert out["singular_values"] == pytest.approx(expected.tolist(), rel=1e-15)
    assert out["rank"] == 2
    assert out["threshold"] == 2.0


def test_check_without_beta_is_a_usage_error(tmp_path, capsys):
    path = tmp_path / "no_beta.npz"
    np.savez(path, X=np.eye(2), Y=np.eye(2), L=3)
    assert main(["check", "weight-decay-low-rank", "--instance", str(path)]) == 2
    assert "beta" in capsys.readouterr().err


def test_figure_data():
    sigma = np.linspace(0.0, 6.0, 61)
    curves = lowrank.singular_value_curves([2, 3, 5], 1.0, sigma)
    assert set(curves) == {2, 3, 5}
    assert curves[2] == pytest.approx(np.maximum(sigma - 1.0, 0.0))
    for L, values in curves.items():
        assert values == pytest.approx(lowrank.optimal_singular_values(sigma, L, 1.0))
    grid = lowrank.threshold_grid([2, 3, 4], [0.1, 1.0, 100.0])
    assert grid.shape == (3, 3)
    assert grid[1, 1] == 2.0 and grid[0, 2] == 100.0
    assert grid[2, 2] < grid[1, 2]  # β = 100 > β_3: τ decreases from L = 3 to 4


@given(lowrank_instances())
def test_generated_instances_are_as_specified(instance):
    assert np.abs(instance.X.T @ instance.X - np.eye(instance.d)).max() <= 1e-13
    tau = lowrank.threshold(instance.L, instance.beta)
    sigma = np.linalg.svd(instance.X.T @ instance.Y, compute_uv=False)
    placed = sigma[sigma > 1e-9 * max(tau, sigma[0])] / tau
    assert placed.size >= 1
    near_tie = np.abs(placed - 1) <= 1e-12
    below = (placed >= 0.05 - 1e-12) & (placed <= 0.98 + 1e-12)
    above = (placed >= 1.02 - 1e-12) & (placed <= 5 + 1e-12)
    assert np.all(near_tie | below | above)
