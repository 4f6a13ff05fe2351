"""C5 beyond three layers: rank-1 data at every depth, general data at ``L = 4, 5``.

Values are asserted against independent computations: the rank-1 closed form written out by hand
with numpy, a hand-written forward pass and cost of every network, the depth-3 program solved by
SCS (not the Clarabel run the check uses) and divided by ``t^{L−3}``, exact rational arithmetic
for the norm constraint, and the dual constraint probed directly: random and locally maximised
depth-``L`` atoms ``(A_{L−2}w)₊`` never exceed the certified bound.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import minimize

from properties.profile import THOROUGH, examples
from properties.reference import hand_forward
from properties.strategies import rotation_seeds
from verify.claims import Budget, get
from verify.claims.relu_parallel_zero_gap import (
    antipodal_deep,
    deep_example,
    vector_rank1_example,
)
from verify.cli import main
from verify.instances import Instance, InstanceError
from verify.relu_deep import (
    certified_rho,
    deep_problem,
    deepest_general_depth,
    embedded_network,
    outer_program,
    rescaled_dual_point,
    within_norm,
)
from verify.relu_parallel import reconstruct, relu_problem, solve
from verify.result import FAILS, HOLDS, judge
from verify.runner import Outcome
from verify.strategies.relu import DEFAULT_SIZES, THOROUGH_SIZES, relu_instances
from verify.table1 import deep_parallel_remark

CLAIM = get("relu-parallel-zero-gap")
QUICK = Budget(seed=0, restarts=0)
SIZES = THOROUGH_SIZES if THOROUGH else DEFAULT_SIZES


def rank1_value(c: np.ndarray, a: np.ndarray, Y: np.ndarray, L: int, t: float) -> float:
    """``(‖α‖ + ‖γ‖)/(‖a‖t^{L−2})``, ``α``, ``γ`` the least-squares fits on each sign of ``c``."""
    total = 0.0
    for part in (np.maximum(c, 0), np.maximum(-c, 0)):
        if np.any(part):
            total += np.linalg.norm(Y.T @ part / (part @ part))
    return total / (np.linalg.norm(a) * t ** (L - 2))


# --- rank-1 data at every depth ---------------------------------------------------------------


@pytest.mark.parametrize("L", [4, 5, 9])
@pytest.mark.parametrize("t", [0.5, 1.0, 1.7])
def test_rank1_antipodal_value_at_every_depth(L, t):
    """``X = [1; −1]``, ``y = (1, −1)``: the parallel network's ``P = D = 2/t^{L−2}``."""
    result = CLAIM.check(antipodal_deep(L, t), QUICK)
    assert result.verdict == HOLDS, result.details
    assert result.primal_value == pytest.approx(2 / t ** (L - 2), rel=1e-12)
    assert result.dual_value == pytest.approx(2 / t ** (L - 2), rel=1e-12)
    assert result.extra["rank1"] and result.extra["branches"] == 2


@settings(max_examples=examples(8), deadline=None)
@given(
    rotation_seeds(),
    st.integers(2, 6),
    st.integers(1, 3),
    st.integers(1, 3),
    st.integers(2, 8),
    st.sampled_from([0.6, 1.0, 1.4]),
)
def test_rank1_closed_form_and_network(rng, N, d, K, L, t):
    """Random ``X = c aᵀ`` with interpolable vector labels, every depth: the check pins the hand
    closed form, and its explicit network interpolates at that cost (hand forward pass)."""
    c = rng.standard_normal(N)
    c[0], c[-1] = abs(c[0]), -abs(c[-1])  # both signs
    a = rng.standard_normal(d)
    alpha, gamma = rng.standard_normal(K), rng.standard_normal(K)
    Y = np.outer(np.maximum(c, 0), alpha) + np.outer(np.maximum(-c, 0), gamma)
    instance = Instance(np.outer(c, a), Y, L=L, t=t)
    result = CLAIM.check(instance, QUICK)
    value = rank1_value(c, a, Y, L, t)
    assert result.verdict == HOLDS, result.details
    assert result.primal_value == pytest.approx(value, rel=1e-9)
    assert result.dual_value == pytest.approx(value, rel=1e-9)
    from verify.rank1 import parallel_network, rank1_data

    network = parallel_network(rank1_data(instance.X, Y), L, t)
    out, cost, largest = hand_forward(network, instance.X)
    assert np.allclose(out, Y, rtol=0, atol=1e-12 * np.abs(Y).max())
    assert cost == pytest.approx(value, rel=1e-12)
    assert largest <= t * (1 + 1e-15)


@pytest.mark.parametrize(("i", "j"), [(-150, 100), (150, -120), (0, 0)])
def test_rank1_extreme_scales_map_back_exactly(i, j):
    """``P(2^i X, 2^j Y) = 2^{j−i} P(X, Y)`` at ``L = 5`` with vector labels, at scales whose
    squares leave float64 (the check rescales by powers of two)."""
    base = vector_rank1_example()
    scaled = Instance(base.X * 2.0**i, base.Y * 2.0**j, L=base.L, t=base.t)
    result = CLAIM.check(scaled, QUICK)
    assert result.verdict == HOLDS, result.details
    value = 7 / (math.sqrt(5) * 0.5**3) * 2.0 ** (j - i)
    assert result.primal_value == pytest.approx(value, rel=1e-12)
    assert result.dual_value == pytest.approx(value, rel=1e-12)


def test_rank1_labels_off_the_two_streams_are_infeasible_at_depth_five():
    instance = Instance([[1.0], [2.0], [-1.0]], [1.0, 1.0, 1.0], L=5, t=1.0)
    assert CLAIM.check(instance, QUICK).verdict == "infeasible"


# --- general data at L = 4, 5 ------------------------------------------------------------------


def deep_witnesses(instance: Instance):
    """The check's two certificates rebuilt from the library (for probing them by hand)."""
    X, y, L, t = instance.X, instance.Y[:, 0], instance.L, instance.t
    problem = relu_problem(X, y, 3, t)
    network = embedded_network(reconstruct(problem, solve(problem)).network, y, X, L, t)
    deep = deep_problem(X, y, L, t)
    solution = outer_program(deep)
    return network, deep, solution, rescaled_dual_point(deep, solution.dual, solution.multipliers)


@pytest.mark.parametrize(("L", "t"), [(4, 0.5), (4, 2.0), (5, 1.5)])
def test_general_interval_closes_on_the_scs_value(L, t):
    """The certified interval closes, and it contains ``P₃(t)/t^{L−3}`` computed by SCS (an
    independent solver) from the depth-3 program."""
    instance = deep_example(L, t)
    result = CLAIM.check(instance, QUICK)
    assert result.verdict == HOLDS, result.details
    lo, hi = result.bounds["dual_lower"].value, result.bounds["primal_upper"].value
    assert (hi - lo) / hi <= result.tolerance
    assert result.extra["interval_width"] == pytest.approx((hi - lo) / hi)
    problem = relu_problem(instance.X, instance.Y[:, 0], 3, 1.0)
    scs = solve(problem, "SCS").value / t ** (L - 2)
    assert lo * (1 - 1e-5) <= scs <= hi * (1 + 1e-5)


def test_embedded_network_by_hand():
    """Forward pass and cost by hand: it interpolates ``y``, its constrained layers are within
    ``t``, and it costs the depth-3 value over ``t``."""
    instance = deep_example(4, 0.5)
    network, *_ = deep_witnesses(instance)
    out, cost, largest = hand_forward(network, instance.X)
    y = instance.Y[:, 0]
    assert np.linalg.norm(out[:, 0] - y) <= 1e-13 * np.linalg.norm(y)
    assert largest <= instance.t
    three = CLAIM.check(Instance(instance.X, y, L=3, t=instance.t), QUICK).primal_value
    assert cost == pytest.approx(three / instance.t, rel=1e-7)


def atom(params: np.ndarray, X: np.ndarray, L: int, t: float, width: int) -> np.ndarray:
    """A depth-``L`` atom ``(A_{L−2}w)₊`` from free parameters: constrained layers scaled to
    ``‖W‖_F = t`` and ``w`` to unit norm (hand forward pass)."""
    d = X.shape[1]
    shapes = [(d, width)] + [(width, width)] * (L - 3) + [(width, 1)]
    A, start = X, 0
    for k, shape in enumerate(shapes):
        size = shape[0] * shape[1]
        W = params[start : start + size].reshape(shape)
        start += size
        W = W / np.linalg.norm(W) * (t if k < L - 2 else 1.0)
        A = np.maximum(A @ W, 0.0)
    return A[:, 0]


@pytest.mark.parametrize("L", [4, 5])
def test_dual_constraint_probed_by_local_maximisation(L):
    """The certified ``λ̂``: the atoms of the primal network (each branch's last hidden unit,
    its last hidden layer normalised) reach ``|λ̂ᵀa| = 1`` (complementary slackness) and local
    maximisation from them and from random starts (Nelder–Mead on the layers) never exceeds 1;
    the certified ``ρ`` without multipliers (any ``μ ≥ 0`` is valid) is no smaller."""
    instance = deep_example(L, 0.8)
    network, deep, solution, dual = deep_witnesses(instance)
    X, t = instance.X, instance.t
    active = []
    for branch in network.branches:
        *hidden, _ = branch.weights
        A = X
        for k, W in enumerate(hidden):
            W = W / np.linalg.norm(W) if k == len(hidden) - 1 else W
            A = np.maximum(A @ W, 0.0)
        active.append(abs(float(dual.multipliers @ A[:, 0])))
    assert min(active) >= 1 - 1e-6 and max(active) <= 1.0
    width = 3
    size = X.shape[1] * width + (L - 3) * width * width + width
    rng = np.random.default_rng(L)
    largest = 0.0
    for _ in range(20 if THOROUGH else 4):
        start = rng.standard_normal(size)
        for sign in (1.0, -1.0):
            found = minimize(
                lambda p, s=sign: -s * dual.multipliers @ atom(p, X, L, t, width),
                start,
                method="Nelder-Mead",
                options={"maxiter": 400},
            )
            largest = max(largest, abs(found.fun))
    assert largest <= 1.0
    assert certified_rho(deep, solution.dual) >= dual.rho


def test_within_norm_is_exact():
    """``‖W‖_F ≤ t`` in exact rational arithmetic, from a matrix just above the limit."""
    rng = np.random.default_rng(1)
    for t in (0.3, 1.0, 7.0):
        W = rng.standard_normal((3, 4))
        W *= t / np.linalg.norm(W) * (1 + 1e-15)
        fitted = within_norm(W, t)
        exact = sum(Fraction(float(v)) ** 2 for v in fitted.ravel())
        assert exact <= Fraction(t) ** 2
        assert np.linalg.norm(fitted) >= t * (1 - 1e-13)


@settings(max_examples=examples(3), deadline=None)
@given(relu_instances(depths=(4,), sizes=SIZES if THOROUGH else {4: (4, 2)}, min_dim=2))
def test_generated_depth_four_instances_close(instance):
    """Generated general data at ``L = 4``: the interval closes and the value is the depth-3
    value over ``t`` (an independent check at ``L = 3``)."""
    result = CLAIM.check(instance, QUICK)
    if result.extra.get("rank1") or not np.any(instance.Y):
        return
    assert result.verdict == HOLDS, result.details
    three = CLAIM.check(Instance(instance.X, instance.Y[:, 0], L=3, t=instance.t), QUICK)
    assert result.primal_value == pytest.approx(three.primal_value / instance.t, rel=1e-6)


@settings(max_examples=examples(1), deadline=None)
@given(relu_instances(depths=(5,), sizes=THOROUGH_SIZES if THOROUGH else {5: (2, 2)}, min_dim=2))
def test_generated_depth_five_instances_close(instance):
    result = CLAIM.check(instance, QUICK)
    if result.extra.get("rank1") or not np.any(instance.Y):
        return
    assert result.verdict == HOLDS, result.details


def test_search_at_depth_four_never_beats_the_certified_dual():
    result = CLAIM.check(deep_example(4, 1.0), Budget(seed=2, restarts=3))
    assert result.verdict == HOLDS
    search = result.extra["search"]
    assert search["usable_starts"] >= 1
    assert search["best"] >= result.bounds["dual_lower"].value * (1 - 1e-12)


# --- negative controls, pinned examples, refusals ------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["depth-3-value-at-depth-4", "depth-4-value-at-depth-5", "wrong-t-exponent", "dropped-branch"],
)
def test_deep_negative_controls_are_refuted(name):
    control = next(c for c in CLAIM.negative_controls() if c.name == name)
    refuted, result = CLAIM.refutes(control, QUICK)
    assert refuted and result.verdict == HOLDS


def test_three_layer_value_is_refuted_at_depth_four_by_a_factor_t():
    instance = deep_example(4, 0.5)
    result = CLAIM.check(instance, QUICK)
    three = CLAIM.check(Instance(instance.X, instance.Y[:, 0], L=3, t=0.5), QUICK).primal_value
    assert judge({"primal": three}, result.intervals, result.tolerance) == FAILS
    assert result.primal_value == pytest.approx(2 * three, rel=1e-7)


def test_a_loose_dual_certificate_is_inconclusive_never_fails():
    """The open-interval path: ``λ`` checked with zero multipliers (valid, but loose) gives a
    dual bound well below ``P``; judged, the prediction ``gap = 0`` is then ``inconclusive``."""
    instance = deep_example(4, 1.0)
    network, deep, solution, tight = deep_witnesses(instance)
    loose = rescaled_dual_point(deep, solution.dual)
    assert loose.rho > tight.rho * (1 + 1e-3) and loose.value < tight.value
    cost = hand_forward(network, instance.X)[1]
    intervals = {
        "primal": (loose.value, cost),
        "dual": (loose.value, cost),
        "gap": (0.0, cost - loose.value),
    }
    assert judge({"gap": 0.0}, intervals, CLAIM.rtol) == "inconclusive"


def test_pinned_vector_example_value():
    result = CLAIM.check(vector_rank1_example(), QUICK)
    assert result.verdict == HOLDS
    assert result.primal_value == pytest.approx(7 / (math.sqrt(5) * 0.5**3), rel=1e-12)


@pytest.mark.parametrize(
    ("instance", "field", "fragment"),
    [
        (deep_example(5).__class__(np.eye(4)[:, :2] + 0.1, [1.0, -1.0, 2.0, 0.5], L=5, t=1.0),
         "L", "largest supported depth for this data is 4"),
        (Instance(np.random.default_rng(0).standard_normal((6, 2)), np.ones(6), L=4, t=1.0),
         "L", "largest supported depth for this data is 3"),
        (Instance(np.eye(3)[:, :2] + 0.1, np.eye(3)[:, :2], L=4, t=1.0), "Y", "rank-1"),
        (Instance([[1.0], [-1.0]], [1.0, -1.0], L=65, t=1.0), "L", "64 for rank-1 data"),
    ],
)  # fmt: skip
def test_unsupported_depths_and_labels_are_refused(instance, field, fragment, capsys, tmp_path):
    with pytest.raises(InstanceError) as err:
        CLAIM.check(instance, QUICK)
    assert err.value.field == field and fragment in str(err.value)
    path = tmp_path / "deep.npz"
    instance.save_npz(path)
    assert main(["check", "relu-parallel-zero-gap", "--instance", str(path)]) == 2
    assert fragment in capsys.readouterr().err


def test_deepest_general_depth():
    assert [deepest_general_depth(N, 2) for N in (2, 3, 4, 5, 6)] == [7, 5, 4, 4, 3]


def test_proof_mode_says_not_covered_beyond_three_layers():
    from verify.certificates import NotCertifiable

    instance = deep_example(4)
    result = CLAIM.check(instance, QUICK)
    with pytest.raises(NotCertifiable, match="not covered"):
        CLAIM.certificate(instance, result)


def test_table1_remark_counts_what_was_shown():
    outcomes = []
    for instance in (antipodal_deep(4), deep_example(4)):
        result = CLAIM.check(instance, QUICK)
        outcomes.append(Outcome("generated", instance.label, result.verdict, HOLDS, result,
                                instance))  # fmt: skip
    text = deep_parallel_remark(outcomes)
    assert text.startswith("rank-1 data: zero gap certified on 1/1 (closed forms)")
    assert "general data (L = 4): interval closed on 1/1, width ≤ " in text
    assert "not closed" not in text
