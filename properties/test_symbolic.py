"""The sympy derivations behind C2 and C4: exact residuals that simplify to zero, checked for
every depth in range and for symbolic depth; false variants that must not simplify to zero;
the explicit root formulas against high-precision numeric roots."""

from __future__ import annotations

import itertools
import math

import mpmath
import numpy as np
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from properties.strategies import log_uniform
from verify import lowrank, symbolic

EPS = np.finfo(float).eps
#: the explicit formulas as numpy functions (lambdified once)
EXPLICIT = {L: symbolic.explicit_root_function(L) for L in (3, 4)}


def test_proves_accepts_only_exact_zeros():
    assert symbolic.proves({"zero": symbolic.beta - symbolic.beta})
    assert not symbolic.proves({"nonzero": symbolic.beta - 1})
    assert not symbolic.proves({"matrix": sp.Matrix([0, symbolic.sigma])})


# --- C2 -------------------------------------------------------------------------------------


@pytest.mark.parametrize("L", range(2, 11))
def test_weight_decay_rescaling_identity(L):
    assert symbolic.weight_decay_rescaling_identity(L)
    c = sp.Symbol("c", positive=True)
    assert symbolic.rescaling_minimum(L).subs(c, 1) == L  # Σ 1² over L unit layers


def test_weight_decay_rescaling_value_for_symbolic_depth():
    assert symbolic.weight_decay_rescaling_identity_symbolic()


@pytest.mark.parametrize("L", [*range(2, 11), None])
def test_t_optimisation_identity(L):
    assert symbolic.t_optimisation_identity(L)


@pytest.mark.parametrize("L", range(3, 11))
def test_t_optimisation_against_a_numeric_minimum(L):
    S = 2.7
    t_star, value = (float(e.subs(symbolic.S, S)) for e in symbolic.t_optimum(L))
    grid = np.linspace(0.2, 3.0, 200_001)
    h = (L - 2) / 2 * grid**2 + grid ** (-(L - 2)) * S
    assert value == pytest.approx(h.min(), rel=1e-9)
    assert t_star == pytest.approx(grid[np.argmin(h)], abs=2e-5)


def test_false_c2_variants_do_not_simplify_to_zero():
    L = 4
    t_star, value = symbolic.t_optimum(L)
    h = symbolic.t_objective(L)
    wrong_t = h.subs(symbolic.t, symbolic.S ** sp.Rational(1, L - 1)) - value
    assert not symbolic.proves({"t* = S^(1/(L-1))": wrong_t})
    assert not symbolic.proves({"min = L S^(2/L)": h.subs(symbolic.t, t_star) - 2 * value})
    a = sp.symbols("a1:4", positive=True)
    at_balanced = sum(x**2 for x in a).subs({x: symbolic.c ** sp.Rational(1, 3) for x in a})
    assert not symbolic.proves(
        {"min = L c^(1/L)": at_balanced - 3 * symbolic.c ** sp.Rational(1, 3)}
    )


# --- C4 -------------------------------------------------------------------------------------


def test_soft_threshold_is_the_proximal_map_for_two_layers():
    assert symbolic.soft_threshold_identity()
    residuals = symbolic.soft_threshold_residuals()
    shifted = sp.diff(symbolic.scalar_objective(2), symbolic.s).subs(
        symbolic.s, symbolic.sigma - symbolic.beta / 2
    )
    assert symbolic.proves(residuals)
    assert not symbolic.proves({"half shrinkage": shifted})


@pytest.mark.parametrize("L", [*range(3, 11), None])
def test_threshold_identities(L):
    assert symbolic.threshold_identities(L)


@pytest.mark.parametrize("factor", [sp.Rational(3, 2), sp.Rational(9, 10), sp.Rational(2, 3)])
def test_a_threshold_off_by_a_factor_breaks_the_identities(factor):
    for L in (3, 5):
        residuals = symbolic.threshold_residuals(L, factor)
        assert not symbolic.proves({"stationary": residuals["stationary"]})
        assert not symbolic.proves({"equal_objective": residuals["equal_objective"]})


@pytest.mark.parametrize("L", range(3, 11))
def test_symbolic_threshold_matches_the_numeric_one(L):
    for value in (0.01, 1.0, 37.5):
        tau = float(symbolic.threshold(L).subs(symbolic.beta, value))
        bar = float(symbolic.jump(L).subs(symbolic.beta, value))
        assert tau == pytest.approx(lowrank.threshold(L, value), rel=1e-14)
        assert bar == pytest.approx(lowrank.jump(L, value), rel=1e-14)


def test_explicit_root_derivations():
    residuals = symbolic.explicit_root_residuals()
    assert {"L3_ferrari", "L3_cardano", "L3_radicands", "L4_triple_angle", "L4_angle"} <= set(
        residuals
    )
    for name, residual in residuals.items():
        assert symbolic.proves({name: residual}), name


#: rational (β, σ/τ) points; σ is rounded to a rational just above τ·ratio
RATIONAL_POINTS = [
    (sp.Rational(1, 1000), "1.000001"),
    (sp.Rational(1, 10), "1.01"),
    (sp.Rational(1, 3), "1.5"),
    (sp.Integer(1), "1.0000001"),
    (sp.Integer(1), "5"),
    (sp.Rational(7, 2), "2"),
    (sp.Integer(20), "40"),
    (sp.Integer(1000), "1.1"),
    (sp.Integer(1000), "1000"),
]


@pytest.mark.parametrize("L", [3, 4])
@pytest.mark.parametrize(("beta", "ratio"), RATIONAL_POINTS)
def test_explicit_roots_match_numeric_roots_at_rational_points(L, beta, ratio):
    tau = symbolic.threshold(L).subs(symbolic.beta, beta)
    sigma = sp.Rational(str(sp.N(tau * sp.Rational(ratio), 30)))
    assert sigma > tau
    formula = {3: symbolic.explicit_root_L3, 4: symbolic.explicit_root_L4}[L](sigma, beta)
    exact = formula.evalf(40)
    numeric = symbolic.largest_real_root(L, sigma, beta, digits=40)
    assert abs(exact - numeric) <= sp.Float("1e-32", 40) * numeric
    # and the closed form of verify.lowrank to machine precision
    newton = lowrank.optimal_singular_values(np.array([float(sigma)]), L, float(beta))[0]
    assert abs(newton - float(numeric)) <= 8 * EPS * float(numeric)


@settings(max_examples=60, deadline=None)
@given(
    L=st.sampled_from([3, 4]),
    beta=log_uniform(1e-4, 1e4),
    ratio=st.one_of(log_uniform(1 + 1e-12, 1.01), log_uniform(1.01, 1e4)),
)
def test_explicit_roots_in_floating_point_agree_with_newton(L, beta, ratio):
    sigma = lowrank.threshold(L, beta) * ratio
    explicit = float(EXPLICIT[L](sigma, beta))
    newton = lowrank.optimal_singular_values(np.array([sigma]), L, beta)[0]
    assert newton == pytest.approx(explicit, rel=32 * EPS)


@settings(max_examples=60, deadline=None)
@given(
    L=st.integers(3, 8),
    beta=log_uniform(1e-4, 1e4),
    ratio=st.one_of(log_uniform(1 + 1e-14, 1.001), log_uniform(1.001, 1e6)),
)
def test_newton_is_exact_to_machine_precision(L, beta, ratio):
    """Against the root of s + βs^{2/L−1} = σ at 50 digits, started from the float answer."""
    sigma = lowrank.threshold(L, beta) * ratio
    s = lowrank.optimal_singular_values(np.array([sigma]), L, beta)[0]
    with mpmath.workdps(50):
        exponent = mpmath.mpf(2) / L - 1
        root = mpmath.findroot(
            lambda x: x + mpmath.mpf(beta) * x**exponent - mpmath.mpf(sigma), mpmath.mpf(s)
        )
        assert abs(s - root) <= 8 * EPS * root


# --- where τ grows with depth -----------------------------------------------------------------


@pytest.mark.parametrize("L", range(2, 13))
def test_depth_growth_step_identity(L):
    assert symbolic.depth_growth_step_identity(L)


def test_depth_growth_betas_exactly():
    assert symbolic.depth_growth_beta(2) == 16
    assert symbolic.depth_growth_beta(3) == sp.Rational(3**12, 2**16)
    assert symbolic.depth_growth_beta(4) == sp.Rational(2**56, 3**33)
    for L in range(2, 20):
        assert float(symbolic.depth_growth_beta(L)) == pytest.approx(
            lowrank.depth_growth_beta(L), rel=1e-11
        )


def test_depth_growth_beta_is_smallest_at_three_and_increases_after():
    """Exact rational comparisons for L ≤ 60 (the symbolic proof covers all real x ≥ 3)."""
    betas = [symbolic.depth_growth_beta(L) for L in range(2, 61)]
    assert betas[0] > betas[1]
    assert all(a < b for a, b in itertools.pairwise(betas[1:]))
    assert min(betas) == sp.Rational(3**12, 2**16)


def test_depth_growth_monotonicity_proof():
    residuals = symbolic.depth_growth_monotonicity_residuals()
    for name, residual in residuals.items():
        assert symbolic.proves({name: residual}), name


def test_the_log_derivative_bound_numerically():
    x = sp.Symbol("x", positive=True)
    derivative = sp.lambdify(x, sp.diff(symbolic.log_depth_growth_beta(x), x), "numpy")
    grid = np.concatenate([np.linspace(3.0, 10.0, 701), np.geomspace(10.0, 1e4, 300)])
    assert np.all(derivative(grid) >= (grid - 3) / (grid - 2) - 1e-12)
    # …and log β_L grows like L − log L (β_L → ∞): every β is eventually below β_L
    assert math.log(lowrank.depth_growth_beta(200)) > 190
