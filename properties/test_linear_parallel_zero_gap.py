"""C3: parallel deep linear networks have zero duality gap."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given

from properties.strategies import linear_instances, log_uniform
from verify.claims import Budget, get
from verify.convex import nuclear_norm_interpolation
from verify.instances import Instance
from verify.result import HOLDS, INFEASIBLE

CLAIM = get("linear-parallel-zero-gap")
STANDARD = get("linear-standard-gap")
WEIGHT_DECAY = get("weight-decay-schatten")
BUDGET = Budget(seed=0, restarts=3)


@given(linear_instances(max_dim=4))
@example(Instance(np.eye(2), np.eye(2), L=3, t=1.0))  # equal singular values
@example(Instance(np.eye(2), np.diag([5.0, 0.0]), L=6, t=0.5))  # rank 1
@example(Instance(np.eye(3), np.diag([3.0, 2.0, 0.5]), L=2, t=1.0))  # L = 2
def test_the_parallel_network_attains_the_standard_networks_dual(instance):
    """The bidual of the standard network is the parallel one: P_prl = D_lin."""
    result = CLAIM.check(instance, BUDGET)
    assert result.verdict == HOLDS
    standard = STANDARD.check(instance, BUDGET)
    assert result.primal_value == pytest.approx(standard.dual_value, rel=1e-9)
    lo, hi = result.intervals["gap"]
    assert abs(lo) <= 1e-8 * result.primal_value and abs(hi) <= 1e-8 * result.primal_value


@given(linear_instances(max_dim=3), log_uniform(1e-3, 1e3))
def test_the_modified_regulariser_is_nuclear_norm_minimisation(instance, beta):
    """β ≠ 1: the verdict and the whole certified interval of β‖X⁺Y‖_* (independent: SCS)."""
    scaled = Instance(instance.X, instance.Y, L=instance.L, t=instance.t, beta=beta)
    result = CLAIM.check(scaled, BUDGET)
    assert result.verdict == HOLDS
    value = beta * nuclear_norm_interpolation(instance.X, instance.Y, solver="SCS").value
    lo, hi = result.intervals["modified_regulariser"]
    assert lo == pytest.approx(value, rel=1e-5) and hi == pytest.approx(value, rel=1e-5)
    assert hi - lo <= 1e-9 * hi
    assert result.predicted["modified_regulariser"] == pytest.approx(value, rel=1e-5)


@given(linear_instances(max_dim=3))
def test_plain_weight_decay_on_a_parallel_net_gives_back_the_schatten_value(instance):
    result = CLAIM.check(instance, BUDGET)
    standard = WEIGHT_DECAY.check(instance, BUDGET)
    assert result.bounds["plain_weight_decay_upper"].value == pytest.approx(
        standard.primal_value, rel=1e-9
    )
    assert result.extra["search_plain_weight_decay"]["best"] >= standard.primal_value * (1 - 1e-9)


def test_fewer_branches_than_the_rank_is_infeasible():
    result = CLAIM.check(Instance(np.eye(3), np.diag([3.0, 2.0, 1.0]), L=3, t=1.0, width=2))
    assert result.verdict == INFEASIBLE
    assert "branch count m 2 < rank" in result.extra["infeasible"]


def test_extra_branches_change_nothing():
    base = CLAIM.check(Instance(np.eye(2), np.diag([2.0, 1.0]), L=4, t=0.5))
    more = CLAIM.check(Instance(np.eye(2), np.diag([2.0, 1.0]), L=4, t=0.5, width=5))
    assert more.verdict == HOLDS and more.extra["branches"] == 5
    assert more.primal_value == pytest.approx(base.primal_value, rel=1e-12)
