"""The local search: exact gradients, and one test body shared by both methods."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.optimize import approx_fprime

from verify.networks import primal_certificate
from verify.search import Architecture, _EliminatedObjective, initial_point, local_search

CASES = [
    (Architecture(L=3, width=6), "t"),
    (Architecture(L=4, width=6), "weight-decay"),
    (Architecture(L=4, branches=5, parallel=True, width=2), "t"),
    (Architecture(L=3, activation="relu", branches=9, parallel=True, width=3), "t"),
    (Architecture(L=3, activation="relu", width=9), "weight-decay"),
    (Architecture(L=3, width=3), "ridge"),
]


@pytest.mark.parametrize(("arch", "objective"), CASES)
def test_gradients_match_finite_differences(arch, objective):
    rng = np.random.default_rng(3)
    X, Y = rng.standard_normal((4, 5)), rng.standard_normal((4, 2))
    fun = _EliminatedObjective(X, Y, arch, objective, t=1.3, beta=0.4)
    x0 = initial_point(fun.shapes, rng, Y)
    numeric = approx_fprime(x0, lambda x: fun(x)[0], 1e-7)
    analytic = fun(x0)[1]
    assert np.linalg.norm(numeric - analytic) <= 1e-5 * np.linalg.norm(numeric)


@pytest.mark.parametrize("method", ["L-BFGS-B", "gradient-descent"])
def test_each_method_reaches_the_optimum_and_returns_feasible_networks(method):
    """Standard linear network, L = 3, t = 1, W* = diag(3, 1): P = (3^{2/3} + 1)^{3/2}."""
    C = np.diag([3.0, 1.0])
    outcome = local_search(
        np.eye(2),
        C,
        Architecture(L=3, width=2),
        t=1.0,
        restarts=3,
        max_iter=20000,
        rng=np.random.default_rng(0),
        method=method,
        target=(3 ** (2 / 3) + 1) ** 1.5 * (1 + 1e-8),
    )
    claimed = (3 ** (2 / 3) + 1) ** 1.5
    assert min(outcome.values) == pytest.approx(claimed, rel=1e-7)
    for model, value in zip(outcome.models, outcome.values, strict=True):
        bound = primal_certificate(np.eye(2), C, model, "t", t=1.0, how="test")
        assert bound.residual < 1e-10
        assert bound.value == pytest.approx(value, rel=1e-9)
        assert bound.value >= claimed * (1 - 1e-12)


def test_unknown_options_are_refused():
    with pytest.raises(ValueError):
        local_search(
            np.eye(1),
            np.eye(1),
            Architecture(L=2),
            rng=np.random.default_rng(),
            t=1.0,
            method="adam",
        )
    with pytest.raises(ValueError):
        local_search(np.eye(1), np.eye(1), Architecture(L=2), rng=np.random.default_rng())
