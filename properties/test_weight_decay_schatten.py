"""C2: weight decay is a Schatten-2/L penalty with closed-form weights."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from scipy.optimize import minimize_scalar

from properties.strategies import factor_tuples, linear_instances
from verify.claims import Budget, get
from verify.instances import Instance
from verify.linalg import matrix_schatten_quasi_norm
from verify.result import HOLDS

CLAIM = get("weight-decay-schatten")
STANDARD = get("linear-standard-gap")
BUDGET = Budget(seed=0, restarts=3)


@given(linear_instances(max_dim=4))
@example(Instance(np.eye(2), np.eye(2), L=3, t=1.0))
def test_weight_decay_is_the_rescaled_t_formulation(instance):
    """½Σ‖W_l‖² = min_t ((L−2)/2)t² + P_lin(t), with P_lin from C1's checker."""
    result = CLAIM.check(instance, BUDGET)
    assert result.verdict == HOLDS
    L = instance.L
    p1 = STANDARD.check(Instance(instance.X, instance.Y, L=L, t=1.0), BUDGET).primal_value
    dual1 = STANDARD.check(Instance(instance.X, instance.Y, L=L, t=1.0), BUDGET).dual_value
    if L == 2:
        assert result.primal_value == pytest.approx(p1, rel=1e-9)
        return
    for value, at_one in ((result.primal_value, p1), (result.dual_value, dual1)):
        best = minimize_scalar(
            lambda log_t, a=at_one: (L - 2) / 2 * np.exp(2 * log_t) + np.exp(-(L - 2) * log_t) * a,
            bounds=(-10, 10),
            method="bounded",
            options={"xatol": 1e-12},
        )
        assert value == pytest.approx(best.fun, rel=1e-7)


def test_identity_example():
    result = CLAIM.check(Instance(np.eye(2), np.eye(2), L=3))
    assert result.primal_value == pytest.approx(3.0, rel=1e-12)
    assert result.dual_value == pytest.approx(1.5 * 2 ** (2 / 3), rel=1e-12)


@given(factor_tuples())
def test_the_factorisation_inequality_on_random_matrices(weights):
    product = weights[0]
    for W in weights[1:]:
        product = product @ W
    lhs = np.prod([np.linalg.norm(W) for W in weights])
    rhs = matrix_schatten_quasi_norm(product, 2 / len(weights))
    assert lhs >= rhs * (1 - 1e-9)


@given(linear_instances(max_dim=3))
def test_search_reaches_but_never_beats_the_closed_form(instance):
    result = CLAIM.check(instance, Budget(seed=2, restarts=4))
    assert result.extra["search"]["best"] >= result.predicted["primal"] * (1 - 1e-9)
    assert result.extra["search"]["reached"]
    assert result.extra["factorisation_ratio_min"] >= 1 - 1e-9
