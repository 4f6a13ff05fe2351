"""Certified support functions (verify.cone_support) against 50-digit evaluations.

The reference computes ``σ(c) = max_{‖u‖≤1} |cᵀ(Xu)_+|`` from the float data converted exactly to
mpmath numbers: for every chamber pattern and sign, the projection of ``g = ±XᵀDc`` onto the cone
``{u : (2D − I)Xu ≥ 0}`` is found by trying every active set of at most ``d`` rows and keeping
the one that satisfies the KKT conditions at 50 digits. A bound that forgot any rounding term
falls below it in about half of the draws; a loose bound is caught by the tightness check.
"""

from __future__ import annotations

import itertools

import mpmath
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from properties.profile import examples
from properties.strategies import rotation_seeds
from verify.arrangements import chamber_patterns, masks
from verify.cone_support import cone_maximum, dot_lower, support_function

mpmath.mp.dps = 50
SLACK = mpmath.mpf(10) ** -40


def _matrix(rows) -> mpmath.matrix:
    return mpmath.matrix([[mpmath.mpf(float(v)) for v in row] for row in rows])


def exact_cone_value(A: np.ndarray, g: list) -> mpmath.mpf:
    """``max gᵀu`` over ``Au ≥ 0, ‖u‖ ≤ 1`` = the norm of the projection of ``g`` onto the cone
    (``g`` a list of mpmath numbers), by the active set that satisfies the KKT conditions."""
    N, d = A.shape
    gm = mpmath.matrix(g)
    Am = _matrix(A)
    for size in range(0, min(N, d) + 1):
        for active in itertools.combinations(range(N), size):
            if size:
                AS = _matrix(A[list(active)])
                gram = AS * AS.T
                if abs(mpmath.det(gram)) < SLACK:
                    continue
                nu = -mpmath.lu_solve(gram, AS * gm)
                if any(v < -SLACK for v in nu):
                    continue
                p = gm + AS.T * nu
            else:
                p = gm
            if all(v >= -SLACK for v in Am * p):
                return mpmath.norm(p)
    raise AssertionError("no active set satisfies the KKT conditions")


def exact_support(X: np.ndarray, c: np.ndarray) -> mpmath.mpf:
    cm = [mpmath.mpf(float(v)) for v in c]
    best = mpmath.mpf(0)
    for D in masks(chamber_patterns(X)):
        A = (2 * D - 1)[:, None] * X
        g = [
            sum(mpmath.mpf(float(X[k, j])) * cm[k] for k in range(len(c)) if D[k])
            for j in range(X.shape[1])
        ]
        for sign in (1, -1):
            best = max(best, exact_cone_value(A, [sign * v for v in g]))
    return best


@st.composite
def data_and_multipliers(draw):
    rng = draw(rotation_seeds())
    N, d = draw(st.integers(1, 6)), draw(st.integers(1, 3))
    kind = draw(st.sampled_from(["gaussian", "grid", "scaled"]))
    if kind == "grid":
        X = rng.integers(-2, 3, size=(N, d)).astype(float)
    else:
        X = rng.standard_normal((N, d))
    if kind == "scaled":
        X *= 10.0 ** rng.integers(-3, 4, size=(N, 1))
    return X, rng.standard_normal(N) * 10.0 ** draw(st.integers(-3, 3))


@settings(max_examples=examples(25), deadline=None)
@given(data_and_multipliers())
def test_the_support_function_bound_is_never_below_a_50_digit_evaluation(case):
    X, c = case
    exact = exact_support(X, c)
    bound = support_function(X, chamber_patterns(X), c)
    assert mpmath.mpf(bound) >= exact
    # tight: within 1e-9 of the scale of the values (‖X‖·‖c‖ bounds every ‖XᵀDc‖)
    assert bound - float(exact) <= 1e-9 * np.linalg.norm(X) * np.linalg.norm(c) + 1e-300


@settings(max_examples=examples(40), deadline=None)
@given(rotation_seeds(), st.integers(1, 7), st.integers(1, 3))
def test_cone_maximum_bounds_the_exact_projection(rng, N, d):
    A = rng.standard_normal((N, d))
    g = rng.standard_normal(d)
    exact = exact_cone_value(A, [mpmath.mpf(float(v)) for v in g])
    bound = cone_maximum(A, g).bound
    assert exact <= mpmath.mpf(bound)
    assert bound - float(exact) <= 1e-9 * np.linalg.norm(g) + 1e-300


@settings(max_examples=examples(50), deadline=None)
@given(rotation_seeds(), st.integers(1, 50))
def test_dot_lower_is_a_lower_bound(rng, n):
    a = rng.standard_normal(n) * 10.0 ** rng.integers(-5, 6, size=n)
    b = rng.standard_normal(n)
    exact = mpmath.fsum(
        mpmath.mpf(float(x)) * mpmath.mpf(float(y)) for x, y in zip(a, b, strict=True)
    )
    assert mpmath.mpf(dot_lower(a, b)) <= exact
