"""Column generation at ``L = 3`` (C5): the same certified values as the full program.

Both paths run on the same instances: the full convex program over every (outer, sign, inner)
group (:func:`verify.relu_parallel.solve`) and column generation over a working set of groups
priced over all of them (:mod:`verify.column_generation_three_layer`). Their certificates are
crossed by weak duality (each path's dual bound below the other's network, up to the stated
rounding allowance), the networks are re-evaluated by a hand-written forward pass, and the
certified bound of every group is compared with values of sampled pre-activations. Negative
controls: pricing over a reduced outer set is not labelled certified, and its multipliers are
refuted by pricing over every group; a perturbed dual point fails the check.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from properties.profile import THOROUGH, examples
from properties.reference import hand_forward
from properties.strategies import relu_instances, rotation_seeds
from verify import column_generation_three_layer as cg
from verify.claims.relu_parallel_zero_gap import antipodal_example
from verify.column_generation_three_layer import (
    CONVERGED,
    GroupLayout,
    certified_bounds,
    certify_three_layer,
    sampled_groups,
    solve_pricing,
)
from verify.convex import SolverFailure
from verify.instances import Instance
from verify.relu_parallel import (
    ReluProblem,
    reconstruct,
    relu_problem,
    rescaled_dual_point,
    solve,
    weak_duality_allowance,
)

#: Instances where both paths run in well under a second (the thorough profile goes further).
SIZES = {3: (7, 2)} if THOROUGH else {3: (5, 2)}
#: The certified relative gap both paths reach (C5's tolerance).
GAP = 1e-6


def generated(instance: Instance, seed: int = 0):
    """Column generation on the instance from a seeded warm start."""
    problem = relu_problem(instance.X, instance.Y[:, 0], 3, instance.t)
    start = sampled_groups(problem, 2 * instance.N, np.random.default_rng(seed))
    return problem, certify_three_layer(problem, start)


def gaussian(N: int, seed: int, t: float = 1.0) -> Instance:
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((N, 2)), rng.standard_normal(N)
    return Instance(X, y, L=3, t=t, label=f"Gaussian N = {N}, d = 2, seed {seed}")


@settings(max_examples=examples(5), deadline=None)
@given(relu_instances(depths=(3,), sizes=SIZES))
@example(antipodal_example())
@example(gaussian(6, 1, t=0.5))
@example(Instance([[1.0], [-1.0]], [0.0, 0.06751155891301684], L=3, t=1 / 3, label="ties"))
def test_column_generation_agrees_with_the_full_program(instance):
    y = instance.Y[:, 0]
    assume(np.linalg.norm(y) > 1e-6 * max(1.0, float(np.abs(instance.X).max())))
    problem, generated_path = generated(instance)
    solution = solve(problem)
    full_network = reconstruct(problem, solution).network
    full_dual = rescaled_dual_point(problem, solution.dual, solution.outer_dual)
    assert generated_path.certified and generated_path.outcome.converged
    output, cost, _ = hand_forward(generated_path.network, instance.X)
    full_output, full_cost, _ = hand_forward(full_network, instance.X)
    output, full_output = output[:, 0], full_output[:, 0]
    # Both networks interpolate far below C5's tolerance (1e-6): at rounding level in general;
    # where tied groups split the weight, a branch whose feature is off by the solver's accuracy
    # can stay (e.g. X = [1; −1], y = (0, 0.0675), t = 1/3: 2.5e-10 relative on both paths).
    scale = np.linalg.norm(y)
    assert np.linalg.norm(output - y) <= 1e-8 * scale
    assert np.linalg.norm(full_output - y) <= 1e-8 * scale
    # Crossed weak duality: each path's certified dual value is below the other's network.
    dual = generated_path.dual
    assert dual.value <= full_cost + weak_duality_allowance(
        instance.X, y, full_network, dual.multipliers, full_cost
    )
    assert full_dual.value <= cost + weak_duality_allowance(
        instance.X, y, generated_path.network, full_dual.multipliers, cost
    )
    # Both certify the optimum within the gap.
    assert cost - dual.value <= GAP * cost
    assert cost == pytest.approx(full_cost, rel=2 * GAP)
    # The solver's value of the full program (at t = 1, divided by t) lies in the interval.
    assert dual.value * (1 - GAP) <= solution.value / instance.t <= cost * (1 + GAP)


@settings(max_examples=examples(4), deadline=None)
@given(st.integers(4, 7), rotation_seeds(), st.integers(0, 3))
def test_every_round_is_recorded_and_its_lower_bound_is_certified(N, rng, warm):
    X, y = rng.standard_normal((N, 2)), rng.standard_normal(N)
    problem = relu_problem(X, y, 3, 1.0)
    start = sampled_groups(problem, warm * N, rng)
    certified = certify_three_layer(problem, start)
    rounds = certified.outcome.rounds
    _, cost, _ = hand_forward(certified.network, X)
    allowance = weak_duality_allowance(X, y, certified.network, certified.dual.multipliers, cost)
    # the working set only grows, by what each round added
    assert all(b.groups == a.groups + a.added for a, b in itertools.pairwise(rounds))
    assert rounds[0].groups == len(start)
    # the best certified lower bound never decreases and never passes the network's cost
    lowers = [r.dual_lower for r in rounds]
    assert lowers == sorted(lowers)
    assert max(lowers) <= cost + allowance
    assert certified.dual.value == pytest.approx(max(lowers), rel=1e-12)
    assert rounds[-1].added == 0 and rounds[-1].relative_gap <= GAP
    assert certified.outcome.rho <= 1 + 10 * CONVERGED
    # the multipliers it reports (λ and every group's μ) give the same certified ρ when checked
    # group by group by the full program's dual check (what proof mode rescales)
    outcome = certified.outcome
    check = rescaled_dual_point(problem, outcome.multipliers, outcome.outer_multipliers.T)
    assert check.rho == pytest.approx(outcome.rho, rel=1e-9)
    assert check.value == pytest.approx(certified.dual.value, rel=1e-9)


def sampled_values(X: np.ndarray, lam: np.ndarray, rng: np.random.Generator) -> float:
    """``max |λᵀ(h)_+|`` over sampled pre-activations ``h = Σ_k c_k (X u_k)_+`` of one branch at
    ``t = 1`` (``Σ_k |c_k|‖u_k‖ = 1``): a lower estimate of the dual constraint's value."""
    best = 0.0
    for units in (1, 2, 3):
        U = rng.standard_normal((2000, X.shape[1], units))
        c = rng.standard_normal((2000, units))
        scale = np.sum(np.abs(c) * np.linalg.norm(U, axis=1), axis=1)
        h = np.einsum("sk,nsk->sn", c, np.maximum(np.einsum("nd,sdk->nsk", X, U), 0.0))
        best = max(best, float(np.max(np.abs(np.maximum(h, 0.0) @ lam) / scale)))
    return best


@settings(max_examples=examples(6), deadline=None)
@given(st.integers(3, 6), rotation_seeds(), st.sampled_from(["zero", "random", "priced"]))
def test_certified_group_bounds_are_never_below_sampled_values(N, rng, multipliers):
    """Soundness of the pricing check for arbitrary ``λ`` and ``μ``: no sampled pre-activation
    beats the largest certified group bound, whatever ``μ ≥ 0`` was used."""
    X = rng.standard_normal((N, 2)) * np.exp(rng.uniform(-3, 3))
    lam = rng.standard_normal(N)
    problem = relu_problem(X, lam, 3, 1.0)
    groups = np.arange(len(problem.outer))
    if multipliers == "zero":
        mu = np.zeros((len(groups), N))
    elif multipliers == "random":
        mu = np.abs(rng.standard_normal((len(groups), N)))
    else:
        mu = solve_pricing(GroupLayout.of(X, problem.inner), problem.outer, problem.signs, lam)[1]
    bound = float(certified_bounds(problem, groups, lam, mu, 1.0).max())
    assert sampled_values(X, lam, rng) <= bound


@settings(max_examples=examples(4), deadline=None)
@given(st.integers(3, 6), rotation_seeds())
def test_the_group_bounds_agree_with_the_full_programs_dual_check(N, rng):
    """For the full program's ``λ`` and ``μ``, the batched bounds over every group give the
    ``ρ`` of :func:`verify.relu_parallel.rescaled_dual_point` (the same certified quantity,
    computed group by group there)."""
    X, y = rng.standard_normal((N, 2)), rng.standard_normal(N)
    problem = relu_problem(X, y, 3, 1.0)
    solution = solve(problem)
    groups = np.arange(len(problem.outer))
    bounds = certified_bounds(problem, groups, solution.dual, solution.outer_dual.T, 1.0)
    rho = rescaled_dual_point(problem, solution.dual, solution.outer_dual).rho
    assert float(bounds.max()) == pytest.approx(rho, rel=1e-9)


def test_pricing_over_a_reduced_outer_set_is_not_certified_and_is_refuted():
    """Negative control: with the outer groups reduced to the all-ones pattern (two-layer
    networks inside one ReLU), column generation converges on its own terms, but its dual
    point is not labelled certified — and rightly: its value exceeds a real network's cost,
    and pricing over every group finds the groups it violates."""
    instance = gaussian(5, 0)
    X, y = instance.X, instance.Y[:, 0]
    problem, full = generated(instance)
    ones = np.ones((2, 5), dtype=bool)
    reduced = ReluProblem(X, y, 3, 1.0, problem.inner, ones, np.array([1.0, -1.0]), False)
    short = certify_three_layer(reduced, np.array([0, 1]))
    assert not short.certified and full.certified
    _, cost, _ = hand_forward(full.network, X)
    assert short.dual.value > 1.1 * cost  # would contradict weak duality if it were a bound
    lam = short.outcome.multipliers
    values, mu = solve_pricing(GroupLayout.of(X, problem.inner), problem.outer, problem.signs, lam)
    assert values.max() > 1.1 * short.outcome.rho
    bounds = certified_bounds(problem, np.arange(len(problem.outer)), lam, mu, 1.0)
    assert bounds.max() >= values.max() * (1 - 1e-6)


@pytest.mark.parametrize("factor", [1.001, 1.1])
def test_a_perturbed_dual_point_fails_the_check(factor):
    """Negative control: the converged multipliers scaled up by ``factor`` (the outer ones too)
    violate the dual constraint by that factor, and every certified bound says so."""
    problem, certified = generated(gaussian(6, 2))
    outcome = certified.outcome
    lam = outcome.multipliers * factor
    groups = np.arange(len(problem.outer))
    layout = GroupLayout.of(problem.X, problem.inner)
    values, mu = solve_pricing(layout, problem.outer, problem.signs, lam)
    assert values.max() >= factor * (1 - 1e-7)
    assert certified_bounds(problem, groups, lam, mu, 1.0).max() >= factor * (1 - 1e-7)


def test_labels_no_network_reaches_are_never_reported_converged():
    """Negative control: duplicate points with different labels. The master's slack stays in
    use whatever its cost, so column generation must not report convergence (C5 certifies such
    labels ``infeasible`` by a dual ray before it ever gets here)."""
    X = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [-1.0, 0.5]])
    y = np.array([1.0, 2.0, 1.0, -1.0])
    problem = relu_problem(X, y, 3, 1.0)
    certified = certify_three_layer(problem, sampled_groups(problem, 8, np.random.default_rng(0)))
    assert not certified.outcome.converged
    assert certified.outcome.master.uses_slack


@pytest.mark.parametrize("failing", ["batches", "every group"])
def test_groups_clarabel_cannot_price_are_never_assumed_below_one(monkeypatch, failing):
    """Negative control: should the pricing programs fail, the batch is priced group by group;
    a group priced by nothing keeps its loose bound, and the run cannot report convergence."""
    original = cg.solve_pricing

    def flaky(layout, outer, signs, lam):
        if len(outer) > 1 or failing == "every group":
            raise SolverFailure("Clarabel returned status NumericalError")
        return original(layout, outer, signs, lam)

    monkeypatch.setattr(cg, "solve_pricing", flaky)
    _, certified = generated(gaussian(5, 0))
    assert certified.outcome.converged == (failing == "batches")
    if failing == "every group":
        assert certified.outcome.rho > 1 + CONVERGED


def test_problems_it_does_not_solve_are_refused():
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    with pytest.raises(ValueError, match="L = 3"):
        certify_three_layer(relu_problem(X, np.ones(3), 2, 1.0), np.array([0]))
    with pytest.raises(ValueError, match="y = 0"):
        certify_three_layer(relu_problem(X, np.zeros(3), 3, 1.0), np.array([0]))
