"""C1: deep linear networks with vector outputs have a duality gap."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from properties.strategies import linear_instances, outside_range_instances
from verify.claims import Budget, get
from verify.convex import spectral_dual
from verify.instances import Instance
from verify.result import FAILS, HOLDS, INFEASIBLE

CLAIM = get("linear-standard-gap")
BUDGET = Budget(seed=0, restarts=3)


def independent_values(instance: Instance) -> tuple[float, float, int]:
    """P and D from the eigenvalues of W*ᵀW* (not the SVD path the checker uses)."""
    W = np.linalg.lstsq(instance.X, instance.Y, rcond=None)[0]
    eig = np.linalg.eigvalsh(W.T @ W)
    sigma = np.sqrt(eig[eig > 1e-12 * eig.max()])
    c = instance.t ** (2 - instance.L)
    primal = c * np.sum(sigma ** (2 / instance.L)) ** (instance.L / 2)
    return primal, c * np.sum(sigma), sigma.size


def test_identity_counterexample_to_the_equal_singular_values_reading():
    result = CLAIM.check(Instance(np.eye(2), np.eye(2), L=3, t=1.0))
    assert result.verdict == HOLDS
    assert result.primal_value == pytest.approx(2 * math.sqrt(2), rel=1e-12)
    assert result.dual_value == pytest.approx(2.0, rel=1e-12)
    lo, hi = result.intervals["gap"]
    assert lo == pytest.approx(2 * math.sqrt(2) - 2, rel=1e-9) and hi == pytest.approx(lo)


@given(linear_instances(max_dim=4))
@example(Instance(np.eye(3), np.diag([2.0, 2.0, 2.0]), L=3, t=1.0))  # equal singular values
@example(Instance(np.eye(2), np.diag([5.0, 0.0]), L=6, t=0.5))  # rank 1
@example(Instance(np.eye(2), np.diag([5.0, 1.0]), L=2, t=0.5))  # L = 2: zero gap
@example(Instance(np.ones((3, 1)), np.ones(3), L=4, t=2.0))  # K = 1, rank 1, N > d
def test_values_match_an_independent_computation(instance):
    result = CLAIM.check(instance, BUDGET)
    primal, dual, rank = independent_values(instance)
    assert result.verdict == HOLDS
    assert result.primal_value == pytest.approx(primal, rel=1e-8)
    assert result.dual_value == pytest.approx(dual, rel=1e-8)
    assert result.extra["rank"] == rank
    # The gap is positive exactly when L ≥ 3 and the rank is at least two.
    lo, _ = result.intervals["gap"]
    positive = instance.L >= 3 and rank >= 2
    assert (lo > 1e-9 * primal) == positive


@given(linear_instances(max_dim=3), st.sampled_from([0.5, 2.0, 3.0]))
def test_values_scale_as_t_to_the_minus_depth(instance, factor):
    scaled = Instance(instance.X, instance.Y, L=instance.L, t=instance.t * factor)
    base, other = CLAIM.check(instance, BUDGET), CLAIM.check(scaled, BUDGET)
    expected = factor ** (2 - instance.L)
    assert other.primal_value == pytest.approx(expected * base.primal_value, rel=1e-9)
    assert other.dual_value == pytest.approx(expected * base.dual_value, rel=1e-9)


@given(linear_instances(max_dim=3))
def test_the_dual_agrees_with_an_independent_solver(instance):
    """SCS (not the Clarabel cross-check inside the checker) on the dual program."""
    radius = instance.t ** (2 - instance.L)
    value = spectral_dual(instance.X, instance.Y, radius, solver="SCS").value
    assert CLAIM.check(instance, BUDGET).dual_value == pytest.approx(value, rel=1e-5, abs=1e-7)


@given(linear_instances(max_dim=3))
def test_local_search_reaches_but_never_beats_the_closed_form(instance):
    result = CLAIM.check(instance, Budget(seed=1, restarts=4))
    search = result.extra["search"]
    assert search["best"] >= result.predicted["primal"] * (1 - 1e-9)
    assert search["reached"], search


@given(outside_range_instances())
@example(Instance(np.vstack([np.eye(2), np.zeros((1, 2))]), np.ones(3), L=3, t=1.0))
def test_labels_outside_the_range_are_infeasible_with_an_unbounded_dual(instance):
    result = CLAIM.check(instance, BUDGET)
    assert result.verdict == INFEASIBLE
    assert "not in the range of X" in result.extra["infeasible"]
    assert math.isinf(result.bounds["dual_lower"].value)


def test_a_network_narrower_than_the_rank_is_infeasible():
    result = CLAIM.check(Instance(np.eye(3), np.eye(3), L=4, t=1.0, width=2))
    assert result.verdict == INFEASIBLE
    assert result.dual_value == pytest.approx(3.0)  # the dual does not depend on the width
    assert "width 2 < rank" in result.extra["infeasible"]


def test_a_wider_network_has_the_same_value():
    narrow = CLAIM.check(Instance(np.eye(2), np.diag([2.0, 1.0]), L=3, t=1.0))
    wide = CLAIM.check(Instance(np.eye(2), np.diag([2.0, 1.0]), L=3, t=1.0, width=4))
    assert wide.verdict == HOLDS
    assert wide.primal_value == pytest.approx(narrow.primal_value, rel=1e-12)


def test_a_broken_construction_is_caught_not_believed(monkeypatch):
    """A primal certificate that does not interpolate is charged for its residual (its bound
    stays above the true P), and a construction that does not attain the closed form refutes
    the construction identity: the verdict is ``fails``, never ``holds`` on a wrong network."""
    import verify.claims.linear_standard_gap as module
    from verify.networks import Network

    def broken(data, L, t, width):
        return Network(tuple(0.5 * np.eye(2) for _ in range(L)))

    monkeypatch.setattr(module, "standard_t_weights", broken)
    result = CLAIM.check(Instance(np.eye(2), np.eye(2), L=3, t=1.0), Budget(restarts=1))
    lo, hi = result.intervals["primal"]
    assert lo <= 2 * math.sqrt(2) <= hi
    assert result.verdict == FAILS
    lo, hi = result.intervals["construction"]
    assert not lo <= 1.0 <= hi
